"""Follows, notifications and each person's notification settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from consultation.core.models import DomainEnum, one_of, sparse_index, utcnow
from consultation.extensions import Model


class NotificationKind(DomainEnum):
    """What happened (the order is the order of the settings page and of the digests)."""

    REPLY = "reply"  # a reply to my comment
    COMMENT = "comment"  # a comment on my proposal
    ANSWER = "answer"  # an official answer on a proposal I follow
    MERGED = "merged"  # my proposal merged into another
    HIDDEN = "hidden"  # my proposal hidden by moderation
    RESTORED = "restored"  # my proposal restored
    PHASE_OPENED = "phase_opened"  # a consultation opening on a project I follow
    SYNTHESIS = "synthesis"  # a synthesis published on a project I follow
    COMMITMENT = "commitment"  # an update of a commitment on something I follow
    EDITION = "edition"  # a Rencontres edition published


class NotificationReason(DomainEnum):
    """Why the person gets it (each notification says so)."""

    AUTHOR = "author"  # it is about what they wrote
    FOLLOWER = "follower"  # they follow the project or the proposal
    ELECTED = "elected"  # elected officials are told of syntheses and editions
    SUBSCRIBER = "subscriber"  # they asked to be told of the Rencontres


class EmailFrequency(DomainEnum):
    """How a person wants their notifications by email."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


class Follow(Model):
    """A person follows one project or one proposal."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("(project_id IS NULL) <> (proposal_id IS NULL)", name="one_target"),
        # A follow has one target: each of these indexes holds the follows of its kind only.
        sparse_index("uq_follows_user_project", "user_id", "project_id", unique=True,
                     set_="project_id"),
        sparse_index("uq_follows_user_proposal", "user_id", "proposal_id", unique=True,
                     set_="proposal_id"),
        sparse_index("ix_follows_project_id", "project_id"),
        sparse_index("ix_follows_proposal_id", "proposal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Notification(Model):
    """One person told of one event: in the site, then by email (alone or in a digest)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(one_of("kind", NotificationKind), name="kind"),
        CheckConstraint(one_of("reason", NotificationReason), name="reason"),
        # Nobody is told twice of one event, however often the fan-out runs.
        UniqueConstraint("user_id", "event", name="uq_notifications_user_event"),
        # The header's unread count and the newest-first list.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # What is still to email (digests and immediate mails).
        Index("ix_notifications_unsent", "emailed_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    # The event's key ("answer:12:1"), the same for everyone told of that event.
    event: Mapped[str] = mapped_column(String(80))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    # What else it is about, by kind: the phase, the synthesis version, the edition, the
    # commitment update (no foreign key: those tables belong to domains above or beside).
    subject_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set once it went by email, alone or in a digest, or when the person wants no email.
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationSettings(Model):
    """A person's choices; a person without a row has the defaults."""

    __tablename__ = "notification_settings"
    __table_args__ = (CheckConstraint(one_of("email_frequency", EmailFrequency),
                                      name="email_frequency"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_frequency: Mapped[str] = mapped_column(
        String(10), default=EmailFrequency.DAILY, server_default=EmailFrequency.DAILY.value
    )
    # Follow what one proposes, comments on or supports.
    auto_follow: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The last digest sent, so a digest run twice sends nothing twice.
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
