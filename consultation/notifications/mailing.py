"""Notifications by email: each as it happens, or gathered in daily and weekly digests.

A notification is emailed once: `emailed_at` is its claim. A run claims a batch by writing its
own time into `emailed_at` (and, for digests, into the person's `digest_sent_at`), commits, then
sends; a message that cannot be sent gives its claim back and the error goes up, so the next run
sends it without repeating the others. Two runs at once never claim the same row (each sees
only the rows holding its own time), a run repeated the same day finds nothing left, and a
digest goes at most once per period to a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.message import Message
from itertools import groupby
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, exists, func, insert, literal, or_, select, true, update
from sqlalchemy.sql import ColumnElement

from consultation.accounts.models import User
from consultation.core.db import rowcount
from consultation.core.mail import compose, deliver
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.notifications import texts
from consultation.notifications.models import EmailFrequency, Notification, NotificationSettings
from consultation.notifications.services import Item, items_statement
from consultation.projects.models import Project

BATCH = 200
PERIODS = {EmailFrequency.DAILY: timedelta(days=1), EmailFrequency.WEEKLY: timedelta(days=7)}
# A digest command scheduled at a fixed hour may start a little early or late: a person digested
# yesterday at 7:00:30 is due again today at 7:00.
SLACK = timedelta(hours=2)


# -- one-click unsubscription (RFC 8058) ------------------------------------------------------

def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    """The secret of a person's unsubscribe link: it never expires, and needs no login."""
    return str(_unsubscribe_serializer().dumps(user_id))


def user_of_token(token: str) -> User | None:
    """The person an unsubscribe link belongs to, or None for a made-up or broken link."""
    try:
        user_id = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    return None if user is None or user.is_deleted else user


# -- what a notification says ------------------------------------------------------------------

def _items(condition: ColumnElement[bool]) -> list[Item]:
    # One query for any number of notifications, grouped by person then by project.
    return [Item(*row) for row in db.session.execute(
        items_statement().where(condition)
        .order_by(Notification.user_id, Project.title, Notification.id)
    )]


def _message(user: User, items: list[Item], digest: EmailFrequency | None) -> Message:
    assert user.email is not None  # only people with an address are claimed
    told = [texts.tell(item, external=True) for item in items]
    token = unsubscribe_token(user.id)
    unsubscribe = url_for("notifications.unsubscribe_one_click", token=token, _external=True)
    context = {
        "user": user,
        "items": told,
        "groups": [(project or "", [told for _item, told in group]) for project, group in
                   groupby(zip(items, told, strict=True),
                           key=lambda pair: pair[0].project_title)],
        "digest": digest,
        "settings_link": url_for("notifications.settings", _external=True),
        "notifications_link": url_for("notifications.index", _external=True),
        "unsubscribe_link": url_for("notifications.unsubscribe", token=token, _external=True),
    }
    if digest == EmailFrequency.DAILY:
        subject = ngettext("Votre résumé du jour\u00a0: %(num)d notification",
                           "Votre résumé du jour\u00a0: %(num)d notifications", len(items))
    elif digest == EmailFrequency.WEEKLY:
        subject = ngettext("Votre résumé de la semaine\u00a0: %(num)d notification",
                           "Votre résumé de la semaine\u00a0: %(num)d notifications", len(items))
    else:
        subject = told[0].what
    message = compose(user.email, subject, "notifications", **context)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


# -- who gets email ----------------------------------------------------------------------------

def _frequency() -> ColumnElement[str]:
    return func.coalesce(NotificationSettings.email_frequency, EmailFrequency.DAILY.value)


def wants_each(user_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """True for a person who chose an email for each notification as it happens (without a
    settings row, a person gets the daily digest): a fan-out that made nothing for such a
    person sends nothing at once, and asks no more."""
    wanted = NotificationSettings.__table__.alias("wanted")
    return exists().where(wanted.c.user_id == user_id,
                          wanted.c.email_frequency == EmailFrequency.IMMEDIATE.value)


def _reachable() -> ColumnElement[bool]:
    return and_(User.email.is_not(None), User.deleted_at.is_(None))


def settle_unwanted(now: datetime) -> int:
    """Mark as done what nobody will email: people who want no email or have no address (so
    the pending rows stay few, and a later change of mind does not send old news)."""
    silent = select(User.id).outerjoin(
        NotificationSettings, NotificationSettings.user_id == User.id
    ).where(or_(~_reachable(), _frequency() == EmailFrequency.NONE.value))
    return rowcount(db.session.execute(
        update(Notification)
        .where(Notification.emailed_at.is_(None), Notification.user_id.in_(silent))
        .values(emailed_at=now)
        .execution_options(synchronize_session=False)
    ))


def _run_time() -> datetime:
    # Each run writes its own instant: rows holding it are this run's claim.
    return utcnow()


def _deliver_all(batch: Iterable[tuple[User, list[Item], EmailFrequency | None]],
                 give_back: Any) -> int:
    sent = 0
    pending = list(batch)
    for index, (user, items, digest) in enumerate(pending):
        try:
            # Each person's email in their own language.
            with force_locale(user.locale or "fr"):
                deliver(_message(user, items, digest))
        except BaseException:
            db.session.rollback()
            give_back([person.id for person, _i, _d in pending[index:]])
            db.session.commit()
            raise
        sent += 1
    return sent


def _public_context() -> Any:
    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


def _users(ids: Iterable[int]) -> dict[int, User]:
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _by_user(items: Sequence[Item], users: dict[int, User]) -> list[tuple[User, list[Item]]]:
    return [(users[user_id], list(group))
            for user_id, group in groupby(items, key=lambda item: item.notification.user_id)
            if user_id in users]


# -- each as it happens ------------------------------------------------------------------------

def _send_singles(condition: ColumnElement[bool]) -> int:
    sent = 0
    after = 0
    while True:
        now = _run_time()
        ids = list(db.session.scalars(
            select(Notification.id)
            .join(User, User.id == Notification.user_id)
            .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
            .where(condition, Notification.emailed_at.is_(None), Notification.id > after,
                   _reachable(), _frequency() == EmailFrequency.IMMEDIATE.value)
            .order_by(Notification.id).limit(BATCH)
        ))
        if not ids:
            return sent
        after = ids[-1]
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
            .values(emailed_at=now).execution_options(synchronize_session=False)
        )
        db.session.commit()
        items = _items(and_(Notification.id.in_(ids), Notification.emailed_at == now))
        users = _users({item.notification.user_id for item in items})

        def give_back(user_ids: list[int], ids: list[int] = ids, now: datetime = now) -> None:
            db.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.user_id.in_(user_ids),
                       Notification.emailed_at == now)
                .values(emailed_at=None).execution_options(synchronize_session=False)
            )

        with _public_context():
            # One message per notification; a person with several gets them in order.
            singles: list[tuple[User, list[Item], EmailFrequency | None]] = []
            for user, own in _by_user(items, users):
                singles.extend((user, [item], None) for item in own)
            sent += _deliver_all(singles, give_back)


