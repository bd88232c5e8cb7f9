"""Following projects and proposals; the notifications a person reads in the site.

Writes that many people may cause at once are single statements: following is an insert that
ignores a row already there, and the fan-out of an event to its recipients
(notifications/jobs.py) is one INSERT ... SELECT. The automatic follow of what one proposes,
comments on or supports is the database's: a trigger of the row's INSERT, which reads the
person's choice (migration 0026).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import has_request_context
from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from consultation.accounts.models import User
from consultation.core import jobs
from consultation.core.context import here, person, this_request
from consultation.core.db import insert_ignore, rowcount
from consultation.core.models import utcnow
from consultation.core.pagination import Page, paginate
from consultation.extensions import db
from consultation.notifications.models import (
    EmailFrequency,
    Follow,
    Notification,
    NotificationKind,
    NotificationReason,
    NotificationSettings,
)
from consultation.projects.models import Phase, PhaseKind, Project
from consultation.proposals.models import Proposal
from consultation.rencontres.models import Edition
from consultation.syntheses.models import SynthesisVersion

PER_PAGE = 20
# A consultation that opened less than this many days ago is still announced (the command may
# not have run on the day itself).
ANNOUNCE_DAYS = 7

# The columns the fan-out fills, in the order of its SELECT.
NOTIFICATION_COLUMNS = ("user_id", "kind", "reason", "event", "project_id", "proposal_id",
                        "comment_id", "subject_id", "created_at")


# --- Statements that differ by dialect --------------------------------------------------------


def _insert(model: Any) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_select_ignore(model: Any, columns: tuple[str, ...], rows: Select[Any]) -> int:
    """INSERT INTO model (columns) SELECT ... ON CONFLICT DO NOTHING; how many rows went in.

    The unique constraints decide what is already there, so running it twice, or two runs
    crossing each other, insert nothing twice. (SQLite needs the SELECT to have a WHERE clause
    for its upsert syntax: every SELECT given here has one.)
    """
    statement = _insert(model).from_select(list(columns), rows).on_conflict_do_nothing()
    # Counted from RETURNING: the driver's rowcount of an INSERT ... SELECT is -1 on
    # PostgreSQL through SQLAlchemy.
    return sum(1 for _row in db.session.execute(statement.returning(literal(1))))


def value(given: Any, type_: Any) -> ColumnElement[Any]:
    """A constant of a SELECT list with its SQL type (a typed NULL for None), so PostgreSQL
    knows the type of each column of an INSERT ... SELECT."""
    if given is None:
        return cast(null(), type_)
    return literal(given, type_)


def reachable() -> ColumnElement[bool]:
    """Accounts that may be told anything: not deleted, not blocked now."""
    return and_(
        User.deleted_at.is_(None),
        or_(User.blocked_at.is_(None),
            and_(User.blocked_until.is_not(None), User.blocked_until <= utcnow())),
    )


# --- Follows ----------------------------------------------------------------------------------


def follow(user: User, *, project: Project | None = None,
           proposal: Proposal | None = None) -> bool:
    """Follow a project or a proposal; False when it was already followed."""
    return insert_ignore(
        Follow.__table__, user_id=user.id, project_id=project.id if project else None,
        proposal_id=proposal.id if proposal else None, created_at=utcnow(),
    )


def unfollow(user: User, *, project: Project | None = None,
             proposal: Proposal | None = None) -> bool:
    """Stop following; False when it was not followed."""
    target = (Follow.project_id == project.id) if project is not None \
        else (Follow.proposal_id == (proposal.id if proposal else None))
    return rowcount(db.session.execute(
        delete(Follow).where(Follow.user_id == user.id, target)
    )) > 0


def is_following(user: Any, *, project_id: int | None = None,
                 proposal_id: int | None = None) -> bool:
    """True when this logged-in person follows the project or the proposal (one query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    target = (Follow.project_id == project_id) if project_id is not None \
        else (Follow.proposal_id == proposal_id)
    return db.session.scalar(
        select(Follow.id).where(Follow.user_id == user.id, target).limit(1)
    ) is not None


# --- The notifications of a person ------------------------------------------------------------


# Built once: the header of every logged-in page runs it, and a constant statement is found in
# SQLAlchemy's cache without being built and keyed again (a fifth of the time).
_UNREAD = (
    select(func.count()).select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
)


def unread_count(user: Any) -> int:
    """How many notifications this person has not read (one indexed query)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(_UNREAD, {"user_id": user.id}) or 0


def header_unread() -> int:
    """The unread count of the logged-in person, read at most once per request (the header
    of every page asks for it)."""
    if not has_request_context():
        return 0
    # Kept for this request only (an app context may outlive one request: tests, commands).
    request_id, flask_g = id(this_request()), here()
    kept = flask_g.get("unread_notifications")
    if kept is None or kept[0] != request_id:
        kept = flask_g.unread_notifications = (request_id, unread_count(person()))
    return int(kept[1])


def unread_known(count: int) -> None:
    """The header's unread count, read by a page with the person's other facts (one statement
    instead of two): kept for this request as `header_unread` keeps it."""
    if has_request_context():
        here().unread_notifications = (id(this_request()), count)


@dataclass(frozen=True)
class Item:
    """One notification as the list shows it: what it is about, in one row of one query."""

    notification: Notification
    project_slug: str | None
    project_title: str | None
    proposal_title: str | None  # None when the person may not see it any more
    version_number: int | None
    edition_year: int | None

    @property
    def title(self) -> str:
        """The title of the thing, the proposal's when there is one."""
        return self.proposal_title or self.project_title or ""


def items_statement() -> Select[Any]:
    """Notifications with the titles of what they are about, joined in one query (rows for
    `Item`); a proposal hidden since is named only to its author."""
    visible_title = select(Proposal.title).where(
        Proposal.id == Notification.proposal_id,
        or_(Proposal.moderation == "visible", Proposal.author_id == Notification.user_id),
    ).scalar_subquery()
    return (
        select(Notification, Project.slug, Project.title, visible_title,
               SynthesisVersion.number, Edition.year)
        .outerjoin(Project, Project.id == Notification.project_id)
        .outerjoin(SynthesisVersion, and_(Notification.kind == NotificationKind.SYNTHESIS,
                                          SynthesisVersion.id == Notification.subject_id))
        .outerjoin(Edition, and_(Notification.kind == NotificationKind.EDITION,
                                 Edition.id == Notification.subject_id))
    )


def page_of(user: User, number: int) -> Page[Item]:
    """A page of the person's notifications, newest first, in one query."""
    statement = (
        items_statement().where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = paginate(statement, number, PER_PAGE)
    items = [Item(*row) for row in page.items]
    return Page(items, page.number, page.per_page, page.total)


def mark_read(user: User, notification: Notification) -> bool:
    """Mark one of the person's notifications read; False if it already was."""
    return rowcount(db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.user_id == user.id,
               Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )) > 0


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the person read; how many."""
    return rowcount(db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ))


# --- Consultations that open ------------------------------------------------------------------


def announce_opened_phases(day: date) -> int:
    """Tell the followers of each project whose consultation opens on `day`, or opened in the
    week before, that it is open; how many notifications were made.

    One INSERT ... SELECT for every phase and follower; the event "phase:<id>" is unique per
    person, so running it again (the next day, or twice) tells nobody twice. The caller
    commits; the emails of those who want each notification at once are a job after it.
    """
    from consultation.notifications.jobs import email_events

    opened = and_(Phase.kind == PhaseKind.CONSULTATION,
                  Phase.starts_on <= day, Phase.starts_on >= day - timedelta(days=ANNOUNCE_DAYS))
    rows = (
        select(
            Follow.user_id,
            value(NotificationKind.PHASE_OPENED.value, String),
            value(NotificationReason.FOLLOWER.value, String),
            literal("phase:", String) + cast(Phase.id, String),
            Phase.project_id,
            value(None, Integer),
            value(None, Integer),
            Phase.id,
            value(utcnow(), DateTime(timezone=True)),
        )
        .join(Phase, Phase.project_id == Follow.project_id)
        .join(User, User.id == Follow.user_id)
        .where(opened, reachable())
    )
    made = insert_select_ignore(Notification, NOTIFICATION_COLUMNS, rows)
    phase_ids = db.session.scalars(select(Phase.id).where(opened).order_by(Phase.id))
    events = [f"phase:{phase_id}" for phase_id in phase_ids]
    if events:
        jobs.enqueue(email_events, events)
    return made


# --- Email settings ---------------------------------------------------------------------------


def settings_of(user: User) -> NotificationSettings:
    """A person's settings, the defaults when they never changed them (not added)."""
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        return NotificationSettings(user_id=user.id, email_frequency=EmailFrequency.DAILY,
                                    auto_follow=True)
    return row


def save_settings(user: User, email_frequency: EmailFrequency, auto_follow: bool) -> None:
    """Record how often the person wants email and whether they follow what they take part in."""
    insert_ignore(NotificationSettings.__table__, user_id=user.id,
                  email_frequency=EmailFrequency.DAILY.value, auto_follow=True)
    row = db.session.get_one(NotificationSettings, user.id)
    row.email_frequency = email_frequency
    row.auto_follow = auto_follow
    db.session.flush()


def unsubscribe(user: User) -> None:
    """No more email for this person (the notifications stay in the site)."""
    insert_ignore(NotificationSettings.__table__, user_id=user.id,
                  email_frequency=EmailFrequency.NONE.value, auto_follow=True)
    row = db.session.get_one(NotificationSettings, user.id)
    row.email_frequency = EmailFrequency.NONE
    db.session.flush()
