"""Model mixins shared by the domains."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import DateTime, Index, String, Text, text, update
from sqlalchemy.orm import Mapped, mapped_column, object_session

from consultation.core.errors import IllegalTransition

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


def sparse_index(name: str, *columns: str, unique: bool = False, set_: str | None = None
                 ) -> Index:
    """An index of the rows whose column `set_` (the first one by default) is set, on both
    databases: most rows leave it empty (a reply's parent, a workshop, a merge), so a row
    written without it writes no page of the index. A query asking `column = value` or
    `column IN (...)` implies the predicate, and SQLite and PostgreSQL both use the index
    there, foreign keys' cascades included."""
    present = text(f"{set_ or columns[0]} IS NOT NULL")
    return Index(name, *columns, unique=unique, sqlite_where=present, postgresql_where=present)


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

    def hide(self, reason: str) -> None:
        """A moderator hides it with a public reason (what was held is hidden for good)."""
        if self.moderation == ModerationState.HIDDEN:
            raise IllegalTransition(_("Ce contenu est déjà masqué."))
        if not reason.strip():
            raise IllegalTransition(
                _("Indiquez le motif, il sera affiché à la place du contenu.")
            )
        self._move_to(ModerationState.HIDDEN, reason)

    def restore(self) -> None:
        """Shown again after it was hidden or held."""
        if self.moderation == ModerationState.VISIBLE:
            raise IllegalTransition(_("Ce contenu n'est pas masqué."))
        if self.moderation == ModerationState.PENDING:
            raise IllegalTransition(
                _("Ce contenu attend une approbation : approuvez-le ou refusez-le.")
            )
        self._move_to(ModerationState.VISIBLE, None)

    def approve(self) -> None:
        """Published after it waited for approval (pre-moderated project)."""
        if self.moderation != ModerationState.PENDING:
            raise IllegalTransition(_("Ce contenu n'attend pas d'approbation."))
        self._move_to(ModerationState.VISIBLE, None)

    def hold(self) -> None:
        """Hidden provisionally, until a moderator decides (enough reports came)."""
        if self.moderation != ModerationState.VISIBLE:
            raise IllegalTransition(_("Ce contenu n'est plus visible."))
        self._move_to(ModerationState.HELD, None)

    def _move_to(self, state: ModerationState, reason: str | None) -> None:
        # A compare-and-set: the UPDATE applies only if the state is still the one this
        # request read, so two moderators deciding at once never both succeed (and counters
        # that follow the state never move twice). The second is told to reload.
        model = type(self)
        session = object_session(self)
        assert session is not None, "a moderated item is changed once it is stored"
        changed = session.execute(
            update(model)
            .where(model.id == self.id, model.moderation == self.moderation)  # type: ignore[attr-defined]
            .values(moderation=state, moderation_reason=reason, moderated_at=utcnow())
            .returning(model.id)  # type: ignore[attr-defined]
            .execution_options(synchronize_session=False)
        ).first()
        if changed is None:
            raise IllegalTransition(
                _("Ce contenu vient d'être modéré par quelqu'un d'autre : rechargez la page.")
            )
        session.refresh(self)
        from consultation.core import fragments  # imports this module

        fragments.changed(session, self)  # the flush never sees this UPDATE
