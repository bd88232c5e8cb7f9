"""Blocking accounts: who may block whom, what a blocked account can still do, and its name."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select, update

from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.accounts.helpers import read
from tests.conftest import login
from tests.moderation.helpers import (
    BLOCKED_MESSAGE,
    NOT_SELF,
    NOT_STAFF,
    ROLE_MESSAGE,
    block,
    entries,
    fresh_user,
    refused,
    sent_to_login,
)
from tests.proposals.helpers import text
from tests.recount import assert_counters_exact

BLOCKED_NAME = "Compte bloqué"


def account_url(user: User) -> str:
    """The moderation page of an account."""
    return f"/moderation/comptes/{user.id}"


def count(model: type) -> int:
    """How many rows of `model` the database holds."""
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def aware(moment):
    """A stored time as UTC-aware (SQLite gives naive values back)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def moderator(as_role):
    """A logged-in moderator."""
    return as_role("citizen", "moderator", display_name="Morgane Modératrice")


@pytest.fixture
def scene(as_role):
    """A citizen (logged in) with a proposal, a comment, a reply, a project comment, a
    support, and other people's proposal and comment to react to, in a consultation."""
    client = as_role("citizen", display_name="Yann Le Gall")
    author = client.user
    project = factories.project("consultation")
    own = factories.proposal(project, author, title="Des bancs à la médiathèque")
    other = factories.proposal(project, title="Un atelier réparation le samedi")
    other_comment = factories.comment(other, body="Bonne idée, avec des bénévoles.")
    comment = factories.comment(other, author, body="Je soutiens, samedi matin.")
    reply = factories.comment(parent=other_comment, author=author, body="Et le mercredi ?")
    on_project = factories.comment(project, author, body="Un avis sur le projet entier.")
    supported = factories.proposal(project, title="Des bornes dans les mairies")
    factories.support(supported, author)
    db.session.commit()
    return {
        "client": client, "author": author, "project": project, "own": own, "other": other,
        "other_comment": other_comment, "comment": comment, "reply": reply,
        "on_project": on_project, "supported": supported,
    }


# --- Blocking and its display ---------------------------------------------------------------


def test_moderator_blocks_a_citizen_for_seven_days(moderator):
    """A 7-day block is stored, logged, and the page and the list show it."""
    citizen = factories.user(display_name="Yann Le Gall")
    db.session.commit()
    before = utcnow()
    response = moderator.post(f"{account_url(citizen)}/bloquer",
                              data={"duration": "7", "reason": "  Insultes répétées.  "})
    assert response.status_code == 302
    assert response.headers["Location"] == account_url(citizen)

    stored = fresh_user(citizen.id)
    assert stored.is_blocked
    assert stored.blocked_reason == "Insultes répétées."
    until = aware(stored.blocked_until)
    assert before + timedelta(days=7) <= until <= utcnow() + timedelta(days=7)

    page = text(moderator.get(account_url(citizen)))
    assert "Le compte de Yann Le Gall est bloqué." in page
    assert "Ce compte est bloqué jusqu'au" in page
    assert "Motif\u00a0: Insultes répétées." in page
    assert "Débloquer ce compte" in page
    assert "Bloquer ce compte" not in page

    listing = text(moderator.get("/moderation/comptes?q=Yann"))
    assert "1 compte" in listing
    assert "Yann Le Gall" in listing
    assert "Bloqué jusqu'au" in listing


def test_moderator_blocks_a_citizen_for_good(moderator):
    """A definitive block has no end date; the page and the list say "définitivement"."""
    citizen = factories.user(display_name="Yann Le Gall")
    db.session.commit()
    response = moderator.post(f"{account_url(citizen)}/bloquer",
                              data={"duration": "definitif", "reason": "Usurpation d'identité."})
    assert response.status_code == 302
    stored = fresh_user(citizen.id)
    assert stored.blocked_at is not None
    assert stored.blocked_until is None
    assert stored.is_blocked

    assert "Ce compte est bloqué définitivement." in text(moderator.get(account_url(citizen)))
    assert "Bloqué définitivement" in text(moderator.get("/moderation/comptes?q=Yann"))


