"""Supports: a citizen supports a proposal once, within the project's limit."""

from flask import Blueprint

bp = Blueprint("votes", __name__)

from consultation.votes import permissions, personal_data, views  # noqa: E402,F401
