"""Taking an account over: a one-time code made by a mediator, shown once and stored hashed,
turns the assisted participant into a citizen account, with everything they contributed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consultation.accounts.forms import PASSWORD_MIN
from consultation.accounts.models import User
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.mediation import services
from consultation.mediation.models import AssistedProfile
from consultation.proposals.models import Proposal
from tests import factories
from tests.mediation.helpers import participant, start_acting
from tests.moderation.helpers import entries
from tests.proposals.helpers import text

INVALID = "Code invalide ou expiré."
CODE = re.compile(r'<p class="claim-code"><strong>([A-Z0-9-]+)</strong></p>')


@pytest.fixture
def profile(mediator):
    """A participant with a proposal made for them by the mediator."""
    project = factories.project("consultation")
    made = participant(mediator.user)
    start_acting(mediator, made)
    mediator.post(f"/projets/{project.slug}/propositions/nouvelle",
                  data={"title": "Un accueil en mairie", "body": "Le samedi.", "territory": ""})
    mediator.post("/mediation/agir/arreter")
    return made


def _code(mediator, profile) -> str:
    response = mediator.post(f"/mediation/participants/{profile.user_id}/code")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = CODE.search(response.get_data(as_text=True))
    assert code is not None
    return code.group(1)


def _claim(client, code, email="yvonne@exemple.fr", **changes):
    data = {"code": code, "email": email, "display_name": "", "password": "un-secret-solide",
            "confirm": "un-secret-solide", "charter": "y"}
    data.update(changes)
    return client.post("/compte/reclamer", data=data)


def _fresh(user_id: int) -> User:
    db.session.commit()
    db.session.expire_all()
    return db.session.get_one(User, user_id)


def test_the_code_is_shown_once_and_stored_hashed(mediator, profile):
    """The code appears on the page that makes it, never again; only its hash is stored."""
    code = _code(mediator, profile)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    db.session.commit()
    stored = db.session.get_one(AssistedProfile, profile.user_id)
    assert stored.claim_code_hash and code.replace("-", "") not in stored.claim_code_hash
    assert len(stored.claim_code_hash) == 64
    assert stored.claim_expires_at is not None
    page = mediator.get(f"/mediation/participants/{profile.user_id}").get_data(as_text=True)
    assert code not in page and "Un code de récupération attend" in text(
        mediator.get(f"/mediation/participants/{profile.user_id}"))
    assert len(entries("mediation.claim_code")) == 1


def test_a_good_code_makes_a_citizen_account_with_its_contributions(mediator, profile, client):
    """Same user row: email, password, citizen role, chosen name; their proposal is still
    theirs; they are logged in, and can log in again later."""
    code = _code(mediator, profile)
    response = _claim(client, code.lower().replace("-", " "), display_name="Yvonne L.")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/profil"
    user = _fresh(profile.user_id)
    assert user.email == "yvonne@exemple.fr" and user.check_password("un-secret-solide")
    assert user.roles == {"citizen"} and user.display_name == "Yvonne L."
    proposal = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id)).one()
    assert proposal.title == "Un accueil en mairie"
    assert "Yvonne L." in text(client.get("/compte/profil"))
    claimed = db.session.get_one(AssistedProfile, user.id)
    assert claimed.claimed_at is not None and claimed.claim_code_hash is None
    assert db.session.scalars(select(User).where(User.email == "yvonne@exemple.fr")).one().id \
        == profile.user_id
    other = client.application.test_client()
    login = other.post("/compte/connexion", data={"email": "yvonne@exemple.fr",
                                                  "password": "un-secret-solide"})
    assert login.status_code == 302
    assert len(entries("mediation.claimed")) == 1


def test_a_code_cannot_be_used_twice(mediator, profile, client):
    """The second use of a code is refused, and the first account keeps its email."""
    code = _code(mediator, profile)
    assert _claim(client, code).status_code == 302
    other = client.application.test_client()
    response = _claim(other, code, email="quelquun@exemple.fr")
    assert response.status_code == 200 and INVALID in text(response)
    assert _fresh(profile.user_id).email == "yvonne@exemple.fr"


def test_an_expired_code_is_refused(mediator, profile, client):
    """After 30 days the code is refused with the same message."""
    code = _code(mediator, profile)
    db.session.get_one(AssistedProfile, profile.user_id).claim_expires_at = (
        utcnow() - timedelta(minutes=1))
    db.session.commit()
    response = _claim(client, code)
    assert response.status_code == 200 and INVALID in text(response)
    assert _fresh(profile.user_id).email is None


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JKLM", "pas un code", "X" * 40])
def test_a_wrong_code_is_refused_without_saying_more(mediator, profile, client, typed):
    """Any wrong code: "Code invalide ou expiré.", what was typed is kept but the password."""
    _code(mediator, profile)
    response = _claim(client, typed)
    assert response.status_code == 200
    page = text(response)
    assert INVALID in page and 'value="yvonne@exemple.fr"' in page
    assert "un-secret-solide" not in page
    assert _fresh(profile.user_id).email is None


def test_a_new_code_replaces_the_old_one(mediator, profile, client):
    """Only the latest code works."""
    first = _code(mediator, profile)
    second = _code(mediator, profile)
    assert INVALID in text(_claim(client, first))
    assert _claim(client, second).status_code == 302


def test_an_email_already_taken_keeps_the_code(mediator, profile, client):
    """An email another account uses is refused; the code is not spent."""
    factories.user(email="pris@exemple.fr")
    db.session.commit()
    code = _code(mediator, profile)
    response = _claim(client, code, email="pris@exemple.fr")
    assert "Un compte existe déjà avec cette adresse électronique." in text(response)
    assert _claim(client, code).status_code == 302


def test_a_short_password_is_refused(mediator, profile, client):
    """The password follows the registration form's rule."""
    code = _code(mediator, profile)
    response = _claim(client, code, password="court", confirm="court")
    assert f"Entre {PASSWORD_MIN} et 200 caractères." in text(response)
    assert _fresh(profile.user_id).email is None


def test_nobody_acts_for_a_claimed_account(mediator, profile, client):
    """Once claimed, the mediator can neither act for the person nor make a code."""
    assert _claim(client, _code(mediator, profile)).status_code == 302
    response = mediator.post(f"/mediation/participants/{profile.user_id}/agir")
    assert response.status_code == 403
    assert "Cette personne a désormais son propre compte" in text(response)
    assert mediator.post(f"/mediation/participants/{profile.user_id}/code").status_code == 403
    assert services.participant_choices() == []


def test_a_logged_in_person_is_sent_home(citizen_client):
    """The page is for people without an account."""
    response = citizen_client.get("/compte/reclamer")
    assert response.status_code == 302 and response.headers["Location"] == "/"
