"""Proposals. Counters are kept on the row so lists need no query per proposal."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.models import ModeratedMixin, TimestampMixin, utcnow
from consultation.extensions import Model
from consultation.projects.models import Project
from consultation.reference.models import Territory

STATUSES = ("published", "withdrawn", "merged")
ANSWER_STATUSES = ("accepted", "rejected", "under_study")
STANCES = ("pour", "contre", "neutre")


SHUFFLE_KEYS = 2**31 - 1  # shuffle keys are 0 .. SHUFFLE_KEYS - 1


def new_shuffle_key() -> int:
    """A proposal's place on the circle of the random order."""
    return secrets.randbelow(SHUFFLE_KEYS)


class Proposal(ModeratedMixin, TimestampMixin, Model):
    """A citizen's proposal on a project."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("status IN ('published', 'withdrawn', 'merged')", name="status"),
        # A merged proposal always says where it went, and only a merged one does.
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        CheckConstraint(
            "moderation IN ('visible', 'pending', 'held', 'hidden')", name="moderation"
        ),
        CheckConstraint(
            "answer_status IS NULL OR answer_status IN ('accepted', 'rejected', 'under_study')",
            name="answer_status",
        ),
        CheckConstraint(
            "supports_count >= 0 AND comments_count >= 0 AND comments_pour >= 0"
            " AND comments_contre >= 0 AND comments_neutre >= 0",
            name="counts_positive",
        ),
        Index("ix_proposals_project_supports", "project_id", "status", "supports_count", "id"),
        Index("ix_proposals_project_created", "project_id", "status", "created_at", "id"),
        Index("ix_proposals_project_comments", "project_id", "status", "comments_count", "id"),
        # With moderation in it, the random order's start is read from the index alone.
        Index("ix_proposals_project_shuffle",
              "project_id", "status", "moderation", "shuffle_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="published")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A duplicate merged by a moderator into another proposal, which took its supports.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    # Set by the first support or comment: from then on the text people reacted to is fixed.
    first_reaction_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_pour: Mapped[int] = mapped_column(Integer, default=0)
    comments_contre: Mapped[int] = mapped_column(Integer, default=0)
    comments_neutre: Mapped[int] = mapped_column(Integer, default=0)
    answer_status: Mapped[str | None] = mapped_column(String(12), index=True)
    answer_body: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Drawn once: the random order of the lists walks these keys from a seed (see services).
    shuffle_key: Mapped[int] = mapped_column(Integer, default=new_shuffle_key)
    # Made with a digital mediator's help (acting for the author), or entered from a paper
    # workshop; shown beside the proposal. The workshops table belongs to the mediation domain.
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"), index=True)

    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    territory: Mapped[Territory | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])

    @property
    def is_published(self) -> bool:
        """True unless the author withdrew it."""
        return self.status == "published"

    @property
    def is_counted(self) -> bool:
        """Counted in the public figures: published and not hidden by moderation."""
        return self.is_published and self.is_visible

    @property
    def is_editable(self) -> bool:
        """The author may edit until the first support or comment."""
        return self.is_published and self.first_reaction_at is None

    @classmethod
    def reaction_values(cls) -> dict[object, object]:
        """UPDATE values that record the first reaction once, whoever comes first."""
        return {cls.first_reaction_at: func.coalesce(cls.first_reaction_at, utcnow())}

    @classmethod
    def keep_updated_at(cls) -> dict[object, object]:
        """UPDATE values that leave updated_at alone: a reaction is not an edit."""
        return {cls.updated_at: cls.updated_at}

    def stance_count(self, stance: str) -> int:
        """Number of visible comments with this stance."""
        return int(getattr(self, f"comments_{stance}"))
