"""The search form, read from the query string (GET, so no CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.core.forms import Form, OptionalSelectField
from consultation.core.templating import PHASE_LABELS
from consultation.projects.models import PhaseKind
from consultation.reference.services import territory_choices
from consultation.search.models import EntryKind
from consultation.search.text import MAX_QUERY

KIND_LABELS = {
    EntryKind.PROJECT: _l("Projets"),
    EntryKind.PROPOSAL: _l("Propositions"),
    EntryKind.COMMENT: _l("Commentaires"),
    EntryKind.SYNTHESIS: _l("Synthèses"),
    EntryKind.COMMITMENT: _l("Engagements"),
}
KIND_NAMES = {
    EntryKind.PROJECT: _l("Projet"),
    EntryKind.PROPOSAL: _l("Proposition"),
    EntryKind.COMMENT: _l("Commentaire"),
    EntryKind.SYNTHESIS: _l("Synthèse"),
    EntryKind.COMMITMENT: _l("Engagement"),
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class SearchForm(Form):
    """Words to look for and the filters; a refused filter falls back to "all"."""

    class Meta:
        csrf = False

    q = StringField(_l("Rechercher"), filters=[_text])
    kind = SelectField(
        _l("Type"), name="type", default="",
        choices=[SelectChoice("", _l("Tous"))]
        + [SelectChoice(kind.value, KIND_LABELS[kind]) for kind in EntryKind],
    )
    project = OptionalSelectField(_l("Projet"), name="projet")
    territory = OptionalSelectField(_l("Territoire"), name="territoire")
    phase = SelectField(
        _l("Phase en cours"), name="phase", default="",
        choices=[SelectChoice("", _l("Toutes"))]
        + [SelectChoice(kind.value, PHASE_LABELS[kind]) for kind in PhaseKind],
    )
    # The keyset cursor, decoded (or refused with a 404) by core.pagination.decode_cursor.
    cursor = StringField(name="apres")

    def __init__(self, *args: Any, projects: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project.choices = [SelectChoice("", _l("Tous"))] + [
            SelectChoice(project_id, title) for project_id, title in projects
        ]
        self.territory.choices = territory_choices(blank=_l("Tous"))

    def read(self) -> SearchForm:
        """Validate, then put every refused filter back to its default."""
        self.validate()
        for field in self:
            if field.errors:
                field.data = field.default
        self.q.data = (self.q.data or "")[:MAX_QUERY]
        return self
