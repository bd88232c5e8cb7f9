"""Supports: once per citizen and proposal, taken back, capped per project, refused when closed."""

from __future__ import annotations

import html
import re

import pytest

from consultation.core.errors import DomainError
from consultation.extensions import db
from consultation.proposals import services as proposal_services
from consultation.votes import services as votes
from tests import factories
from tests.mediation.helpers import participant, start_acting
from tests.recount import assert_counters_exact
from tests.votes.counters import contributors, scalar, support_rows


def body(response) -> str:
    """The response as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def support(client, proposal):
    """POST the support button."""
    return client.post(f"/propositions/{proposal.id}/soutenir")


def take_back(client, proposal):
    """POST the take-back button."""
    return client.post(f"/propositions/{proposal.id}/retirer-soutien")


def supports_left_text(page: str) -> str | None:
    """The "Il vous reste N soutien(s) sur M" sentence of a page, if any."""
    match = re.search(r"Il vous reste \d+ soutiens? sur \d+", page)
    return match.group(0) if match else None


@pytest.fixture
def open_proposal():
    """A published proposal of a project in its consultation phase, no limit on supports."""
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    return proposal


def test_support_once(citizen_client, open_proposal):
    """Supporting counts one and the button becomes "Retirer mon soutien"."""
    page = body(citizen_client.get(f"/propositions/{open_proposal.id}"))
    assert "Soutenir cette proposition" in page
    assert "Retirer mon soutien" not in page
    assert re.search(r"0 personnes? soutien(nen)?t cette proposition\.", page)

    response = support(citizen_client, open_proposal)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/propositions/{open_proposal.id}#soutien")
    page = body(citizen_client.get(response.headers["Location"]))
    assert "Votre soutien est enregistré." in page
    assert "1 personne soutient cette proposition." in page
    assert "Vous soutenez cette proposition." in page
    assert "Retirer mon soutien" in page
    assert "Soutenir cette proposition" not in page
    assert support_rows(open_proposal.id) == 1
    assert scalar(
        "SELECT user_id FROM supports WHERE proposal_id = :id", id=open_proposal.id
    ) == citizen_client.user.id
    assert_counters_exact()
    # A supporter is a participant: the author and the supporter.
    assert scalar(
        "SELECT participants_count FROM projects WHERE id = :id", id=open_proposal.project_id
    ) == contributors(open_proposal.project_id) == 2


def test_supporting_twice_counts_once_with_a_message(citizen_client, open_proposal):
    """A second POST keeps the count at one and says so, without an error."""
    assert support(citizen_client, open_proposal).status_code == 302
    citizen_client.get(f"/propositions/{open_proposal.id}")  # read the first message
    response = support(citizen_client, open_proposal)
    assert response.status_code == 302
    page = body(citizen_client.get(response.headers["Location"]))
    assert "Vous soutenez déjà cette proposition." in page
    assert "1 personne soutient cette proposition." in page
    assert support_rows(open_proposal.id) == 1
    assert_counters_exact()


def test_take_back_a_support(citizen_client, open_proposal):
    """Taking a support back counts zero again and brings the support button back."""
    support(citizen_client, open_proposal)
    response = take_back(citizen_client, open_proposal)
    assert response.status_code == 302
    page = body(citizen_client.get(response.headers["Location"]))
    assert "Votre soutien est retiré." in page
    assert "Soutenir cette proposition" in page
    assert "Retirer mon soutien" not in page
    assert support_rows(open_proposal.id) == 0
    assert_counters_exact()

    # Taking back again changes nothing and says so.
    response = take_back(citizen_client, open_proposal)
    assert response.status_code == 302
    assert "Vous ne souteniez pas cette proposition." in body(
        citizen_client.get(response.headers["Location"])
    )
    assert_counters_exact()

    # And supporting again counts one.
    support(citizen_client, open_proposal)
    assert support_rows(open_proposal.id) == 1
    assert_counters_exact()


def test_counters_with_many_supporters(as_role, open_proposal):
    """Counters equal a recount as several people support and take back."""
    project = open_proposal.project
    other = factories.proposal(project)
    db.session.commit()
    clients = [as_role("citizen") for _ in range(4)]
    for client in clients:
        support(client, open_proposal)
    support(clients[0], other)
    take_back(clients[1], open_proposal)
    assert support_rows(open_proposal.id) == 3
    assert support_rows(other.id) == 1
    assert_counters_exact()
    assert scalar("SELECT supports_count FROM projects WHERE id = :id", id=project.id) == 4
    # Two authors and four supporters took part (one of whom has since taken back).
    assert scalar("SELECT participants_count FROM projects WHERE id = :id", id=project.id) == 6


def test_support_limit_shown_and_enforced(citizen_client):
    """With a limit of 2 the pages show what is left and a third support is refused."""
    project = factories.project("consultation", support_limit=2)
    first, second, third = (factories.proposal(project) for _ in range(3))
    db.session.commit()

    assert supports_left_text(body(citizen_client.get(f"/propositions/{first.id}"))) == (
        "Il vous reste 2 soutiens sur 2"
    )
    listing = body(citizen_client.get(f"/projets/{project.slug}/propositions"))
    assert supports_left_text(listing) == "Il vous reste 2 soutiens sur 2"

    support(citizen_client, first)
    assert supports_left_text(body(citizen_client.get(f"/propositions/{second.id}"))) == (
        "Il vous reste 1 soutien sur 2"
    )
    support(citizen_client, second)
    page = body(citizen_client.get(f"/propositions/{third.id}"))
    assert re.search(r"Il vous reste 0 soutiens? sur 2", page)
    assert "Vous avez utilisé tous vos soutiens pour ce projet." in page
    assert f"/propositions/{third.id}/soutenir" not in page
    listing = body(citizen_client.get(f"/projets/{project.slug}/propositions"))
    assert re.search(r"Il vous reste 0 soutiens? sur 2", listing)

    response = support(citizen_client, third)
    assert response.status_code in (302, 403, 409)  # a flashed refusal or an error page
    followed = body(citizen_client.get(f"/propositions/{third.id}"))
    shown = body(response) + followed
    assert "Vous avez déjà donné vos 2 soutiens pour ce projet." in shown
    assert support_rows(third.id) == 0
    assert_counters_exact()
    assert scalar("SELECT supports_count FROM projects WHERE id = :id", id=project.id) == 2

    # Taking one back frees one.
    take_back(citizen_client, first)
    assert supports_left_text(body(citizen_client.get(f"/propositions/{third.id}"))) == (
        "Il vous reste 1 soutien sur 2"
    )
    support(citizen_client, third)
    assert support_rows(third.id) == 1
    assert_counters_exact()


def test_support_limit_is_per_person_and_per_project(as_role):
    """One person's supports do not use another's, nor those of another project."""
    limited = factories.project("consultation", support_limit=1)
    unlimited = factories.project("consultation")
    a, b = factories.proposal(limited), factories.proposal(limited)
    c = factories.proposal(unlimited)
    db.session.commit()
    alice, bruno = as_role("citizen"), as_role("citizen")
    support(alice, a)
    support(alice, c)
    support(bruno, a)
    assert support_rows(a.id) == 2 and support_rows(c.id) == 1
    support(alice, b)
    assert support_rows(b.id) == 0
    assert supports_left_text(body(alice.get(f"/propositions/{c.id}"))) is None
    assert_counters_exact()
    assert_counters_exact()


@pytest.mark.parametrize("phase", ["information", "synthesis", "follow_up", None])
def test_support_refused_outside_consultation(citizen_client, phase):
    """Outside the consultation phase there is no button and a POST is a French 403."""
    project = factories.project(phase)
    proposal = factories.proposal(project)
    db.session.commit()
    page = body(citizen_client.get(f"/propositions/{proposal.id}"))
    assert f"/propositions/{proposal.id}/soutenir" not in page
    assert "Les soutiens ne sont pas ouverts dans la phase actuelle du projet." in page

    response = support(citizen_client, proposal)
    assert response.status_code == 403
    assert "Les soutiens ne sont pas ouverts dans la phase actuelle du projet." in body(response)
    assert "Action non autorisée" in body(response)
    assert support_rows(proposal.id) == 0
    assert_counters_exact()


def test_support_refused_on_withdrawn_proposal(as_role, open_proposal):
    """A withdrawn proposal takes no support: no button, a French 403, nothing counted."""
    earlier = as_role("citizen")
    support(earlier, open_proposal)
    proposal_services.withdraw_proposal(open_proposal.author, open_proposal)
    db.session.commit()
    late = as_role("citizen")
    page = body(late.get(f"/propositions/{open_proposal.id}"))
    assert f"/propositions/{open_proposal.id}/soutenir" not in page
    response = support(late, open_proposal)
    assert response.status_code == 403
    assert "a été retirée ou masquée\u00a0: elle ne reçoit plus de soutiens." in body(response)
    assert support_rows(open_proposal.id) == 1
    assert_counters_exact()


def test_anonymous_support_goes_to_login(client, open_proposal):
    """A visitor who is not logged in sees a login link; a POST leads to the login page."""
    page = body(client.get(f"/propositions/{open_proposal.id}"))
    assert "Connectez-vous pour soutenir cette proposition." in page
    assert f"/propositions/{open_proposal.id}/soutenir" not in page
    response = support(client, open_proposal)
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    assert support_rows(open_proposal.id) == 0


def test_support_of_unknown_proposal_is_404(citizen_client):
    """Supporting or taking back on an unknown proposal gives the French 404."""
    for url in ("/propositions/999999/soutenir", "/propositions/999999/retirer-soutien"):
        response = citizen_client.post(url)
        assert response.status_code == 404
        assert "Page introuvable" in body(response)


def test_support_is_post_only(citizen_client, open_proposal):
    """Supporting by a GET (a link) is refused with the French 405 page."""
    response = citizen_client.get(f"/propositions/{open_proposal.id}/soutenir")
    assert response.status_code == 405
    assert "Méthode non autorisée" in body(response)
    assert support_rows(open_proposal.id) == 0


def test_first_support_freezes_the_proposal_text(as_role, open_proposal):
    """Once supported, the author can no longer edit the proposal."""
    author = as_role("citizen")
    proposal = factories.proposal(open_proposal.project, author=author.user)
    db.session.commit()
    assert author.get(f"/propositions/{proposal.id}/modifier").status_code == 200
    support(as_role("citizen"), proposal)
    assert author.get(f"/propositions/{proposal.id}/modifier").status_code == 403


def test_support_next_parameter_stays_on_site(citizen_client, open_proposal):
    """The "next" field returns to a local page only, never to another site."""
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/soutenir", data={"next": "https://exemple.com/"}
    )
    assert response.status_code == 302
    assert "exemple.com" not in response.headers["Location"]
    slug = open_proposal.project.slug
    response = take_back(citizen_client, open_proposal)
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/soutenir",
        data={"next": f"/projets/{slug}/propositions?tri=soutiens"},
    )
    assert response.headers["Location"].endswith(f"/projets/{slug}/propositions?tri=soutiens")
    assert_counters_exact()


OWN = "Vous êtes l'auteur·e de cette proposition\u00a0: elle porte déjà votre voix."


def test_an_author_does_not_support_their_own_proposal(as_role, open_proposal):
    """The author sees why there is no "Soutenir" button; a forged POST is refused in French
    and counts nothing; the service refuses too."""
    author = as_role("citizen")
    proposal = factories.proposal(open_proposal.project, author=author.user)
    db.session.commit()
    page = body(author.get(f"/propositions/{proposal.id}"))
    assert f"/propositions/{proposal.id}/soutenir" not in page
    assert OWN in page
    response = support(author, proposal)
    assert response.status_code == 403
    assert OWN in body(response)
    assert support_rows(proposal.id) == 0
    with pytest.raises(DomainError, match="elle porte déjà votre voix"):
        votes.add_support(author.user, proposal)
    db.session.rollback()
    assert support_rows(proposal.id) == 0
    # Their text stays theirs to correct until someone else supports it.
    assert author.get(f"/propositions/{proposal.id}/modifier").status_code == 200
    # Another person's proposal: the button, as before.
    assert f"/propositions/{open_proposal.id}/soutenir" in body(
        author.get(f"/propositions/{open_proposal.id}"))
    assert_counters_exact()


def test_a_mediator_acting_for_the_author_cannot_support_for_them(as_role, open_proposal):
    """Acting for the author of a proposal, a mediator is refused as the author would be."""
    mediator = as_role("citizen", "mediator")
    profile = participant(mediator.user)
    proposal = factories.proposal(open_proposal.project, author=profile.user)
    db.session.commit()
    start_acting(mediator, profile)
    page = body(mediator.get(f"/propositions/{proposal.id}"))
    assert f"/propositions/{proposal.id}/soutenir" not in page and OWN in page
    response = support(mediator, proposal)
    assert response.status_code == 403 and OWN in body(response)
    assert support_rows(proposal.id) == 0
    assert f"/propositions/{open_proposal.id}/soutenir" in body(
        mediator.get(f"/propositions/{open_proposal.id}"))
