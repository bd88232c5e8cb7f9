"""Commitments of the métropole on a project, and the dated updates of their timeline."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.errors import IllegalTransition
from consultation.core.models import DomainEnum, TimestampMixin, one_of, today, utcnow
from consultation.extensions import Model, db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal


class CommitmentStatus(DomainEnum):
    """Where a commitment stands, in the order a commitment usually goes through."""

    PREVU = "prevu"
    EN_COURS = "en_cours"
    REALISE = "realise"
    ABANDONNE = "abandonne"


# What each status may become. A done or abandoned commitment is closed: only a reopening
# ("en cours" again, e.g. a work taken up again or found unfinished) may follow.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    CommitmentStatus.PREVU: frozenset(CommitmentStatus),
    CommitmentStatus.EN_COURS: frozenset(
        {CommitmentStatus.EN_COURS, CommitmentStatus.REALISE, CommitmentStatus.ABANDONNE}
    ),
    CommitmentStatus.REALISE: frozenset({CommitmentStatus.EN_COURS}),
    CommitmentStatus.ABANDONNE: frozenset({CommitmentStatus.EN_COURS}),
}
CLOSED = frozenset({CommitmentStatus.REALISE, CommitmentStatus.ABANDONNE})


commitment_proposals = Table(
    "commitment_proposals",
    db.metadata,
    Column("commitment_id", ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True),
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Commitment(TimestampMixin, Model):
    """What the métropole commits to do on a project, answering some of its proposals."""

    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint(one_of("status", CommitmentStatus), name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        # Done means done: a commitment is at 100 % exactly when it is "réalisé".
        CheckConstraint(
            f"(status = '{CommitmentStatus.REALISE}') = (progress = 100)", name="done_is_100"
        ),
        CheckConstraint(
            f"status <> '{CommitmentStatus.ABANDONNE}' OR abandon_reason <> ''",
            name="abandon_has_reason",
        ),
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"
        ),
        Index("ix_commitments_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # markdown
    service: Mapped[str] = mapped_column(String(200), default="")  # the service in charge
    starts_on: Mapped[date | None] = mapped_column(Date)  # planned
    ends_on: Mapped[date | None] = mapped_column(Date)  # planned
    status: Mapped[str] = mapped_column(
        String(12), default=CommitmentStatus.PREVU, server_default=CommitmentStatus.PREVU.value
    )
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    abandon_reason: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship()
    proposals: Mapped[list[Proposal]] = relationship(
        secondary=commitment_proposals, order_by=Proposal.id
    )
    updates: Mapped[list[CommitmentUpdate]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan",
        order_by="(CommitmentUpdate.happened_on.desc(), CommitmentUpdate.id.desc())",
    )

    @property
    def is_closed(self) -> bool:
        """True once done or abandoned: only a reopening may follow."""
        return self.status in CLOSED

    def move(self, status: str, progress: int, reason: str = "") -> str:
        """Change the status and progress (an update of the timeline); the previous status.

        "réalisé" is 100 %, and 100 % is "réalisé"; abandoning needs a reason, shown publicly;
        a done or abandoned commitment may only be reopened ("en cours").
        """
        if not CommitmentStatus.has(status):
            raise IllegalTransition(_("Choisissez prévu, en cours, réalisé ou abandonné."))
        if not isinstance(progress, int) or not 0 <= progress <= 100:
            raise IllegalTransition(_("L'avancement est un pourcentage entre 0 et 100."))
        previous = self.status
        if status not in NEXT_STATUSES[previous]:
            if previous in CLOSED:
                raise IllegalTransition(
                    _("Cet engagement est clos : il ne peut qu'être rouvert (« en cours »).")
                )
            raise IllegalTransition(_("Un engagement en cours ne peut pas redevenir prévu."))
        if status == CommitmentStatus.REALISE and progress != 100:
            raise IllegalTransition(_("Un engagement réalisé est avancé à 100 %."))
        if status != CommitmentStatus.REALISE and progress == 100:
            raise IllegalTransition(
                _("Un engagement avancé à 100 % est réalisé : choisissez « réalisé ».")
            )
        reason = reason.strip()
        if status == CommitmentStatus.ABANDONNE and not reason:
            raise IllegalTransition(_("Indiquez pourquoi l'engagement est abandonné."))
        self.status, self.progress = status, progress
        self.abandon_reason = reason if status == CommitmentStatus.ABANDONNE else ""
        return previous


class CommitmentUpdate(Model):
    """A dated step of a commitment's public timeline: what happened, and where it stands."""

    __tablename__ = "commitment_updates"
    __table_args__ = (
        CheckConstraint(one_of("status", CommitmentStatus), name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index("ix_commitment_updates_commitment", "commitment_id", "happened_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    happened_on: Mapped[date] = mapped_column(Date, default=today)  # the date shown, in Brest
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)  # markdown
    # Where the commitment stood after this update.
    status: Mapped[str] = mapped_column(String(12))
    progress: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    commitment: Mapped[Commitment] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
