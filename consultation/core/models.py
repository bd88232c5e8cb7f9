"""Model mixins shared by the domains."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

PARIS = ZoneInfo("Europe/Paris")


class DomainEnum(StrEnum):
    """A closed set of values stored as strings: members equal their values, so rows read
    back as plain strings compare equal to them."""

    @classmethod
    def has(cls, value: object) -> bool:
        """True when `value` is one of the values (Python 3.11's `in` refuses plain strings)."""
        return isinstance(value, str) and value in cls._value2member_map_


def one_of(column: str, values: Iterable[str]) -> str:
    """The SQL of a check constraint that keeps a column among the values of an enum,
    e.g. "status IN ('published', 'withdrawn', 'merged')" (in the enum's order)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class ModerationState(DomainEnum):
    """Where moderation left a proposal or a comment."""

    VISIBLE = "visible"
    PENDING = "pending"  # waiting for approval (pre-moderated project)
    HELD = "held"  # hidden provisionally by reports until a decision
    HIDDEN = "hidden"  # hidden by a moderator, with a public reason


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

    moderation: Mapped[str] = mapped_column(
        String(10), default=ModerationState.VISIBLE, server_default=ModerationState.VISIBLE.value
    )
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_visible(self) -> bool:
        """True unless moderation hid it (for good or provisionally)."""
        return self.moderation == ModerationState.VISIBLE
