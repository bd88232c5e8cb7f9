"""Editions of the Rencontres des numériques and the synthesis versions they gather."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.core.documents import Document
from consultation.core.errors import IllegalTransition
from consultation.core.models import DomainEnum, TimestampMixin, one_of, utcnow
from consultation.extensions import Model, db
from consultation.syntheses.models import SynthesisVersion


class EditionState(DomainEnum):
    """A draft edition is seen by those who run it; a published one by everyone."""

    DRAFT = "draft"
    PUBLISHED = "published"


edition_syntheses = Table(
    "edition_syntheses",
    db.metadata,
    Column("edition_id", ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("version_id", ForeignKey("synthesis_versions.id", ondelete="CASCADE"),
           primary_key=True),
)


class Edition(TimestampMixin, Model):
    """One year's Rencontres: when and where, its programme, the syntheses it gathers."""

    __tablename__ = "editions"
    __table_args__ = (
        CheckConstraint(one_of("state", EditionState), name="state"),
        CheckConstraint("year BETWEEN 2000 AND 2999", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(300))
    programme: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default=EditionState.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    syntheses: Mapped[list[SynthesisVersion]] = relationship(
        secondary=edition_syntheses, order_by=SynthesisVersion.project_id
    )
    document: Mapped[Document | None] = relationship()

    @property
    def is_published(self) -> bool:
        """True once the edition's page is public."""
        return self.state == EditionState.PUBLISHED

    def publish(self) -> None:
        """Make a draft edition public (its dossier is then built by the caller)."""
        if self.is_published:
            raise IllegalTransition(_("Cette édition est déjà publiée."))
        self._check_gathers()
        self.state = EditionState.PUBLISHED
        self.published_at = self.published_at or utcnow()

    def republish(self) -> None:
        """A published edition changed: its dossier is built again (its date stays)."""
        if not self.is_published:
            raise IllegalTransition(_("Cette édition n'est pas encore publiée."))
        self._check_gathers()

    def _check_gathers(self) -> None:
        if not self.syntheses:
            raise IllegalTransition(
                _("Rattachez au moins une synthèse publiée avant de publier l'édition.")
            )

    @property
    def filename(self) -> str:
        """The dossier's file name."""
        return f"rencontres-des-numeriques-{self.year}.pdf"


class RencontresSubscriber(Model):
    """Someone who asked to be told when an edition's dossier is published."""

    __tablename__ = "rencontres_subscribers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
