"""The proposal forms, and the sort and filters of the proposal list."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import (
    AnyOf,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from consultation.core.forms import STRIP, Form, OptionalSelectField, markdown_field, required
from consultation.core.templating import ANSWER_LABELS
from consultation.proposals.models import ANY_ANSWER, NO_ANSWER, AnswerStatus
from consultation.proposals.services import SEED_MAX, SORTS
from consultation.reference.services import territory_choices


class ProposalForm(Form):
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
    # The two buttons of a new proposal's page of similar ones (the edit form has neither):
    # "Ma proposition est différente : publier" publishes without looking again, "Modifier ma
    # proposition" goes back to the form, everything as typed.
    confirmed = BooleanField()
    revise = BooleanField()


ANSWER_MESSAGE = _l("Choisissez acceptée, refusée ou à l'étude.")


class AnswerForm(Form):
    """The metropole's official answer to a proposal."""

    status = RadioField(
        _l("Réponse"),
        choices=[SelectChoice(value, ANSWER_LABELS[value]) for value in AnswerStatus],
        validate_choice=False,
        validators=[InputRequired(message=ANSWER_MESSAGE),
                    AnyOf(tuple(AnswerStatus), message=ANSWER_MESSAGE)],
    )
    body = markdown_field(_l("Texte de la réponse"), 10_000)


SORT_LABELS = {
    "hasard": _l("Ordre aléatoire"),
    "soutiens": _l("Les plus soutenues"),
    "recentes": _l("Les plus récentes"),
    "commentees": _l("Les plus commentées"),
}
# The answer filter in display order: any answer, the three official answers, then "no answer
# yet".
ANSWER_FILTERS = (
    ANY_ANSWER, AnswerStatus.ACCEPTED, AnswerStatus.UNDER_STUDY, AnswerStatus.REJECTED,
    NO_ANSWER,
)
SEED_MAX_LENGTH = 10


def ascii_digits(form: Any, field: IntegerField) -> None:
    """A validator: the raw value is ASCII digits, at most SEED_MAX_LENGTH of them (int()
    alone takes "+1", " 1", "1_0" and other scripts' digits; str.isdigit() takes "²")."""
    raw = field.raw_data[0] if field.raw_data else ""
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit()
            and len(raw) <= SEED_MAX_LENGTH):
        raise StopValidation(str(_l("Un nombre entier est attendu.")))


class ProposalListForm(Form):
    """Sort and filters of a project's proposal list, read from the query string (GET, so no
    CSRF token); a refused value falls back to its default instead of an error."""

    class Meta:
        csrf = False

    sort = SelectField(
        _l("Trier par"), name="tri", default="hasard",
        choices=[SelectChoice(value, SORT_LABELS[value]) for value in SORTS],
    )
    territory = OptionalSelectField(_l("Territoire"), name="territoire")
    answer = SelectField(
        _l("Réponse officielle"), name="reponse", default="",
        choices=[SelectChoice("", _l("Toutes"))]
        + [SelectChoice(value, ANSWER_LABELS[value]) for value in ANSWER_FILTERS],
    )
    # Words to look for (the search domain finds them, through core/textfilter.py).
    q = StringField(_l("Mots"), filters=[lambda value: value[:200] if isinstance(value, str)
                                            else ""])
    # The seed of the random order: 1 .. SEED_MAX - 1.
    seed = IntegerField(name="graine", validators=[
        Optional(), ascii_digits, NumberRange(min=1, max=SEED_MAX - 1),
    ])
    # The keyset cursor, decoded (or refused with a 404) by core.pagination.decode_cursor.
    cursor = StringField(name="apres")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.territory.choices = territory_choices(blank=_l("Tous"))

    def read(self) -> ProposalListForm:
        """Validate, then put every refused value back to its field's default."""
        self.validate()
        for field in self:
            if field.errors:
                field.data = field.default
        return self