def test_list_shows_active_accounts_and_blocked_ones_first(moderator):
    """The list marks active accounts "Actif" and puts blocked accounts at the top."""
    blocked = factories.user(display_name="Compte Puni")
    factories.user(display_name="Compte Sage")
    db.session.commit()
    block(blocked, 30)
    page = text(moderator.get("/moderation/comptes"))
    assert "Actif" in page
    assert page.index("Compte Puni") < page.index("Compte Sage")


@pytest.mark.parametrize(
    ("data", "field", "message", "kept"),
    [
        ({"duration": "30", "reason": "   "}, "reason", "Ce champ est obligatoire.",
         {"duration": "30"}),
        ({"reason": "Spam publicitaire."}, "duration", "Choisissez une durée.",
         {"reason": "Spam publicitaire."}),
        ({"duration": "9999", "reason": "Spam publicitaire."}, "duration",
         "Choisissez une durée.", {"reason": "Spam publicitaire."}),
        ({"duration": "7", "reason": "x" * 2001}, "reason", "2 000 caractères au maximum.",
         {"duration": "7"}),
    ],
)
def test_block_form_errors_are_french_and_keep_values(moderator, data, field, message, kept):
    """A block without reason (or too long) or without a valid duration is refused in French,
    with the values kept."""
    citizen = factories.user()
    db.session.commit()
    response = moderator.post(f"{account_url(citizen)}/bloquer", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    form = read(page)
    assert form.field_errors.get(field) == message
    assert "Le formulaire n'a pas été enregistré" in text(response)
    if "duration" in kept:
        assert form.values["duration"] == kept["duration"]
    if "reason" in kept:
        assert f"{kept['reason']}</textarea>" in text(response)
    assert not fresh_user(citizen.id).is_blocked
    assert entries() == []


def test_unblock_needs_a_reason_and_restores_the_account(moderator):
    """Unblocking asks for a reason (French error), then the account is active again."""
    citizen = factories.user(display_name="Yann Le Gall")
    db.session.commit()
    block(citizen)
    url = f"{account_url(citizen)}/debloquer"

    response = moderator.post(url, data={"reason": ""})
    assert response.status_code == 200
    assert read(response.get_data(as_text=True)).field_errors["reason"] == (
        "Ce champ est obligatoire."
    )
    assert fresh_user(citizen.id).is_blocked

    response = moderator.post(url, data={"reason": "Excuses présentées."})
    assert response.status_code == 302
    stored = fresh_user(citizen.id)
    assert not stored.is_blocked
    assert stored.blocked_at is None and stored.blocked_reason is None
    page = text(moderator.get(account_url(citizen)))
    assert "Le compte de Yann Le Gall est débloqué." in page
    assert "Bloquer ce compte" in page


def test_unblocking_an_active_account_is_refused_in_french(moderator):
    """Unblocking an account that is not blocked shows why and logs nothing."""
    citizen = factories.user()
    db.session.commit()
    response = moderator.post(f"{account_url(citizen)}/debloquer", data={"reason": "Erreur."})
    assert response.status_code == 200
    assert "Ce compte n'est pas bloqué." in text(response)
    assert entries() == []


# --- What a blocked account may still do ----------------------------------------------------


def test_blocked_citizen_logs_in_and_reads(client, scene):
    """A blocked account still logs in and reads every page."""
    block(scene["author"], 7)
    response = client.post("/compte/connexion", data={
        "email": scene["author"].email, "password": factories.PASSWORD,
    })
    assert response.status_code == 302
    project, own = scene["project"], scene["own"]
    for url in ("/", "/projets", f"/projets/{project.slug}",
                f"/projets/{project.slug}/propositions", f"/propositions/{own.id}",
                f"/propositions/{scene['other'].id}", "/compte/profil"):
        assert client.get(url).status_code == 200, url


def contribution_requests(scene) -> list[tuple[str, str, dict[str, str]]]:
    """Every contribution a citizen can make, as (method, url, form data)."""
    project, own, other = scene["project"], scene["own"], scene["other"]
    comment_data = {"stance": "pour", "body": "Un commentaire de plus."}
    proposal_data = {"title": "Une nouvelle idée", "body": "Son texte complet.",
                     "territory": ""}
    return [
        ("GET", f"/projets/{project.slug}/propositions/nouvelle", {}),
        ("POST", f"/projets/{project.slug}/propositions/nouvelle", proposal_data),
        ("GET", f"/propositions/{own.id}/modifier", {}),
        ("POST", f"/propositions/{own.id}/modifier", proposal_data),
        ("GET", f"/propositions/{own.id}/retirer", {}),
        ("POST", f"/propositions/{own.id}/retirer", {}),
        ("POST", f"/propositions/{other.id}/commentaires", comment_data),
        ("POST", f"/projets/{project.slug}/commentaires", comment_data),
        ("GET", f"/commentaires/{scene['other_comment'].id}/repondre", {}),
        ("POST", f"/commentaires/{scene['other_comment'].id}/repondre", comment_data),
        ("GET", f"/commentaires/{scene['comment'].id}/modifier", {}),
        ("POST", f"/commentaires/{scene['comment'].id}/modifier", comment_data),
        ("GET", f"/commentaires/{scene['comment'].id}/supprimer", {}),
        ("POST", f"/commentaires/{scene['comment'].id}/supprimer", {}),
        ("POST", f"/propositions/{other.id}/soutenir", {}),
        ("POST", f"/propositions/{scene['supported'].id}/retirer-soutien", {}),
    ]


def snapshot() -> dict[str, object]:
    """What a contribution would change: rows and the texts of the citizen's contributions."""
    db.session.commit()
    return {
        "proposals": [(p.id, p.title, p.body, p.status)
                      for p in db.session.scalars(select(Proposal).order_by(Proposal.id))],
        "comments": [(c.id, c.stance, c.body, c.deleted_at)
                     for c in db.session.scalars(select(Comment).order_by(Comment.id))],
        "supports": count(Support),
    }


def test_scene_allows_every_contribution_before_the_block(scene):
    """Control: before the block, every contribution page answers (no 403)."""
    client = scene["client"]
    for method, url, _data in contribution_requests(scene):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_blocked_citizen_is_refused_every_contribution(scene):
    """Propose, edit, withdraw, comment, reply, edit or delete a comment, support, take back:
    each is a French 403 and changes nothing."""
    block(scene["author"], None)
    before = snapshot()
    client = scene["client"]
    for method, url, data in contribution_requests(scene):
        response = client.open(url, method=method, data=data)
        refused(response, BLOCKED_MESSAGE)
    assert snapshot() == before
    assert_counters_exact()


def test_blocked_citizen_no_longer_sees_the_buttons(scene):
    """The propose, edit, withdraw, comment, reply and support buttons are all gone."""
    client = scene["client"]
    project, own, other, supported = (scene[k] for k in ("project", "own", "other", "supported"))
    buttons = {
        f"/projets/{project.slug}/propositions": ["Déposer une proposition"],
        f"/propositions/{own.id}": ["Modifier ma proposition", "Retirer ma proposition",
                                    "Ajouter un commentaire"],
        f"/propositions/{other.id}": ["Soutenir cette proposition", "Ajouter un commentaire",
                                      "Répondre", f"/commentaires/{scene['comment'].id}/modifier",
                                      f"/commentaires/{scene['comment'].id}/supprimer"],
        f"/propositions/{supported.id}": ["Retirer mon soutien"],
        f"/projets/{project.slug}": ["Ajouter un commentaire", "Répondre"],
    }
    for url, labels in buttons.items():
        page = text(client.get(url))
        for label in labels:
            assert label in page, (url, label)  # control: shown before the block

    block(scene["author"], 30)
    for url, labels in buttons.items():
        page = text(client.get(url))
        for label in labels:
            assert label not in page, (url, label)
    # The supported proposal still says so, without the button.
    assert "Vous soutenez cette proposition." in text(client.get(f"/propositions/{supported.id}"))


def test_blocked_name_is_hidden_beside_proposals_and_comments(client, scene):
    """While blocked, "Compte bloqué" replaces the name on lists, proposals and comments."""
    project, own, other = scene["project"], scene["own"], scene["other"]
    pages = [f"/projets/{project.slug}/propositions", f"/propositions/{own.id}",
             f"/propositions/{other.id}", f"/projets/{project.slug}"]
    for url in pages:
        page = text(client.get(url))
        assert "Yann Le Gall" in page, url
        assert BLOCKED_NAME not in page, url

    block(scene["author"], 7)
    for url in pages:
        page = text(client.get(url))
        assert "Yann Le Gall" not in page, url
        assert BLOCKED_NAME in page, url
    assert "Proposée par Compte bloqué" in text(client.get(pages[1]))
    assert "par Compte bloqué" in text(client.get(pages[0]))

    # Someone replying to the blocked citizen's comment does not see the name either.
    replier = factories.user()
    db.session.commit()
    reply_page = text(login(client, replier).get(f"/commentaires/{scene['comment'].id}/repondre"))
    assert "Compte bloqué a écrit\u00a0:" in reply_page
    assert "Yann Le Gall" not in reply_page


def test_unblock_restores_name_and_contributions(scene, as_role):
    """After the unblock the name is back and the citizen can support and comment again."""
    author = scene["author"]
    block(author, None)
    moderator = as_role("citizen", "moderator")
    response = moderator.post(f"{account_url(author)}/debloquer",
                              data={"reason": "Recours accepté."})
    assert response.status_code == 302

    client, other = scene["client"], scene["other"]
    page = text(client.get(f"/propositions/{scene['own'].id}"))
    assert "Proposée par Yann Le Gall" in page
    assert "Modifier ma proposition" in page
    assert client.post(f"/propositions/{other.id}/soutenir").status_code == 302
    response = client.post(f"/propositions/{other.id}/commentaires",
                           data={"stance": "contre", "body": "De retour dans le débat."})
    assert response.status_code == 302
    db.session.commit()
    assert db.session.scalar(
        select(func.count()).select_from(Support).where(Support.proposal_id == other.id,
                                                        Support.user_id == author.id)
    ) == 1
    assert_counters_exact()


def test_expired_block_no_longer_blocks(scene, as_role):
    """A block whose end date has passed blocks nothing, without anyone lifting it."""
    author = scene["author"]
    block(author, 7)
    past = utcnow() - timedelta(minutes=1)
    db.session.execute(update(User).where(User.id == author.id).values(
        blocked_at=past - timedelta(days=7), blocked_until=past))
    db.session.commit()

    assert not fresh_user(author.id).is_blocked
    client, other = scene["client"], scene["other"]
    page = text(client.get(f"/propositions/{scene['own'].id}"))
    assert "Proposée par Yann Le Gall" in page
    assert "Modifier ma proposition" in page
    assert client.post(f"/propositions/{other.id}/soutenir").status_code == 302
    moderator = as_role("citizen", "moderator")
    assert "Bloquer ce compte" in text(moderator.get(account_url(author)))
    assert "Actif" in text(moderator.get("/moderation/comptes?q=Yann"))
    assert_counters_exact()


# --- Who may block whom ---------------------------------------------------------------------


def test_moderator_cannot_block_themselves(moderator):
    """A moderator's own account: no form, and the POST is a French 403."""
    me = moderator.user
    assert "Vous ne pouvez pas bloquer ce compte." in text(moderator.get(account_url(me)))
    refused(moderator.post(f"{account_url(me)}/bloquer",
                           data={"duration": "7", "reason": "Test."}), NOT_SELF)
    assert not fresh_user(me.id).is_blocked
    assert entries() == []


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_moderator_cannot_block_or_unblock_the_team(moderator, role):
    """A moderator may neither block nor unblock an admin or another moderator."""
    staff = factories.user(roles=("citizen", role))
    db.session.commit()
    page = text(moderator.get(account_url(staff)))
    assert "Vous ne pouvez pas bloquer ce compte." in page
    assert "Bloquer ce compte" not in page
    refused(moderator.post(f"{account_url(staff)}/bloquer",
                           data={"duration": "definitif", "reason": "Abus."}), NOT_STAFF)
    assert not fresh_user(staff.id).is_blocked

    admin = factories.user(roles=("admin",))
    block(staff, 7, actor=admin)
    assert "Débloquer ce compte" not in text(moderator.get(account_url(staff)))
    refused(moderator.post(f"{account_url(staff)}/debloquer", data={"reason": "Pardon."}),
            NOT_STAFF)
    assert fresh_user(staff.id).is_blocked
    assert len(entries()) == 1  # only the admin's block


def test_admin_blocks_and_unblocks_a_moderator(admin_client):
    """An admin may block a moderator and lift the block."""
    staff = factories.user(roles=("citizen", "moderator"))
    db.session.commit()
    assert "Bloquer ce compte" in text(admin_client.get(account_url(staff)))
    response = admin_client.post(f"{account_url(staff)}/bloquer",
                                 data={"duration": "365", "reason": "Abus de pouvoir."})
    assert response.status_code == 302
    stored = fresh_user(staff.id)
    assert stored.is_blocked
    assert timedelta(days=364) < aware(stored.blocked_until) - utcnow() <= timedelta(days=365)
    response = admin_client.post(f"{account_url(staff)}/debloquer",
                                 data={"reason": "Enquête close."})
    assert response.status_code == 302
    assert not fresh_user(staff.id).is_blocked


def moderation_requests(target: User) -> list[tuple[str, str, dict[str, str]]]:
    """Every moderation address, as (method, url, form data)."""
    return [
        ("GET", "/moderation/comptes", {}),
        ("GET", account_url(target), {}),
        ("POST", f"{account_url(target)}/bloquer", {"duration": "7", "reason": "Abus."}),
        ("POST", f"{account_url(target)}/debloquer", {"reason": "Pardon."}),
        ("GET", "/moderation/journal", {}),
        ("GET", "/moderation/journal.csv", {}),
    ]


@pytest.mark.parametrize("role", ["citizen", "mediator"])
def test_citizen_and_mediator_are_refused_every_moderation_page(as_role, role):
    """Every moderation address is a French 403 for a citizen and for a mediator."""
    client = as_role("citizen", role) if role != "citizen" else as_role("citizen")
    target = factories.user()
    db.session.commit()
    block(target, 7)
    for method, url, data in moderation_requests(target):
        refused(client.open(url, method=method, data=data), ROLE_MESSAGE)
    # Unknown accounts are refused too, not revealed by a 404.
    for method, url, data in moderation_requests(target)[1:4]:
        response = client.open(url.replace(f"/{target.id}", "/987654"), method=method,
                               data=data)
        refused(response, ROLE_MESSAGE)
    assert fresh_user(target.id).is_blocked
    assert len(entries()) == 1
    assert "/moderation/" not in text(client.get("/"))


def test_anonymous_is_sent_to_login(client):
    """A visitor who is not logged in is sent to the login page from every address."""
    target = factories.user()
    db.session.commit()
    for method, url, data in moderation_requests(target):
        sent_to_login(client.open(url, method=method, data=data))
    assert not fresh_user(target.id).is_blocked


@pytest.mark.parametrize("ident", ["987654", "2147483647", "2147483648", "0"])
def test_unknown_account_is_a_french_404(moderator, ident):
    """An unknown or out-of-range account id is the French 404 page."""
    for method, suffix, data in [("GET", "", {}),
                                 ("POST", "/bloquer", {"duration": "7", "reason": "Abus."}),
                                 ("POST", "/debloquer", {"reason": "Pardon."})]:
        response = moderator.open(f"/moderation/comptes/{ident}{suffix}", method=method,
                                  data=data)
        assert response.status_code == 404
        assert "Page introuvable" in text(response)


def test_moderator_sees_the_moderation_link(moderator):
    """The menu of a moderator leads to the moderation pages, the accounts page to the log."""
    assert 'href="/moderation' in moderator.get("/").get_data(as_text=True)
    assert 'href="/moderation/journal"' in moderator.get("/moderation/comptes").get_data(
        as_text=True)
