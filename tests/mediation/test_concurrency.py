"""Supports given for an assisted participant under concurrency: the unique (proposal, user)
constraint keeps one support per person, however many mediators' requests race."""

from __future__ import annotations

from collections import Counter

from flask import Flask

from consultation.extensions import db
from tests import factories
from tests.conftest import login
from tests.mediation.helpers import participant, start_acting
from tests.recount import assert_counters_exact
from tests.votes.counters import scalar, support_rows
from tests.votes.test_concurrency import fire, server  # noqa: F401 (server is a fixture)


def acting_cookie(app: Flask, mediator, profile) -> str:
    """The session cookie of a mediator acting for the participant."""
    client = login(app.test_client(), mediator)
    start_acting(client, profile)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_two_mediators_supporting_for_one_person_at_once_count_once(app, server):  # noqa: F811
    """Two mediators at two terminals, ten clicks each for the same person on the same
    proposal at the same moment: one support, counted once, no error page."""
    proposal = factories.proposal(factories.project("consultation"))
    first = factories.user(roles=("mediator",))
    second = factories.user(roles=("mediator",))
    profile = participant(first)
    cookies = [acting_cookie(app, first, profile), acting_cookie(app, second, profile)]

    statuses = fire(server, [(f"/propositions/{proposal.id}/soutenir", cookie, None)
                             for cookie in cookies for _ in range(10)])

    assert not [status for status in statuses if status >= 500], statuses
    assert statuses == Counter({302: 20})
    assert support_rows(proposal.id) == 1
    assert scalar("SELECT user_id FROM supports WHERE proposal_id = :id",
                  id=proposal.id) == profile.user_id
    assert scalar("SELECT supports_count FROM proposals WHERE id = :id", id=proposal.id) == 1
    assert scalar("SELECT COUNT(*) FROM audit_entries WHERE action = 'mediation.support'") == 1
    db.session.commit()
    assert_counters_exact()
