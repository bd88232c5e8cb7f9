"""Project services: create, edit, phases, and the queries behind the public pages."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    exists,
    func,
    inspect,
    literal_column,
    not_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from consultation.accounts.models import User
from consultation.core import audit
from consultation.core.db import Columns, comma_list, loaded, run
from consultation.core.errors import DomainError
from consultation.core.models import utcnow
from consultation.core.text import slugify
from consultation.extensions import db
from consultation.projects.models import (
    Phase,
    PhaseKind,
    Project,
    ProjectParticipant,
    project_territories,
    today,
)
from consultation.reference.models import Orientation, Territory

log = logging.getLogger(__name__)

STATES = ("ouverts", "fermes")


@dataclass
class ProjectData:
    """What the admin's form gives for a project."""

    title: str
    summary: str
    plain_summary: str = ""
    body: str = ""
    slug: str | None = None
    orientation_id: int | None = None
    territory_ids: list[int] | None = None
    support_limit: int | None = None
    premoderation: bool = False
    phases: dict[str, tuple[date, date]] | None = None


def _unique_slug(wanted: str, project_id: int | None) -> str:
    base = slugify(wanted)
    slug, n = base, 1
    while True:
        taken = db.session.scalar(
            select(Project.id).where(Project.slug == slug, Project.id != (project_id or 0))
        )
        if taken is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _apply(project: Project, data: ProjectData) -> None:
    project.title = data.title
    project.summary = data.summary
    project.plain_summary = data.plain_summary or ""
    project.body = data.body or ""
    project.support_limit = data.support_limit
    project.premoderation = data.premoderation
    project.orientation = (
        db.session.get(Orientation, data.orientation_id) if data.orientation_id else None
    )
    ids = data.territory_ids or []
    project.territories = (
        list(db.session.scalars(select(Territory).where(Territory.id.in_(ids)))) if ids else []
    )
    set_phases(project, data.phases or {})


def set_phases(project: Project, phases: dict[str, tuple[date, date]]) -> None:
    """Give the project exactly these phases (kind -> inclusive start and end dates)."""
    # The phases must come in the order of PhaseKind, each ending before the next starts.
    ordered = [(kind, phases[kind]) for kind in PhaseKind if kind in phases]
    if len(ordered) != len(phases):
        raise ValueError(f"unknown phase kinds: {sorted(set(phases) - set(PhaseKind))}")
    previous_end: date | None = None
    for _kind, (start, end) in ordered:
        if end < start or (previous_end is not None and start <= previous_end):
            raise DomainError(_("Les phases doivent se suivre sans se chevaucher."))
        previous_end = end
    existing = {phase.kind: phase for phase in project.phases}
    kept = []
    for kind, (start, end) in ordered:
        phase = existing.get(kind) or Phase(kind=kind)
        phase.starts_on, phase.ends_on = start, end
        kept.append(phase)
    project.phases = kept


def create_project(actor: User, data: ProjectData) -> Project:
    """Create a project with its phases."""
    project = Project(created_by_id=actor.id, slug=_unique_slug(data.slug or data.title, None))
    _apply(project, data)
    db.session.add(project)
    db.session.flush()
    audit.record(actor, "project.create", "project", project.id, project.title)
    log.info("user %s created project %s", actor.id, project.id)
    return project


def publish_project(actor: User, project: Project) -> None:
    """Make a draft project public: it appears in the lists, the search, the API and the open
    data, and people may contribute to it as its phases allow."""
    project.publish(utcnow())
    db.session.flush()
    audit.record(actor, "project.publish", "project", project.id, project.title)
    log.info("user %s published project %s", actor.id, project.id)


def update_project(actor: User, project: Project, data: ProjectData) -> None:
    """Change a project and its phases; a changed slug must stay unique."""
    if data.slug and data.slug != project.slug:
        project.slug = _unique_slug(data.slug, project.id)
    _apply(project, data)
    db.session.flush()
    audit.record(actor, "project.update", "project", project.id, project.title)
    log.info("user %s updated project %s", actor.id, project.id)


# --- Reading -------------------------------------------------------------------------------

def is_public() -> ColumnElement[bool]:
    """The condition a project meets when everyone may see it (not a draft): every list,
    search, API and open data query of projects starts from it."""
    return Project.published_at.is_not(None)


