"""Comments with a stance, on a proposal or on the project itself, threaded three levels deep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.models import (
    ModeratedMixin,
    ModerationState,
    TimestampMixin,
    one_of,
    sparse_index,
)
from consultation.extensions import Model
from consultation.projects.models import Project
from consultation.proposals.models import Proposal, Stance

MAX_DEPTH = 2  # depths 0, 1 and 2: three levels


class Comment(ModeratedMixin, TimestampMixin, Model):
    """A comment; deleting it keeps its place so that replies keep their context."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(one_of("stance", Stance), name="stance"),
        CheckConstraint(one_of("moderation", ModerationState), name="moderation"),
        CheckConstraint(f"depth >= 0 AND depth <= {MAX_DEPTH}", name="depth"),
        Index("ix_comments_project_roots", "project_id", "proposal_id", "depth", "id"),
        Index("ix_comments_proposal_roots", "proposal_id", "depth", "id"),
        # Top-level comments, online, are most of them: no entry in these.
        sparse_index("ix_comments_parent_id", "parent_id"),
        sparse_index("ix_comments_root_id", "root_id"),
        sparse_index("ix_comments_workshop_id", "workshop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The top-level comment of the thread (None for a top-level one): one query loads a thread.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stance: Mapped[str] = mapped_column(String(7))
    body: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Made with a digital mediator's help, or entered from a paper workshop (see Proposal).
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"))

    project: Mapped[Project] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def is_deleted(self) -> bool:
        """True once its author deleted it."""
        return self.deleted_at is not None

    @property
    def is_counted(self) -> bool:
        """Counted in the public figures: not deleted and not hidden by moderation."""
        return not self.is_deleted and self.is_visible

    @property
    def can_have_replies(self) -> bool:
        """Replies stop at the third level."""
        return self.depth < MAX_DEPTH
