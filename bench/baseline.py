"""The baseline: a bare Flask app with one constant route, served like the platform.

bench/run.py starts it with `gunicorn_command()`, the command the platform gets but for the app
(the same gunicorn binary, Python, worker class and count, options), and checks what both
servers report about themselves (bench/gunicorn_conf.py) before comparing them. By hand:

    .venv/bin/gunicorn --workers 2 --config python:bench.gunicorn_conf -b 127.0.0.1:8000 \
        bench.baseline:app
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/")
def constant() -> str:
    """The same few bytes every time: the most a Python app can do here."""
    return "Bonjour"
