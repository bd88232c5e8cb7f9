"""Structuring projects and their phases. Phases are data: each kind lists what it allows."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, text

from consultation.core.errors import IllegalTransition
from consultation.core.models import DomainEnum, TimestampMixin, one_of, today
from consultation.extensions import Model, db
from consultation.reference.models import Orientation, Territory


class PhaseKind(DomainEnum):
    """The phases of a project, in the order they follow each other."""

    INFORMATION = "information"
    CONSULTATION = "consultation"
    SYNTHESIS = "synthesis"
    FOLLOW_UP = "follow_up"


# The features each phase allows by its kind.
PHASE_FEATURES: dict[str, frozenset[str]] = {
    PhaseKind.INFORMATION: frozenset(),
    PhaseKind.CONSULTATION: frozenset({"propose", "comment", "support"}),
    PhaseKind.SYNTHESIS: frozenset(),
    PhaseKind.FOLLOW_UP: frozenset(),
}
# The features an admin may add to a phase of a kind, stored as data on the phase.
OPTIONAL_FEATURES: dict[str, frozenset[str]] = {
    PhaseKind.CONSULTATION: frozenset({"opinions"}),
}


project_territories = Table(
    "project_territories",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("territory_id", ForeignKey("territories.id"), primary_key=True),
)


class ProjectParticipant(Model):
    """Someone who contributed to a project at least once (proposal, comment or support)."""

    __tablename__ = "project_participants"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Phase(Model):
    """A dated step of a project; dates are inclusive."""

    __tablename__ = "phases"
    __table_args__ = (
        UniqueConstraint("project_id", "kind"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint(one_of("kind", PhaseKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Features added to those of the kind, space-separated (e.g. "opinions": a debate by
    # statements); only those OPTIONAL_FEATURES offers for the kind count.
    added_features: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))

    @property
    def features(self) -> frozenset[str]:
        """What this phase allows: its kind's features and those added to it."""
        added = self.added_features
        if not added:
            return PHASE_FEATURES[self.kind]
        offered = OPTIONAL_FEATURES.get(self.kind, frozenset())
        return PHASE_FEATURES[self.kind] | (frozenset(added.split()) & offered)

    def contains(self, day: date) -> bool:
        """True when the day falls within the phase."""
        return self.starts_on <= day <= self.ends_on


class Project(TimestampMixin, Model):
    """A structuring project of Brest métropole, put to consultation."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("support_limit IS NULL OR support_limit > 0", name="support_limit"),
        CheckConstraint(
            "proposals_count >= 0 AND comments_count >= 0 AND supports_count >= 0"
            " AND participants_count >= 0",
            name="counts_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    plain_summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    orientation_id: Mapped[int | None] = mapped_column(ForeignKey("orientations.id"), index=True)
    support_limit: Mapped[int | None] = mapped_column(Integer)
    # New proposals and comments wait for a moderator's approval before they are public.
    premoderation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A draft (None) until an admin publishes it: only admins and moderators see a draft, and
    # nobody contributes to it.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Figures kept up to date by projects/receivers.py from the domains' signals.
    proposals_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    participants_count: Mapped[int] = mapped_column(Integer, default=0)
    # Moves with every change shown on the project's pages (core/fragments.py).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    orientation: Mapped[Orientation | None] = relationship()
    territories: Mapped[list[Territory]] = relationship(
        secondary=project_territories, order_by=Territory.position
    )
    phases: Mapped[list[Phase]] = relationship(
        cascade="all, delete-orphan", order_by=Phase.starts_on
    )

    @property
    def is_published(self) -> bool:
        """False while the project is a draft."""
        return self.published_at is not None

    def publish(self, moment: datetime) -> None:
        """Make a draft public; a published project cannot be published again."""
        if self.published_at is not None:
            raise IllegalTransition(_("Ce projet est déjà publié."))
        self.published_at = moment

    def current_phase(self, day: date | None = None) -> Phase | None:
        """The phase whose dates contain the day (today by default)."""
        day = day or today()
        return next((phase for phase in self.phases if phase.contains(day)), None)

    def allows(self, feature: str, day: date | None = None) -> bool:
        """True when the current phase allows the feature (propose, comment, support); never
        on a draft."""
        phase = self.current_phase(day)
        return self.is_published and phase is not None and feature in phase.features

    def phase(self, kind: str) -> Phase | None:
        """This project's phase of a kind, if it has one."""
        return next((phase for phase in self.phases if phase.kind == kind), None)

    @property
    def is_open(self) -> bool:
        """True while the consultation phase runs."""
        phase = self.current_phase()
        return phase is not None and phase.kind == PhaseKind.CONSULTATION
