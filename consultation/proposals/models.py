"""Proposals. Counters are kept on the row so lists need no query per proposal."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.errors import IllegalTransition
from consultation.core.models import (
    DomainEnum,
    ModeratedMixin,
    ModerationState,
    TimestampMixin,
    one_of,
    sparse_index,
    utcnow,
)
from consultation.extensions import Model
from consultation.projects.models import Project
from consultation.reference.models import Territory


class ProposalStatus(DomainEnum):
    """Where a proposal stands apart from moderation."""

    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # by its author
    MERGED = "merged"  # into another proposal, by a moderator


class AnswerStatus(DomainEnum):
    """The official answer of the metropole to a proposal."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNDER_STUDY = "under_study"


# The answer filter's values beside AnswerStatus: any of the three answers, or none yet.
ANY_ANSWER, NO_ANSWER = "given", "none"


def answered_as(answer: object) -> ColumnElement[bool] | None:
    """The proposals whose official answer is `answer` (an AnswerStatus, ANY_ANSWER or
    NO_ANSWER); None for any other value (no filter). The proposal list and the API filter
    with it."""
    if answer == NO_ANSWER:
        return Proposal.answer_status.is_(None)
    if answer == ANY_ANSWER:
        return Proposal.answer_status.is_not(None)
    if AnswerStatus.has(answer):
        return Proposal.answer_status == answer
    return None


class Stance(DomainEnum):
    """A comment's stance; the proposal keeps one counter per stance."""

    POUR = "pour"
    CONTRE = "contre"
    NEUTRE = "neutre"


SHUFFLE_KEYS = 2**31 - 1  # shuffle keys are 0 .. SHUFFLE_KEYS - 1


def new_shuffle_key() -> int:
    """A proposal's place on the circle of the random order."""
    return secrets.randbelow(SHUFFLE_KEYS)


class Proposal(ModeratedMixin, TimestampMixin, Model):
    """A citizen's proposal on a project."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(one_of("status", ProposalStatus), name="status"),
        # A merged proposal always says where it went, and only a merged one does.
        CheckConstraint(
            f"(status = '{ProposalStatus.MERGED}') = (merged_into_id IS NOT NULL)",
            name="merged_has_target",
        ),
        CheckConstraint(one_of("moderation", ModerationState), name="moderation"),
        CheckConstraint(
            f"answer_status IS NULL OR {one_of('answer_status', AnswerStatus)}",
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
        # Few proposals are merged, answered or from a workshop: a new one, or a counter's
        # change (PostgreSQL writes every index of a row whose indexed column moved), writes
        # no page of these.
        sparse_index("ix_proposals_merged_into_id", "merged_into_id"),
        sparse_index("ix_proposals_answer_status", "answer_status"),
        sparse_index("ix_proposals_workshop_id", "workshop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=ProposalStatus.PUBLISHED)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A duplicate merged by a moderator into another proposal, which took its supports.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    # Set by the first support or comment: from then on the text people reacted to is fixed.
    first_reaction_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Counters kept up to date by proposals/receivers.py from the domains' signals.
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_pour: Mapped[int] = mapped_column(Integer, default=0)
    comments_contre: Mapped[int] = mapped_column(Integer, default=0)
    comments_neutre: Mapped[int] = mapped_column(Integer, default=0)
    # Moves with every change of the proposal and its debate, not its supports
    # (core/fragments.py).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    answer_status: Mapped[str | None] = mapped_column(String(12))
    answer_body: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Drawn once: the random order of the lists walks these keys from a seed (see services).
    shuffle_key: Mapped[int] = mapped_column(Integer, default=new_shuffle_key)
    # Made with a digital mediator's help (acting for the author), or entered from a paper
    # workshop; shown beside the proposal. The workshops table belongs to the mediation domain.
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"))

    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    territory: Mapped[Territory | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])

    @property
    def is_published(self) -> bool:
        """True unless the author withdrew it."""
        return self.status == ProposalStatus.PUBLISHED

    @property
    def is_counted(self) -> bool:
        """Counted in the public figures: published and not hidden by moderation."""
        return self.is_published and self.is_visible

    @property
    def is_merged(self) -> bool:
        """True once a moderator merged it into another proposal."""
        return self.status == ProposalStatus.MERGED

    def withdraw(self) -> None:
        """Its author withdraws it: it stays readable, marked withdrawn."""
        if not self.is_published:
            raise IllegalTransition(_("Cette proposition est déjà retirée."))
        self.status = ProposalStatus.WITHDRAWN
        self.withdrawn_at = utcnow()

    def merge_into(self, target: Proposal) -> None:
        """A duplicate goes into another visible published proposal of the same project (the
        caller moves the supports)."""
        if target is self or target.id == self.id or target.project_id != self.project_id:
            raise IllegalTransition(_("Choisissez une autre proposition du même projet."))
        if not self.is_published or not target.is_published:
            raise IllegalTransition(_("Seules des propositions publiées peuvent être fusionnées."))
        if not target.is_visible:
            raise IllegalTransition(
                _("Cette proposition est masquée : on ne peut pas y en fusionner une autre.")
            )
        self.status, self.merged_into_id = ProposalStatus.MERGED, target.id

    def unmerge(self, target: Proposal) -> None:
        """Undo its merge into `target`: it is published again on its own."""
        if not self.is_merged or self.merged_into_id != target.id:
            raise IllegalTransition(_("Cette fusion a déjà été annulée ou ne peut plus l'être."))
        self.status, self.merged_into_id = ProposalStatus.PUBLISHED, None

    def give_answer(self, status: str, body: str) -> str | None:
        """Record (or change) the official answer; the previous status, if any."""
        if not AnswerStatus.has(status):
            raise IllegalTransition(_("Choisissez acceptée, refusée ou à l'étude."))
        previous = self.answer_status
        self.answer_status, self.answer_body = status, body
        self.answered_at = utcnow()
        return previous

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
