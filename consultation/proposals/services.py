"""Proposal services and the list of a project's proposals."""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Integer, Select, bindparam, func, literal, select, tuple_, union_all
from sqlalchemy.orm import aliased, joinedload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from consultation.accounts.models import PUBLIC_COLUMNS, User
from consultation.core import audit, pages
from consultation.core.db import Columns
from consultation.core.errors import DomainError
from consultation.core.models import ModerationState
from consultation.core.pagination import KeysetPage, Page, encode_cursor, paginate, written_limit
from consultation.core.signals import proposal_answered, proposal_created, proposal_withdrawn
from consultation.extensions import db
from consultation.projects.models import Project, ProjectParticipant
from consultation.projects.services import PROJECT, attach_phases, phases_column
from consultation.proposals.models import Proposal, ProposalStatus, answered_as
from consultation.reference.models import Territory

log = logging.getLogger(__name__)

SORTS = ("hasard", "soutiens", "recentes", "commentees")
# The random order: every proposal draws a shuffle key once; a visitor's seed picks the
# proposal the list starts from, and the list runs from there through the keys in order,
# wrapping around. Every proposal is as likely as any other to come first, the order stays the
# same while paging, and an index serves every page (see _random_page).
SEED_MAX = 2**31 - 1  # seeds are 1 .. SEED_MAX - 1
# Each sort: the columns it orders by (all descending, or all ascending for the random order),
# and the kind of each column's values in a cursor.
_ORDERS: dict[str, tuple[tuple[Any, ...], tuple[type, ...]]] = {
    "soutiens": ((Proposal.supports_count, Proposal.id), (int, int)),
    "recentes": ((Proposal.created_at, Proposal.id), (datetime, int)),
    "commentees": ((Proposal.comments_count, Proposal.id), (int, int)),
    "hasard": ((Proposal.shuffle_key, Proposal.id), (int, int)),
}


def create_proposal(
    author: User, project: Project, title: str, body: str, territory: Territory | None,
    mediator: User | None = None, workshop_id: int | None = None,
) -> Proposal:
    """Submit a proposal to a project (by a mediator for `author`, when `mediator` is given;
    from a paper workshop's entry, when `workshop_id` is)."""
    proposal = Proposal(
        project=project, author=author, title=title, body=body, territory=territory,
        moderation=(ModerationState.PENDING if project.premoderation
                    else ModerationState.VISIBLE),
        mediator_id=mediator.id if mediator else None, workshop_id=workshop_id,
    )
    db.session.add(proposal)
    db.session.flush()
    if mediator is not None:
        audit.record_assisted(mediator, author, "mediation.proposal", "proposal", proposal.id,
                              title)
    proposal_created.send(proposal)
    log.info("user %s submitted proposal %s to project %s", author.id, proposal.id, project.id)
    return proposal


def update_proposal(
    actor: User, proposal: Proposal, title: str, body: str, territory: Territory | None,
    mediator: User | None = None,
) -> None:
    """Edit a proposal that has no support and no comment yet."""
    if not proposal.is_editable:
        raise DomainError(
            _("Une proposition ne se modifie plus après son premier soutien ou commentaire.")
        )
    proposal.title, proposal.body, proposal.territory = title, body, territory
    if mediator is not None:
        audit.record_assisted(mediator, actor, "mediation.proposal_edit", "proposal",
                              proposal.id, title)
    db.session.flush()
    log.info("user %s edited proposal %s", actor.id, proposal.id)


def withdraw_proposal(actor: User, proposal: Proposal, mediator: User | None = None) -> None:
    """Withdraw a proposal: it stays readable, marked withdrawn, and leaves the lists."""
    was_counted = proposal.is_counted
    proposal.withdraw()
    if mediator is not None:
        audit.record_assisted(mediator, actor, "mediation.proposal_withdraw", "proposal",
                              proposal.id, proposal.title)
    db.session.flush()
    if was_counted:  # a proposal hidden by moderation was not counted any more
        proposal_withdrawn.send(proposal)
    log.info("user %s withdrew proposal %s", actor.id, proposal.id)


def give_answer(actor: User, proposal: Proposal, status: str, body: str) -> None:
    """Give (or change) the official answer; the author and followers are notified."""
    previous = proposal.give_answer(status, body)
    audit.record(actor, "proposal.answer", "proposal", proposal.id, proposal.title,
                 status=status, previous=previous)
    db.session.flush()
    proposal_answered.send(proposal, actor=actor)
    log.info("user %s answered proposal %s: %s", actor.id, proposal.id, status)


