"""The admin's project form, with one pair of dates per phase kind."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp

from consultation.core.forms import (
    STRIP,
    CheckboxListField,
    Form,
    OptionalSelectField,
    markdown_field,
    required,
)
from consultation.core.templating import PHASE_LABELS
from consultation.projects.models import PhaseKind


def _date(label: Any) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        format="%Y-%m-%d",
        render_kw={"autocomplete": "off"},
    )


class ProjectForm(Form):
    """Create or edit a project and its phases."""

    title = StringField(
        _l("Titre"),
        validators=[required(), Length(max=200, message=_l("200 caractères au maximum."))],
        filters=STRIP,
    )
    slug = StringField(
        _l("Adresse courte (facultatif)"),
        validators=[
            Optional(),
            Length(max=120, message=_l("120 caractères au maximum.")),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
                   message=_l("Lettres minuscules sans accent, chiffres et tirets seulement.")),
        ],
        filters=STRIP,
        description=_l("Utilisée dans l'adresse de la page. Déduite du titre si vide."),
    )
    summary = TextAreaField(
        _l("Résumé"),
        validators=[required(), Length(max=500, message=_l("500 caractères au maximum."))],
        filters=STRIP,
        description=_l("Une ou deux phrases, affichées dans la liste des projets."),
    )
    plain_summary = markdown_field(_l("En bref (langage clair)"), 2000, required=False)
    # Measures the "En bref" text and shows the form again, saving nothing.
    check_readability = SubmitField(_l("Vérifier la lisibilité"))
    body = markdown_field(_l("Présentation détaillée"), 50_000, required=False)
    orientation = OptionalSelectField(_l("Orientation stratégique"))
    territories = CheckboxListField(_l("Territoires concernés"), coerce=int)
    premoderation = BooleanField(
        _l("Modération a priori"),
        description=_l("Les propositions et commentaires ne sont publiés qu'après approbation "
                       "par un·e modérateur·rice."),
    )
    support_limit = IntegerField(
        _l("Nombre maximal de soutiens par personne (facultatif)"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Entre 1 et 1 000."))],
        description=_l("Laissez vide pour ne pas limiter les soutiens."),
    )

    def phase_fields(self) -> list[tuple[str, Any, Any, Any]]:
        """(kind, label, start field, end field) for each phase kind, in order."""
        return [
            (kind, PHASE_LABELS[kind], self[f"{kind}_start"], self[f"{kind}_end"])
            for kind in PhaseKind
        ]

    def phases(self) -> dict[str, tuple[date, date]]:
        """The phases filled in, by kind."""
        return {
            kind: (start.data, end.data)
            for kind, _label, start, end in self.phase_fields()
            if start.data and end.data
        }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        previous_end: date | None = None
        previous_label: Any = None
        for _kind, label, start, end in self.phase_fields():
            if bool(start.data) != bool(end.data):
                (end if start.data else start).errors.append(
                    str(_l("Indiquez les deux dates de la phase, ou aucune."))
                )
                valid = False
                continue
            if not start.data:
                continue
            if end.data < start.data:
                end.errors.append(str(_l("La fin doit suivre le début.")))
                valid = False
            elif previous_end is not None and start.data <= previous_end:
                start.errors.append(
                    str(_l("Cette phase doit commencer après la fin de la phase « %(phase)s ».",
                           phase=previous_label))
                )
                valid = False
            previous_end, previous_label = end.data, label
        return valid


for _kind in PhaseKind:
    # Each label names its phase, so an error in the summary says which date is wrong.
    setattr(ProjectForm, f"{_kind}_start",
            _date(_l("Début de la phase « %(phase)s »", phase=PHASE_LABELS[_kind])))
    setattr(ProjectForm, f"{_kind}_end",
            _date(_l("Fin de la phase « %(phase)s »", phase=PHASE_LABELS[_kind])))


class PublishForm(Form):
    """The confirmation that publishes a draft project."""

    confirm = SubmitField(_l("Publier le projet"))
