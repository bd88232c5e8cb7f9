"""Reference data: the territories of the Pays de Brest and the five orientations; the admin's
page for the territories' populations."""

from flask import Blueprint

bp = Blueprint("reference", __name__)

from consultation.reference import permissions, views  # noqa: E402,F401
