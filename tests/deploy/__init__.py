"""Tests of deploy/: nginx in front of gunicorn, the systemd units, backups, .env.example."""
