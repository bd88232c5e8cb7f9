"""Mediators in the debate: answering for the person they act for (the person is the
participant, the mediator recorded and logged), and entering a paper workshop's sheets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consultation.extensions import db
from consultation.opinions.models import Answer, Debate, DebateParticipant
from tests import factories
from tests.forms import submit
from tests.mediation.helpers import participant, start_acting
from tests.moderation.helpers import entries
from tests.opinions.debates import assert_debate_counters_exact, debate, plain, published
from tests.test_pages import check_page


@pytest.fixture
def mediator(as_role):
    """A logged-in digital mediator."""
    return as_role("citizen", "mediator", display_name="Thomas Médiateur")


def test_a_mediator_answers_for_the_person_they_act_for(mediator):
    """While acting, the answer is the person's (their participant row, under their number),
    recorded by the mediator, and each answer is in the journal with both names."""
    made = debate()
    profile = participant(mediator.user)
    start_acting(mediator, profile)
    url = f"/projets/{made.project.slug}/debat"
    page = mediator.get(url)
    assert "Vous agissez pour le compte de Yvonne Le Bihan" in plain(page).replace(
        "d'Yvonne", "de Yvonne"
    )
    response = submit(mediator, url, page, "Pas d'accord")
    assert response.status_code == 303
    db.session.expire_all()
    person = db.session.scalars(select(DebateParticipant)).one()
    assert (person.user_id, person.recorded_by_id, person.source) == (
        profile.user_id,
        mediator.user.id,
        "online",
    )
    answer = db.session.scalars(select(Answer)).one()
    assert (answer.value, answer.recorded_by_id) == (-1, mediator.user.id)
    [entry] = entries("mediation.answer")
    assert entry.actor_id == mediator.user.id and entry.data["person_id"] == profile.user_id
    assert entry.target_id == answer.statement_id
    assert_debate_counters_exact()


def test_a_paper_sheet_is_entered_then_corrected(mediator):
    """From the mediation pages to the debate's sheet: a label and a radio group per
    statement (fieldset and legend); the sheet makes a paper participant with its answers,
    counted, logged; it is listed and can be corrected (an answer taken back, one changed)."""
    made = debate()
    first, second, third = published(made)
    participants = mediator.get("/mediation/participants")
    assert 'href="/mediation/debats"' in participants.get_data(as_text=True)
    index = mediator.get("/mediation/debats")
    check_page("/mediation/debats", index.get_data(as_text=True))
    url = f"/mediation/debats/{made.project.slug}/fiche"
    assert f'href="{url}"' in index.get_data(as_text=True)
    page = mediator.get(url)
    check_page(url, page.get_data(as_text=True))
    body = page.get_data(as_text=True)
    assert body.count("<fieldset") == 3 and "<legend>Il faut plus de bancs" in body.replace(
        "&#39;", "'"
    )
    response = submit(
        mediator,
        url,
        page,
        "Enregistrer la fiche",
        {
            "label": "Atelier de Guipavas, fiche 3",
            f"affirmation_{first.id}": "1",
            f"affirmation_{third.id}": "0",
        },
    )
    assert response.status_code == 303
    page = mediator.get(response.headers["Location"])
    assert "La fiche « Atelier de Guipavas, fiche 3 » est enregistrée." in plain(page)
    db.session.expire_all()
    sheet = db.session.scalars(select(DebateParticipant)).one()
    assert (sheet.source, sheet.label, sheet.user_id, sheet.recorded_by_id, sheet.number) == (
        "paper",
        "Atelier de Guipavas, fiche 3",
        None,
        mediator.user.id,
        1,
    )
    values = {s: v for s, v in db.session.execute(select(Answer.statement_id, Answer.value))}
    assert values == {first.id: 1, third.id: 0}
    assert db.session.get_one(Debate, made.id).answers_count == 2
    [entry] = entries("opinions.sheet")
    assert (entry.target_kind, entry.target_id) == ("sheet", sheet.id)

    edit = f"/mediation/debats/{made.project.slug}/fiches/{sheet.id}"
    assert f'href="{edit}"' in page.get_data(as_text=True)
    page = mediator.get(edit)
    check_page(edit, page.get_data(as_text=True))
    response = submit(
        mediator,
        edit,
        page,
        "Enregistrer la fiche",
        {f"affirmation_{first.id}": "", f"affirmation_{second.id}": "-1"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    values = {s: v for s, v in db.session.execute(select(Answer.statement_id, Answer.value))}
    assert values == {second.id: -1, third.id: 0}
    assert len(db.session.scalars(select(DebateParticipant)).all()) == 1
    assert len(entries("opinions.sheet_edit")) == 1
    assert_debate_counters_exact()


def test_an_empty_sheet_or_no_label_comes_back_as_typed(mediator):
    """No answer ticked, or no label: the form again with a French message, what was ticked
    still ticked, nothing saved."""
    made = debate()
    first = published(made)[0]
    url = f"/mediation/debats/{made.project.slug}/fiche"
    page = mediator.get(url)
    response = submit(mediator, url, page, "Enregistrer la fiche", {"label": "Fiche 1"})
    assert response.status_code == 200
    assert "Cochez au moins une réponse" in plain(response)
    assert 'value="Fiche 1"' in response.get_data(as_text=True)
    response = submit(
        mediator, url, page, "Enregistrer la fiche", {"label": "", f"affirmation_{first.id}": "-1"}
    )
    assert "Ce champ est obligatoire." in plain(response)
    assert f'<input checked id="affirmation_{first.id}-1"' in response.get_data(as_text=True)
    response = submit(
        mediator,
        url,
        page,
        "Enregistrer la fiche",
        {"label": "Fiche 2", f"affirmation_{first.id}": "7"},
    )
    assert response.status_code == 200
    assert db.session.scalars(select(DebateParticipant)).all() == []


def test_only_mediators_enter_sheets(as_role, client):
    """Citizens and moderators get the French 403 page; a visitor the login page; a sheet of
    another debate is a 404."""
    made = debate()
    url = f"/mediation/debats/{made.project.slug}/fiche"
    for role in ("citizen", "moderator", "admin"):
        response = as_role(role).get(url)
        assert response.status_code == 403
    assert client.get(url).headers["Location"].startswith("/compte/connexion")
    other = debate()
    mediator = as_role("mediator")
    first = published(other)[0]
    mediator.post(
        f"/mediation/debats/{other.project.slug}/fiche",
        data={"label": "Fiche", f"affirmation_{first.id}": "1"},
    )
    sheet = db.session.scalars(select(DebateParticipant)).one()
    assert (
        mediator.get(f"/mediation/debats/{made.project.slug}/fiches/{sheet.id}").status_code == 404
    )
    online = factories.user()
    from consultation.opinions import services

    services.answer(online, made, published(made)[0].id, 1)
    db.session.commit()
    person = db.session.scalars(
        select(DebateParticipant).where(DebateParticipant.user_id == online.id)
    ).one()
    assert (
        mediator.get(f"/mediation/debats/{made.project.slug}/fiches/{person.id}").status_code == 404
    )


def test_a_statement_added_while_acting_is_the_persons(mediator):
    """While acting, a new statement's author is the person; the journal names both."""
    from consultation.opinions.models import Statement

    made = debate()
    profile = participant(mediator.user)
    start_acting(mediator, profile)
    response = mediator.post(
        f"/projets/{made.project.slug}/debat/affirmations/nouvelle",
        data={"text": "Un écrivain public sur les quais."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    statement = db.session.scalars(
        select(Statement).where(Statement.text == "Un écrivain public sur les quais.")
    ).one()
    assert (statement.author_id, statement.state) == (profile.user_id, "pending")
    [entry] = entries("mediation.statement")
    assert entry.actor_id == mediator.user.id and entry.target_id == statement.id


def test_a_new_sheet_sends_as_many_statements_for_3_answers_as_for_30(app, count_queries):
    """A paper sheet's answers go in one INSERT: its statements do not grow with the sheet."""
    from consultation.opinions import services

    mediator_user = factories.user(roles=("mediator",))
    counted = []
    for size in (3, 30):
        made = debate(seeds=[f"Affirmation {size}-{n}." for n in range(size)])
        db.session.commit()
        answers: dict[int, int | None] = {s.id: 1 for s in published(made)}
        with count_queries() as counter:
            services.record_sheet(mediator_user, made, f"Atelier, fiche {size}", answers)
        db.session.commit()
        counted.append(counter.count)
        assert db.session.scalar(select(Debate.answers_count).where(Debate.id == made.id)) == size
    assert counted[0] == counted[1], counted
    assert_debate_counters_exact()
