"""The search index: one row per thing a visitor may find, kept by search/services.py.

Only what everyone may see has a row: a proposal hidden, pending, merged or withdrawn, a
comment deleted or hidden (or on such a proposal) loses its row in the transaction that
changes it. Besides the columns below, each database has its own index of `index_title` and
`index_body`, created by migration 0015 and not mapped here: on PostgreSQL a stored generated
`document` tsvector (French with unaccent, title weighted A) under a GIN index; on SQLite the
FTS5 table `search_fts`, kept by triggers on this table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consultation.core.models import DomainEnum, one_of
from consultation.extensions import Model


class EntryKind(DomainEnum):
    """What a search result is."""

    PROJECT = "project"
    PROPOSAL = "proposal"
    COMMENT = "comment"
    SYNTHESIS = "synthesis"
    COMMITMENT = "commitment"


class SearchEntry(Model):
    """One findable thing: its kind and id, where it belongs, its plain text."""

    __tablename__ = "search_entries"
    __table_args__ = (
        CheckConstraint(one_of("kind", EntryKind), name="kind"),
        Index("ix_search_entries_object", "kind", "object_id", unique=True),
        Index("ix_search_entries_proposal", "proposal_id"),
        Index("ix_search_entries_project", "project_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    object_id: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # The proposal a comment is about (a proposal's own id for a proposal).
    proposal_id: Mapped[int | None] = mapped_column(Integer)
    territory_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # plain text, for the excerpts
    # The words as this database's index reads them (see search/text.py).
    index_title: Mapped[str] = mapped_column(Text, default="")
    index_body: Mapped[str] = mapped_column(Text, default="")
