"""The production WSGI entry point: `gunicorn wsgi:app` (deploy/systemd/consultation-web.service).

The settings come from the environment (deploy/systemd reads /etc/consultation/env, written from
.env.example): with APP_ENV=production the app refuses to start without a real SECRET_KEY.
`make run` does not use this file; it starts Flask's development server.
"""

from __future__ import annotations

from consultation import create_app

app = create_app()
