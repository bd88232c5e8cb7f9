"""The API as data changes: SQL statements per page that do not grow with the data,
updated_since following each kind of change, and the rate limit per address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.moderation import services as moderation
from consultation.syntheses import render
from consultation.syntheses import services as syntheses
from tests import factories
from tests.core.test_rate_limits import client_at, limited_app

API = "/api/v1"
LISTS = ("projects", "proposals", "comments", "commitments", "syntheses", "territories")


def add_content(staff: Any, project: Any, n: int) -> None:
    """n proposals with a comment and a support each, a commitment answering them, and a
    published version of the synthesis."""
    made = [factories.proposal(project) for _ in range(n)]
    for proposal in made:
        factories.comment(proposal)
        factories.support(proposal, staff)
    commitment = followup.create_commitment(
        staff, project, followup.CommitmentData(title="Engagement",
                                                proposal_ids=[p.id for p in made]))
    followup.add_update(staff, commitment, "Avancée.", "en_cours", 10)
    db.session.commit()


def statements(client: Any, count_queries: Any, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_statements_per_page_stay_the_same_as_data_grows(app, client, count_queries,
                                                         monkeypatch):
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    staff = factories.user(roles=("admin", "moderator"))
    project = factories.project("consultation", actor=staff)
    add_content(staff, project, 2)
    syntheses.publish(project, staff, "Un texte.", "")
    db.session.commit()
    small = {name: statements(client, count_queries, f"{API}/{name}?limit=30")
             for name in LISTS}
    for _ in range(3):
        add_content(staff, factories.project("consultation", actor=staff), 6)
    syntheses.publish(project, staff, "Un autre texte.", "Mise à jour.")
    db.session.commit()
    large = {name: statements(client, count_queries, f"{API}/{name}?limit=30")
             for name in LISTS}
    assert large == small
    assert large["proposals"] <= 1 and large["comments"] <= 1 and large["commitments"] <= 3


def ids(client: Any, url: str) -> set[int]:
    return {item["id"] for item in client.get(url).get_json()["items"]}


def test_updated_since_follows_every_change(app, client):
    staff = factories.user(roles=("admin", "moderator"))
    project = factories.project("consultation", actor=staff)
    quiet, supported, commented, hidden = (factories.proposal(project) for _ in range(4))
    comment = factories.comment(hidden)
    db.session.commit()
    moment = utcnow() + timedelta(minutes=5)
    since = moment.isoformat().replace("+00:00", "Z")
    assert ids(client, f"{API}/proposals?updated_since={since}") == set()
    # The clock moves on: supports, comments and moderation after `moment`.
    with time_machine.travel(moment + timedelta(seconds=1), tick=False):
        factories.support(supported, staff)
        factories.comment(commented)
        moderation.hide(staff, "proposal", hidden, "Hors sujet.")
        db.session.commit()
    changed = ids(client, f"{API}/proposals?updated_since={since}")
    assert changed == {supported.id, commented.id}
    assert quiet.id not in changed and hidden.id not in changed
    assert comment.id not in ids(client, f"{API}/comments")
    assert project.id in ids(client, f"{API}/projects?updated_since={since}")


@pytest.fixture
def limited(app):
    """Rate limits on, the API's small enough to reach."""
    return limited_app(app, RATELIMIT_API_PER_IP="3/minute")


def test_rate_limit_per_address_is_a_429_problem(limited):
    client = client_at(limited, "192.0.2.7")
    for _ in range(3):
        assert client.get(f"{API}/territories").status_code == 200
    refused = client.get(f"{API}/proposals")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.get_json(force=True)
    assert body["status"] == 429 and body["detail"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    # Another address has its own allowance; the site's pages are not counted by the API's.
    assert client_at(limited, "192.0.2.8").get(f"{API}/territories").status_code == 200
    assert client.get("/accessibilite").status_code == 200
