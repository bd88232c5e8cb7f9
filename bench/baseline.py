"""The baseline: a bare Flask app with one constant route, served like the platform.

    .venv/bin/gunicorn -w 2 -b 127.0.0.1:8000 bench.baseline:app
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/")
def constant() -> str:
    """The same few bytes every time: the most a Python app can do here."""
    return "Bonjour"
