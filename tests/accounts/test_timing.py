"""Whether an email has an account does not show in the time a login or a reset request takes:
medians of repeated requests through the test client, compared with a generous ratio (never an
absolute time, which depends on the machine)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest

from consultation.extensions import db
from tests import factories
from tests.mailbox import Outbox

KNOWN = "citoyenne@exemple.fr"
UNKNOWN = "personne-inconnue@exemple.fr"
WRONG = "pas-le-bon-mot-de-passe"
# Generous: the audit measured 13 times (login) and 3 times (reset) between known and unknown.
LOW, HIGH = 0.5, 2.0


def medians(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The median duration of each call, run in turns so that a slow moment of the machine
    falls on all of them alike (one warm-up round first, not counted)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(rounds + 1):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def login_failing(client, email: str) -> Callable[[], object]:
    """A login with a wrong password, checked to be refused."""

    def call() -> object:
        response = client.post("/compte/connexion", data={"email": email, "password": WRONG})
        assert response.status_code == 200
        assert "Adresse électronique ou mot de passe incorrect." in response.get_data(as_text=True)
        return response

    return call


@pytest.mark.real_hashing
def test_wrong_password_costs_the_same_for_known_and_unknown_emails(app, client):
    """A wrong password on a known email, on an account without a password, and on an unknown
    email take about the same time: the unknown ones are checked against a real hash made with
    the same hasher as real passwords."""
    factories.user(email=KNOWN)
    without = factories.user(email="sans-mot-de-passe@exemple.fr")
    without.password_hash = None
    db.session.commit()
    found = medians({
        "known": login_failing(client, KNOWN),
        "unknown": login_failing(client, UNKNOWN),
        "without password": login_failing(client, "sans-mot-de-passe@exemple.fr"),
    }, rounds=7)
    for other in ("unknown", "without password"):
        ratio = found[other] / found["known"]
        assert LOW < ratio < HIGH, (other, found)


def test_reset_request_costs_the_same_for_known_and_unknown_emails(app, client):
    """Asking for a reset link takes about the same time whether the address has an account or
    not; the known address gets its mail, the unknown one nothing."""
    factories.user(email=KNOWN)
    db.session.commit()
    mails = Outbox(app)

    def ask(email: str) -> Callable[[], object]:
        def call() -> object:
            response = client.post("/compte/mot-de-passe-oublie", data={"email": email})
            assert response.status_code == 302
            return response
        return call

    found = medians({"known": ask(KNOWN), "unknown": ask(UNKNOWN)}, rounds=15)
    ratio = found["unknown"] / found["known"]
    assert LOW < ratio < HIGH, found
    sent = mails.new()
    assert len(sent) == 16
    assert {message["To"] for message in sent} == {KNOWN}