def new_seed() -> int:
    """A seed for the random order, carried in the links so paging keeps the order."""
    return random.randint(1, SEED_MAX - 1)


def cursor_kinds(sort: str) -> tuple[type, ...]:
    """The kinds of the values in a cursor of this sort (to decode it)."""
    # A random-order cursor also says in which part it lies (0 or 1) and where the order starts.
    return (int, int, int, int) if sort == "hasard" else _ORDERS[sort][1]


def _listed(
    project: Project, territory_id: int | None, answer: str | None, authors: bool = True,
    matching: Any = None,
) -> Select[Any]:
    statement = select(Proposal)
    if authors:
        statement = statement.options(
            joinedload(Proposal.author).options(load_only(*PUBLIC_COLUMNS))
        )
    statement = (
        statement
        .where(
            Proposal.project_id == project.id,
            Proposal.status == ProposalStatus.PUBLISHED,
            Proposal.moderation == ModerationState.VISIBLE,
        )
    )
    if territory_id:
        statement = statement.where(Proposal.territory_id == territory_id)
    if matching is not None:
        statement = statement.where(Proposal.id.in_(matching))
    answered = answered_as(answer)
    if answered is not None:
        statement = statement.where(answered)
    return statement


def _after(statement: Select[Any], sort: str, cursor: list[Any] | None, limit: int) -> Select[Any]:
    columns = _ORDERS[sort][0]
    ascending = sort == "hasard"
    if cursor is not None:
        key = tuple_(*columns)
        statement = statement.where(key > tuple(cursor) if ascending else key < tuple(cursor))
    ordered = [c.asc() if ascending else c.desc() for c in columns]
    return statement.order_by(*ordered).limit(written_limit(limit))


def list_page(
    project: Project,
    sort: str,
    seed: int,
    territory_id: int | None = None,
    answer: str | None = None,
    cursor: list[Any] | None = None,
    per_page: int = 20,
    rank: int = 1,
    matching: Any = None,
) -> KeysetPage[Proposal]:
    """One page of a project's published proposals, filtered and sorted, with their authors:
    the rows after `cursor` (the sort key of the previous page's last row), by index.
    `matching`: a subquery of the ids of the proposals found by words (core/textfilter.py)."""
    base = _listed(project, territory_id, answer, matching=matching)
    limit = per_page + 1  # one more than shown says whether a next page exists
    # Unfiltered, the project's counter is the total; filtered, the count rides along with
    # the rows as a subquery, so a page stays one query.
    filtered = bool(territory_id or answer or matching is not None)
    count = (
        select(func.count())
        .select_from(_listed(project, territory_id, answer, authors=False,
                             matching=matching).subquery())
        .scalar_subquery()
        .label("total")
        if filtered else None
    )
    total = project.proposals_count
    if sort == "hasard":
        items, next_cursor, counted = _random_page(
            project, territory_id, answer, seed, total, cursor, per_page, count, matching
        )
    else:
        statement = _after(base, sort, cursor, limit)
        if count is not None:
            rows = db.session.execute(statement.add_columns(count)).unique().all()
            found = [row[0] for row in rows]
            counted = rows[0][1] if rows else None
        else:
            found = list(db.session.scalars(statement).unique())
            counted = None
        items = found[:per_page]
        columns = [c.key for c in _ORDERS[sort][0]]
        next_cursor = (
            encode_cursor([getattr(items[-1], name) for name in columns])
            if len(found) > per_page else None
        )
    if filtered:
        assert count is not None  # made above for a filtered list
        total = counted if counted is not None else db.session.scalar(select(count)) or 0
    return KeysetPage(items, rank, per_page, int(total), next_cursor, cursor is None)


