"""Supports: one per citizen per proposal, held by a unique constraint."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consultation.core.models import utcnow
from consultation.extensions import Model


class Support(Model):
    """A citizen supports a proposal."""

    __tablename__ = "supports"
    __table_args__ = (
        UniqueConstraint("user_id", "proposal_id"),
        Index("ix_supports_user_project", "user_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    # Kept on the row so a project's support limit is counted without a join.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The digital mediator who gave it on the supporter's behalf, if any.
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