# Core columns: the statements that only name projects (home, project list) skip the ORM.
_PROJECT = Project.__table__.c
_PHASE = Phase.__table__.c


def _open_clause(day: Any) -> Any:
    return exists().where(
        _PHASE.project_id == _PROJECT.id,
        _PHASE.kind == PhaseKind.CONSULTATION,
        _PHASE.starts_on <= day,
        _PHASE.ends_on >= day,
    )


def project_list_query(
    orientation_id: int | None = None, territory_id: int | None = None, state: str | None = None,
    drafts: bool = False,
) -> Select[Any]:
    """Projects filtered by orientation, territory and open/closed, newest first; drafts only
    when asked (for those who may see them)."""
    statement = select(Project).options(
        selectinload(Project.phases), selectinload(Project.territories)
    )
    return _filtered(statement, orientation_id or None, territory_id or None, state, drafts,
                     today())


# Statements of project_keys by the filters in use, made once: their values are bound.
_KEYS: dict[tuple[bool, bool, str, bool, bool], Any] = {}


def project_keys(
    orientation_id: int | None = None, territory_id: int | None = None, state: str | None = None,
    drafts: bool = False, *, limit: int, offset: int = 0, total: bool = False,
) -> list[Any]:
    """(id, version) of the projects `project_list_query` lists, in its order, one page of
    them (and with `total`, how many there are in all, on every row): what a list kept as a
    fragment is keyed on (core/fragments.py), in one statement, without loading the rows."""
    shape = (bool(orientation_id), bool(territory_id), state or "", drafts, total)
    statement = _KEYS.get(shape)
    if statement is None:
        columns: list[Any] = [_PROJECT.id, _PROJECT.version]
        if total:
            columns.append(func.count().over())
        statement = _filtered(
            select(*columns), bindparam("orientation_id") if orientation_id else None,
            bindparam("territory_id") if territory_id else None, state, drafts,
            bindparam("day"),
        ).limit(bindparam("limit")).offset(bindparam("offset"))
        _KEYS[shape] = statement
    return list(run(statement, {
        "orientation_id": orientation_id, "territory_id": territory_id, "day": today(),
        "limit": limit, "offset": offset,
    }))


def count_projects(
    orientation_id: int | None = None, territory_id: int | None = None, state: str | None = None,
    drafts: bool = False,
) -> int:
    """How many projects `project_list_query` lists (for a page past the last one)."""
    statement = _filtered(select(func.count()).select_from(Project.__table__),
                          orientation_id or None, territory_id or None, state, drafts, today())
    return db.session.scalar(statement.order_by(None)) or 0


def projects_by_ids(ids: list[int], territories: bool = False) -> list[Project]:
    """These projects with their phases in the same statement (and territories), in the order
    of `ids`."""
    if not ids:
        return []
    statement = select(Project, phases_column(Project.id)).where(Project.id.in_(ids))
    if territories:
        statement = statement.options(selectinload(Project.territories))
    found = {}
    for project, phases in db.session.execute(statement):
        attach_phases(project, phases)
        found[project.id] = project
    return [found[ident] for ident in ids if ident in found]


def _filtered(
    statement: Any, orientation_id: Any, territory_id: Any, state: str | None, drafts: bool,
    day: Any,
) -> Any:
    if not drafts:
        statement = statement.where(_PROJECT.published_at.is_not(None))
    if orientation_id is not None:
        statement = statement.where(_PROJECT.orientation_id == orientation_id)
    if territory_id is not None:
        statement = statement.where(
            exists().where(
                project_territories.c.project_id == _PROJECT.id,
                project_territories.c.territory_id == territory_id,
            )
        )
    if state == "ouverts":
        statement = statement.where(_open_clause(day))
    elif state == "fermes":
        statement = statement.where(not_(_open_clause(day)))
    return statement.order_by(_PROJECT.created_at.desc(), _PROJECT.id.desc())


# ---------------------------------------------------------------------------------------------
# A project's phases, read as one column of the statement that reads the project (or the
# proposal it belongs to). Loaded as a joined collection, they multiplied the statement's rows
# by three or four, and building them through the ORM's eager loading took 100 µs of a support
# or a proposal page logged in (two fifths of its statement); as text, parsed once per process
# and given to the project as objects of its session, a third of that.


