"""Supports under concurrency: the real app served in threads, many POSTs at the same moment."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from consultation.extensions import db
from tests import factories
from tests.conftest import login
from tests.recount import assert_counters_exact
from tests.votes.counters import scalar, support_rows


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    """The application served on a free local port, one thread per request."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", served.server_port
    served.shutdown()
    thread.join(timeout=30)
    served.server_close()


def session_cookie(app: Flask, user: Any) -> str:
    """The signed session cookie of a logged-in user, made by the test client."""
    client = login(app.test_client(), user)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def post(address: tuple[str, int], path: str, cookie: str) -> int:
    """POST an empty form with the session cookie; the response status."""
    connection = http.client.HTTPConnection(*address, timeout=120)
    try:
        connection.request(
            "POST",
            path,
            body="",
            headers={
                "Cookie": f"session={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def fire(address: tuple[str, int], requests: list[tuple[str, str]]) -> Counter[int]:
    """Send all the requests at once from a pool of threads; count the statuses."""
    barrier = threading.Barrier(len(requests))

    def one(request: tuple[str, str]) -> int:
        barrier.wait(timeout=60)
        return post(address, *request)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return Counter(pool.map(one, requests))


def test_same_user_supporting_twenty_times_at_once_counts_once(app, server):
    """Twenty simultaneous supports by one person make one row, a count of one, no 5xx."""
    proposal = factories.proposal(factories.project("consultation"))
    supporter = factories.user()
    db.session.commit()
    cookie = session_cookie(app, supporter)

    statuses = fire(server, [(f"/propositions/{proposal.id}/soutenir", cookie)] * 20)

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

    statuses = fire(server, [(f"/propositions/{proposal.id}/soutenir", c) for c in cookies])

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
        server, [(f"/propositions/{p.id}/soutenir", cookie) for p in proposals for _ in range(2)]
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
    requests = [(f"/propositions/{proposal.id}/retirer-soutien", c) for c in cookies[:5]]
    requests += [(f"/propositions/{proposal.id}/soutenir", c) for c in cookies]

    statuses = fire(server, requests)

    assert not [status for status in statuses if status >= 500], statuses
    assert 5 <= support_rows(proposal.id) <= 10
    assert_counters_exact()
