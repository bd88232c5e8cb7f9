"""The opinion map: debates by statements, answered and mapped into opinion groups."""

from flask import Blueprint

bp = Blueprint("opinions", __name__)

from consultation.opinions import (  # noqa: E402,F401
    blocks,
    maps,
    models,
    permissions,
    personal_data,
    views,
)
