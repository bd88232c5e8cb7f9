"""Submitting, editing and withdrawing a proposal, and the refusals outside the consultation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from tests import factories
from tests.conftest import login
from tests.proposals.helpers import listed_proposal_ids, text

CLOSED = "Le dépôt de propositions n'est pas ouvert dans la phase actuelle du projet."
FIXED = "Une proposition ne se modifie plus après son premier soutien ou commentaire."
ONLY_AUTHOR = "Seul·e l'auteur·rice peut effectuer cette action."


def new_url(project: Project) -> str:
    """The address of the submission form of a project."""
    return f"/projets/{project.slug}/propositions/nouvelle"


def proposal_count() -> int:
    """How many proposals the database holds."""
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Proposal)).scalar_one()


def refused(response, message: str) -> str:
    """Check the French 403 page with its reason; return the page."""
    assert response.status_code == 403
    page = text(response)
    assert "Action non autorisée" in page
    assert message in page
    return page


def stored(proposal_id: int) -> Proposal:
    """The proposal as the database holds it now."""
    db.session.expire_all()
    return db.session.get_one(Proposal, proposal_id)


# --- Submit ---------------------------------------------------------------------------------


def test_citizen_submits_a_proposal(citizen_client):
    """During the consultation a citizen submits a proposal: created, redirected, listed."""
    project = factories.project("consultation")
    db.session.commit()
    form = citizen_client.get(new_url(project))
    assert form.status_code == 200
    assert "Publier ma proposition" in text(form)

    brest = factories.territory("Brest")
    response = citizen_client.post(new_url(project), data={
        "title": "  Des ateliers numériques le samedi  ",
        "body": "Dans chaque **médiathèque**, un atelier par mois.<script>alert(1)</script>",
        "territory": str(brest.id),
    })
    assert response.status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert response.headers["Location"] == f"/propositions/{proposal.id}"
    assert proposal.title == "Des ateliers numériques le samedi"
    assert proposal.author_id == citizen_client.user.id
    assert proposal.territory_id == brest.id
    assert proposal.status == "published"
    assert db.session.get_one(Project, project.id).proposals_count == 1

    page = text(citizen_client.get(response.headers["Location"]))
    assert "Votre proposition est publiée." in page
    assert "<strong>médiathèque</strong>" in page
    assert "<script>alert" not in citizen_client.get(f"/propositions/{proposal.id}").get_data(
        as_text=True
    )
    assert "Territoire\u00a0: Brest" in page
    assert listed_proposal_ids(citizen_client.get(f"/projets/{project.slug}/propositions")) == [
        proposal.id
    ]


def test_submit_without_territory(citizen_client):
    """The territory is optional."""
    project = factories.project()
    db.session.commit()
    response = citizen_client.post(new_url(project), data={
        "title": "Une idée pour tout le territoire", "body": "Le détail.", "territory": "",
    })
    assert response.status_code == 302
    assert db.session.scalars(select(Proposal)).one().territory_id is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "Wifi"}, "Titre\u00a0: Entre 5 et 150 caractères."),
        ({"title": "x" * 151}, "Titre\u00a0: Entre 5 et 150 caractères."),
        ({"title": "   "}, "Titre\u00a0: Ce champ est obligatoire."),
        ({"body": ""}, "Votre proposition\u00a0: Ce champ est obligatoire."),
        ({"body": "   \n  "}, "Votre proposition\u00a0: Ce champ est obligatoire."),
        ({"territory": "99999"}, "Territoire concerné (facultatif)\u00a0: Choisissez une valeur "
                                 "de la liste."),
        ({"territory": "Brest"}, "Territoire concerné (facultatif)\u00a0: Choix non valide"),
    ],
)
def test_invalid_submission_is_refused_in_french_with_values_kept(citizen_client, changes,
                                                                  message):
    """A refused form explains in French and shows again what was typed."""
    project = factories.project()
    db.session.commit()
    data = {"title": "Un titre bien tapé", "body": "Un texte <bien> tapé.",
            "territory": str(factories.territory("Guipavas").id)}
    data.update(changes)
    response = citizen_client.post(new_url(project), data=data)
    assert response.status_code == 200
    page = text(response)
    assert "Le formulaire n'a pas été enregistré" in page
    assert message in page
    if "title" not in changes:
        assert 'value="Un titre bien tapé"' in page
    if "body" not in changes:
        assert "Un texte &lt;bien&gt; tapé.</textarea>" in response.get_data(as_text=True)
    if "territory" not in changes:
        assert re.search(r'<option selected value="\d+">Guipavas</option>', page)
    assert proposal_count() == 0


# --- Edit -----------------------------------------------------------------------------------


def test_author_edits_until_the_first_support(app, client):
    """The author edits freely; after the first support the text is fixed, even if taken back."""
    project = factories.project()
    author, fan = factories.user(), factories.user()
    proposal = factories.proposal(project, author=author, title="Titre de départ")
    db.session.commit()
    as_author = login(app.test_client(), author)
    url = f"/propositions/{proposal.id}/modifier"

    show = text(as_author.get(f"/propositions/{proposal.id}"))
    assert "Modifier ma proposition" in show
    form = text(as_author.get(url))
    assert 'value="Titre de départ"' in form
    response = as_author.post(url, data={
        "title": "Titre corrigé", "body": "Texte corrigé.",
        "territory": str(factories.territory("Bohars").id),
    })
    assert response.status_code == 302
    assert response.headers["Location"] == f"/propositions/{proposal.id}"
    changed = stored(proposal.id)
    assert changed.territory is not None
    assert (changed.title, changed.body, changed.territory.name) == (
        "Titre corrigé", "Texte corrigé.", "Bohars"
    )
    assert "Votre proposition est modifiée." in text(as_author.get(f"/propositions/{proposal.id}"))

    invalid = as_author.post(url, data={"title": "Non", "body": "Texte tapé.", "territory": ""})
    assert invalid.status_code == 200
    assert "Entre 5 et 150 caractères." in text(invalid)
    assert stored(proposal.id).title == "Titre corrigé"

    assert login(app.test_client(), fan).post(
        f"/propositions/{proposal.id}/soutenir"
    ).status_code == 302
    assert stored(proposal.id).supports_count == 1
    refused(as_author.get(url), FIXED)
    refused(as_author.post(url, data={"title": "Titre changé après", "body": "Autre texte.",
                                      "territory": ""}), FIXED)
    assert stored(proposal.id).title == "Titre corrigé"
    show = text(as_author.get(f"/propositions/{proposal.id}"))
    assert "Modifier ma proposition" not in show
    assert f"/propositions/{proposal.id}/modifier" not in show
    assert "Retirer ma proposition" in show

    # Taking the support back does not reopen the text people reacted to.
    assert login(app.test_client(), fan).post(
        f"/propositions/{proposal.id}/retirer-soutien"
    ).status_code == 302
    assert stored(proposal.id).supports_count == 0
    refused(as_author.get(url), FIXED)


def test_author_may_not_edit_after_the_first_comment(app):
    """The first comment fixes the text too."""
    project = factories.project()
    author, talker = factories.user(), factories.user()
    proposal = factories.proposal(project, author=author)
    db.session.commit()
    as_author = login(app.test_client(), author)
    assert as_author.get(f"/propositions/{proposal.id}/modifier").status_code == 200

    response = login(app.test_client(), talker).post(
        f"/propositions/{proposal.id}/commentaires", data={"stance": "contre", "body": "Non."}
    )
    assert response.status_code == 302
    refused(as_author.get(f"/propositions/{proposal.id}/modifier"), FIXED)
    refused(as_author.post(f"/propositions/{proposal.id}/modifier",
                           data={"title": "Titre changé", "body": "Autre.", "territory": ""}),
            FIXED)
    assert "Modifier ma proposition" not in text(as_author.get(f"/propositions/{proposal.id}"))


def test_other_citizen_may_not_edit_or_withdraw(app, citizen_client):
    """Only the author edits or withdraws; others get the French 403 page."""
    project = factories.project()
    proposal = factories.proposal(project, title="Titre de l'auteur")
    db.session.commit()
    base = f"/propositions/{proposal.id}"
    refused(citizen_client.get(f"{base}/modifier"), ONLY_AUTHOR)
    refused(citizen_client.post(f"{base}/modifier", data={
        "title": "Titre détourné", "body": "Texte détourné.", "territory": "",
    }), ONLY_AUTHOR)
    refused(citizen_client.get(f"{base}/retirer"), ONLY_AUTHOR)
    refused(citizen_client.post(f"{base}/retirer"), ONLY_AUTHOR)
    kept = stored(proposal.id)
    assert (kept.title, kept.status) == ("Titre de l'auteur", "published")
    show = text(citizen_client.get(base))
    assert "Modifier ma proposition" not in show
    assert "Retirer ma proposition" not in show


def test_anonymous_is_sent_to_login_for_every_action(client):
    """A visitor must log in to submit, edit or withdraw."""
    project = factories.project()
    proposal = factories.proposal(project)
    db.session.commit()
    for method, url in (
        ("get", new_url(project)),
        ("post", new_url(project)),
        ("get", f"/propositions/{proposal.id}/modifier"),
        ("post", f"/propositions/{proposal.id}/modifier"),
        ("get", f"/propositions/{proposal.id}/retirer"),
        ("post", f"/propositions/{proposal.id}/retirer"),
    ):
        response = getattr(client, method)(url, data={"title": "Titre anonyme", "body": "x"})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/compte/connexion"), (method, url)
    assert proposal_count() == 1
    assert stored(proposal.id).status == "published"


def test_unknown_proposal_is_a_french_404(citizen_client):
    """Unknown proposal ids give the French 404 page."""
    for url in ("/propositions/999999", "/propositions/999999/modifier",
                "/propositions/999999/retirer"):
        response = citizen_client.get(url)
        assert response.status_code == 404, url
        assert "Page introuvable" in text(response)


# --- Withdraw -------------------------------------------------------------------------------


def test_author_withdraws_after_confirmation(app, citizen_client):
    """Withdrawal is confirmed, then the proposal is marked withdrawn and takes no reactions."""
    project = factories.project()
    author = factories.user()
    proposal = factories.proposal(project, author=author, title="À retirer bientôt")
    other = factories.proposal(project, author=author)
    factories.support(proposal, citizen_client.user)
    db.session.commit()
    assert db.session.get_one(Project, project.id).proposals_count == 2
    as_author = login(app.test_client(), author)
    base = f"/propositions/{proposal.id}"

    assert "Retirer ma proposition" in text(as_author.get(base))
    confirm = as_author.get(f"{base}/retirer")
    assert confirm.status_code == 200
    page = text(confirm)
    assert "Vous allez retirer «\u00a0À retirer bientôt\u00a0»" in page
    assert "Oui, retirer ma proposition" in page
    assert stored(proposal.id).status == "published"  # asking changes nothing

    response = as_author.post(f"{base}/retirer")
    assert response.status_code == 302
    assert response.headers["Location"] == base
    gone = stored(proposal.id)
    assert gone.status == "withdrawn"
    assert gone.withdrawn_at is not None
    assert db.session.get_one(Project, project.id).proposals_count == 1

    page = text(citizen_client.get(base))
    assert "Cette proposition a été retirée par son auteur·rice" in page
    assert "Soutenir cette proposition" not in page
    assert "Publier mon commentaire" not in page
    assert listed_proposal_ids(citizen_client.get(f"/projets/{project.slug}/propositions")) == [
        other.id
    ]
    author_page = text(as_author.get(base))
    assert "Retirer ma proposition" not in author_page
    assert "Modifier ma proposition" not in author_page

    newcomer = login(app.test_client(), factories.user())
    db.session.commit()
    refused(newcomer.post(f"{base}/soutenir"), "retirée")
    refused(newcomer.post(f"{base}/commentaires", data={"stance": "pour", "body": "Oui !"}),
            "retirée")
    refused(as_author.get(f"{base}/retirer"), "retirée")
    refused(as_author.post(f"{base}/retirer"), "retirée")
    refused(as_author.get(f"{base}/modifier"), "retirée")
    after = stored(proposal.id)
    assert (after.supports_count, after.comments_count) == (1, 0)
    assert db.session.get_one(Project, project.id).proposals_count == 1


# --- Outside the consultation ---------------------------------------------------------------


@pytest.mark.parametrize("phase", ["information", "synthesis", "follow_up", None, "no-phases"])
def test_no_submission_outside_consultation(citizen_client, phase):
    """Outside the consultation the button is absent and the form is refused in French."""
    phases = {} if phase == "no-phases" else factories.phases_for(phase)
    project = factories.project(phases=phases)
    db.session.commit()

    for url in (f"/projets/{project.slug}", f"/projets/{project.slug}/propositions"):
        page = text(citizen_client.get(url))
        assert "Déposer une proposition" not in page, url
        assert new_url(project) not in page, url
    refused(citizen_client.get(new_url(project)), CLOSED)
    refused(citizen_client.post(new_url(project), data={
        "title": "Une proposition hors délai", "body": "Trop tard.", "territory": "",
    }), CLOSED)
    assert proposal_count() == 0


def test_submission_button_shown_during_consultation(client, citizen_client):
    """During the consultation a citizen sees the button; a visitor does not."""
    project = factories.project("consultation")
    db.session.commit()
    for url in (f"/projets/{project.slug}", f"/projets/{project.slug}/propositions"):
        assert f'href="{new_url(project)}">Déposer une proposition' in text(citizen_client.get(url))
        assert "Déposer une proposition" not in text(client.get(url))


@pytest.mark.parametrize("phase", ["information", "synthesis", "follow_up"])
def test_no_edit_or_withdrawal_outside_consultation(app, phase):
    """Once the consultation is over the author may no longer edit or withdraw."""
    author = factories.user()
    project = factories.project("consultation")
    proposal = factories.proposal(project, author=author)
    replacement = factories.phases_for(phase)
    from consultation.projects.services import set_phases

    set_phases(project, replacement)
    db.session.commit()
    as_author = login(app.test_client(), author)
    base = f"/propositions/{proposal.id}"
    page = text(as_author.get(base))
    assert "Modifier ma proposition" not in page
    assert "Retirer ma proposition" not in page
    refused(as_author.get(f"{base}/modifier"), CLOSED)
    refused(as_author.post(f"{base}/retirer"), CLOSED)
    assert stored(proposal.id).status == "published"
