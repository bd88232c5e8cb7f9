"""The commitment forms, the update form, and the filters of the follow-up list."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from consultation.core.forms import (
    STRIP,
    CheckboxListField,
    Form,
    OptionalSelectField,
    markdown_field,
    optional_int,
    required,
)
from consultation.followup.models import CommitmentStatus
from consultation.reference.services import orientations, territory_choices

STATUS_LABELS = {
    CommitmentStatus.PREVU: _l("Prévu"),
    CommitmentStatus.EN_COURS: _l("En cours"),
    CommitmentStatus.REALISE: _l("Réalisé"),
    CommitmentStatus.ABANDONNE: _l("Abandonné"),
}
STATUS_MESSAGE = _l("Choisissez prévu, en cours, réalisé ou abandonné.")
PROGRESS_MESSAGE = _l("Indiquez un pourcentage entre 0 et 100, en chiffres.")
REASON_MAX = 2_000


def _progress_field() -> IntegerField:
    return IntegerField(
        _l("Avancement (en %)"),
        validators=[InputRequired(message=PROGRESS_MESSAGE),
                    NumberRange(0, 100, message=PROGRESS_MESSAGE)],
        description=_l("De 0 à 100 ; 100 % veut dire réalisé."),
    )


def _status_field() -> RadioField:
    return RadioField(
        _l("Statut"),
        choices=[SelectChoice(value, STATUS_LABELS[value]) for value in CommitmentStatus],
        validate_choice=False,
        validators=[InputRequired(message=STATUS_MESSAGE),
                    AnyOf(tuple(CommitmentStatus), message=STATUS_MESSAGE)],
    )


def _reason_field() -> Any:
    return markdown_field(
        _l("Motif de l'abandon"), REASON_MAX, required=False,
        description=_l("Obligatoire si l'engagement est abandonné ; il est publié."),
    )


class _Steps:
    """Checks shared by the forms that set a status: abandoning needs a reason."""

    status: RadioField
    reason: Any

    def validate_reason(self, field: Any) -> None:
        if self.status.data == CommitmentStatus.ABANDONNE and not (field.data or "").strip():
            from wtforms.validators import ValidationError

            raise ValidationError(str(_l("Indiquez pourquoi l'engagement est abandonné.")))


class CommitmentForm(Form):
    """What a commitment says: title, description, service, planned dates, proposals."""

    title = StringField(
        _l("Titre"),
        validators=[required(), Length(min=5, max=200, message=_l("Entre 5 et 200 caractères."))],
        filters=STRIP,
        description=_l("Ce que la métropole s'engage à faire, en une phrase."),
    )
    description = markdown_field(_l("Description"), 10_000, required=False,
                                 description=_l("En markdown."))
    service = StringField(
        _l("Service responsable"),
        validators=[Length(max=200, message=_l("200 caractères au maximum."))],
        filters=STRIP,
        description=_l("Par exemple : Direction des mobilités."),
    )
    starts_on = DateField(
        _l("Début prévu"), validators=[Optional()], format="%Y-%m-%d",
        description=_l("Au format aaaa-mm-jj, par exemple 2027-03-01."),
    )
    ends_on = DateField(
        _l("Fin prévue"), validators=[Optional()], format="%Y-%m-%d",
        description=_l("Au format aaaa-mm-jj, par exemple 2027-12-31."),
    )
    proposals = CheckboxListField(
        _l("Propositions auxquelles il répond"), coerce=optional_int, validate_choice=False,
    )

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            from wtforms.validators import ValidationError

            raise ValidationError(str(_l("La fin prévue ne peut pas précéder le début prévu.")))


class NewCommitmentForm(_Steps, CommitmentForm):
    """A new commitment: what it says, and where it stands at publication."""

    status = _status_field()
    progress = _progress_field()
    reason = _reason_field()


class UpdateForm(_Steps, Form):
    """A dated step of the timeline: what happened, the new status and progress."""

    text = markdown_field(_l("Ce qui s'est passé"), 10_000,
                          description=_l("Publié dans la chronologie du suivi. En markdown."))
    status = _status_field()
    progress = _progress_field()
    reason = _reason_field()


class CommitmentListForm(Form):
    """Filters of the follow-up list, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Statut"), name="statut", default="",
        choices=[SelectChoice("", _l("Tous"))]
        + [SelectChoice(value, STATUS_LABELS[value]) for value in CommitmentStatus],
    )
    orientation = OptionalSelectField(_l("Orientation"), name="orientation")
    territory = OptionalSelectField(_l("Territoire"), name="territoire")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orientation.choices = [SelectChoice("", _l("Toutes"))] + [
            SelectChoice(o.id, f"{o.number}. {o.title}") for o in orientations()
        ]
        self.territory.choices = territory_choices(blank=_l("Tous"))

    def read(self) -> CommitmentListForm:
        """Validate; a refused filter keeps its French message and filters nothing."""
        self.validate()
        for field in self:
            if field.errors:
                field.data = field.default
                # WTForms' own messages for an unknown or unreadable choice are not ours: one
                # French sentence, whatever was sent.
                field.errors = [str(_l("Choisissez une valeur de la liste."))]
        return self
