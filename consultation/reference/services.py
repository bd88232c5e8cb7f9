"""Reading reference data; it changes only through migrations, so each app keeps a copy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from flask import current_app
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.core import audit
from consultation.core.db import comma_values
from consultation.extensions import db
from consultation.reference.models import Orientation, Territory


@dataclass(frozen=True)
class TerritoryRow:
    """A territory as shown in select lists and filters."""

    id: int
    name: str
    kind: str
    code: str = ""


@dataclass(frozen=True)
class OrientationRow:
    """An orientation as shown in select lists and filters."""

    id: int
    slug: str
    number: int
    title: str


class _Reference(TypedDict, total=False):
    """What an app keeps of the reference data, filled on first use."""

    territories: list[TerritoryRow]
    orientations: list[OrientationRow]


def _cache() -> _Reference:
    return current_app.extensions.setdefault("reference", {})


def territories() -> list[TerritoryRow]:
    """All territories in display order (read once per process)."""
    cache = _cache()
    if "territories" not in cache:
        rows = db.session.scalars(select(Territory).order_by(Territory.position, Territory.id))
        cache["territories"] = [TerritoryRow(t.id, t.name, t.kind, t.code) for t in rows]
    return cache["territories"]


def orientations() -> list[OrientationRow]:
    """The five orientations in their order (read once per process)."""
    cache = _cache()
    if "orientations" not in cache:
        rows = db.session.scalars(select(Orientation).order_by(Orientation.number))
        cache["orientations"] = [OrientationRow(o.id, o.slug, o.number, o.title) for o in rows]
    return cache["orientations"]


def orientation_of(orientation_id: int | None) -> OrientationRow | None:
    """An orientation by id, without a query; None for none."""
    return next((o for o in orientations() if o.id == orientation_id), None)


def territory_choices(blank: str | None = None) -> list[SelectChoice]:
    """Choices for a select field, with an optional blank first choice."""
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(t.id, t.name) for t in territories()]


def territory_name(territory_id: int | None) -> str:
    """The name of a territory by id, without a query."""
    return next((t.name for t in territories() if t.id == territory_id), "")


def territory_names(ids: str | None) -> list[str]:
    """The names of the territories listed by id ("3,7", as core.db.comma_list gives them), in
    display order, without a query."""
    wanted = {int(ident) for ident in comma_values(ids)}
    return [territory.name for territory in territories() if territory.id in wanted]


BREST_CODE = "29019"
# The three parts of the Pays de Brest compared per 1,000 inhabitants, in display order.
GROUPS = ("brest", "metropole", "pays")


def group_of(territory: TerritoryRow) -> str:
    """Brest, another commune of the métropole, or the rest of the Pays de Brest."""
    if territory.code == BREST_CODE:
        return "brest"
    return "metropole" if territory.kind == "commune" else "pays"


def per_thousand(participants: int, population: int | None) -> float | None:
    """Participants per 1,000 inhabitants, two decimals; None when the population is unknown."""
    if not population or population <= 0:
        return None
    return round(1000 * participants / population, 2)


class GroupTotal(TypedDict):
    """The running total of a part of the Pays de Brest; population None once a member has
    none."""

    key: str
    participants: int
    population: int | None


def participation_per_thousand(
    counts: Mapping[int, tuple[int | None, int]],
) -> dict[str, list[dict[str, Any]]]:
    """Rows per territory and per part of the Pays de Brest from {territory id: (population,
    participants)}: JSON-ready, so a published synthesis can freeze them.

    A part whose members do not all have a population shows no rate rather than a wrong one.
    """
    rows: list[dict[str, Any]] = []
    totals: dict[str, GroupTotal] = {
        key: {"key": key, "participants": 0, "population": 0} for key in GROUPS
    }
    for territory in territories():
        population, participants = counts.get(territory.id, (None, 0))
        rows.append({
            "id": territory.id, "name": territory.name, "kind": territory.kind,
            "group": group_of(territory), "participants": participants,
            "population": population, "per_thousand": per_thousand(participants, population),
        })
        total = totals[group_of(territory)]
        total["participants"] += participants
        total["population"] = (
            None if total["population"] is None or not population
            else total["population"] + population
        )
    groups = [
        {**total, "per_thousand": per_thousand(total["participants"], total["population"])}
        for total in totals.values()
    ]
    return {"territories": rows, "groups": groups}


def all_territories() -> list[Territory]:
    """Every territory row in display order, populations included (read live)."""
    return list(db.session.scalars(select(Territory).order_by(Territory.position, Territory.id)))


def set_populations(actor: Any, populations: Mapping[int, int | None]) -> int:
    """Store the populations given by territory id; each change is logged. Returns how many
    changed."""
    changed = 0
    for territory in all_territories():
        if territory.id not in populations:
            continue
        new = populations[territory.id]
        if new is not None and new <= 0:
            raise ValueError("a population is a positive number")
        if new == territory.population:
            continue
        audit.record(actor, "territory.population", "territory", territory.id, territory.name,
                     before=territory.population, after=new)
        territory.population = new
        changed += 1
    db.session.flush()
    return changed
