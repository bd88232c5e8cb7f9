"""The map's computation: debounced after answers (at most once a minute per debate), on the
timer's command, and in both job modes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consultation.core import jobs as queue
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.opinions import analysis, jobs, services
from consultation.opinions.models import Answer, Debate, DebateAnalysis, Statement
from tests import factories
from tests.opinions.test_map import planted_debate


@pytest.fixture
def computations(monkeypatch):
    """How many times the analysis ran."""
    ran: list[int] = []
    real = analysis.analyse

    def counted(votes, previous=None):
        ran.append(len(votes.participants))
        return real(votes, previous)

    monkeypatch.setattr(analysis, "analyse", counted)
    return ran


def answer(debate_id: int, participant_id: int, statement_id: int, value: int) -> None:
    """What a POST of an answer does to the debate (services.answers_changed first, then the
    answer), then commits and runs the jobs as the request boundary would."""
    debate = db.session.get_one(Debate, debate_id)
    services.answers_changed(debate)
    db.session.merge(Answer(participant_id=participant_id, statement_id=statement_id, value=value))
    db.session.commit()
    queue.dispatch_committed()


def first_ids(debate: Debate) -> tuple[int, int]:
    from sqlalchemy import select

    from consultation.opinions.models import DebateParticipant

    participant = db.session.scalars(
        select(DebateParticipant.id).where(DebateParticipant.debate_id == debate.id).limit(1)
    ).one()
    statement = db.session.scalars(
        select(Statement.id).where(Statement.debate_id == debate.id).limit(1)
    ).one()
    return participant, statement


def test_answers_compute_at_most_once_a_minute(app, computations, monkeypatch):
    debate = planted_debate(factories.project())
    participant, statement = first_ids(debate)
    answer(debate.id, participant, statement, 1)
    assert len(computations) == 1
    assert db.session.get_one(Debate, debate.id).analysis_due_at is None
    for value in (-1, 0, 1, -1):
        answer(debate.id, participant, statement, value)
    assert len(computations) == 1  # within the minute: due, not computed
    db.session.expire_all()
    assert db.session.get_one(Debate, debate.id).analysis_due_at is not None
    assert jobs.due_debates() == []  # the timer waits for the minute too
    later = utcnow() + jobs.DEBOUNCE + timedelta(seconds=1)
    monkeypatch.setattr(jobs, "utcnow", lambda: later)
    assert jobs.due_debates() == [debate.id]
    result = app.test_cli_runner().invoke(args=["opinions", "analyse", "--due"])
    assert result.exit_code == 0 and "1 carte(s)" in result.output
    assert len(computations) == 2
    db.session.expire_all()
    assert db.session.get_one(Debate, debate.id).analysis_due_at is None
    again = app.test_cli_runner().invoke(args=["opinions", "analyse", "--due"])
    assert "0 carte(s)" in again.output and len(computations) == 2


def test_answers_during_a_computation_keep_the_map_due(app, monkeypatch):
    debate = planted_debate(factories.project())
    debate.analysis_due_at = utcnow()
    db.session.commit()
    real = analysis.analyse

    def meanwhile(votes, previous=None):
        # Another request records an answer while the map is computed.
        db.session.execute(
            Debate.__table__.update()
            .where(Debate.id == debate.id)
            .values(version=Debate.version + 1)
        )
        return real(votes, previous)

    monkeypatch.setattr(analysis, "analyse", meanwhile)
    jobs.analyse_debate(debate.id)
    db.session.expire_all()
    assert db.session.get_one(DebateAnalysis, debate.id) is not None
    assert db.session.get_one(Debate, debate.id).analysis_due_at is not None


def test_labels_stay_stable_from_one_computation_to_the_next(app):
    debate = planted_debate(factories.project())
    jobs.analyse_debate(debate.id)
    before = analysis.Analysis.from_json(
        db.session.get_one(DebateAnalysis, debate.id).result
    ).membership()
    participant, statement = first_ids(debate)
    answer(debate.id, participant, statement, 0)
    jobs.analyse_debate(debate.id)
    db.session.expire_all()
    after = analysis.Analysis.from_json(
        db.session.get_one(DebateAnalysis, debate.id).result
    ).membership()
    same = sum(1 for number, group in before.items() if after.get(number) == group)
    assert same >= 0.9 * len(before)


def test_stored_analysis_has_the_answers_count_and_only_published_statements(app):
    debate = planted_debate(factories.project())
    pending = Statement(debate_id=debate.id, text="En attente", state="pending")
    db.session.add(pending)
    db.session.commit()
    jobs.analyse_debate(debate.id)
    stored = db.session.get_one(DebateAnalysis, debate.id)
    assert stored.answers_count == debate.answers_count
    assert pending.id not in {s["statement"] for s in stored.result["statements"]}
    assert all(number >= 1 for number, *_ in stored.result["points"])


def test_a_gone_debate_is_no_error(app):
    assert jobs.analyse_debate(999_999) is False
    jobs.analyse_due(999_999)


def test_with_redis_the_job_goes_to_the_queue(app, redis_queue, computations):
    debate = planted_debate(factories.project())
    participant, statement = first_ids(debate)
    answer(debate.id, participant, statement, 1)
    assert computations == [] and len(redis_queue) == 1
    redis_queue.work()
    assert len(computations) == 1
    db.session.expire_all()
    assert db.session.get_one(DebateAnalysis, debate.id) is not None
