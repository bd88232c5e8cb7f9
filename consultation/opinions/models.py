"""The opinion map: a debate by statements (affirmations) answered d'accord / pas d'accord /
je ne sais pas, its participants under per-debate numbers, and its computed analysis."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.models import DomainEnum, one_of, utcnow
from consultation.extensions import Model
from consultation.projects.models import Project

# The longest statement, as on Pol.is: one idea a person can read at a glance.
STATEMENT_MAX = 140
# The values of an answer, as in Pol.is's open data.
AGREE, DISAGREE, PASS = 1, -1, 0
ANSWER_VALUES = (AGREE, DISAGREE, PASS)


class StatementState(DomainEnum):
    """Where a statement stands: waiting for a moderator, shown, or refused."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class ParticipantSource(DomainEnum):
    """How a participant's answers came in."""

    ONLINE = "online"  # the person answered, or a mediator answered while acting for them
    PAPER = "paper"  # a paper sheet of a workshop, entered by a mediator
    POLIS = "polis"  # imported from a Pol.is open data export


class Debate(Model):
    """The debate by statements of a project's consultation phase (one per project)."""

    __tablename__ = "debates"
    __table_args__ = (
        CheckConstraint(
            "answers_count >= 0 AND participants_count >= 0", name="counts_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    # The question the statements answer, shown above each of them.
    question: Mapped[str] = mapped_column(String(300))
    # Statements added by participants wait for a moderator unless this is off.
    premoderation: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    answers_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    participants_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The next participant number (pseudonyms are per debate, never account ids).
    next_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Moves with every change of the debate's statements, answers or analysis.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When new answers are waiting for the analysis (a debounced job computes it then).
    analysis_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship()


class Statement(Model):
    """One statement of a debate, at most 140 characters."""

    __tablename__ = "debate_statements"
    __table_args__ = (
        CheckConstraint(one_of("state", StatementState), name="state"),
        CheckConstraint(f"length(text) BETWEEN 1 AND {STATEMENT_MAX}", name="text_length"),
        Index("ix_debate_statements_debate_state", "debate_id", "state"),
        UniqueConstraint("debate_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(STATEMENT_MAX))
    state: Mapped[str] = mapped_column(String(20), default=StatementState.PENDING)
    # Written by the debate's organisers, before anyone answered.
    is_seed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The statement's number in the Pol.is export it was imported from.
    external_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    debate: Mapped[Debate] = relationship()
    author: Mapped[User | None] = relationship()


class DebateParticipant(Model):
    """Someone who answered in a debate, known to the public only by a per-debate number."""

    __tablename__ = "debate_participants"
    __table_args__ = (
        CheckConstraint(one_of("source", ParticipantSource), name="source"),
        # An account answers online; a paper sheet or an imported participant is nobody's.
        CheckConstraint(
            f"(source = '{ParticipantSource.ONLINE}') = (user_id IS NOT NULL)", name="account"
        ),
        CheckConstraint(
            f"source <> '{ParticipantSource.PAPER}' OR label IS NOT NULL", name="sheet_label"
        ),
        UniqueConstraint("debate_id", "number"),
        UniqueConstraint("debate_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    # None for a paper sheet or an imported participant: nobody's account.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(20), default=ParticipantSource.ONLINE)
    # What the mediator wrote on a paper sheet to find it again ("atelier de Guipavas, fiche 3").
    label: Mapped[str | None] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Answer(Model):
    """A participant's answer to a statement: 1 d'accord, -1 pas d'accord, 0 je ne sais pas."""

    __tablename__ = "debate_answers"
    __table_args__ = (
        CheckConstraint("value IN (1, -1, 0)", name="value"),
        Index("ix_debate_answers_statement", "statement_id"),
    )

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("debate_participants.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("debate_statements.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)
    # The mediator who recorded it for the person, if any (every such act is also logged).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DebateAnalysis(Model):
    """The last computed opinion map of a debate (consultation/opinions/analysis.py)."""

    __tablename__ = "debate_analyses"

    debate_id: Mapped[int] = mapped_column(
        ForeignKey("debates.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The debate's answers_count when computed: the map is stale when it differs.
    answers_count: Mapped[int] = mapped_column(Integer)
    # Analysis.to_json(): coordinates, groups, representative and consensus statements.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
