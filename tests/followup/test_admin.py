"""The admin publishes commitments and their updates: forms, French errors, permissions, the
audit journal and the signal the notifications receive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from consultation.core import signals
from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentUpdate
from tests import factories
from tests.followup.helpers import commitment


@pytest.fixture
def world(app, admin_client) -> dict[str, Any]:
    admin = admin_client.user
    project = factories.project("follow_up", actor=admin)
    other = factories.project("follow_up", actor=admin)
    mine = factories.proposal(project, title="Des ateliers pour les aînés")
    second = factories.proposal(project, title="Une permanence le samedi")
    elsewhere = factories.proposal(other, title="Une proposition d'ailleurs")
    db.session.commit()
    return {"admin": admin, "project": project, "proposal": mine, "second": second,
            "elsewhere": elsewhere}


@dataclass
class Sent:
    """What a receiver of commitment_updated saw."""

    id: int
    text: str
    status: str


@pytest.fixture
def sent() -> Any:
    received: list[Any] = []

    def receiver(sender: Any, **_: Any) -> None:
        received.append(Sent(sender.id, sender.text, sender.status))

    signals.commitment_updated.connect(receiver)
    yield received
    signals.commitment_updated.disconnect(receiver)


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_admin_publishes_a_commitment_linked_to_proposals(admin_client, world, sent):
    url = f"/admin/projets/{world['project'].slug}/suivi/nouveau"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Des ateliers pour les aînés" in page.text
    assert "Une proposition d'ailleurs" not in page.text
    response = admin_client.post(url, data={
        "title": "Ouvrir des ateliers numériques",
        "description": "Dans **chaque** quartier.\r\nAu printemps.",
        "service": "Direction du numérique", "starts_on": "2027-01-15", "ends_on": "2027-06-30",
        "proposals": [str(world["proposal"].id), str(world["second"].id)],
        "status": "en_cours", "progress": "20", "reason": "",
    })
    assert response.status_code == 302
    made = db.session.scalars(select(Commitment)).one()
    assert (made.status, made.progress, made.service) == ("en_cours", 20, "Direction du numérique")
    assert [p.id for p in made.proposals] == sorted([world["proposal"].id, world["second"].id])
    assert "\r" not in made.description
    [update] = made.updates
    assert (update.status, update.progress, update.author_id) == ("en_cours", 20,
                                                                  world["admin"].id)
    assert [u.id for u in sent] == [update.id]
    [entry] = entries("commitment.create")
    assert entry.target_id == made.id and entry.actor_id == world["admin"].id


def test_a_proposal_of_another_project_is_refused(admin_client, world):
    url = f"/admin/projets/{world['project'].slug}/suivi/nouveau"
    response = admin_client.post(url, data={
        "title": "Un engagement mal rattaché", "proposals": [str(world["elsewhere"].id)],
        "status": "prevu", "progress": "0",
    })
    assert response.status_code == 422
    assert "Choisissez uniquement des propositions de ce projet." in response.text
    assert 'value="Un engagement mal rattaché"' in response.text
    assert db.session.scalars(select(Commitment)).first() is None


def test_refused_form_comes_back_as_typed_with_french_messages(admin_client, world):
    url = f"/admin/projets/{world['project'].slug}/suivi/nouveau"
    response = admin_client.post(url, data={
        "title": "Abc", "description": "Ligne 1\r\nLigne 2", "service": "Voirie",
        "starts_on": "2027-06-01", "ends_on": "2027-01-01", "status": "abandonne",
        "progress": "cent", "reason": "",
    })
    assert response.status_code == 422
    text = response.text
    assert "Entre 5 et 200 caractères." in text
    assert "La fin prévue ne peut pas précéder le début prévu." in text
    assert "N&#39;est pas un entier valide." in text
    assert "Indiquez pourquoi l&#39;engagement est abandonné." in text
    assert "Ligne 1\r\nLigne 2" in text or "Ligne 1\nLigne 2" in text
    assert 'value="Voirie"' in text and 'value="cent"' in text


def test_an_update_moves_the_commitment_and_joins_the_timeline(admin_client, world, sent):
    made = commitment(world["project"], world["admin"])
    db.session.commit()
    sent.clear()
    url = f"/admin/suivi/{made.id}/point"
    page = admin_client.get(url)
    assert page.status_code == 200 and '<input checked id="status-0"' in page.text
    response = admin_client.post(url, data={
        "text": "Le marché est attribué.\r\nLes travaux commencent.", "status": "en_cours",
        "progress": "35", "reason": ""})
    assert response.status_code == 302
    db.session.refresh(made)
    assert (made.status, made.progress) == ("en_cours", 35)
    assert len(sent) == 1 and sent[0].text == "Le marché est attribué.\nLes travaux commencent."
    assert [e.target_id for e in entries("commitment.progress")] == [made.id]
    public = admin_client.get(f"/projets/{world['project'].slug}/suivi")
    assert "Le marché est attribué." in public.text


def test_abandoning_requires_a_reason_then_is_recorded(admin_client, world, sent):
    made = commitment(world["project"], world["admin"], status="en_cours", progress=40)
    db.session.commit()
    sent.clear()
    url = f"/admin/suivi/{made.id}/point"
    refused = admin_client.post(url, data={"text": "On arrête.", "status": "abandonne",
                                           "progress": "40", "reason": "  "})
    assert refused.status_code == 422
    assert "Indiquez pourquoi l&#39;engagement est abandonné." in refused.text
    assert "On arrête." in refused.text
    assert sent == []
    done = admin_client.post(url, data={"text": "On arrête.", "status": "abandonne",
                                        "progress": "40",
                                        "reason": "Le budget a été réaffecté."})
    assert done.status_code == 302
    db.session.refresh(made)
    assert (made.status, made.abandon_reason) == ("abandonne", "Le budget a été réaffecté.")
    [entry] = entries("commitment.abandon")
    assert entry.reason == "Le budget a été réaffecté."
    assert len(sent) == 1
    public = admin_client.get(f"/projets/{world['project'].slug}/suivi").text
    assert "Le budget a été réaffecté." in public and "Abandonné" in public


def test_an_illegal_move_is_refused_in_french_and_nothing_is_sent(admin_client, world, sent):
    made = commitment(world["project"], world["admin"], status="realise", progress=100)
    db.session.commit()
    sent.clear()
    response = admin_client.post(f"/admin/suivi/{made.id}/point", data={
        "text": "Encore un point.", "status": "abandonne", "progress": "100",
        "reason": "Pour voir."})
    assert response.status_code == 422
    assert "Cet engagement est clos" in response.text
    assert sent == [] and entries("commitment.abandon") == []
    assert len(db.session.scalars(select(CommitmentUpdate)).all()) == 1


def test_editing_changes_the_description_not_the_status(admin_client, world, sent):
    made = commitment(world["project"], world["admin"], proposals=[world["proposal"]])
    db.session.commit()
    sent.clear()
    url = f"/admin/suivi/{made.id}/modifier"
    page = admin_client.get(url)
    assert (f'checked id="proposals-0" name="proposals" type="checkbox" '
            f'value="{world["proposal"].id}"') in page.text
    response = admin_client.post(url, data={
        "title": "Ouvrir deux maisons du numérique", "description": "", "service": "DSI",
        "proposals": [str(world["second"].id)]})
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.title == "Ouvrir deux maisons du numérique"
    assert [p.id for p in made.proposals] == [world["second"].id]
    assert made.status == "prevu" and len(made.updates) == 1 and sent == []
    [entry] = entries("commitment.update")
    assert entry.data["changes"]["titre"] == "Ouvrir deux maisons du numérique"


def test_the_journal_names_the_new_acts_in_french(app, as_role, world):
    made = commitment(world["project"], world["admin"], status="en_cours", progress=10)
    from consultation.followup import services

    services.add_update(world["admin"], made, "Abandon.", "abandonne", 10, "Trop cher.")
    db.session.commit()
    page = as_role("moderator").get("/moderation/journal?action=commitment.").text
    assert "Engagement publié" in page and "Engagement abandonné" in page
    assert "commitment.create" not in page


@pytest.mark.parametrize("role", ["citizen", "moderator", "mediator", "elected"])
def test_only_admins_publish(app, as_role, world, role):
    made = commitment(world["project"], world["admin"])
    db.session.commit()
    client = as_role(role)
    for url in (f"/admin/projets/{world['project'].slug}/suivi/nouveau",
                f"/admin/suivi/{made.id}/modifier", f"/admin/suivi/{made.id}/point"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"title": "Un titre bien long", "text": "x",
                                      "status": "en_cours", "progress": "50"}).status_code == 403
    db.session.refresh(made)
    assert made.status == "prevu"
    page = client.get(f"/projets/{world['project'].slug}/suivi").text
    assert "Ajouter un point d" not in page and "Publier un engagement" not in page


def test_a_visitor_is_sent_to_log_in(client, world):
    response = client.get(f"/admin/projets/{world['project'].slug}/suivi/nouveau")
    assert response.status_code == 302 and "/compte/connexion" in response.location


def test_a_done_commitment_can_be_reopened(admin_client, world, sent):
    made = commitment(world["project"], world["admin"], status="realise", progress=100)
    db.session.commit()
    sent.clear()
    response = admin_client.post(f"/admin/suivi/{made.id}/point", data={
        "text": "Une partie des bancs a été retirée : on reprend.", "status": "en_cours",
        "progress": "80", "reason": ""})
    assert response.status_code == 302
    db.session.refresh(made)
    assert (made.status, made.progress) == ("en_cours", 80)
    [entry] = entries("commitment.reopen")
    assert entry.data["previous"] == "realise" and len(sent) == 1


def test_a_proposal_id_past_what_the_database_holds_is_refused(admin_client, world):
    """A forged id past 2**31 - 1 is refused by the form with a French message, the rest as
    typed (PostgreSQL refused it in the query: a 500, found by test_hostile_input)."""
    url = f"/admin/projets/{world['project'].slug}/suivi/nouveau"
    response = admin_client.post(url, data={
        "title": "Un engagement bien écrit", "proposals": [str(world["proposal"].id),
                                                            "2147483648"],
        "status": "prevu", "progress": "0",
    })
    assert response.status_code == 422
    assert 'value="Un engagement bien écrit"' in response.text
    assert db.session.scalars(select(Commitment)).first() is None
    assert "Choix incorrect, une ou plusieurs saisies ne peuvent pas être converties." in (
        response.text)
