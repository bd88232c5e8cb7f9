"""The opinion map: debates by statements, answered and mapped into opinion groups."""

from flask import Blueprint

bp = Blueprint("opinions", __name__)

from consultation.opinions import models, permissions, views  # noqa: E402,F401
