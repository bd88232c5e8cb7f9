"""Entering a paper workshop: every row checked together, all saved or none, rows kept on
error with the message at the field, anonymous rows counted as one participant each."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.models import today
from consultation.extensions import db
from consultation.mediation.models import ANONYMOUS_NAME, AssistedProfile, Workshop
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from tests import factories
from tests.mediation.helpers import participant
from tests.moderation.helpers import entries
from tests.proposals.helpers import text
from tests.recount import assert_counters_exact
from tests.test_pages import check_page

URL = "/mediation/ateliers/nouveau"
MARK = "d'un atelier papier à Médiathèque de Bellevue le"


@pytest.fixture
def world(mediator):
    """A project in consultation with a proposal, and a participant with consent."""
    project = factories.project("consultation")
    proposal = factories.proposal(project, title="Des bancs à la médiathèque")
    profile = participant(mediator.user)
    db.session.commit()
    return project, proposal, profile


FIELDS = ("kind", "project", "proposal", "title", "body", "stance", "author")


def _form(rows: list[dict[str, str]], **top: str) -> dict[str, str]:
    """The form as a browser sends it: every field of every row, empty ones included."""
    data = {"place": "Médiathèque de Bellevue", "held_on": today().isoformat(), **top}
    for index, row in enumerate(rows):
        for name in FIELDS:
            data[f"rows-{index}-{name}"] = row.get(name, "")
    return data


def _rows(world) -> list[dict[str, str]]:
    project, proposal, profile = world
    return [
        {"kind": "proposition", "project": str(project.id), "title": "Un écrivain public",
         "body": "Une fois par semaine.\r\nLe samedi aussi.", "author": str(profile.user_id)},
        {"kind": "commentaire", "project": str(project.id), "proposal": str(proposal.id),
         "body": "Oui, pour lire assis.\r\nEt au calme.", "stance": "pour", "author": "anonyme"},
        {},
        {"kind": "proposition", "project": str(project.id), "title": "Des ateliers du soir",
         "body": "Pour ceux qui travaillent.", "author": "anonyme"},
    ]


def _counts() -> tuple[int, int, int, int]:
    db.session.commit()
    workshops, proposals, comments, users = (
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Workshop, Proposal, Comment, User)
    )
    return workshops, proposals, comments, users


def test_the_form_has_ten_rows_and_more_on_demand(mediator, world):
    """A new form has ten rows; "Ajouter 5 lignes" gives five more, keeping what was typed."""
    page = mediator.get(URL).get_data(as_text=True)
    check_page(URL, page)
    assert page.count("<legend>Ligne ") == 10
    response = mediator.post(URL, data=_form(_rows(world)[:1], lignes="plus"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("<legend>Ligne ") == 15
    check_page("more rows", page)
    assert 'value="Un écrivain public"' in page and "Le formulaire n'a pas été" not in page
    assert _counts()[0] == 0


def test_a_workshop_is_saved_with_all_its_rows(mediator, world, client):
    """Valid rows make the workshop, its contributions linked to it and to the mediator; each
    anonymous row gets its own participant; the counters stay exact and the pages say where
    the contributions come from."""
    project, proposal, profile = world
    before = _counts()
    response = mediator.post(URL, data=_form(_rows(world)))
    assert response.status_code == 302
    workshop = db.session.scalars(select(Workshop)).one()
    assert (workshop.place, workshop.held_on, workshop.mediator_id) == (
        "Médiathèque de Bellevue", today(), mediator.user.id)
    assert _counts() == (1, before[1] + 2, before[2] + 1, before[3] + 2)
    made = db.session.scalars(select(Proposal).where(Proposal.workshop_id == workshop.id)
                              .order_by(Proposal.id)).all()
    assert [p.title for p in made] == ["Un écrivain public", "Des ateliers du soir"]
    assert made[0].author_id == profile.user_id
    assert made[0].body == "Une fois par semaine.\nLe samedi aussi."  # a textarea's CRLF
    assert {p.mediator_id for p in made} == {mediator.user.id}
    comment = db.session.scalars(select(Comment)).one()
    assert (comment.workshop_id, comment.stance, comment.proposal_id) == (
        workshop.id, "pour", proposal.id)
    assert comment.body == "Oui, pour lire assis.\nEt au calme."
    anonymous = db.session.scalars(select(AssistedProfile).where(
        AssistedProfile.workshop_id == workshop.id)).all()
    assert len(anonymous) == 2
    assert {p.user_id for p in anonymous} == {comment.author_id, made[1].author_id}
    assert {p.user.display_name for p in anonymous} == {ANONYMOUS_NAME}
    assert all(p.consent_reference is None and p.user.email is None for p in anonymous)
    project_row = db.session.get_one(Project, project.id)
    assert project_row.participants_count == 4  # the world's author, the participant, two
    assert_counters_exact()
    page = text(client.get(f"/propositions/{made[0].id}"))
    assert "issue " + MARK in page and "Proposée par Yvonne Le Bihan" in page
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "issu " + MARK in page and ANONYMOUS_NAME in page
    listing = text(client.get(f"/projets/{project.slug}/propositions?tri=recentes"))
    assert listing.count("issue " + MARK) == 2
    assert [e.action for e in entries() if e.action.startswith("mediation.")] == [
        "mediation.register", "mediation.proposal", "mediation.comment", "mediation.proposal",
        "mediation.workshop"]


@pytest.mark.parametrize(
    ("index", "change", "field", "message"),
    [
        (1, {"proposal": "999999"}, "proposal", "Aucune proposition n° 999999 dans ce projet."),
        (1, {"stance": ""}, "stance", "Choisissez pour, contre ou neutre."),
        (3, {"title": ""}, "title", "Ce champ est obligatoire."),
        (3, {"author": ""}, "author", "Choisissez une personne de la liste"),
        (0, {"kind": ""}, "kind", "Choisissez proposition ou commentaire."),
        (1, {"proposal": "douze"}, "proposal", "Saisissez le numéro de la proposition"),
    ],
)
def test_one_wrong_row_saves_nothing_and_keeps_every_row(mediator, world, index, change, field,
                                                         message):
    """An error on one row: nothing is saved, every row comes back as typed, and the message
    sits at that row's field (and in the summary, linked to it)."""
    rows = _rows(world)
    rows[index].update(change)
    before = _counts()
    response = mediator.post(URL, data=_form(rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    check_page("refused workshop", page)
    assert f'id="rows-{index}-{field}-erreur"' in page
    assert message in text(response)
    assert f'href="#rows-{index}-{field}"' in page
    for row in rows:
        for name in ("title", "body"):
            if row.get(name):  # kept as typed, line breaks as LF
                assert row[name].replace("\r\n", "\n") in page, row[name]
    assert f'<option selected value="{world[2].user_id}">' in page
    assert 'value="Médiathèque de Bellevue"' in page
    assert _counts() == before
    assert entries("mediation.proposal") == []


def test_a_skipped_row_number_saves_each_row_once(mediator, world):
    """A hand-made request that skips a row number (0, 1, 3) saves each row once, not the last
    one twice (WTForms would fill the padding rows from the submitted data)."""
    rows = _rows(world)
    data = _form(rows[:2])
    for name in FIELDS:
        data[f"rows-3-{name}"] = rows[3].get(name, "")
    before = _counts()
    assert mediator.post(URL, data=data).status_code == 302
    workshops, proposals, comments, _users = _counts()
    assert (workshops, proposals, comments) == (before[0] + 1, before[1] + 2, before[2] + 1)
    assert db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.title == "Des ateliers du soir")) == 1
    assert_counters_exact()


