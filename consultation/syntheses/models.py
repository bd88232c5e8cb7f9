"""Syntheses: a project's draft, and the published versions frozen with their figures."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.documents import Document
from consultation.core.errors import IllegalTransition
from consultation.core.models import TimestampMixin, utcnow
from consultation.extensions import Model
from consultation.projects.models import Project


class SynthesisDraft(TimestampMixin, Model):
    """The narrative a project's moderators are writing; figures are computed live around it."""

    __tablename__ = "synthesis_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    narrative: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str] = mapped_column(String(500), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @staticmethod
    def next_number(narrative: str, change_note: str, previous: int) -> int:
        """The number of the version this text would become after `previous` (0: none yet),
        or the French reason it cannot: a version after the first one must say what changed.
        Changes nothing (the confirmation page asks it before anything is frozen)."""
        if not narrative.strip():
            raise IllegalTransition(_("Écrivez le texte de la synthèse avant de la publier."))
        if previous and not change_note.strip():
            raise IllegalTransition(
                _("Dites en une phrase ce qui change par rapport à la version %(n)d.", n=previous)
            )
        return previous + 1

    def publish(self, previous: int) -> int:
        """Check the draft can become the version after `previous`, whose number it returns.
        The note then goes with the version, and the draft starts the next one without it."""
        number = self.next_number(self.narrative, self.change_note, previous)
        self.change_note = ""
        return number


class SynthesisVersion(Model):
    """A published synthesis: narrative and figures as they were when it was published."""

    __tablename__ = "synthesis_versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The large columns last: SQLite reaches a column by walking those before it in the row
    # (migration 0022).
    # The snapshot of figures.compute(), as JSON, without the annex: the page reads these.
    figures_json: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    # The annex (every proposal), apart: it grows with the project (2 MB at 10,000 proposals)
    # and only the annex pages and the PDF read it.
    annex_json: Mapped[str] = deferred(mapped_column(Text, nullable=False, default="[]"))

    project: Mapped[Project] = relationship()
    published_by: Mapped[User | None] = relationship()
    document: Mapped[Document | None] = relationship()

    @property
    def figures(self) -> dict[str, Any]:
        """The frozen figures (parsed once per object)."""
        cached = self.__dict__.get("_figures")
        if cached is None:
            cached = self.__dict__["_figures"] = json.loads(self.figures_json)
        return cached

    @property
    def annex(self) -> list[dict[str, Any]]:
        """Every counted proposal as published, most supported first (parsed once)."""
        cached = self.__dict__.get("_annex")
        if cached is None:
            cached = self.__dict__["_annex"] = json.loads(self.annex_json)
        return cached

    @property
    def filename(self) -> str:
        """The PDF's file name."""
        return f"synthese-{self.project.slug}-v{self.number}.pdf"


class SynthesisSubscriber(Model):
    """Someone who asked to be told when a project's synthesis is published."""

    __tablename__ = "synthesis_subscribers"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
