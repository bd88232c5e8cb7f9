"""Moderation: reports, hiding, pre-moderation, merging, blocking accounts, the audit log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from consultation.moderation import permissions, views  # noqa: E402,F401
