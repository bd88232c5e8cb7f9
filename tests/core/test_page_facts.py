"""A logged-in person's facts about a proposal or a project (supported? followed? their
comments) come with the page's own statement (core/pages.py read_with_facts): they are that
person's, and only theirs."""

from __future__ import annotations

import html

import pytest

from consultation.accounts.models import new_nonce
from consultation.extensions import db
from consultation.notifications.services import follow
from tests import factories
from tests.conftest import login


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def world():
    """A proposal and its project; Anne supports, follows and comments both; Bob nothing."""
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    anne, bob = factories.user(display_name="Anne"), factories.user(display_name="Bob")
    factories.support(proposal, anne)
    follow(anne, proposal=proposal)
    follow(anne, project=project)
    factories.comment(proposal, anne, body="Le commentaire d’Anne sur la proposition.")
    factories.comment(project, anne, body="Le commentaire d’Anne sur le projet.")
    db.session.commit()
    return {"project": project, "proposal": proposal, "anne": anne, "bob": bob}


def test_each_person_sees_their_own_facts(app, world):
    """Anne sees her support, her follows and her own comments' buttons; Bob, on the same
    pages right after her (fragments kept), none of it."""
    proposal_url = f"/propositions/{world['proposal'].id}"
    project_url = f"/projets/{world['project'].slug}"
    anne, bob = login(app.test_client(), world["anne"]), login(app.test_client(), world["bob"])
    for url in (proposal_url, project_url):
        mine, theirs = page_of(anne, url), page_of(bob, url)
        assert "Ne plus suivre" in mine and "Ne plus suivre" not in theirs, url
        assert "Modifier" in mine and "Modifier" not in theirs, url
    assert "Vous soutenez cette proposition." in page_of(anne, proposal_url)
    assert "Vous soutenez cette proposition." not in page_of(bob, proposal_url)


def test_a_session_ended_elsewhere_gets_the_visitors_page(app, world):
    """A session whose account changed its password since (another nonce): the facts read for
    the id it names are never shown; the page is a visitor's."""
    client = login(app.test_client(), world["anne"])
    proposal_url = f"/propositions/{world['proposal'].id}"
    assert "Vous soutenez cette proposition." in page_of(client, proposal_url)
    world["anne"].session_nonce = new_nonce()
    db.session.commit()
    for url in (proposal_url, f"/projets/{world['project'].slug}"):
        page = page_of(client, url)
        assert "Ne plus suivre" not in page and "Vous soutenez" not in page, url
        assert "Se connecter" in page, url


def test_a_session_naming_no_account_or_a_deleted_one_gets_the_visitors_page(app, world):
    """The page's statement reads the person the session names: an account that does not
    exist, or one deleted since, gives a visitor's page, as the user loader alone would."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"987654:{new_nonce()}"
    anne = login(app.test_client(), world["anne"])
    proposal_url = f"/propositions/{world['proposal'].id}"
    assert "Vous soutenez cette proposition." in page_of(anne, proposal_url)
    world["anne"].deleted_at = world["anne"].created_at
    db.session.commit()
    for who in (client, anne):
        for url in (proposal_url, f"/projets/{world['project'].slug}"):
            page = page_of(who, url)
            assert "Vous soutenez" not in page and "Se connecter" in page, url


def test_a_list_marks_each_persons_supports_and_counts_what_is_left(app):
    """On the same kept list, each person's own supports are marked and their supports left
    counted (read with the project: one statement)."""
    project = factories.project("consultation", support_limit=3)
    first, second = factories.proposal(project), factories.proposal(project)
    anne, bob = factories.user(display_name="Anne"), factories.user(display_name="Bob")
    factories.support(first, anne)
    factories.support(first, bob)
    factories.support(second, bob)
    db.session.commit()
    url = f"/projets/{project.slug}/propositions?tri=soutiens"
    pages = {name: page_of(login(app.test_client(), person), url)
             for name, person in (("anne", anne), ("bob", bob))}
    assert pages["anne"].count("vous soutenez") == 1
    assert pages["bob"].count("vous soutenez") == 2
    assert "Il vous reste 2 soutiens sur 3" in pages["anne"]
    assert "Il vous reste 1 soutien sur 3" in pages["bob"]


# A POST on a proposal reads the proposal and the person the session names in one statement
# (pages.read_first, before login_required asks for the person): a session that should have
# ended acts for nobody, and a proposal that does not exist is still a 404.

def _supports_and_comments() -> tuple[int, int]:
    from sqlalchemy import func, select

    from consultation.comments.models import Comment
    from consultation.votes.models import Support

    return (db.session.scalar(select(func.count()).select_from(Support)) or 0,
            db.session.scalar(select(func.count()).select_from(Comment)) or 0)


@pytest.mark.parametrize("ending", ["password", "deleted", "nobody"])
def test_a_post_from_an_ended_session_does_nothing(app, world, ending):
    """Password changed, account deleted, or an id naming no account: the support and the
    comment are refused (sent to the login page) and nothing is written."""
    bob = world["bob"]
    client = login(app.test_client(), bob)
    if ending == "password":
        bob.session_nonce = new_nonce()
    elif ending == "deleted":
        bob.deleted_at = bob.created_at
    db.session.commit()
    if ending == "nobody":
        with client.session_transaction() as session:
            session["_user_id"] = f"987654:{new_nonce()}"
    before = _supports_and_comments()
    proposal_id = world["proposal"].id
    for path, form in ((f"/propositions/{proposal_id}/soutenir", {}),
                       (f"/propositions/{proposal_id}/commentaires",
                        {"stance": "pour", "body": "Un commentaire qui ne doit pas partir."})):
        response = client.post(path, data=form)
        assert response.status_code == 302, path
        assert "/compte/connexion" in response.headers["Location"], path
    assert _supports_and_comments() == before


def test_a_post_on_a_missing_proposal_is_a_404_and_the_person_still_acts(app, world):
    """The proposal read with the person: none found is a 404; the next POST on a real one is
    recorded for the person the session names, with their own support and comment."""
    from sqlalchemy import select

    from consultation.comments.models import Comment
    from consultation.votes.models import Support

    bob = world["bob"]
    client = login(app.test_client(), bob)
    assert client.post("/propositions/987654/soutenir").status_code == 404
    assert client.post("/propositions/987654/commentaires",
                       data={"stance": "pour", "body": "Nulle part."}).status_code == 404
    proposal_id = world["proposal"].id
    assert client.post(f"/propositions/{proposal_id}/soutenir").status_code == 302
    assert client.post(f"/propositions/{proposal_id}/commentaires",
                       data={"stance": "contre", "body": "Le commentaire de Bob."}
                       ).status_code == 302
    assert db.session.scalars(select(Support.id).where(
        Support.user_id == bob.id, Support.proposal_id == proposal_id)).all()
    comment = db.session.scalars(select(Comment).where(Comment.author_id == bob.id)).one()
    assert comment.body == "Le commentaire de Bob." and comment.proposal_id == proposal_id