def send_immediate(event: str) -> int:
    """Email the notifications of one event to those who want each as it happens; how many."""
    return _send_singles(Notification.event == event)


def send_pending_immediate() -> int:
    """Email every notification still waiting for those who want each as it happens (what a
    failed or interrupted run left); how many."""
    return _send_singles(true())


# -- digests -----------------------------------------------------------------------------------

def _add_default_settings() -> None:
    # People who never changed their settings get their row (the defaults), so a digest can
    # record that it went to them.
    has_row = exists().where(NotificationSettings.user_id == Notification.user_id)
    db.session.execute(
        insert(NotificationSettings).from_select(
            ["user_id", "email_frequency", "auto_follow"],
            select(Notification.user_id, literal(EmailFrequency.DAILY.value), true())
            .where(Notification.emailed_at.is_(None), ~has_row)
            .group_by(Notification.user_id),
        )
    )


def send_digests(frequency: EmailFrequency, now: datetime | None = None) -> int:
    """Send the daily or weekly digest to everyone who chose it and has news; how many went.
    Running it twice in a period sends nothing twice; a run that stopped half-way is resumed
    by the next without sending again what went."""
    now = now or utcnow()
    due_before = now - PERIODS[frequency] + SLACK
    settle_unwanted(now)
    _add_default_settings()
    db.session.commit()
    has_news = exists().where(Notification.user_id == NotificationSettings.user_id,
                              Notification.emailed_at.is_(None), Notification.created_at <= now)
    due = or_(NotificationSettings.digest_sent_at.is_(None),
              NotificationSettings.digest_sent_at < due_before)
    sent = 0
    after = 0
    while True:
        run = _run_time()
        candidates = list(db.session.execute(
            select(NotificationSettings.user_id, NotificationSettings.digest_sent_at)
            .join(User, User.id == NotificationSettings.user_id)
            .where(NotificationSettings.email_frequency == frequency.value, due, has_news,
                   _reachable(), NotificationSettings.user_id > after)
            .order_by(NotificationSettings.user_id).limit(BATCH)
        ))
        if not candidates:
            return sent
        after = candidates[-1][0]
        previous = dict(candidates)
        ids = list(previous)
        db.session.execute(
            update(NotificationSettings)
            .where(NotificationSettings.user_id.in_(ids), due)
            .values(digest_sent_at=run).execution_options(synchronize_session=False)
        )
        mine = list(db.session.scalars(select(NotificationSettings.user_id).where(
            NotificationSettings.user_id.in_(ids), NotificationSettings.digest_sent_at == run)))
        db.session.execute(
            update(Notification)
            .where(Notification.user_id.in_(mine), Notification.emailed_at.is_(None),
                   Notification.created_at <= now)
            .values(emailed_at=run).execution_options(synchronize_session=False)
        )
        db.session.commit()
        items = _items(and_(Notification.user_id.in_(mine), Notification.emailed_at == run))
        users = _users(mine)

        def give_back(user_ids: list[int], run: datetime = run,
                      previous: dict[int, datetime | None] = previous) -> None:
            db.session.execute(
                update(Notification)
                .where(Notification.user_id.in_(user_ids), Notification.emailed_at == run)
                .values(emailed_at=None).execution_options(synchronize_session=False)
            )
            for user_id in user_ids:
                db.session.execute(
                    update(NotificationSettings)
                    .where(NotificationSettings.user_id == user_id,
                           NotificationSettings.digest_sent_at == run)
                    .values(digest_sent_at=previous.get(user_id))
                )

        with _public_context():
            sent += _deliver_all(
                [(user, own, frequency) for user, own in _by_user(items, users)],
                give_back,
            )
