"""Comments with a stance, on proposals and on projects, threaded three levels deep."""

from flask import Blueprint

bp = Blueprint("comments", __name__)

from consultation.comments import permissions, personal_data, views  # noqa: E402,F401
