"""Moderation: reports, hiding, pre-moderation, merging, blocking accounts, the audit log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from consultation.moderation import permissions, personal_data, views  # noqa: E402,F401
