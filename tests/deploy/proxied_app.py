"""What gunicorn serves in tests/deploy/test_nginx.py: the production entry point (wsgi.py),
plus one route that tells the test who the app believes asked, and how."""

from __future__ import annotations

from flask import jsonify, request

from wsgi import app


@app.get("/_test/client")
def client_seen_by_app():
    """The address and scheme of the request as the app sees them (after PROXY_FIX)."""
    return jsonify(remote_addr=request.remote_addr, scheme=request.scheme,
                   secure=request.is_secure)