def _random_page(
    project: Project, territory_id: int | None, answer: str | None, seed: int, total: int,
    cursor: list[Any] | None, per_page: int, count: Any = None, matching: Any = None,
) -> tuple[list[Proposal], str | None, int | None]:
    """A page of the random order: the proposals in shuffle-key order, starting at the one of
    rank `seed mod total` and wrapping around, so that every proposal is as likely as any
    other to come first. Two index range scans in one query: from the start to the end of the
    keys (part 0), then from the first key back to the start (part 1). The cursor carries the
    part, the last row's key and the start's key, so later pages need no lookup of it."""
    limit = per_page + 1
    bare = _listed(project, territory_id, answer, authors=False, matching=matching)
    if cursor is None:
        # The start: the row at rank seed mod total, read from the index (no rows, no start).
        # (Keys are drawn from 2**31 values: the rare proposals sharing the start's key all
        # come in the first part, which keeps the order total.)
        rank = seed % total if total else 0
        start: Any = (
            bare.with_only_columns(Proposal.shuffle_key)
            .order_by(Proposal.shuffle_key, Proposal.id)
            .offset(rank)
            .limit(written_limit(1))
            .scalar_subquery()
        )
        part, after = 0, None
    else:
        part, after, start = cursor[0], cursor[1:3], cursor[3]
    scans = []
    if part == 0:
        scans.append(_after(bare.where(Proposal.shuffle_key >= start), "hasard", after, limit)
                     .add_columns(literal(0).label("part")).subquery())
    scans.append(_after(bare.where(Proposal.shuffle_key < start), "hasard",
                        after if part == 1 else None, limit)
                 .add_columns(literal(1).label("part")).subquery())
    both = (union_all(*(select(scan) for scan in scans)) if len(scans) > 1
            else select(scans[0])).subquery()
    shown = aliased(Proposal, both)
    statement = (
        select(shown, both.c.part)
        .options(joinedload(shown.author).options(load_only(*PUBLIC_COLUMNS)))
        .order_by(both.c.part, both.c.shuffle_key, both.c.id)
        .limit(written_limit(limit))
    )
    if count is not None:
        statement = statement.add_columns(count)
    rows = db.session.execute(statement).unique().all()
    counted = rows[0][2] if rows and count is not None else None
    if not rows and cursor is None and total > 1:
        # The counter ran ahead of the rows (a proposal hidden meanwhile): start from the first.
        return _random_page(project, territory_id, answer, 0, 1, None, per_page, count,
                            matching)
    items = [row[0] for row in rows[:per_page]]
    if len(rows) <= per_page:
        return items, None, counted
    start_key = rows[0][0].shuffle_key if cursor is None else start
    last_part, last = rows[per_page - 1][1], rows[per_page - 1][0]
    return items, encode_cursor([last_part, last.shuffle_key, last.id, start_key]), counted


def top_proposals(project: Project, limit: int = 3) -> list[Proposal]:
    """The most supported published proposals of a project."""
    return list(
        db.session.scalars(
            _after(_listed(project, None, None), "soutiens", None, limit)
        )
    )


def authored_by(user: User, per_page: int) -> Page[Proposal]:
    """A person's newest proposals, whatever their state, with their project and the proposal
    they were merged into (one statement)."""
    statement = (
        select(Proposal)
        .options(joinedload(Proposal.project), joinedload(Proposal.merged_into))
        .where(Proposal.author_id == user.id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
    )
    return paginate(statement, 1, per_page)


# A proposal with its project (joined) and its project's phases (a column: projects/services.py
# phases_column), built once: its page and the POSTs on it read it so, with the person and
# their facts (core/pages.py read_with_facts).
PROPOSAL = Columns(Proposal, "proposal_")
_WITH_PROJECT = (
    select(*PROPOSAL.columns, *PROJECT.columns, phases_column(Proposal.project_id))
    .join(Project.__table__, Project.id == Proposal.project_id)
    .where(Proposal.id == bindparam("proposal_id"))
)


def with_project(page: str, proposal_id: int) -> Proposal | None:
    """A proposal with its project and the project's phases, in one statement with the person
    the session names and their facts about it for `page`; None when there is none."""
    read = pages.read_with_facts(page, _WITH_PROJECT, PROPOSAL, {"proposal_id": proposal_id})
    if read is None:
        return None
    proposal, row = read
    project_columns = row[len(PROPOSAL.columns):]
    project = PROJECT.made(db.session(), project_columns)
    set_committed_value(proposal, "project", project)
    attach_phases(project, project_columns[len(PROJECT.columns)])
    return cast(Proposal, proposal)


@pages.fact(pages.ACTION_PAGE, "participant")
def _participant() -> Any:
    # Whether the person takes part in the proposal's project already: their support or
    # comment then adds no participant (projects.receivers), and the statement is not sent.
    target = aliased(Proposal)
    return (select(ProjectParticipant.user_id)
            .join(target, target.project_id == ProjectParticipant.project_id)
            .where(target.id == bindparam("target_id", type_=Integer),
                   ProjectParticipant.user_id == bindparam("person_id", type_=Integer))
            .exists())


def for_action(proposal_id: int) -> Proposal | None:
    """A proposal with its project and the project's phases, for the POSTs that support or
    comment it, read once per request with the person who sends it (one statement: the views
    read it before `login_required` asks for the person, `pages.read_first`); None when there
    is none."""
    known = pages.kept("for_action")
    if proposal_id not in known:
        known[proposal_id] = with_project(pages.ACTION_PAGE, proposal_id)
    return cast(Proposal | None, known[proposal_id])
