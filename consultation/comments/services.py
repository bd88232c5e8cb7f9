"""Comment services and thread loading."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only

from consultation.accounts.models import PUBLIC_COLUMNS, User
from consultation.comments.models import MAX_DEPTH, Comment
from consultation.core import audit
from consultation.core.errors import DomainError
from consultation.core.markup import plain
from consultation.core.models import ModerationState, utcnow
from consultation.core.pagination import Page, paginate
from consultation.core.signals import comment_created, comment_deleted, comment_restanced
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal, Stance

log = logging.getLogger(__name__)

ROOTS_PER_PAGE = 50


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
    comment = Comment(
        moderation=ModerationState.PENDING if premoderated else ModerationState.VISIBLE,
        project_id=project_id,
        proposal_id=proposal_id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=author.id,
        stance=stance,
        body=body,
        mediator_id=mediator.id if mediator else None,
        workshop_id=workshop_id,
    )
    db.session.add(comment)
    db.session.flush()
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
    page = paginate(roots.order_by(Comment.id), number, ROOTS_PER_PAGE)
    replies: dict[int, list[Comment]] = defaultdict(list)
    if page.items:
        below = _with_author(select(Comment)).where(
            Comment.root_id.in_([c.id for c in page.items])
        )
        for reply in db.session.scalars(below.order_by(Comment.id)):
            replies[reply.parent_id].append(reply)
    return Threads(page, dict(replies))


def page_of(comment: Comment) -> int:
    """The page of its thread a comment appears on."""
    root_id = comment.root_id or comment.id
    before = db.session.scalar(
        select(func.count()).where(
            Comment.project_id == comment.project_id,
            Comment.depth == 0,
            Comment.proposal_id == comment.proposal_id
            if comment.proposal_id
            else Comment.proposal_id.is_(None),
            Comment.id <= root_id,
        )
    ) or 1
    return -(-before // ROOTS_PER_PAGE)
