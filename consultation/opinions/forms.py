"""The forms of the debate by statements: an answer, a new statement, the admin's settings,
a moderator's decision and a mediator's paper sheet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import AnyOf, InputRequired, Length
from wtforms.widgets import HiddenInput

from consultation.core.forms import STRIP, Form, markdown_field, required
from consultation.core.http import MAX_ID
from consultation.opinions.models import AGREE, DISAGREE, PASS, STATEMENT_MAX
from consultation.opinions.services import LABEL_MAX, QUESTION_MAX

# The three answers, in the order the buttons show them; a sheet adds "no answer".
ANSWER_LABELS = {AGREE: _l("D'accord"), DISAGREE: _l("Pas d'accord"), PASS: _l("Je ne sais pas")}
VALUE_MESSAGE = _l("Choisissez « D'accord », « Pas d'accord » ou « Je ne sais pas ».")
NO_ANSWER = ""


class StatementAnswerForm(Form):
    """One answer: the statement shown (a hidden input) and the button pressed (its value 1,
    -1 or 0)."""

    statement_id = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(message=_l("Affirmation inconnue."))]
    )
    value = RadioField(
        choices=[SelectChoice(str(value), label) for value, label in ANSWER_LABELS.items()],
        validate_choice=False,
        validators=[
            InputRequired(message=VALUE_MESSAGE),
            AnyOf(("1", "-1", "0"), message=VALUE_MESSAGE),
        ],
    )

    @property
    def statement(self) -> int | None:
        """The id of the statement answered, or None for anything that is not one."""
        ident = self.statement_id.data
        return ident if isinstance(ident, int) and 0 < ident <= MAX_ID else None


class StatementForm(Form):
    """A participant's new statement."""

    text = markdown_field(
        _l("Votre affirmation"),
        STATEMENT_MAX,
        description=_l(
            "Une seule idée, en une phrase, que d'autres pourront approuver ou non "
            "; %(max)d caractères au maximum.",
            max=STATEMENT_MAX,
        ),
    )


class DebateForm(Form):
    """The admin's settings of a project's debate, and seed statements to add."""

    enabled = BooleanField(
        _l("Ouvrir le débat par affirmations pendant la phase de consultation"),
        description=_l(
            "Décoché, le débat n'est plus proposé ; ses affirmations et ses réponses sont gardées."
        ),
    )
    question = StringField(
        _l("Question posée"),
        validators=[
            required(),
            Length(
                max=QUESTION_MAX, message=_l("%(max)d caractères au maximum.", max=QUESTION_MAX)
            ),
        ],
        filters=STRIP,
        description=_l("Affichée au-dessus de chaque affirmation."),
    )
    premoderation = BooleanField(
        _l("Relire les affirmations des participant·es avant de les publier"),
        default=True,
    )
    seeds = TextAreaField(
        _l("Affirmations à ajouter, une par ligne"),
        filters=STRIP,
        description=_l(
            "%(max)d caractères au maximum par affirmation ; les lignes vides sont ignorées.",
            max=STATEMENT_MAX,
        ),
    )


class StatementDecisionForm(Form):
    """A moderator's decision on a statement, with its reason."""

    reason = StringField(
        _l("Motif"),
        validators=[Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
    )


class SheetForm(Form):
    """A paper sheet: its label, then one group of answers per statement (added per page by
    `sheet_form`)."""

    label = StringField(
        _l("Nom de la fiche"),
        validators=[
            required(),
            Length(max=LABEL_MAX, message=_l("%(max)d caractères au maximum.", max=LABEL_MAX)),
        ],
        filters=STRIP,
        description=_l(
            "Pour la retrouver : le lieu de l'atelier et le numéro de la fiche, "
            "par exemple « Atelier de Guipavas, fiche 3 »."
        ),
    )

    def answer_fields(self) -> list[tuple[int, Any]]:
        """(statement id, its radio group), in the order of the sheet."""
        return [
            (int(name.removeprefix("affirmation_")), field)
            for name, field in self._fields.items()
            if name.startswith("affirmation_")
        ]

    def answers(self) -> dict[int, int | None]:
        """{statement id: value, or None for "no answer"}."""
        return {
            ident: (int(field.data) if field.data not in (None, NO_ANSWER) else None)
            for ident, field in self.answer_fields()
        }


SHEET_CHOICES = [SelectChoice(str(value), label) for value, label in ANSWER_LABELS.items()] + [
    SelectChoice(NO_ANSWER, _l("Pas de réponse"))
]


def sheet_form(
    statements: Iterable[Any], values: dict[int, int] | None = None, **kwargs: Any
) -> SheetForm:
    """The sheet form for these statements (each its radio group, its label the statement),
    "no answer" ticked where `values` has none."""

    class Sheet(SheetForm):
        pass

    values = values or {}
    for statement in statements:
        setattr(
            Sheet,
            f"affirmation_{statement.id}",
            RadioField(
                statement.text,
                choices=SHEET_CHOICES,
                default=str(values[statement.id]) if statement.id in values else NO_ANSWER,
                validators=[AnyOf([c.value for c in SHEET_CHOICES], message=VALUE_MESSAGE)],
                validate_choice=False,
            ),
        )
    return Sheet(**kwargs)
