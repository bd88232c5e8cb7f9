"""Supports: a citizen supports a proposal once, within the project's limit."""

from flask import Blueprint

bp = Blueprint("votes", __name__)

from consultation.votes import permissions, views  # noqa: E402,F401
