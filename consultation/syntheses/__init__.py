"""Syntheses: figures computed from the data, a moderator's narrative, versions and PDFs."""

from flask import Blueprint

bp = Blueprint("syntheses", __name__)

from consultation.syntheses import permissions, personal_data, views  # noqa: E402,F401
