"""Notifications: follows, what people are told in the site and by email, digests."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from consultation.notifications import (  # noqa: E402,F401
    models,
    permissions,
    personal_data,
    views,
)
