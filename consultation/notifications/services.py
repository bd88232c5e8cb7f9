"""Notification services: a person's email settings and unsubscription."""

from __future__ import annotations

from consultation.accounts.models import User
from consultation.core.db import insert_ignore
from consultation.extensions import db
from consultation.notifications.models import EmailFrequency, NotificationSettings


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
