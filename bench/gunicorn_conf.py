"""gunicorn settings file of every served process of the benchmarks (`--config
python:bench.gunicorn_conf`): it sets nothing, it reports what really runs.

When gunicorn is ready, its master writes to $BENCH_SERVER_INFO (a path) the versions and the
settings it runs with, read from inside the server itself: the bare app's ratios mean something
only if it ran under the same gunicorn, worker class and count, options and Python as the app.
"""

from __future__ import annotations

import json
import os
from typing import Any

# The settings that change how fast a worker answers; bind (a free port) and the app differ.
COMPARED_SETTINGS = ("workers", "worker_class_str", "threads", "worker_connections",
                     "keepalive", "timeout", "graceful_timeout", "backlog", "max_requests",
                     "max_requests_jitter", "preload_app", "reuse_port", "sendfile")


ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def portable(path: str) -> str:
    """A path as results may keep it: relative to the repository when inside it, to the home
    folder otherwise (a committed reference names no folder of the machine it ran on)."""
    real = os.path.realpath(path)
    for base, prefix in ((ROOT, ""), (os.path.expanduser("~"), "~/")):
        if real == base or real.startswith(base + os.sep):
            return prefix + (os.path.relpath(real, base) if real != base else ".")
    return os.path.basename(real)


def server_facts(cfg: Any) -> dict[str, Any]:
    """Versions of what the server process runs, and its gunicorn settings."""
    import platform
    import sqlite3
    import sys
    from importlib import metadata

    def version(distribution: str) -> str | None:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            return None

    return {
        "pid": os.getpid(),
        "python": portable(sys.executable),
        "environment": portable(sys.prefix),  # the virtualenv: its packages
        "versions": {
            "python": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            # The module the server runs (imported by then), else the installed distribution.
            "gunicorn": getattr(sys.modules.get("gunicorn"), "__version__", None)
            or version("gunicorn"),
            "flask": version("flask"),
            "werkzeug": version("werkzeug"),
            "sqlalchemy": version("sqlalchemy"),
            "sqlite": sqlite3.sqlite_version,
        },
        "settings": {name: getattr(cfg, name) for name in COMPARED_SETTINGS
                     if hasattr(cfg, name)},
    }


def when_ready(server: Any) -> None:
    """gunicorn hook: write the server's facts where the benchmark waits for them."""
    path = os.environ.get("BENCH_SERVER_INFO")
    if path:
        with open(path, "w") as out:
            json.dump(server_facts(server.cfg), out)
