"""Official answers: the admin gives and changes them, the proposal and its list show them,
the log keeps them, and the author is notified (the email goes with the notifications)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.notifications.models import Notification
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal
from tests import factories
from tests.accounts.helpers import read
from tests.conftest import login
from tests.proposals.helpers import listed_proposal_ids, text

ROLE_MESSAGE = "Cette action est réservée à un rôle que vous n'avez pas."
WITHDRAWN = "Cette proposition a été retirée par son auteur·rice."
STATUS_MESSAGE = "Choisissez acceptée, refusée ou à l'étude."
GIVE = "Donner une réponse officielle"
CHANGE = "Modifier la réponse officielle"


def answer_url(proposal: Proposal) -> str:
    """The address of the answer form."""
    return f"/propositions/{proposal.id}/reponse"


def stored(proposal_id: int) -> Proposal:
    """The proposal as the database holds it now."""
    db.session.commit()
    db.session.expire_all()
    return db.session.get_one(Proposal, proposal_id)


def answer_entries() -> list[AuditEntry]:
    """The proposal.answer entries of the log, oldest first."""
    db.session.commit()
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal.answer").order_by(AuditEntry.id)
    ))


def notifications(user_id: int) -> list[Notification]:
    """The notifications made for someone, oldest first."""
    db.session.commit()
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    ))


@pytest.fixture
def proposal():
    """A published proposal by Gwenaëlle, in a project under consultation."""
    author = factories.user(display_name="Gwenaëlle Tanguy", email="gwen@exemple.fr")
    made = factories.proposal(factories.project("consultation"), author,
                              title="Des ateliers numériques le samedi")
    db.session.commit()
    return made


# --- Giving and changing an answer ----------------------------------------------------------


def test_admin_gives_an_answer(app, admin_client, proposal):
    """The admin's answer is stored, shown on the proposal with its label, and logged."""
    page = text(admin_client.get(f"/propositions/{proposal.id}"))
    assert GIVE in page
    assert f'href="{answer_url(proposal)}"' in page
    form = admin_client.get(answer_url(proposal))
    assert form.status_code == 200
    assert "Publier la réponse" in text(form)

    response = admin_client.post(answer_url(proposal), data={
        "status": "accepted",
        "body": "  Nous **retenons** l'idée.\r\n<script>alert(1)</script>  ",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == f"/propositions/{proposal.id}"
    saved = stored(proposal.id)
    assert saved.answer_status == "accepted"
    assert saved.answer_body == "Nous **retenons** l'idée.\n<script>alert(1)</script>"
    assert saved.answered_at is not None

    shown = admin_client.get(f"/propositions/{proposal.id}")
    page = text(shown)
    assert "La réponse officielle est publiée." in page
    assert "Réponse officielle de la métropole" in page
    assert "Réponse officielle\u00a0: Acceptée" in page
    assert "<strong>retenons</strong>" in page
    assert "<script>alert(1)" not in shown.get_data(as_text=True)
    assert CHANGE in page and GIVE not in page

    [entry] = answer_entries()
    assert (entry.actor_id, entry.target_kind, entry.target_id, entry.target_label) == (
        admin_client.user.id, "proposal", proposal.id, "Des ateliers numériques le samedi")
    assert entry.data == {"status": "accepted", "previous": None}


def test_visitors_see_the_answer(client, proposal):
    """Anyone reading the proposal sees the answer; nobody but the admin sees the link."""
    proposal_services.give_answer(factories.user(roles=("admin",)), proposal, "under_study",
                                  "Le service étudie le coût.")
    db.session.commit()
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Réponse officielle\u00a0: À l'étude" in page
    assert "Le service étudie le coût." in page
    assert GIVE not in page and CHANGE not in page


def test_admin_changes_an_answer(app, admin_client, proposal):
    """The form shows the current answer; a change is stored and logged with the previous
    status, and the author gets a second notification."""
    admin_client.post(answer_url(proposal), data={"status": "under_study",
                                                  "body": "Nous étudions."})
    form = read(admin_client.get(answer_url(proposal)).get_data(as_text=True))
    assert form.values["status"] == "under_study"
    assert "Nous étudions.</textarea>" in text(admin_client.get(answer_url(proposal)))

    response = admin_client.post(answer_url(proposal), data={
        "status": "rejected", "body": "Le budget ne le permet pas cette année.",
    })
    assert response.status_code == 302
    saved = stored(proposal.id)
    assert (saved.answer_status, saved.answer_body) == (
        "rejected", "Le budget ne le permet pas cette année.")
    page = text(admin_client.get(f"/propositions/{proposal.id}"))
    assert "Réponse officielle\u00a0: Refusée" in page
    assert "Nous étudions." not in page

    first, second = answer_entries()
    assert first.data == {"status": "under_study", "previous": None}
    assert second.data == {"status": "rejected", "previous": "under_study"}
    told = notifications(proposal.author_id)
    assert [(n.kind, n.reason) for n in told] == [("answer", "author")] * 2
    assert told[0].event != told[1].event  # a changed answer is another event


def test_list_filters_by_answer(client, proposal):
    """The list's answer filter finds answered and unanswered proposals."""
    other = factories.proposal(proposal.project, title="Une borne à la mairie de Guilers")
    proposal_services.give_answer(factories.user(roles=("admin",)), proposal, "accepted",
                                  "Retenue.")
    db.session.commit()
    url = f"/projets/{proposal.project.slug}/propositions?tri=recentes&reponse="
    assert listed_proposal_ids(client.get(url + "accepted")) == [proposal.id]
    assert listed_proposal_ids(client.get(url + "none")) == [other.id]
    assert listed_proposal_ids(client.get(url + "rejected")) == []
    assert listed_proposal_ids(client.get(url)) == [other.id, proposal.id]
    page = text(client.get(url + "accepted"))
    assert "Réponse officielle\u00a0: Acceptée" in page
    assert '<option value="accepted" selected>' in page


# --- The author's notification ----------------------------------------------------------------


def test_author_is_notified_once_with_a_link(app, admin_client, proposal):
    """One notification for the author, about the proposal; their list links to the answer."""
    admin_client.post(answer_url(proposal), data={"status": "accepted", "body": "Retenue."})
    [told] = notifications(proposal.author_id)
    assert (told.kind, told.reason, told.proposal_id) == ("answer", "author", proposal.id)
    assert notifications(factories.user().id) == []
    page = text(login(app.test_client(), proposal.author).get("/compte/notifications"))
    assert "Réponse officielle de la métropole à la proposition" in page
    assert f"/propositions/{proposal.id}#reponse" in page
    assert "vous êtes l'auteur·rice" in page


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"body": "Une réponse tapée avec soin."}, "status", STATUS_MESSAGE),
    ({"status": "peut-etre", "body": "Une réponse tapée avec soin."}, "status", STATUS_MESSAGE),
    ({"status": "accepted", "body": "   "}, "body", "Ce champ est obligatoire."),
    ({"status": "accepted", "body": "x" * 10_001}, "body", "10000 caractères au maximum."),
])
def test_invalid_answer_is_refused_in_french_and_keeps_what_was_typed(
    app, admin_client, proposal, data, field, message
):
    """A missing or unknown status, an empty or too long text: French error, values kept,
    nothing stored, logged or sent."""
    response = admin_client.post(answer_url(proposal), data=data)
    assert response.status_code == 200
    page = text(response)
    assert "Le formulaire n'a pas été enregistré" in page
    form = read(response.get_data(as_text=True))
    assert form.field_errors.get(field) == message, form.field_errors
    if field == "status":
        assert "Une réponse tapée avec soin.</textarea>" in page
    else:
        assert form.values["status"] == "accepted"
    saved = stored(proposal.id)
    assert saved.answer_status is None and saved.answer_body is None
    assert answer_entries() == []
    assert notifications(proposal.author_id) == []


