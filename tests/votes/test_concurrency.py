"""Supports under concurrency: the real app served in threads, many POSTs at the same moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask

from consultation.extensions import db
from tests import factories
from tests.recount import assert_counters_exact
from tests.served import fire, serve, session_cookie
from tests.votes.counters import scalar, support_rows


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    """The application served on a free local port, one thread per request."""
    with serve(app) as address:
        yield address


def test_same_user_supporting_twenty_times_at_once_counts_once(app, server):
    """Twenty simultaneous supports by one person make one row, a count of one, no 5xx."""
    proposal = factories.proposal(factories.project("consultation"))
    supporter = factories.user()
    db.session.commit()
    cookie = session_cookie(app, supporter)

    statuses = fire(server, [(f"/propositions/{proposal.id}/soutenir", cookie, None)] * 20)

    assert not [status for status in statuses if status >= 500], statuses
    assert statuses == Counter({302: 20})
    assert support_rows(proposal.id) == 1
    assert scalar("SELECT supports_count FROM proposals WHERE id = :id", id=proposal.id) == 1
    assert_counters_exact()
    # Author and supporter: two participants, however many requests raced.
    assert scalar(
        "SELECT participants_count FROM projects WHERE id = :id", id=proposal.project_id
    ) == 2


def test_thirty_people_supporting_at_once_count_thirty(app, server):
    """Thirty people supporting the same proposal at once count exactly thirty."""
    proposal = factories.proposal(factories.project("consultation"))
    supporters = [factories.user() for _ in range(30)]
    db.session.commit()
    cookies = [session_cookie(app, user) for user in supporters]

    statuses = fire(server, [(f"/propositions/{proposal.id}/soutenir", c, None) for c in cookies])

    assert not [status for status in statuses if status >= 500], statuses
    assert statuses == Counter({302: 30})
    assert support_rows(proposal.id) == 30
    assert scalar("SELECT supports_count FROM proposals WHERE id = :id", id=proposal.id) == 30
    assert scalar(
        "SELECT supports_count FROM projects WHERE id = :id", id=proposal.project_id
    ) == 30
    assert scalar(
        "SELECT participants_count FROM projects WHERE id = :id", id=proposal.project_id
    ) == 31
    assert_counters_exact()


def test_support_limit_holds_under_concurrency(app, server):
    """One person firing supports at five proposals at once, with a limit of 2, gets 2."""
    project = factories.project("consultation", support_limit=2)
    proposals = [factories.proposal(project) for _ in range(5)]
    supporter = factories.user()
    db.session.commit()
    cookie = session_cookie(app, supporter)

    statuses = fire(
        server,
        [(f"/propositions/{p.id}/soutenir", cookie, None) for p in proposals for _ in range(2)],
    )

    assert not [status for status in statuses if status >= 500], statuses
    assert scalar(
        "SELECT COUNT(*) FROM supports WHERE user_id = :id", id=supporter.id
    ) == 2
    assert_counters_exact()


def test_supports_and_take_backs_racing_keep_counters_exact(app, server):
    """Supports and take-backs racing each other leave counters equal to a recount."""
    proposal = factories.proposal(factories.project("consultation"))
    people = [factories.user() for _ in range(10)]
    for person in people[:5]:
        factories.support(proposal, person)
    db.session.commit()
    cookies = [session_cookie(app, person) for person in people]
    requests = [(f"/propositions/{proposal.id}/retirer-soutien", c, None)
                for c in cookies[:5]]
    requests += [(f"/propositions/{proposal.id}/soutenir", c, None) for c in cookies]

    statuses = fire(server, requests)

    assert not [status for status in statuses if status >= 500], statuses
    assert 5 <= support_rows(proposal.id) <= 10
    assert_counters_exact()


def test_two_hundred_people_supporting_at_once_count_two_hundred(app, server):
    """Two hundred people supporting at once, one of them clicking twenty times more: every
    request answered without a 5xx, 200 rows, every counter equal to a recount."""
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    supporters = [factories.user() for _ in range(200)]
    db.session.commit()
    cookies = [session_cookie(app, user) for user in supporters]
    path = f"/propositions/{proposal.id}/soutenir"
    requests = [(path, cookie, None) for cookie in cookies]
    requests += [(path, cookies[0], None)] * 20

    statuses = fire(server, requests)

    assert statuses == Counter({302: 220}), statuses
    assert support_rows(proposal.id) == 200
    assert scalar(
        "SELECT COUNT(DISTINCT user_id) FROM supports WHERE proposal_id = :id", id=proposal.id
    ) == 200
    assert scalar("SELECT supports_count FROM proposals WHERE id = :id", id=proposal.id) == 200
    assert scalar("SELECT supports_count FROM projects WHERE id = :id", id=project.id) == 200
    assert scalar(
        "SELECT participants_count FROM projects WHERE id = :id", id=project.id
    ) == 201
    assert_counters_exact()
