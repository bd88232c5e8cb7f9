"""Structuring projects: the public list and pages, and the admin's forms."""

from flask import Blueprint

bp = Blueprint("projects", __name__)

from consultation.projects import permissions, personal_data, receivers, views  # noqa: E402,F401

receivers.connect()
