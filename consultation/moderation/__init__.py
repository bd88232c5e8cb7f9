"""Moderation: blocking accounts and the audit log (reports, hiding and merging come next)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from consultation.moderation import permissions, views  # noqa: E402,F401
