"""Proposals: the list of a project's proposals, a proposal's page, submit, edit, withdraw."""

from flask import Blueprint

bp = Blueprint("proposals", __name__)

from consultation.proposals import (  # noqa: E402,F401
    permissions,
    personal_data,
    receivers,
    views,
)

receivers.connect()
