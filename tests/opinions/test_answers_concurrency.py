"""Answers under concurrency: the real app served in threads, first answers at the same moment
(each participant gets a number of their own) and double clicks (one answer, counted once)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from consultation.extensions import db
from consultation.opinions.models import Answer, DebateParticipant
from tests import factories
from tests.opinions.debates import assert_debate_counters_exact, debate, published
from tests.served import fire, serve, session_cookie


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    """The application served on a free local port, one thread per request."""
    with serve(app) as address:
        yield address


def test_people_answering_at_once_get_distinct_numbers(app, server):
    """Twenty people giving their first answer at the same moment, one of them clicking five
    times: twenty participants numbered 1 to 20 (no number twice), twenty answers, counters
    equal to a recount, no 5xx."""
    made = debate()
    statement = published(made)[0]
    people = [factories.user() for _ in range(20)]
    db.session.commit()
    cookies = [session_cookie(app, person) for person in people]
    path = f"/projets/{made.project.slug}/debat/reponse"
    form = {"statement_id": str(statement.id), "value": "1"}
    requests = [(path, cookie, form) for cookie in cookies] + [(path, cookies[0], form)] * 4

    statuses = fire(server, requests)

    assert statuses == Counter({303: 24}), statuses
    db.session.commit()
    numbers = db.session.scalars(select(DebateParticipant.number)).all()
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 20
    assert_debate_counters_exact()


def test_answers_and_changes_racing_keep_counters_exact(app, server):
    """Each of ten people answers two statements and changes one of them, all at once."""
    made = debate()
    first, second = published(made)[:2]
    people = [factories.user() for _ in range(10)]
    db.session.commit()
    cookies = [session_cookie(app, person) for person in people]
    path = f"/projets/{made.project.slug}/debat/reponse"
    requests = []
    for cookie in cookies:
        requests += [
            (path, cookie, {"statement_id": str(first.id), "value": "1"}),
            (path, cookie, {"statement_id": str(first.id), "value": "-1"}),
            (path, cookie, {"statement_id": str(second.id), "value": "0"}),
        ]

    statuses = fire(server, requests)

    assert not [status for status in statuses if status >= 500], statuses
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 20
    assert db.session.scalar(select(func.count()).select_from(DebateParticipant)) == 10
    assert_debate_counters_exact()
