"""Comments under concurrency: the real app served in threads, 200 comments at the same moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask

from consultation.extensions import db
from tests import factories
from tests.recount import assert_counters_exact
from tests.served import fire, serve, session_cookie
from tests.votes.counters import scalar

STANCES = ("pour", "contre", "neutre")


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    """The application served on a free local port, one thread per request."""
    with serve(app) as address:
        yield address


def by_stance(proposal_id: int) -> dict[str, int]:
    """Visible comment rows of a proposal by stance, counted by SQL."""
    return {
        stance: scalar(
            "SELECT COUNT(*) FROM comments WHERE proposal_id = :id AND stance = '" + stance + "'",
            id=proposal_id,
        )
        for stance in STANCES
    }


def stored(proposal_id: int) -> dict[str, int]:
    """The proposal's stored counters by stance."""
    return {
        stance: scalar(f"SELECT comments_{stance} FROM proposals WHERE id = :id", id=proposal_id)
        for stance in STANCES
    }


@pytest.mark.parametrize("people, each", [(200, 1), (40, 5)])
def test_two_hundred_comments_at_once_are_all_counted(app, server, people, each):
    """200 comments posted at the same moment (by 200 people, or 40 posting five each): every
    one answered without a 5xx, stored once, and every counter equal to a recount."""
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    citizens = [factories.user() for _ in range(people)]
    db.session.commit()
    cookies = [session_cookie(app, user) for user in citizens]
    path = f"/propositions/{proposal.id}/commentaires"
    requests = [
        (path, cookie, {"stance": STANCES[(n * each + i) % 3],
                        "body": f"Avis n° {n * each + i} sur la proposition."})
        for n, cookie in enumerate(cookies)
        for i in range(each)
    ]

    statuses = fire(server, requests)

    assert statuses == Counter({302: 200}), statuses
    assert scalar("SELECT COUNT(*) FROM comments WHERE proposal_id = :id", id=proposal.id) == 200
    # Each text once: no request was stored twice, none lost.
    assert scalar(
        "SELECT COUNT(DISTINCT body) FROM comments WHERE proposal_id = :id", id=proposal.id
    ) == 200
    assert by_stance(proposal.id) == {"pour": 67, "contre": 67, "neutre": 66}
    assert stored(proposal.id) == by_stance(proposal.id)
    assert scalar("SELECT comments_count FROM proposals WHERE id = :id", id=proposal.id) == 200
    assert scalar("SELECT comments_count FROM projects WHERE id = :id", id=project.id) == 200
    assert scalar(
        "SELECT participants_count FROM projects WHERE id = :id", id=project.id
    ) == people + 1
    assert_counters_exact()
