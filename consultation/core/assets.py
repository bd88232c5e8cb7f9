"""Static files with fingerprinted URLs: cached for a year by browsers, never stale.

`static_url("style.css")` gives `/static/style.css?v=<hash of the file's content>`. A request
whose `v` is the hash of the file as it is now gets `Cache-Control: public, max-age=31536000,
immutable`: the browser never asks again, and a changed file has a new URL. Any other request
for a static file (no `v`, or the `v` of an older version) gets a short max-age, so that a page
kept somewhere with an old URL still gets the current file soon.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from stat import S_ISREG
from typing import Any

from flask import Flask, request, send_from_directory, url_for
from markupsafe import Markup
from werkzeug.security import safe_join

from consultation.core.context import app

LONG_MAX_AGE = 365 * 24 * 3600  # a fingerprinted URL names one content for ever
SHORT_MAX_AGE = 300  # an unversioned URL: a few minutes, then the browser asks again
HASH_LENGTH = 10

# (path, size, modification time) -> hash: a file is read once per version, not per page.
_hashes: dict[tuple[str, int, int], str] = {}


def fingerprint(filename: str) -> str | None:
    """The short hash of a static file's content, or None for a file that does not exist (the
    app asked itself, not through its proxy: the chrome looks again every second)."""
    folder = app().static_folder
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # no such file, or a name no file can have
        return None
    if not S_ISREG(stat.st_mode):
        return None
    key = (path, stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:HASH_LENGTH]
        _hashes[key] = digest
    return _hashes[key]


def static_url(filename: str) -> str:
    """The URL of a static file, fingerprinted by its content."""
    version = fingerprint(filename)
    if version is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


_inline: dict[str, Markup] = {}


def inline_svg(filename: str) -> Markup:
    """A drawing of static/ put in the page itself (no request), as decoration: the text
    beside it says what it says."""
    version = fingerprint(filename)
    key = f"{filename}:{version}"
    if key not in _inline:
        folder = app().static_folder
        assert folder is not None and version is not None, filename
        svg = Path(folder, filename).read_text(encoding="utf-8").strip()
        svg = re.sub(r'\s(role|aria-label)="[^"]*"', "", svg, count=2)
        _inline[key] = Markup(svg.replace(
            "<svg ", '<svg aria-hidden="true" focusable="false" class="brand-mark" ', 1))
    return _inline[key]


def serve_static(filename: str) -> Any:
    """A file of static/, cached a year when asked for by its current fingerprint."""
    folder = app().static_folder
    assert folder is not None
    versioned = request.args.get("v") is not None and request.args.get("v") == fingerprint(
        filename)
    response = send_from_directory(
        folder, filename, max_age=LONG_MAX_AGE if versioned else SHORT_MAX_AGE)
    response.cache_control.public = True
    if versioned:
        response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    """Serve static files with the caching above; give templates `static_url()` and
    `inline_svg()`."""
    app.view_functions["static"] = serve_static
    app.jinja_env.globals.update(static_url=static_url, inline_svg=inline_svg)
