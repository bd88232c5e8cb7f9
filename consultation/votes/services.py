"""Support services: exact counts under concurrency, held by the database."""

from __future__ import annotations

import logging
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Integer, any_, bindparam, delete, func, literal, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core import audit
from consultation.core.db import insert_ignore, rowcount, run
from consultation.core.errors import DomainError
from consultation.core.pagination import Page, paginate
from consultation.core.signals import support_added, support_removed
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.votes.models import Support

log = logging.getLogger(__name__)

OWN_PROPOSAL = _l("Vous êtes l'auteur·e de cette proposition\u00a0: elle porte déjà votre voix.")


# The statements of every support POST, built once: their compiled forms are found in
# SQLAlchemy's cache by their constant shape instead of being built and keyed per request.
_USED = select(func.count()).where(
    Support.user_id == bindparam("user_id"), Support.project_id == bindparam("project_id")
)
_LOCK_USER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
_DELETE = delete(Support).where(
    Support.user_id == bindparam("user_id"), Support.proposal_id == bindparam("proposal_id")
)


def used(user: User, project: Project) -> int:
    """How many supports the user gives in this project."""
    return db.session.scalar(_USED, {"user_id": user.id, "project_id": project.id}) or 0


def _lock_user(user: User) -> None:
    # On PostgreSQL this serialises one person's supports so the project limit holds under
    # concurrency; SQLite has a single writer already and ignores FOR UPDATE: the statement
    # would lock nothing there, so it is not sent.
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(_LOCK_USER, {"user_id": user.id})


def add_support(user: User, proposal: Proposal, mediator: User | None = None) -> bool:
    """Support a proposal once; True if it is new, False if it was already supported. A
    mediator acting for `user` is recorded on the support and in the audit log. An author does
    not support their own proposal."""
    if proposal.author_id == user.id:
        raise DomainError(str(OWN_PROPOSAL))
    project = proposal.project
    if project.support_limit is not None:  # without a limit, nothing to serialise
        _lock_user(user)
    inserted = insert_ignore(
        Support.__table__, user_id=user.id, proposal_id=proposal.id, project_id=project.id,
        mediator_id=mediator.id if mediator else None,
    )
    if not inserted:
        return False
    if project.support_limit is not None and used(user, project) > project.support_limit:
        raise DomainError(
            _("Vous avez déjà donné vos %(n)d soutiens pour ce projet. Retirez-en un pour en "
              "donner un autre.", n=project.support_limit)
        )
    support_added.send(Support(user_id=user.id, proposal_id=proposal.id, project_id=project.id))
    if mediator is not None:
        audit.record_assisted(mediator, user, "mediation.support", "proposal", proposal.id,
                              proposal.title)
    log.info("user %s supported proposal %s", user.id, proposal.id)
    return True


def remove_support(user: User, proposal: Proposal, mediator: User | None = None) -> bool:
    """Take a support back; True if there was one."""
    _lock_user(user)
    result = db.session.execute(_DELETE, {"user_id": user.id, "proposal_id": proposal.id})
    if not rowcount(result):
        return False
    support_removed.send(
        Support(user_id=user.id, proposal_id=proposal.id, project_id=proposal.project_id)
    )
    if mediator is not None:
        audit.record_assisted(mediator, user, "mediation.support_withdraw", "proposal",
                              proposal.id, proposal.title)
    log.info("user %s took back their support of proposal %s", user.id, proposal.id)
    return True


# Which of a page's proposals the person supports and, in the same statement, how many supports
# they give in the project (a row tagged 1): a list or proposal page needs both. Core rows, not
# ORM objects, and built once per dialect. The page's ids go in one parameter, an array on
# PostgreSQL and a JSON list read by json_each() on SQLite: an expanding IN list is written
# into the SQL anew at each execution, which cost more than the rest of the statement.
_SUPPORTS = Support.__table__
_MARKED_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _marked(dialect: str, with_used: bool) -> Any:
    """The statement of `supported_ids` for this dialect (ids: the parameter `ids`)."""
    statement = _MARKED_STATEMENTS.get((dialect, with_used))
    if statement is None:
        if dialect == "postgresql":
            among = _SUPPORTS.c.proposal_id == any_(
                bindparam("ids", type_=postgresql.ARRAY(Integer)))
        else:
            listed = func.json_each(bindparam("ids", type_=JSON)).table_valued("value")
            among = _SUPPORTS.c.proposal_id.in_(select(listed.c.value))
        statement = select(literal(0).label("kind"), _SUPPORTS.c.proposal_id).where(
            _SUPPORTS.c.user_id == bindparam("user_id"), among)
        if with_used:
            statement = union_all(statement, select(literal(1).label("kind"), func.count()).where(
                _SUPPORTS.c.user_id == bindparam("user_id"),
                _SUPPORTS.c.project_id == bindparam("project_id"),
            ))
        _MARKED_STATEMENTS[dialect, with_used] = statement
    return statement


def _used_key(project: Project) -> str:
    return f"supports_used_{project.id}"


def supported_ids(user: User, proposal_ids: list[int], project: Project | None = None) -> set[int]:
    """Which of these proposals the user supports (one query). Given the project, the same
    statement counts the supports the user gives there, for `supports_left` to find."""
    if not user.is_authenticated:
        return set()
    key = _used_key(project) if project is not None and project.support_limit is not None else ""
    count = bool(key) and key not in g
    if not proposal_ids and not count:
        return set()
    params: dict[str, Any] = {"user_id": user.id, "ids": proposal_ids}
    if count and project is not None:
        params["project_id"] = project.id
    rows: Any = run(_marked(db.session.get_bind().dialect.name, "project_id" in params), params)
    found: set[int] = set()
    for kind, value in rows:
        if kind:
            setattr(g, key, value or 0)
        else:
            found.add(value)
    return found


def know_used(user: User, project: Project, count: int) -> None:
    """Say how many supports the user gives in the project, read with other facts of a page:
    `supports_left` then asks nothing."""
    if user.is_authenticated and project.support_limit is not None:
        setattr(g, _used_key(project), count)


def supports_left(user: User, project: Project) -> int | None:
    """How many supports the user may still give in the project (None: no limit). Counted once
    per request: the page's rule checks and its text ask the same question."""
    if project.support_limit is None or not user.is_authenticated:
        return None
    key = _used_key(project)
    if key not in g:
        setattr(g, key, used(user, project))
    return max(0, project.support_limit - g.get(key))


def given_by(user: User, per_page: int) -> Page[Support]:
    """A person's newest supports, with their proposal and its project (one statement)."""
    statement = (
        select(Support, Proposal)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .options(joinedload(Proposal.project))
        .where(Support.user_id == user.id)
        .order_by(Support.created_at.desc(), Support.id.desc())
    )
    return paginate(statement, 1, per_page)


def left_by_project(user: User, per_page: int) -> list[tuple[Project, int, int | None]]:
    """For the projects a person supports in, newest first: the project, the supports given and
    the supports left (None: no limit). One statement."""
    rows = db.session.execute(
        select(Project, func.count(Support.id))
        .join(Support, Support.project_id == Project.id)
        .where(Support.user_id == user.id)
        .group_by(Project.id)
        .order_by(func.max(Support.id).desc())
        .limit(per_page)
    ).all()
    return [
        (project, used_, None if project.support_limit is None
         else max(0, project.support_limit - used_))
        for project, used_ in rows
    ]
