"""Moderation forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import (
    AnyOf,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from consultation.core.forms import STRIP, Form, optional_int, required
from consultation.core.http import MAX_ID
from consultation.moderation.models import ReportReason

DURATIONS = {"7": _l("7 jours"), "30": _l("30 jours"), "365": _l("1 an"),
             "definitif": _l("Définitivement")}
DURATION_MESSAGE = _l("Choisissez une durée.")


class BlockForm(Form):
    """Block an account for a period or for good, with a reason."""

    duration = RadioField(
        _l("Durée du blocage"),
        choices=[SelectChoice(value, label) for value, label in DURATIONS.items()],
        validate_choice=False,
        validators=[InputRequired(message=DURATION_MESSAGE),
                    AnyOf(tuple(DURATIONS), message=DURATION_MESSAGE)],
    )
    reason = TextAreaField(
        _l("Motif"),
        validators=[required(), Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
        description=_l("Communiqué à la personne et consigné dans le journal."),
    )


class UnblockForm(Form):
    """Lift a block, with a reason."""

    reason = TextAreaField(
        _l("Motif du déblocage"),
        validators=[required(), Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
    )


class AuditFilterForm(Form):
    """Filters of the audit log (GET, no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    actor = StringField(
        _l("Auteur·rice de l'acte"), filters=STRIP,
        validators=[Optional(), Length(max=80, message=_l("80 caractères au maximum."))],
    )
    since = DateField(_l("Du"), validators=[Optional()])
    until = DateField(_l("Au"), validators=[Optional()])


REASON_LABELS = {
    ReportReason.SPAM: _l("Publicité ou spam"),
    ReportReason.OFFENSIVE: _l("Propos injurieux, haineux ou discriminatoires"),
    ReportReason.OFF_TOPIC: _l("Hors sujet"),
    ReportReason.PERSONAL_DATA: _l("Données personnelles exposées"),
    ReportReason.OTHER: _l("Autre (précisez)"),
}
REASON_MESSAGE = _l("Choisissez un motif.")


class ReportForm(Form):
    """Report an item, with a reason and optional details."""

    reason = RadioField(
        _l("Motif du signalement"),
        choices=[SelectChoice(reason, REASON_LABELS[reason]) for reason in ReportReason],
        validate_choice=False,
        validators=[InputRequired(message=REASON_MESSAGE),
                    AnyOf(tuple(ReportReason), message=REASON_MESSAGE)],
    )
    details = TextAreaField(
        _l("Précisions"),
        validators=[Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
        description=_l("Obligatoire pour le motif « Autre »."),
    )

    def validate_details(self, field: TextAreaField) -> None:
        if self.reason.data == ReportReason.OTHER and not field.data:
            raise ValidationError(str(_l("Précisez le motif du signalement.")))


class DecisionForm(Form):
    """A moderator's decision: hide, restore or dismiss, with a reason."""

    reason = TextAreaField(
        _l("Motif"),
        validators=[Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
        description=_l("Pour masquer, le motif est public : il remplace le contenu."),
    )


MERGE_TARGET_MESSAGE = _l("Choisissez la proposition dans laquelle fusionner.")


class MergeSearchForm(Form):
    """The search for a merge target, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Chercher la proposition cible"), filters=STRIP,
        validators=[Optional(), Length(max=200, message=_l("200 caractères au maximum."))],
        description=_l("Des mots de son titre, ou son numéro (par exemple 42)."),
    )
    # The target chosen on the moderation page ("Fusionner dans celle-ci"), checked in the list.
    target = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def read(self) -> str:
        """Validate; the words to search ("" when refused: the field shows why, as typed). A
        refused preselection is dropped."""
        self.validate()
        if self.target.errors:
            self.target.data = None
        return "" if self.q.errors else self.q.data or ""


class MergeForm(Form):
    """Merge a proposal into another of the same project, picked among those found."""

    target = RadioField(  # type: ignore[call-arg]  # stubs predate invalid_value_message
        _l("Fusionner dans la proposition"), coerce=optional_int, validate_choice=False,
        invalid_value_message=MERGE_TARGET_MESSAGE,
        validators=[InputRequired(message=MERGE_TARGET_MESSAGE),
                    NumberRange(min=1, max=MAX_ID, message=MERGE_TARGET_MESSAGE)],
    )
    reason = TextAreaField(
        _l("Motif"),
        validators=[required(), Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
    )


class UndoForm(Form):
    """Undo a merge from the log."""

    reason = TextAreaField(
        _l("Motif de l'annulation"),
        validators=[required(), Length(max=2000, message=_l("2 000 caractères au maximum."))],
        filters=STRIP,
    )
