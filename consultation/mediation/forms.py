"""Mediation forms: register a participant, enter a paper workshop, take an account over."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from consultation.accounts.forms import (
    DISPLAY_NAME_MAX,
    DISPLAY_NAME_MIN,
    RegisterForm,
    charter_field,
    is_control,
)
from consultation.core.forms import STRIP, Form, OptionalSelectField, SubForm, required
from consultation.core.models import today
from consultation.core.templating import STANCE_LABELS
from consultation.mediation.models import AGE_BRACKETS
from consultation.proposals.models import Stance

WORKSHOP_ROWS = 10  # rows of a new workshop form
MORE_ROWS = 5  # rows added by "Ajouter des lignes"
MAX_ROWS = 100
PROPOSAL_KIND, COMMENT_KIND = "proposition", "commentaire"
ANONYMOUS = "anonyme"


def _no_control_characters(form: Any, field: StringField) -> None:
    if field.data and any(is_control(ch) for ch in field.data):
        raise ValidationError(str(_l("Ce champ contient des caractères non autorisés.")))


def _not_in_future(form: Any, field: DateField) -> None:
    if field.data and field.data > today():
        raise ValidationError(str(_l("Cette date est dans le futur.")))


class ParticipantForm(Form):
    """A person without email or account, registered by a mediator with their consent."""

    display_name = StringField(
        _l("Nom ou pseudonyme"),
        validators=[required(), Length(min=DISPLAY_NAME_MIN, max=DISPLAY_NAME_MAX,
                                       message=_l("Entre 2 et 80 caractères.")),
                    _no_control_characters],
        filters=STRIP,
        description=_l("Visible publiquement avec ses contributions. Un pseudonyme convient."),
    )
    commune = OptionalSelectField(_l("Commune de résidence (facultatif)"))
    age_bracket = SelectField(
        _l("Tranche d'âge (facultatif)"),
        choices=[SelectChoice("", _l("— Non précisée —"))]
        + [SelectChoice(value, label) for value, label in AGE_BRACKETS.items()],
        description=_l("Sert seulement aux statistiques de participation."),
        validate_choice=False,
    )
    consent = BooleanField(
        _l("La personne a consenti à ce que je contribue en son nom et a signé le formulaire "
           "de consentement"),
        validators=[InputRequired(message=_l(
            "Sans le consentement de la personne, elle ne peut pas être inscrite."))],
    )
    consent_reference = StringField(
        _l("Référence du formulaire de consentement signé"),
        validators=[required(), Length(max=80, message=_l("80 caractères au maximum.")),
                    _no_control_characters],
        filters=STRIP,
        description=_l("Par exemple : Formulaire n° 2026-014. Le formulaire papier est conservé "
                       "par la structure de médiation."),
    )
    consented_on = DateField(
        _l("Date du consentement"),
        validators=[InputRequired(message=_l("Saisissez une date valide.")), _not_in_future],
        default=today,
    )
    charter = charter_field(_l("La personne a pris connaissance de la charte de participation "
                               "et l'accepte"))

    def validate_age_bracket(self, field: SelectField) -> None:
        if field.data and field.data not in AGE_BRACKETS:
            raise ValidationError(str(_l("Choisissez une valeur de la liste.")))


class WorkshopRowForm(SubForm):
    """One contribution written on paper; a row left empty is skipped."""

    kind = SelectField(
        _l("Type"),
        choices=[SelectChoice("", _l("— Ligne vide —")),
                 SelectChoice(PROPOSAL_KIND, _l("Proposition")),
                 SelectChoice(COMMENT_KIND, _l("Commentaire sur une proposition"))],
        validate_choice=False,
    )
    project = OptionalSelectField(_l("Projet"))
    proposal = StringField(
        _l("N° de la proposition commentée"), filters=STRIP,
        description=_l("Le numéro figure dans l'adresse de la proposition : /propositions/123."),
    )
    title = StringField(
        _l("Titre de la proposition"), filters=STRIP,
        validators=[Length(max=150, message=_l("Entre 5 et 150 caractères."))],
    )
    body = TextAreaField(
        _l("Texte"), filters=STRIP,
        validators=[Length(max=10_000, message=_l("%(max)d caractères au maximum.", max=10_000))],
    )
    stance = SelectField(
        _l("Position (commentaire)"),
        choices=[SelectChoice("", _l("— Choisir —"))]
        + [SelectChoice(stance, STANCE_LABELS[stance]) for stance in Stance],
        validate_choice=False,
    )
    author = SelectField(_l("Auteur·rice"), validate_choice=False)

    @property
    def proposal_number(self) -> int | None:
        """The proposal number typed, if it is one."""
        typed = self.proposal.data or ""
        if typed.isascii() and typed.isdigit() and 0 < int(typed) < 2**31:
            return int(typed)
        return None

    @property
    def is_blank(self) -> bool:
        """Nothing typed or chosen in the row but perhaps its author or project."""
        return not (self.kind.data or self.title.data or self.body.data or self.proposal.data)

    def validate(self, extra_validators: Any = None) -> bool:
        """A blank row is fine; a filled one needs what its kind needs."""
        if self.is_blank:
            return True
        valid = super().validate(extra_validators)
        missing = str(_l("Ce champ est obligatoire."))

        def refuse(field: Any, message: str = missing) -> None:
            nonlocal valid
            if not field.errors:
                field.errors.append(message)
            valid = False

        if self.kind.data not in (PROPOSAL_KIND, COMMENT_KIND):
            refuse(self.kind, str(_l("Choisissez proposition ou commentaire.")))
        if self.project.data is None:
            refuse(self.project)
        if not self.body.data:
            refuse(self.body)
        if self.kind.data == PROPOSAL_KIND:
            if not self.title.data:
                refuse(self.title)
            elif len(self.title.data) < 5:
                refuse(self.title, str(_l("Entre 5 et 150 caractères.")))
        elif self.kind.data == COMMENT_KIND:
            if not self.proposal.data:
                refuse(self.proposal)
            elif self.proposal_number is None:
                refuse(self.proposal, str(_l("Saisissez le numéro de la proposition, en "
                                             "chiffres.")))
            if not Stance.has(self.stance.data):
                refuse(self.stance, str(_l("Choisissez pour, contre ou neutre.")))
        assert isinstance(self.author.choices, list), "set_choices() gives the people"
        if self.author.data != ANONYMOUS and self.author.data not in {
            value for value, *_ in self.author.choices
        } - {""}:
            refuse(self.author, str(_l("Choisissez une personne de la liste, ou « anonyme »")))
        return valid


class RowList(FieldList):
    """Rows of a form, numbered again from 0; the rows added to reach `min_entries` start empty.

    WTForms fills those added rows from the submitted data too: a request that skips a row
    number (rows 0, 1 and 3) would give the last row twice, and save its contribution twice.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata:
            # FieldList's own helpers, which its stubs leave out.
            indices = self._extract_indices(self.name, formdata)  # type: ignore[attr-defined]
            submitted = len(set(indices))
            self.entries = self.entries[:min(submitted, self.max_entries or submitted)]
            self.last_index = len(self.entries) - 1
            while len(self.entries) < self.min_entries:
                self._add_entry()  # type: ignore[attr-defined]


