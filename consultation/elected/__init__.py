"""The reading space of elected officials: syntheses, Rencontres dossiers, what is new, and the
follow-up of commitments."""

from flask import Blueprint

bp = Blueprint("elected", __name__)

from consultation.elected import models, permissions, personal_data, views  # noqa: E402,F401
