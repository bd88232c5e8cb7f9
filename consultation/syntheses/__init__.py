"""Syntheses: figures computed from the data, a moderator's narrative, versions and PDFs."""

from flask import Blueprint

bp = Blueprint("syntheses", __name__)

from consultation.syntheses import blocks, permissions, personal_data, views  # noqa: E402,F401

# The figure blocks other domains register, for the templates that draw a synthesis.
bp.record_once(lambda state: state.app.jinja_env.globals.update(synthesis_blocks=blocks.registered))