class WorkshopForm(Form):
    """A paper workshop: where and when, then its contributions, one row each."""

    place = StringField(
        _l("Lieu de l'atelier"),
        validators=[required(), Length(max=120, message=_l("120 caractères au maximum.")),
                    _no_control_characters],
        filters=STRIP,
        description=_l("Par exemple : Médiathèque de Bellevue, Brest."),
    )
    held_on = DateField(
        _l("Date de l'atelier"),
        validators=[InputRequired(message=_l("Saisissez une date valide.")), _not_in_future],
    )
    rows = RowList(FormField(WorkshopRowForm), min_entries=WORKSHOP_ROWS, max_entries=MAX_ROWS)

    def set_choices(self, projects: list[SelectChoice], people: list[SelectChoice]) -> None:
        """Give every row the lists of projects and of people."""
        for row in self.rows:
            row.form.project.choices = projects
            row.form.author.choices = people

    def filled_rows(self) -> list[tuple[int, WorkshopRowForm]]:
        """The rows with something typed in, with their index."""
        return [(i, row.form) for i, row in enumerate(self.rows) if not row.form.is_blank]


class ClaimForm(RegisterForm):
    """Take over the account a mediator opened: the code, then email and password."""

    commune = None  # type: ignore[assignment]  # WTForms drops an inherited field set to None
    code = StringField(
        _l("Code de récupération"),
        validators=[required(), Length(max=40, message=_l("Code invalide ou expiré."))],
        filters=STRIP,
        description=_l("Le code remis par votre médiateur·rice, par exemple ABCD-EFGH-JKLM."),
    )
    display_name = StringField(
        _l("Nom affiché (facultatif)"),
        validators=[Optional(), Length(min=DISPLAY_NAME_MIN, max=DISPLAY_NAME_MAX,
                                       message=_l("Entre 2 et 80 caractères."))],
        filters=STRIP,
        description=_l("Laissez vide pour garder le nom sous lequel vous avez contribué."),
    )
