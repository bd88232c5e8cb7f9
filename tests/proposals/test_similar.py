"""Similar proposals before posting: the step page between the form and publishing, and its
three ways on (publish anyway, support one instead, back to the form), as a browser uses it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consultation.extensions import db
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.forms import submit
from tests.mediation.helpers import participant, start_acting
from tests.proposals.helpers import text
from tests.recount import assert_counters_exact

STEP = "Des propositions semblables existent déjà"
PUBLISH = "Ma proposition est différente\u00a0: publier"
MODIFY = "Modifier ma proposition"
SUPPORT = "Soutenir plutôt celle-ci"
TITLE = "Composteurs collectifs en pied d'immeuble"
# Line breaks as a browser sends a textarea's.
BODY = "Des composteurs collectifs gérés par les habitants.\r\n\r\n- un par immeuble\r\n- un guide"
STORED = BODY.replace("\r\n", "\n")  # as the forms keep it
LONELY_TITLE = "Bancs ombragés square Wilson"
LONELY_BODY = "Trois bancs sous les arbres."


@pytest.fixture
def world():
    """A project in consultation: two proposals about shared composters, one about a bike
    lane that shares no word with them."""
    project = factories.project("consultation", support_limit=3)
    first = factories.proposal(project, title="Des composteurs collectifs dans chaque quartier",
                               body="Composteurs collectifs près des immeubles.")
    second = factories.proposal(project, title="Composteurs collectifs au jardin partagé",
                                body="Composteurs collectifs gérés avec une association.")
    unrelated = factories.proposal(project, title="Piste cyclable vers Recouvrance",
                                   body="Voie protégée pour vélos.")
    db.session.commit()
    return project, first, second, unrelated


def _url(project) -> str:
    return f"/projets/{project.slug}/propositions/nouvelle"


def _typed(client, project, title: str = TITLE, body: str = BODY):
    """Open the form, type the proposal, choose Brest and press "Publier ma proposition"."""
    url = _url(project)
    brest = factories.territory("Brest").id
    return submit(client, url, client.get(url), "Publier ma proposition",
                  {"title": title, "body": body, "territory": str(brest)})


def _count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Proposal)) or 0


def _newest() -> Proposal:
    db.session.commit()
    return db.session.scalars(select(Proposal).order_by(Proposal.id.desc()).limit(1)).one()


def test_similar_ones_are_shown_before_publishing(citizen_client, world):
    """A proposal like existing ones is not published yet: the step page lists them, each with
    its number, supports, an excerpt, a link (same tab) and the button to support it."""
    project, first, second, unrelated = world
    before = _count()
    response = _typed(citizen_client, project)
    assert response.status_code == 200
    assert _count() == before
    page = text(response)
    assert STEP in page and PUBLISH in page and MODIFY in page
    html = response.get_data(as_text=True)
    for shown in (first, second):
        assert shown.title in page and f"n°\u00a0{shown.id}" in page
        assert f'<a href="/propositions/{shown.id}">' in html
        assert f'action="/propositions/{shown.id}/soutenir"' in html
    assert "0 soutien" in page and "Composteurs collectifs près des immeubles." in page
    assert unrelated.title not in page
    assert 'target="_blank"' not in html
    assert page.count(SUPPORT) == 2
    # The text typed is on the page, and kept in the form that goes on.
    assert TITLE in page and "un guide" in page


def test_nothing_similar_publishes_at_once(citizen_client, world):
    """A proposal like no other is published straight away, as before."""
    project = world[0]
    response = _typed(citizen_client, project, LONELY_TITLE, LONELY_BODY)
    assert response.status_code == 302
    made = _newest()
    assert (made.title, made.body) == (LONELY_TITLE, LONELY_BODY)
    assert response.headers["Location"].endswith(f"/propositions/{made.id}")


def test_publish_anyway_keeps_every_field_as_typed(citizen_client, world):
    """"Ma proposition est différente : publier" publishes the text exactly as typed, line
    breaks and territory included, and does not ask again."""
    project = world[0]
    step = _typed(citizen_client, project)
    response = submit(citizen_client, _url(project), step, PUBLISH)
    assert response.status_code == 302
    made = _newest()
    assert (made.title, made.body) == (TITLE, STORED)
    assert made.territory_id == factories.territory("Brest").id
    assert made.author_id == citizen_client.user.id
    shown = citizen_client.get(response.headers["Location"])
    assert "Votre proposition est publiée." in text(shown)
    assert_counters_exact()


def test_modify_goes_back_to_the_form_as_typed(citizen_client, world):
    """"Modifier ma proposition" shows the form with everything typed and no error; sending
    it again looks for similar ones again."""
    project = world[0]
    before = _count()
    step = _typed(citizen_client, project)
    response = submit(citizen_client, _url(project), step, MODIFY)
    assert response.status_code == 200
    assert _count() == before
    html = response.get_data(as_text=True)
    page = text(response)
    assert "Déposer une proposition" in page and "Le formulaire n'a pas été enregistré" not in page
    assert f'value="{TITLE}"'.replace("'", "&#39;") in html
    brest = factories.territory("Brest").id
    assert re.search(rf'<option selected value="{brest}">|<option value="{brest}" selected',
                     html)
    again = submit(citizen_client, _url(project), response, "Publier ma proposition",
                   {"title": TITLE + " et partagés"})
    assert STEP in text(again)
    published = submit(citizen_client, _url(project), again, PUBLISH)
    assert published.status_code == 302
    made = _newest()
    assert (made.title, made.body) == (TITLE + " et partagés", STORED)


def test_support_one_instead(citizen_client, world):
    """"Soutenir plutôt celle-ci" supports that proposal and publishes nothing."""
    project, first, _second, _unrelated = world
    before = _count()
    step = _typed(citizen_client, project)
    html = step.get_data(as_text=True)
    form = html[html.index(f'action="/propositions/{first.id}/soutenir"'):]
    assert form.index("</form>") > form.index(SUPPORT)
    response = citizen_client.post(f"/propositions/{first.id}/soutenir")
    assert response.status_code == 302
    assert f"/propositions/{first.id}" in response.headers["Location"]
    assert _count() == before
    assert db.session.scalars(select(Support.user_id).where(
        Support.proposal_id == first.id)).all() == [citizen_client.user.id]
    # Back on the step page, that one says it is supported.
    again = text(_typed(citizen_client, project))
    assert "Vous soutenez cette proposition." in again and again.count(SUPPORT) == 1
    assert_counters_exact()


def test_the_support_button_shows_only_when_allowed(as_role, world):
    """With no support left, the step page says why instead of showing the button."""
    project, _first, _second, unrelated = world
    client = as_role("citizen")
    for proposal in factories.proposal(project), factories.proposal(project), unrelated:
        factories.support(proposal, client.user)
    db.session.commit()
    page = text(_typed(client, project))
    assert STEP in page and SUPPORT not in page
    assert "Vous avez déjà donné vos 3 soutiens pour ce projet." in page
    assert "Il vous reste 0 soutien" in page


def test_an_invalid_form_is_refused_before_any_search(citizen_client, world):
    """A refused form comes back with its errors: no step page."""
    project = world[0]
    response = _typed(citizen_client, project, title="Ab")
    page = text(response)
    assert response.status_code == 200 and STEP not in page
    assert "Le formulaire n'a pas été enregistré" in page


def test_a_mediator_acting_sees_the_step_for_the_participant(as_role, world):
    """While a mediator acts for a participant, the step page asks for the participant: the
    support goes to them, and a proposal published anyway is theirs, credited to the
    mediator."""
    project, first, _second, _unrelated = world
    mediator = as_role("citizen", "mediator", display_name="Thomas Médiateur")
    profile = participant(mediator.user)
    start_acting(mediator, profile)
    step = _typed(mediator, project)
    assert STEP in text(step) and text(step).count(SUPPORT) == 2
    assert mediator.post(f"/propositions/{first.id}/soutenir").status_code == 302
    assert db.session.scalars(select(Support.user_id).where(
        Support.proposal_id == first.id)).all() == [profile.user_id]
    response = submit(mediator, _url(project), step, PUBLISH)
    assert response.status_code == 302
    made = _newest()
    assert (made.author_id, made.mediator_id) == (profile.user_id, mediator.user.id)
    assert made.body == STORED
    assert_counters_exact()


def test_the_step_page_runs_the_same_statements_however_many_are_similar(
    citizen_client, world, count_queries
):
    """One similar proposal or five: the step page runs as many SQL statements."""
    few, first, _second, _unrelated = world
    many = factories.project("consultation", support_limit=3)
    for n in range(7):
        factories.proposal(many, title=f"Composteurs collectifs numéro {n}",
                           body="Composteurs collectifs du quartier.")
    db.session.commit()
    data = {"title": "Composteurs collectifs", "body": "Des composteurs.", "territory": ""}
    citizen_client.post(_url(few), data=data)  # the first request of a client loads more
    counts = []
    for project, shown in ((few, 2), (many, 5)):
        with count_queries() as counter:
            response = citizen_client.post(_url(project), data=data)
        assert text(response).count(SUPPORT) == shown
        counts.append(counter.count)
    assert counts[0] == counts[1]
