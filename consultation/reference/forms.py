"""The admin's form of the territories' populations: one field per territory."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from consultation.core.forms import Form
from consultation.reference.models import Territory

POPULATION_MAX = 10_000_000
# Spaces people type between thousands: ordinary, no-break and narrow no-break.
_SPACES = re.compile(r"[ \u00a0\u202f]")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_population(raw: str | None) -> int | None:
    """The population typed ("139 619" allowed), None when empty; a French error otherwise."""
    text = _SPACES.sub("", raw or "")
    if not text:
        return None
    if not _INTEGER.fullmatch(text):
        raise ValidationError(
            str(_l("Indiquez un nombre entier d'habitant·es, en chiffres (par exemple 139 619), "
                   "ou laissez vide."))
        )
    value = int(text)
    if value <= 0:
        raise ValidationError(str(_l("Le nombre d'habitant·es doit être supérieur à zéro.")))
    if value > POPULATION_MAX:
        raise ValidationError(
            str(_l("Ce nombre dépasse 10 000 000 d'habitant·es : vérifiez-le."))
        )
    return value


def _population(_form: Form, field: StringField) -> None:
    parse_population(field.data)


class PopulationsForm(Form):
    """Populations of the territories; `field_of(territory)` gives each one's field."""

    def field_of(self, territory: Territory) -> Any:
        """The field of one territory."""
        return self[f"population_{territory.id}"]

    def populations(self, territories: Sequence[Territory]) -> dict[int, int | None]:
        """{territory id: population or None}, once the form is valid."""
        return {t.id: parse_population(self.field_of(t).data) for t in territories}


def populations_form(territories: Sequence[Territory]) -> PopulationsForm:
    """A form with one field per territory, filled with the stored populations."""

    class TerritoryPopulations(PopulationsForm):
        pass

    for territory in territories:
        setattr(TerritoryPopulations, f"population_{territory.id}", StringField(
            territory.name,
            validators=[_population],
            render_kw={"inputmode": "numeric", "autocomplete": "off"},
        ))
    return TerritoryPopulations(data={
        f"population_{t.id}": "" if t.population is None else str(t.population)
        for t in territories
    })
