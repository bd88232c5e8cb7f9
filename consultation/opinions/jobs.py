"""The opinion map's computation: a debounced job after new answers, on demand, and on a timer.

New answers mark a debate's map due (`request_analysis`, called by
`services.answers_changed`) and ask for `analyse_due` once: it computes the map at once unless
the last computation is less than DEBOUNCE old. Answers given meanwhile only keep the debate
due; `flask opinions analyse --due`, run every minute by a timer, computes the debates whose
time has come. So a debate's map is computed at most once a minute however fast answers come,
with Redis or without it (inline jobs: a test app runs numpy once, not on every answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from consultation.core import fragments, jobs
from consultation.core.db import rowcount
from consultation.core.models import as_utc, utcnow
from consultation.extensions import db
from consultation.opinions import analysis
from consultation.opinions.models import (
    Answer,
    Debate,
    DebateAnalysis,
    DebateParticipant,
    Statement,
    StatementState,
)

# The shortest time between two computations of a debate's map after new answers.
DEBOUNCE = timedelta(seconds=60)


def request_analysis(debate: Debate) -> None:
    """The debate's answers changed: mark its map due and ask for a computation, unless one is
    already asked for (`services.answers_changed` calls it, in the answer's transaction)."""
    if debate.analysis_due_at is not None:
        return  # a job or the timer will compute it
    debate.analysis_due_at = utcnow()
    jobs.enqueue_once(analyse_due, debate.id)


def recompute(debate: Debate) -> None:
    """A moderator asks for the map now ("Recalculer la carte"): computed after the commit."""
    if debate.analysis_due_at is None:
        debate.analysis_due_at = utcnow()
    jobs.enqueue_once(analyse_debate, debate.id)


def _recent(computed_at: datetime | None, now: datetime) -> bool:
    return computed_at is not None and as_utc(computed_at) > now - DEBOUNCE


def analyse_due(debate_id: int) -> None:
    """Job: compute the debate's map if it is due and the last one is DEBOUNCE old or more;
    otherwise leave it due for the timer."""
    row = db.session.execute(
        select(Debate.analysis_due_at, DebateAnalysis.computed_at)
        .outerjoin(DebateAnalysis, DebateAnalysis.debate_id == Debate.id)
        .where(Debate.id == debate_id)
    ).first()
    if row is None or row.analysis_due_at is None or _recent(row.computed_at, utcnow()):
        return
    analyse_debate(debate_id)


def due_debates(now: datetime | None = None) -> list[int]:
    """The debates whose map is due and whose last computation is DEBOUNCE old or more."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Debate.id, DebateAnalysis.computed_at)
        .outerjoin(DebateAnalysis, DebateAnalysis.debate_id == Debate.id)
        .where(Debate.analysis_due_at.is_not(None), Debate.analysis_due_at <= now)
        .order_by(Debate.id)
    )
    return [ident for ident, computed in rows if not _recent(computed, now)]


# The answers to a debate's published statements under the participants' numbers (never an
# account id): what the analysis reads, and (with a column of its own) the next statement's
# choice (services.next_statement). Built once.
TRIPLES = (
    select(DebateParticipant.number, Answer.statement_id, Answer.value)
    .join(DebateParticipant, DebateParticipant.id == Answer.participant_id)
    .join(Statement, Statement.id == Answer.statement_id)
    .where(
        Statement.debate_id == bindparam("debate_id"),
        Statement.state == StatementState.PUBLISHED,
    )
    .order_by(DebateParticipant.number, Answer.statement_id)
)


def answer_triples(debate_id: int) -> list[tuple[int, int, int]]:
    """(participant number, statement id, value) of the answers to the debate's published
    statements (one statement)."""
    rows = db.session.execute(TRIPLES, {"debate_id": debate_id})
    return [(number, statement, value) for number, statement, value in rows]


def previous_labels(result: Mapping[str, Any] | None) -> dict[int, int] | None:
    """Participant number -> group label of a stored analysis, to keep the labels stable."""
    if not result:
        return None
    return analysis.Analysis.from_json(result).membership() or None


def analyse_debate(debate_id: int) -> bool:
    """Job: compute and store the debate's opinion map from the answers to its published
    statements, keeping the group labels of the previous one (commits). False if the debate
    is gone."""
    debate = db.session.get(Debate, debate_id)
    if debate is None:
        return False
    seen_version = debate.version
    answers_count = debate.answers_count
    votes = analysis.Votes.from_triples(answer_triples(debate_id))
    stored = db.session.get(DebateAnalysis, debate_id)
    result = analysis.analyse(votes, previous_labels(stored.result if stored else None))
    if stored is None:
        stored = DebateAnalysis(debate_id=debate_id, answers_count=0, result={})
        db.session.add(stored)
    stored.result = result.to_json()
    stored.answers_count = answers_count
    stored.computed_at = utcnow()
    db.session.flush()
    # Answers that came while it computed moved the version: the debate stays due for them.
    cleared = rowcount(
        db.session.execute(
            update(Debate)
            .where(Debate.id == debate_id, Debate.version == seen_version)
            .values(analysis_due_at=None, version=Debate.version + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if not cleared:
        db.session.execute(
            update(Debate)
            .where(Debate.id == debate_id)
            .values(version=Debate.version + 1)
            .execution_options(synchronize_session=False)
        )
    # The project's pages (its link to the map, its figures) show the new map.
    fragments.changed(db.session(), debate)
    db.session.commit()
    return True
