"""The fan-out: each event becomes the notifications of all its recipients, as a job.

Each job reads what the event is about, runs ONE `INSERT ... SELECT` that makes a
notification for every recipient (their number does not change the number of statements),
commits, then asks the email side to send what must go at once. The unique (user_id, event)
makes a job run twice, or two runs crossing each other, insert nothing twice.

Nobody is told of their own act (the actor is left out), of what they can no longer see (the
job stops when the content is hidden, waiting or deleted; an author is still told that their
own proposal was hidden, merged or restored), nor while their account is blocked or deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Integer, String, case, select
from sqlalchemy.sql.elements import ColumnElement

from consultation.accounts.models import User, UserRole
from consultation.comments.models import Comment
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.notifications import mailing
from consultation.notifications.models import (
    Follow,
    Notification,
    NotificationKind,
    NotificationReason,
)
from consultation.notifications.services import (
    NOTIFICATION_COLUMNS,
    insert_select_ignore,
    reachable,
    value,
)
from consultation.proposals.models import Proposal
from consultation.rencontres.models import Edition, RencontresSubscriber
from consultation.syntheses.models import SynthesisSubscriber, SynthesisVersion


def _fan_out(event: str, kind: Any, reason: ColumnElement[Any] | str, recipients: Any,
             actor_id: int | None, *, project_id: int | None = None,
             proposal_id: int | None = None, comment_id: int | None = None,
             subject_id: int | None = None) -> int:
    """One INSERT ... SELECT of the event's notification for every user `recipients` (a
    condition on users) selects, but the actor and unreachable accounts; commit, then email
    those who want each at once. How many were made."""
    conditions = [recipients, reachable()]
    if actor_id is not None:
        conditions.append(User.id != actor_id)
    rows = select(
        User.id,
        kind if isinstance(kind, ColumnElement) else value(str(kind), String),
        reason if isinstance(reason, ColumnElement) else value(str(reason), String),
        value(event, String),
        value(project_id, Integer),
        value(proposal_id, Integer),
        value(comment_id, Integer),
        value(subject_id, Integer),
        value(utcnow(), DateTime(timezone=True)),
    ).where(*conditions)
    made = insert_select_ignore(Notification, NOTIFICATION_COLUMNS, rows)
    db.session.commit()
    mailing.send_immediate(event)
    return made


def _followers_of_proposals(*proposal_ids: int) -> Any:
    return select(Follow.user_id).where(Follow.proposal_id.in_(proposal_ids))


def _followers_of_project(project_id: int) -> Any:
    return select(Follow.user_id).where(Follow.project_id == project_id)


def _elected() -> Any:
    return select(UserRole.user_id).where(UserRole.role == "elected")


def notify_comment(comment_id: int) -> int:
    """A comment that counts: its parent's author is told of a reply, the proposal's author
    of a comment (one notification for someone who is both: the reply)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or not comment.is_counted:
        return 0
    proposal = comment.proposal
    if proposal is not None and not proposal.is_visible:
        return 0
    parent = comment.parent
    replied_to = parent.author_id if parent is not None and parent.is_counted else None
    proposer = proposal.author_id if proposal is not None else None
    told = {someone for someone in (replied_to, proposer) if someone is not None}
    if not told:
        return 0
    kind = case((User.id == replied_to, NotificationKind.REPLY.value),
                else_=NotificationKind.COMMENT.value) if replied_to else NotificationKind.COMMENT
    return _fan_out(
        f"comment:{comment.id}", kind, NotificationReason.AUTHOR, User.id.in_(told),
        comment.author_id, project_id=comment.project_id, proposal_id=comment.proposal_id,
        comment_id=comment.id,
    )


def notify_answer(proposal_id: int, event: str, actor_id: int | None) -> int:
    """An official answer: the proposal's author and its followers."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not proposal.is_counted or proposal.answer_status is None:
        return 0
    reason = case((User.id == proposal.author_id, NotificationReason.AUTHOR.value),
                  else_=NotificationReason.FOLLOWER.value)
    recipients = (User.id == proposal.author_id) | User.id.in_(
        _followers_of_proposals(proposal.id))
    return _fan_out(event, NotificationKind.ANSWER, reason, recipients, actor_id,
                    project_id=proposal.project_id, proposal_id=proposal.id)


# What a moderation action on a proposal is called among the notifications.
MODERATED_KINDS = {"hidden": NotificationKind.HIDDEN, "restored": NotificationKind.RESTORED,
                   "merged": NotificationKind.MERGED}


def notify_moderated(proposal_id: int, action: str, event: str, actor_id: int | None,
                     into_id: int | None = None) -> int:
    """A proposal hidden, restored or merged: its author is told (even of a hiding)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or action not in MODERATED_KINDS:
        return 0
    return _fan_out(event, MODERATED_KINDS[action], NotificationReason.AUTHOR,
                    User.id == proposal.author_id, actor_id, project_id=proposal.project_id,
                    proposal_id=proposal.id, subject_id=into_id)


def notify_synthesis(version_id: int) -> int:
    """A synthesis published: the project's followers, elected officials, and whoever asked
    to be told of this project's syntheses."""
    version = db.session.get(SynthesisVersion, version_id)
    if version is None:
        return 0
    followers = _followers_of_project(version.project_id)
    subscribers = select(SynthesisSubscriber.user_id).where(
        SynthesisSubscriber.project_id == version.project_id)
    reason = case((User.id.in_(followers), NotificationReason.FOLLOWER.value),
                  (User.id.in_(_elected()), NotificationReason.ELECTED.value),
                  else_=NotificationReason.SUBSCRIBER.value)
    recipients = User.id.in_(followers) | User.id.in_(_elected()) | User.id.in_(subscribers)
    return _fan_out(f"synthesis:{version.id}", NotificationKind.SYNTHESIS, reason, recipients,
                    version.published_by_id, project_id=version.project_id,
                    subject_id=version.id)


def notify_edition(edition_id: int, actor_id: int | None) -> int:
    """A Rencontres edition published: its subscribers and elected officials."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or not edition.is_published:
        return 0
    subscribers = select(RencontresSubscriber.user_id)
    reason = case((User.id.in_(subscribers), NotificationReason.SUBSCRIBER.value),
                  else_=NotificationReason.ELECTED.value)
    recipients = User.id.in_(subscribers) | User.id.in_(_elected())
    return _fan_out(f"edition:{edition.id}", NotificationKind.EDITION, reason, recipients,
                    actor_id, subject_id=edition.id)


def notify_commitment(update_id: int, project_id: int, proposal_ids: list[int],
                      actor_id: int | None) -> int:
    """A commitment's update: the followers of its project and of the visible proposals it
    answers."""
    visible = select(Proposal.id).where(Proposal.id.in_(proposal_ids),
                                        Proposal.moderation == "visible")
    recipients = User.id.in_(_followers_of_project(project_id)) | User.id.in_(
        select(Follow.user_id).where(Follow.proposal_id.in_(visible)))
    return _fan_out(f"commitment:{update_id}", NotificationKind.COMMITMENT,
                    NotificationReason.FOLLOWER, recipients, actor_id, project_id=project_id,
                    subject_id=update_id)


def email_events(events: list[str]) -> None:
    """Email the notifications of these events to those who want each at once."""
    for event in events:
        mailing.send_immediate(event)
