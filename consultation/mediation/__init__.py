"""Digital mediation: assisted participants, acting on their behalf, paper workshops, claims."""

from flask import Blueprint

bp = Blueprint("mediation", __name__)

from consultation.mediation import permissions, personal_data, views  # noqa: E402,F401
