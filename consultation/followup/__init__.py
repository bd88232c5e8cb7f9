"""Follow-up of commitments: what the métropole does after a consultation (the "Suivi" phase)."""

from flask import Blueprint

bp = Blueprint("followup", __name__)

from consultation.followup import (  # noqa: E402,F401
    forms,
    permissions,
    personal_data,
    providers,
    views,
)

# The French labels of the statuses, for every template that shows a commitment (the partials
# included by the pages of the domains below, the synthesis block, the dossier).
bp.record_once(lambda state: state.app.jinja_env.globals.update(
    COMMITMENT_LABELS=forms.STATUS_LABELS))
