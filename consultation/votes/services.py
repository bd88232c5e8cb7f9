"""Support services: exact counts under concurrency, held by the database."""

from __future__ import annotations

import logging
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core import audit
from consultation.core.db import insert_ignore, rowcount
from consultation.core.errors import DomainError
from consultation.core.models import utcnow
from consultation.core.pagination import Page, paginate
from consultation.core.signals import support_added, support_removed
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.votes.models import Support

log = logging.getLogger(__name__)

OWN_PROPOSAL = _l("Vous êtes l'auteur·e de cette proposition\u00a0: elle porte déjà votre voix.")


def given_in(person: Any, project: Any) -> Any:
    """The supports a person gives in a project (either a value, a column or a parameter): by
    the index on (user_id, project_id). The limit's count and a list page's facts ask it."""
    return and_(Support.user_id == person, Support.project_id == project)


# The statements of every support POST, built once: their compiled forms are found in
# SQLAlchemy's cache by their constant shape instead of being built and keyed per request.
_USED = select(func.count()).where(given_in(bindparam("user_id"), bindparam("project_id")))
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
    # Its time given rather than made by the column's default: nothing left for SQLAlchemy's
    # execution to make, the driver sends it (core/drivers.read_rows).
    inserted = insert_ignore(
        Support.__table__, user_id=user.id, proposal_id=proposal.id, project_id=project.id,
        mediator_id=mediator.id if mediator else None, created_at=utcnow(),
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


def _used_key(project: Project) -> str:
    return f"supports_used_{project.id}"


def know_used(project: Project, count: int) -> None:
    """Say how many supports the request's person gives in the project, read with other facts
    of a page: `supports_left` then asks nothing."""
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