def test_a_row_refused_by_the_rules_saves_nothing(mediator, world):
    """A proposal for a project no longer open to proposals is refused at its row, and the
    valid rows are not saved either."""
    closed = factories.project("consultation", title="Projet bientôt fermé")
    db.session.commit()
    rows = _rows(world)
    rows[3]["project"] = str(closed.id)
    closed.phases[1].ends_on = closed.phases[1].starts_on  # consultation over
    closed.phases[2].starts_on = closed.phases[1].starts_on
    db.session.commit()
    before = _counts()
    response = mediator.post(URL, data=_form(rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="rows-3-project-erreur"' in page
    assert _counts() == before


def test_an_empty_workshop_is_refused(mediator, world):
    """Place and date without any row: nothing saved, a French message."""
    response = mediator.post(URL, data=_form([]))
    assert response.status_code == 200
    assert "Saisissez au moins une contribution." in text(response)
    assert _counts()[0] == 0


def test_only_participants_with_consent_are_offered(mediator, world):
    """The author list offers "anonyme" and the participants with consent, not the others."""
    mediator.post(URL, data=_form(_rows(world)))
    page = text(mediator.get(URL))
    assert "Anonyme mais compté·e" in page and ">Yvonne Le Bihan<" in page
    assert f">{ANONYMOUS_NAME}<" not in page
