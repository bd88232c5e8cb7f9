"""The proposal form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import AnyOf, InputRequired, Length

from consultation.core.forms import STRIP, OptionalSelectField, markdown_field, required
from consultation.core.templating import ANSWER_LABELS
from consultation.proposals.models import ANSWER_STATUSES


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


ANSWER_MESSAGE = _l("Choisissez acceptée, refusée ou à l'étude.")


class AnswerForm(FlaskForm):
    """The metropole's official answer to a proposal."""

    status = RadioField(
        _l("Réponse"),
        choices=[SelectChoice(value, ANSWER_LABELS[value]) for value in ANSWER_STATUSES],
        validate_choice=False,
        validators=[InputRequired(message=ANSWER_MESSAGE),
                    AnyOf(ANSWER_STATUSES, message=ANSWER_MESSAGE)],
    )
    body = markdown_field(_l("Texte de la réponse"), 10_000)
