"""Reading reference data; it changes only through migrations, so each app keeps a copy."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from consultation.extensions import db
from consultation.reference.models import Orientation, Territory


@dataclass(frozen=True)
class TerritoryRow:
    """A territory as shown in select lists and filters."""

    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class OrientationRow:
    """An orientation as shown in select lists and filters."""

    id: int
    slug: str
    number: int
    title: str


def _cache() -> dict[str, object]:
    return current_app.extensions.setdefault("reference", {})


def territories() -> list[TerritoryRow]:
    """All territories in display order (read once per process)."""
    cache = _cache()
    if "territories" not in cache:
        rows = db.session.scalars(select(Territory).order_by(Territory.position, Territory.id))
        cache["territories"] = [TerritoryRow(t.id, t.name, t.kind) for t in rows]
    return cache["territories"]  # type: ignore[return-value]


def orientations() -> list[OrientationRow]:
    """The five orientations in their order (read once per process)."""
    cache = _cache()
    if "orientations" not in cache:
        rows = db.session.scalars(select(Orientation).order_by(Orientation.number))
        cache["orientations"] = [OrientationRow(o.id, o.slug, o.number, o.title) for o in rows]
    return cache["orientations"]  # type: ignore[return-value]


def territory_choices(blank: str | None = None) -> list[SelectChoice]:
    """Choices for a select field, with an optional blank first choice."""
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(t.id, t.name) for t in territories()]


def territory_name(territory_id: int | None) -> str:
    """The name of a territory by id, without a query."""
    return next((t.name for t in territories() if t.id == territory_id), "")
