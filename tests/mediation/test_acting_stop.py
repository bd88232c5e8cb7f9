""""Arrêter" ends acting for someone on the server: the session cookie copied before it no
longer acts for the person (the acting state in the cookie carries a token the participant's
profile holds until the mediator stops)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consultation.extensions import db
from consultation.mediation.models import AssistedProfile
from consultation.proposals.models import Proposal
from tests import factories
from tests.conftest import login
from tests.mediation.helpers import acting_state, participant, start_acting
from tests.proposals.helpers import text

BANNER = "Vous agissez pour le compte d'Yvonne Le Bihan — fin dans"
ENDED = "Vous n'agissez plus pour le compte d'une autre personne."


def propose(client: FlaskClient, slug: str, title: str):
    return client.post(f"/projets/{slug}/propositions/nouvelle",
                       data={"title": title, "body": "Avec une personne pour aider.",
                             "territory": ""})


def by_title(title: str) -> Proposal | None:
    db.session.commit()
    return db.session.scalar(select(Proposal).where(Proposal.title == title))


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser carrying a copy of the client's session cookie."""
    found = client.get_cookie("session")
    assert found is not None
    copy = app.test_client()
    copy.set_cookie("session", found.value)
    return copy


def test_a_cookie_copied_before_stopping_no_longer_acts(app, mediator):
    """After "Arrêter", the cookie copied while acting is refused as an ended acting session:
    no banner, and what it sends is not attributed to the person."""
    project = factories.project("consultation")
    profile = participant(mediator.user)
    start_acting(mediator, profile)
    copied = copy_of(app, mediator)
    assert BANNER in text(copied.get("/"))  # the copy acts, as long as the mediator does
    copied = copy_of(app, mediator)
    assert mediator.post("/mediation/agir/arreter").status_code == 302

    response = propose(copied, project.slug, "Rejouée après Arrêter")
    assert response.status_code == 409
    assert ENDED in text(response)
    assert by_title("Rejouée après Arrêter") is None
    assert acting_state(copied) is None
    assert BANNER not in text(copied.get("/"))
    stored = db.session.get(AssistedProfile, profile.user_id)
    assert stored is not None and stored.acting_token is None


def test_starting_again_does_not_revive_an_older_cookie(app, mediator):
    """Acting again for the same person after stopping makes a new token: the cookie copied
    in the earlier acting session stays ended, the new session acts."""
    project = factories.project("consultation")
    profile = participant(mediator.user)
    start_acting(mediator, profile)
    copied = copy_of(app, mediator)
    mediator.post("/mediation/agir/arreter")
    start_acting(mediator, profile)
    assert propose(copied, project.slug, "Ancien cookie").status_code == 409
    assert by_title("Ancien cookie") is None
    assert propose(mediator, project.slug, "Nouvelle session").status_code == 302
    made = by_title("Nouvelle session")
    assert made is not None and made.author_id == profile.user_id


def test_two_mediators_act_for_one_person_until_one_stops(app, mediator):
    """Two mediators may act for the same person at once; "Arrêter" by one ends the acting for
    that person everywhere, and the other is told at their next page."""
    profile = participant(mediator.user)
    other = login(app.test_client(), factories.user(roles=("mediator",)))
    db.session.commit()
    start_acting(mediator, profile)
    start_acting(other, profile)
    assert BANNER in text(mediator.get("/")) and BANNER in text(other.get("/"))
    mediator.post("/mediation/agir/arreter")
    page = text(other.get("/"))
    assert BANNER not in page and ENDED in page
    assert db.session.scalar(select(func.count()).select_from(AssistedProfile)
                             .where(AssistedProfile.acting_token.is_not(None))) == 0
