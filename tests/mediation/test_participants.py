"""Registering assisted participants: consent required, a user without email or password, the
mediator's list, and every mediation route refused to anyone but a mediator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consultation.accounts.models import User
from consultation.core.models import today
from consultation.extensions import db
from consultation.mediation.models import AssistedProfile
from tests import factories
from tests.mediation.helpers import REFERENCE, participant
from tests.moderation.helpers import ROLE_MESSAGE, block, entries, refused
from tests.proposals.helpers import text
from tests.test_pages import check_page


def _form(**changes):
    data = {
        "display_name": "Yvonne Le Bihan",
        "commune": str(factories.territory("Guipavas").id),
        "age_bracket": "75_plus",
        "consent": "y",
        "consent_reference": REFERENCE,
        "consented_on": today().isoformat(),
        "charter": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _profiles() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(AssistedProfile)) or 0


def test_a_mediator_registers_a_participant_with_consent(mediator):
    """The person becomes a user without email or password, with a profile naming the mediator,
    the consent reference and date; the act is in the audit log."""
    response = mediator.post("/mediation/participants/nouveau", data=_form())
    assert response.status_code == 302
    db.session.commit()
    profile = db.session.scalars(select(AssistedProfile)).one()
    user = db.session.get_one(User, profile.user_id)
    assert response.headers["Location"] == f"/mediation/participants/{user.id}"
    assert (user.display_name, user.email, user.password_hash) == ("Yvonne Le Bihan", None, None)
    assert user.commune is not None and user.commune.name == "Guipavas"
    assert user.roles == set()
    assert profile.registered_by_id == mediator.user.id
    assert (profile.consent_reference, profile.consented_on) == (REFERENCE, today())
    assert profile.age_bracket == "75_plus" and profile.has_consent
    [entry] = entries("mediation.register")
    assert entry.actor_id == mediator.user.id and entry.target_id == user.id
    assert entry.data["consent_reference"] == REFERENCE
    page = text(mediator.get(f"/mediation/participants/{user.id}"))
    assert "Formulaire n° 2026-014" in page and "75 ans et plus" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"consent": None}, "consent",
         "Sans le consentement de la personne, elle ne peut pas être inscrite."),
        ({"consent_reference": "  "}, "consent_reference", "Ce champ est obligatoire."),
        ({"consented_on": ""}, "consented_on", "Saisissez une date valide."),
        ({"consented_on": (today() + timedelta(days=2)).isoformat()}, "consented_on",
         "Cette date est dans le futur."),
        ({"display_name": "Y"}, "display_name", "Entre 2 et 80 caractères."),
        ({"age_bracket": "100_plus"}, "age_bracket", "Choisissez une valeur de la liste."),
    ],
)
def test_registration_without_consent_is_refused(mediator, changes, field, message):
    """Without the consent box, its reference or its date, nobody is registered; the form
    comes back with what was typed and the error at the field."""
    response = mediator.post("/mediation/participants/nouveau", data=_form(**changes))
    assert response.status_code == 200
    page = text(response)
    assert "Le formulaire n'a pas été enregistré" in page and message in page
    assert f'id="{field}-erreur"' in page
    if field != "display_name":
        assert 'value="Yvonne Le Bihan"' in page
    assert _profiles() == 0
    assert db.session.scalar(select(func.count()).where(User.email.is_(None))) == 0


def test_the_database_requires_the_consent_of_a_named_participant(app):
    """A profile without consent reference is refused by the database itself (only a
    workshop's anonymous participant has none)."""
    mediator_user = factories.user(roles=("mediator",))
    person = User(display_name="Sans consentement")
    db.session.add_all([person, AssistedProfile(user=person, registered_by=mediator_user)])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_list_shows_my_participants_or_everyone_searchable_by_name(mediator):
    """By default a mediator sees the people they registered; "tous" shows everyone's, and the
    search looks in the names."""
    other = factories.user(roles=("mediator",), display_name="Autre Médiatrice")
    participant(mediator.user, "Yvonne Le Bihan")
    participant(mediator.user, "Jean Quéré")
    participant(other, "Marie Abgrall")
    mine = text(mediator.get("/mediation/participants"))
    assert "Yvonne Le Bihan" in mine and "Jean Quéré" in mine and "Marie Abgrall" not in mine
    assert "2 personnes" in mine
    everyone = text(mediator.get("/mediation/participants?tous=1"))
    assert "Marie Abgrall" in everyone and "3 personnes" in everyone
    found = text(mediator.get("/mediation/participants?tous=1&q=abgr"))
    assert "Marie Abgrall" in found and "Yvonne" not in found
    assert "1 personne" in found


def test_mediation_pages_follow_the_page_rules(mediator, client):
    """The mediation pages and the claim page are French, labelled, without script."""
    profile = participant(mediator.user)
    for url in ("/mediation/participants", "/mediation/participants?tous=1&q=yv",
                "/mediation/participants/nouveau", f"/mediation/participants/{profile.user_id}",
                "/mediation/ateliers/nouveau"):
        response = mediator.get(url)
        assert response.status_code == 200, url
        check_page(url, response.get_data(as_text=True))
    response = mediator.post(f"/mediation/participants/{profile.user_id}/code")
    check_page("code", response.get_data(as_text=True))
    response = mediator.post("/mediation/participants/nouveau", data=_form(consent=None))
    check_page("refused registration", response.get_data(as_text=True))
    response = client.get("/compte/reclamer")
    check_page("/compte/reclamer", response.get_data(as_text=True))


def _routes(user_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/mediation/participants"),
        ("get", "/mediation/participants/nouveau"),
        ("post", "/mediation/participants/nouveau"),
        ("get", f"/mediation/participants/{user_id}"),
        ("post", f"/mediation/participants/{user_id}/agir"),
        ("post", f"/mediation/participants/{user_id}/code"),
        ("post", "/mediation/agir/prolonger"),
        ("post", "/mediation/agir/arreter"),
        ("get", "/mediation/ateliers/nouveau"),
        ("post", "/mediation/ateliers/nouveau"),
    ]


@pytest.mark.parametrize("roles", [("citizen",), ("citizen", "moderator"), ("citizen", "admin"),
                                   ("citizen", "elected")])
def test_every_mediation_route_refuses_other_roles(as_role, roles):
    """Citizens, moderators, admins and elected officials get the French 403 on every route."""
    profile = participant(factories.user(roles=("mediator",)))
    client = as_role(*roles)
    for method, url in _routes(profile.user_id):
        response = getattr(client, method)(url, data=_form())
        refused(response, ROLE_MESSAGE)
    assert _profiles() == 1
    assert "/mediation/participants" not in client.get("/").get_data(as_text=True)


def test_every_mediation_route_sends_visitors_to_login(client):
    """A visitor is sent to the login page."""
    profile = participant(factories.user(roles=("mediator",)))
    for method, url in _routes(profile.user_id):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/compte/connexion"), url


def test_a_blocked_mediator_can_do_nothing(mediator):
    """A blocked mediator is refused every route, with the reason."""
    profile = participant(mediator.user)
    block(mediator.user)
    for method, url in _routes(profile.user_id):
        response = getattr(mediator, method)(url, data=_form())
        refused(response, "Votre compte est bloqué")
    assert _profiles() == 1


def test_the_menu_shows_mediation_to_mediators_only(mediator, citizen_client):
    """The menu entry is there for a mediator, not for a citizen."""
    assert 'href="/mediation/participants"' in mediator.get("/").get_data(as_text=True)
    assert 'href="/mediation/participants"' not in citizen_client.get("/").get_data(as_text=True)
