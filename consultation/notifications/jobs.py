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

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.event import contains, listen
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from consultation.accounts.models import User, UserRole
from consultation.comments.models import Comment
from consultation.core import jobs
from consultation.core.drivers import read_rows
from consultation.core.models import ModerationState, utcnow
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
    return _made(db.session.execute(_inserting(rows)).all(), event)


# Each notification made, with whether its person wants an email for each (RETURNING reads
# the row just written: `notifications.user_id` is the new row's).
_MADE = (Notification.__table__.c.user_id,
         mailing.wants_each(literal_column("notifications.user_id")).label("wants_each"))


def _inserting(rows: Any) -> Any:
    """The fan-out's INSERT ... SELECT ... ON CONFLICT DO NOTHING, returning what it made."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(Notification.__table__).from_select(list(NOTIFICATION_COLUMNS), rows)
            .on_conflict_do_nothing().returning(*_MADE))


def _made(made: Sequence[Any], event: str) -> int:
    """Commit the notifications made, then email those who want each at once. Nobody among
    them wants it: no mail to look for. Nothing made (a job run again after a failure): the
    first run's may still wait for their email."""
    db.session.commit()
    if not made or any(row.wants_each for row in made):
        mailing.send_immediate(event)
    return len(made)


def _followers_of_proposals(*proposal_ids: int) -> Any:
    return select(Follow.user_id).where(Follow.proposal_id.in_(proposal_ids))


def _followers_of_project(project_id: int) -> Any:
    return select(Follow.user_id).where(Follow.project_id == project_id)


def _elected() -> Any:
    return select(UserRole.user_id).where(UserRole.role == "elected")


# (dialect) -> the fan-out of a comment, built once: every comment that counts runs it.
_COMMENT_FAN_OUT: dict[str, Any] = {}


def _comment_fan_out() -> Any:
    dialect = db.session.get_bind().dialect.name
    statement = _COMMENT_FAN_OUT.get(dialect)
    if statement is None:
        parent = aliased(Comment)
        parent_counted = and_(parent.deleted_at.is_(None),
                              parent.moderation == ModerationState.VISIBLE.value)
        replied_to = case((parent_counted, parent.author_id))
        now = bindparam("now", type_=DateTime(timezone=True))
        rows = (
            select(
                User.id,
                case((User.id == replied_to, NotificationKind.REPLY.value),
                     else_=NotificationKind.COMMENT.value),
                value(NotificationReason.AUTHOR.value, String),
                bindparam("event", type_=String),
                Comment.project_id,
                Comment.proposal_id,
                Comment.id,
                cast(null(), Integer),
                now,
            )
            .select_from(Comment)
            .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
            .outerjoin(parent, parent.id == Comment.parent_id)
            .join(User, User.id.in_([Proposal.author_id, replied_to]))
            .where(
                Comment.id == bindparam("comment_id", type_=Integer),
                Comment.deleted_at.is_(None),
                Comment.moderation == ModerationState.VISIBLE.value,
                or_(Comment.proposal_id.is_(None),
                    Proposal.moderation == ModerationState.VISIBLE.value),
                User.id != Comment.author_id,
                User.deleted_at.is_(None),
                or_(User.blocked_at.is_(None),
                    and_(User.blocked_until.is_not(None), User.blocked_until <= now)),
            )
        )
        statement = _COMMENT_FAN_OUT[dialect] = _inserting(rows)
    return statement


def notify_comment(comment_id: int) -> int:
    """A comment that counts: its parent's author is told of a reply, the proposal's author
    of a comment (one notification for someone who is both). One statement reads the comment,
    its proposal and its parent and makes the notifications: nothing for a comment hidden,
    waiting or deleted since, or on a proposal no longer visible."""
    made = db.session.execute(
        _comment_fan_out(),
        {"comment_id": comment_id, "event": f"comment:{comment_id}", "now": utcnow()},
    ).all()
    return _made(made, f"comment:{comment_id}")


# Comments whose fan-out waits for the commit of the transaction that wrote them (no queue).
_AT_COMMIT = "notify_comments_at_commit"


def notify_comment_at_commit(comment_id: int) -> None:
    """In a request without a job queue: make the comment's notifications in the transaction
    that writes it, just before its commit, instead of in an inline job run right after it (a
    second transaction and a second commit). What the fan-out reads is then what the commit
    makes lasting, as a job run right after it would read: a comment hidden or a proposal
    withdrawn before the commit tells nobody. Only the email goes after the commit, as a job,
    to whom wants it at once."""
    pending: list[int] = db.session.info.setdefault(_AT_COMMIT, [])
    pending.append(comment_id)


def _before_commit(session: Session) -> None:
    pending = session.info.pop(_AT_COMMIT, None)
    if not pending:
        return
    session.flush()  # the fan-out reads the rows: what the session still holds goes first
    events = []
    for comment_id in pending:
        event = f"comment:{comment_id}"
        made = read_rows(session.connection(), _comment_fan_out(),
                         {"comment_id": comment_id, "event": event, "now": utcnow()})
        if any(wants_each for _user_id, wants_each in made):
            events.append(event)
    if events:
        jobs.enqueue(email_events, events)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    # Only the outermost rollback forgets what its transaction asked for (a savepoint rolled
    # back leaves its comment's id, whose fan-out then finds no comment and makes nothing).
    if previous_transaction.parent is None:
        session.info.pop(_AT_COMMIT, None)


def connect() -> None:
    """Listen to every session's commits and rollbacks (idempotent)."""
    for name, listener in (("before_commit", _before_commit),
                           ("after_soft_rollback", _after_soft_rollback)):
        if not contains(Session, name, listener):
            listen(Session, name, listener)


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
