"""Model mixins shared by the domains."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    """Today's date in Brest: phases open and close on local dates."""
    return datetime.now(PARIS).date()


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class TimestampMixin:
    """created_at and updated_at, kept by the ORM."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class ModeratedMixin:
    """Content a moderator can hide. "pending": waiting for approval (pre-moderated project);
    "held": hidden provisionally by reports until a decision."""

    moderation: Mapped[str] = mapped_column(String(10), default="visible", server_default="visible")
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_visible(self) -> bool:
        """True unless moderation hid it (for good or provisionally)."""
        return self.moderation == "visible"