def phases_column(project_id: Any) -> Any:
    """A scalar subquery of the phases of the project whose id is `project_id` (a column of
    the statement it goes into), each as id|kind|starts_on|ends_on|added_features, joined
    by commas (NULL when it has none): give its value to `attach_phases`."""
    phase = Phase.__table__.c
    # A date as text is YYYY-MM-DD on both: SQLite stores it so, and PostgreSQL writes it so
    # under the ISO DateStyle, the only one psycopg reads timestamps in.
    # The separator written in the SQL, not bound: four parameters fewer to process at each
    # execution of every statement that reads a project.
    bar = literal_column("'|'", String)
    one = (sql_cast(phase.id, String) + bar + phase.kind + bar + sql_cast(phase.starts_on, String)
           + bar + sql_cast(phase.ends_on, String) + bar + phase.added_features)
    return (select(comma_list(one)).where(phase.project_id == project_id)
            .correlate_except(Phase.__table__).scalar_subquery())


_PHASE_MAPPER = inspect(Phase)


@functools.lru_cache(maxsize=4096)
def _phase_values(text: str) -> tuple[dict[str, Any], ...]:
    """The phases `phases_column` wrote, in the relationship's order (read only: shared)."""
    found = []
    for one in text.split(",") if text else ():
        ident, kind, starts_on, ends_on, added = one.split("|", 4)
        found.append({"id": int(ident), "kind": kind, "starts_on": date.fromisoformat(starts_on),
                      "ends_on": date.fromisoformat(ends_on), "added_features": added})
    return tuple(sorted(found, key=lambda v: (v["starts_on"], v["id"])))


def attach_phases(project: Project, text: str | None) -> None:
    """Give `project` the phases `phases_column` read, as if loaded with it: objects of its
    session, every column known (nothing to load or to flush), or those the session holds
    already; a project whose phases are loaded keeps them."""
    if "phases" in project.__dict__:
        return
    session = instance_state(project).session
    project_id = project.id
    phases = []
    for values in _phase_values(text or ""):
        # As loaded (or the one the session holds): an edit of the phases or a deletion
        # cascades.
        phases.append(loaded(session, _PHASE_MAPPER, {**values, "project_id": project_id}))
    set_committed_value(project, "phases", phases)


# A project's columns, read as plain columns by the statements of its pages and of the POSTs
# on its proposals (core/pages.py read_with_facts), made into the project as if loaded.
PROJECT = Columns(Project, "project_")
# A project and its phases (the column after the project's: attach_phases), as plain columns:
# the statement of a page of the project (core/pages.py read_with_facts; bound: slug).
BY_SLUG = (select(*PROJECT.columns, phases_column(Project.id))
           .where(Project.slug == bindparam("slug")))


# by_slug's statements, made once (every project page and list asks it): the slug is bound.
_BY_SLUG: dict[bool, Any] = {}


def by_slug_statement(full: bool = False) -> Any:
    """by_slug's statement (bound: slug), built once."""
    statement = _BY_SLUG.get(full)
    if statement is None:
        statement = (select(Project, phases_column(Project.id))
                     .where(Project.slug == bindparam("slug")))
        if full:
            statement = statement.options(
                joinedload(Project.orientation), selectinload(Project.territories)
            )
        _BY_SLUG[full] = statement
    return statement


def by_slug(slug: str, full: bool = False) -> Project | None:
    """A project by its slug with its phases; `full` adds orientation and territories. The
    phases come in the same statement (a project has four at most)."""
    row = db.session.execute(by_slug_statement(full), {"slug": slug}).first()
    if row is None:
        return None
    project = cast(Project, row[0])
    attach_phases(project, row[1])
    return project



def participants_by_territory(project_id: int) -> dict[int, tuple[int | None, int]]:
    """{territory id: (population, participants living there)} for every territory, in one
    query; the population is read live, since an admin may correct it at any time."""
    living = (
        select(User.commune_id.label("territory_id"), func.count().label("participants"))
        .join(ProjectParticipant, ProjectParticipant.user_id == User.id)
        .where(ProjectParticipant.project_id == project_id, User.commune_id.is_not(None))
        .group_by(User.commune_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Territory.id, Territory.population,
               func.coalesce(living.c.participants, 0))
        .outerjoin(living, living.c.territory_id == Territory.id)
    )
    return {territory_id: (population, count) for territory_id, population, count in rows}
