"""The yearly "Rencontres des numériques": editions gathering the year's syntheses."""

from flask import Blueprint

bp = Blueprint("rencontres", __name__)

from consultation.rencontres import permissions, personal_data, views  # noqa: E402,F401
