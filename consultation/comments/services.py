"""Comment services and thread loading."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, bindparam, func, insert, literal_column, select
from sqlalchemy.orm import joinedload, load_only

from consultation.accounts.models import PUBLIC_COLUMNS, User
from consultation.comments.models import MAX_DEPTH, Comment
from consultation.core import audit, fragments, pages
from consultation.core.db import loaded, run_rows
from consultation.core.errors import DomainError
from consultation.core.markup import plain
from consultation.core.models import ModerationState, utcnow
from consultation.core.pagination import Page, paginate
from consultation.core.signals import comment_created, comment_deleted, comment_restanced
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal, Stance

log = logging.getLogger(__name__)

# Top-level threads a page of a debate shows. A proposal's page is its debate: 50. On a
# project's page the debate is one section of eight, the first page most people open, on every
# kind of device: 20 (as many as a page of proposals), which halves its HTML and its DOM.
ROOTS_PER_PAGE = 50
PROJECT_ROOTS_PER_PAGE = 20


def roots_per_page(on_proposal: bool) -> int:
    """How many top-level threads a page of a proposal's, or of a project's, debate shows."""
    return ROOTS_PER_PAGE if on_proposal else PROJECT_ROOTS_PER_PAGE


def _thread_place(on_proposal: bool | None) -> Any:
    """The place of the row `comments`'s thread in its debate, as a column of the statement
    that reads or writes that row: 1 + the top-level comments before its thread's own, in the
    debate of a proposal (True), of the project itself (False), or of either as the row says
    (None). Counted with `<`, a top-level comment's own row left out by its id and a reply by
    its depth, so that it is the same whether the subquery sees a row being inserted (SQLite)
    or not (PostgreSQL's snapshot). Written as SQL: SQLAlchemy neither correlates a subquery of
    RETURNING with the inserted table nor, on SQLite, keeps the table names that tell the two
    apart. One rule for the INSERT, `page_of` and Mon espace (`authored_by`)."""
    debate = {True: "earlier.proposal_id = comments.proposal_id",
              False: "earlier.proposal_id IS NULL",
              None: "(earlier.proposal_id = comments.proposal_id OR (earlier.proposal_id IS NULL"
                    " AND comments.proposal_id IS NULL))"}[on_proposal]
    return literal_column(
        "(SELECT count(*) + 1 FROM comments AS earlier"
        " WHERE earlier.project_id = comments.project_id AND earlier.depth = 0"
        f" AND {debate} AND earlier.id < coalesce(comments.root_id, comments.id))", Integer)


def _page_at(place: int, on_proposal: bool) -> int:
    """The page of a debate that shows the thread at `place`."""
    return -(-place // roots_per_page(on_proposal))


# A comment's INSERT returns its id and its thread's place (what `page_of` would read next,
# in the same statement: one statement less, and on SQLite one less while the request holds
# the database's write lock).
_INSERT = {on_proposal: insert(Comment.__table__).returning(Comment.__table__.c.id,
                                                            _thread_place(on_proposal))
           for on_proposal in (True, False)}
# The place of its thread each comment this request wrote has (`_inserted`, `page_of`).
_PLACES = "comment_places"


def _inserted(values: dict[str, Any]) -> Comment:
    """Write a new comment with one Core INSERT of a constant shape and give it back as a
    loaded row of the session, every column known: the unit of work of a flush would cost
    more than the whole statement. Its search entry is written by search.receivers."""
    db.session.flush()  # what the session holds goes first, as the flush of an add did
    comment_id, place = run_rows(_INSERT[values["proposal_id"] is not None], values)[0]
    # As if read from the database: nothing to flush, no attribute set through the ORM's
    # instrumentation (its events, its history), as the constructor would.
    comment = cast(Comment, loaded(db.session(), Comment.__mapper__, {"id": comment_id, **values}))
    pages.kept(_PLACES)[comment_id] = place
    return comment


def add_comment(
    author: User,
    project: Project,
    stance: str,
    body: str,
    proposal: Proposal | None = None,
    parent: Comment | None = None,
    mediator: User | None = None,
    workshop_id: int | None = None,
) -> Comment:
    """Comment on a project or a proposal, or reply to a comment (three levels at most); by a
    mediator for `author` when `mediator` is given, from a paper workshop when `workshop_id`
    is."""
    if not Stance.has(stance):
        raise DomainError(_("Choisissez pour, contre ou neutre."))
    if parent is not None:
        if parent.depth >= MAX_DEPTH or parent.is_deleted:
            raise DomainError(_("On ne peut pas répondre à ce commentaire."))
        project_id, proposal_id = parent.project_id, parent.proposal_id
    else:
        project_id, proposal_id = project.id, proposal.id if proposal else None
    premoderated = (parent.project if parent is not None else project).premoderation
    now = utcnow()
    values: dict[str, Any] = {
        "moderation": ModerationState.PENDING if premoderated else ModerationState.VISIBLE,
        "moderation_reason": None,
        "moderated_at": None,
        "project_id": project_id,
        "proposal_id": proposal_id,
        "parent_id": parent.id if parent else None,
        "root_id": (parent.root_id or parent.id) if parent else None,
        "depth": parent.depth + 1 if parent else 0,
        "author_id": author.id,
        "stance": stance,
        "body": body,
        "deleted_at": None,
        "mediator_id": mediator.id if mediator else None,
        "workshop_id": workshop_id,
        "created_at": now,
        "updated_at": now,
    }
    comment = _inserted(values)
    # Written past the unit of work: its versions move as a flushed row's (a pending comment
    # moves no counter, and a moderator's thread shows it at once).
    fragments.changed(db.session(), comment)
    if mediator is not None:
        audit.record_assisted(mediator, author, "mediation.comment", "comment", comment.id,
                              plain(body, 80))
    comment_created.send(comment)
    log.info("user %s added comment %s", author.id, comment.id)
    return comment


def edit_comment(
    actor: User, comment: Comment, stance: str, body: str, mediator: User | None = None
) -> None:
    """Change one's comment text and stance; counters follow the stance (see receivers)."""
    if comment.is_deleted:
        raise DomainError(_("Ce commentaire a été supprimé."))
    if not Stance.has(stance):
        raise DomainError(_("Choisissez pour, contre ou neutre."))
    previous = comment.stance
    comment.stance, comment.body = stance, body
    if mediator is not None:
        audit.record_assisted(mediator, actor, "mediation.comment_edit", "comment", comment.id,
                              plain(body, 80))
    db.session.flush()
    if stance != previous and comment.is_counted:
        comment_restanced.send(comment, previous=previous)
    log.info("user %s edited comment %s", actor.id, comment.id)


def delete_comment(actor: User, comment: Comment, mediator: User | None = None) -> None:
    """Delete one's comment: its text goes, its place in the thread stays for the replies."""
    if comment.is_deleted:
        raise DomainError(_("Ce commentaire est déjà supprimé."))
    if mediator is not None:
        audit.record_assisted(mediator, actor, "mediation.comment_delete", "comment", comment.id,
                              plain(comment.body, 80))
    was_counted = comment.is_counted
    comment.deleted_at = utcnow()
    comment.body = ""
    db.session.flush()
    if was_counted:  # a comment hidden by moderation was not counted any more
        comment_deleted.send(comment)
    log.info("user %s deleted comment %s", actor.id, comment.id)


@dataclass
class Threads:
    """One page of top-level comments and every reply below them."""

    page: Page[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)

    def children(self, comment: Comment) -> list[Comment]:
        """The direct replies to a comment, oldest first."""
        return self.replies.get(comment.id, [])


def _with_author(statement):
    return statement.options(
        joinedload(Comment.author).options(load_only(*PUBLIC_COLUMNS))
    )


def threads(project: Project, proposal: Proposal | None, number: int) -> Threads:
    """The comment threads of a proposal, or of the project itself when proposal is None."""
    roots = _with_author(select(Comment)).where(
        Comment.project_id == project.id,
        Comment.depth == 0,
        Comment.proposal_id == proposal.id if proposal else Comment.proposal_id.is_(None),
    )
    page = paginate(roots.order_by(Comment.id), number, roots_per_page(proposal is not None))
    replies: dict[int, list[Comment]] = defaultdict(list)
    if page.items:
        below = _with_author(select(Comment)).where(
            Comment.root_id.in_([c.id for c in page.items])
        )
        for reply in db.session.scalars(below.order_by(Comment.id)):
            replies[reply.parent_id].append(reply)
    return Threads(page, dict(replies))


# A comment's thread's place read from its row, for a proposal's debate and for the project's
# own: built once (a comment's lasting link, an edit, a reply form asks it).
_PLACE_OF = {on_proposal: select(_thread_place(on_proposal))
             .where(Comment.__table__.c.id == bindparam("comment_id"))
             for on_proposal in (True, False)}


def page_of(comment: Comment) -> int:
    """The page of its debate a comment appears on (for one this request wrote, what its
    INSERT said: no statement)."""
    on_proposal = comment.proposal_id is not None
    place = pages.kept(_PLACES).get(comment.id)
    if place is None:
        place = db.session.scalar(_PLACE_OF[on_proposal], {"comment_id": comment.id}) or 1
    return _page_at(place, on_proposal)


LATEST_REPLIES = 3  # the replies Mon espace shows under each of one's comments


@dataclass
class Authored:
    """A person's newest comments, the page of its thread each is on, and the replies."""

    page: Page[Comment]
    thread_pages: dict[int, int] = field(default_factory=dict)
    reply_counts: dict[int, int] = field(default_factory=dict)
    # The latest visible replies by others to each comment, newest first.
    replies: dict[int, list[Comment]] = field(default_factory=dict)


def authored_by(user: User, per_page: int) -> Authored:
    """A person's newest comments (deleted ones aside) with where they are and the replies they
    received from others: two statements, whatever the number of comments and replies."""
    # The page of the thread a comment is on (see page_of), computed in the same statement.
    statement = (
        select(Comment, _thread_place(None))
        .options(joinedload(Comment.project), joinedload(Comment.proposal))
        .where(Comment.author_id == user.id, Comment.deleted_at.is_(None))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    rows = paginate(statement, 1, per_page)
    comments = [comment for comment, _place in rows.items]
    thread_pages = {comment.id: _page_at(place or 1, comment.proposal_id is not None)
                    for comment, place in rows.items}
    authored = Authored(Page(comments, rows.number, rows.per_page, rows.total), thread_pages)
    if not comments:
        return authored
    shown = and_(
        Comment.parent_id.in_([c.id for c in comments]),
        Comment.author_id != user.id,
        Comment.deleted_at.is_(None),
        Comment.moderation == ModerationState.VISIBLE,
    )
    ranked = (
        select(
            Comment.id,
            func.row_number().over(partition_by=Comment.parent_id,
                                   order_by=(Comment.created_at.desc(), Comment.id.desc()))
            .label("rank"),
            func.count().over(partition_by=Comment.parent_id).label("replies"),
        )
        .where(shown)
        .subquery()
    )
    latest = (
        _with_author(select(Comment, ranked.c.replies))
        .join(ranked, ranked.c.id == Comment.id)
        .where(ranked.c.rank <= LATEST_REPLIES)
        .order_by(Comment.parent_id, ranked.c.rank)
    )
    replies: dict[int, list[Comment]] = defaultdict(list)
    for reply, count in db.session.execute(latest):
        assert reply.parent_id is not None
        replies[reply.parent_id].append(reply)
        authored.reply_counts[reply.parent_id] = count
    authored.replies = dict(replies)
    return authored
