"""The proposal form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from consultation.core.forms import STRIP, OptionalSelectField, markdown_field, required


class ProposalForm(FlaskForm):
    """Title, markdown body and territory of a proposal."""

    title = StringField(
        _l("Titre"),
        validators=[
            required(),
            Length(min=5, max=150, message=_l("Entre 5 et 150 caractères.")),
        ],
        filters=STRIP,
        description=_l("Une phrase qui dit ce que vous proposez."),
    )
    body = markdown_field(_l("Votre proposition"), 10_000)
    territory = OptionalSelectField(
        _l("Territoire concerné (facultatif)"),
        description=_l("La commune ou l'intercommunalité où la proposition s'appliquerait."),
    )