# --- Who may answer -------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [("citizen",), ("citizen", "moderator"),
                                   ("citizen", "mediator")])
def test_other_roles_may_not_answer(app, as_role, proposal, roles):
    """Citizens, moderators and mediators get a French 403 and do not see the link."""
    client = as_role(*roles)
    assert GIVE not in text(client.get(f"/propositions/{proposal.id}"))
    for method in ("GET", "POST"):
        response = client.open(answer_url(proposal), method=method,
                               data={"status": "accepted", "body": "Oui."})
        assert response.status_code == 403
        assert ROLE_MESSAGE in text(response)
    assert stored(proposal.id).answer_status is None
    assert answer_entries() == [] and notifications(proposal.author_id) == []


def test_author_may_not_answer_their_own_proposal(app, proposal):
    """The author is a citizen like the others: 403, no link."""
    client = login(app.test_client(), proposal.author)
    assert GIVE not in text(client.get(f"/propositions/{proposal.id}"))
    response = client.post(answer_url(proposal), data={"status": "accepted", "body": "Oui !"})
    assert response.status_code == 403
    assert stored(proposal.id).answer_status is None


def test_anonymous_is_sent_to_login(client, proposal):
    """A visitor is sent to the login page."""
    response = client.get(answer_url(proposal))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")
    response = client.post(answer_url(proposal), data={"status": "accepted", "body": "Oui."})
    assert response.status_code == 302
    assert stored(proposal.id).answer_status is None


def test_withdrawn_proposal_cannot_be_answered(app, admin_client, proposal):
    """A withdrawn proposal: no link, and the form is a French 403."""
    proposal_services.withdraw_proposal(proposal.author, proposal)
    db.session.commit()
    assert GIVE not in text(admin_client.get(f"/propositions/{proposal.id}"))
    for method in ("GET", "POST"):
        response = admin_client.open(answer_url(proposal), method=method,
                                     data={"status": "accepted", "body": "Oui."})
        assert response.status_code == 403
        assert WITHDRAWN in text(response)
    assert stored(proposal.id).answer_status is None
    assert answer_entries() == [] and notifications(proposal.author_id) == []


@pytest.mark.parametrize("phase", ["synthesis", "follow_up"])
def test_answers_are_given_after_the_consultation(admin_client, phase):
    """Answers come when the consultation is over: the synthesis and follow-up phases."""
    proposal = factories.proposal(factories.project(phase))
    db.session.commit()
    assert GIVE in text(admin_client.get(f"/propositions/{proposal.id}"))
    response = admin_client.post(answer_url(proposal), data={"status": "accepted",
                                                             "body": "Retenue."})
    assert response.status_code == 302
    assert stored(proposal.id).answer_status == "accepted"


@pytest.mark.parametrize("ident", ["987654", "2147483648"])
def test_unknown_proposal_is_a_french_404(admin_client, ident):
    """An unknown proposal id is the French 404 page."""
    response = admin_client.get(f"/propositions/{ident}/reponse")
    assert response.status_code == 404
    assert "Page introuvable" in text(response)
