"""Notifications: follows, what people are told in the site and by email, digests."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from consultation.notifications import account, models, personal_data  # noqa: E402,F401
