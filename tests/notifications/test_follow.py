"""Following a project or a proposal with plain forms, and the automatic follow of what one
proposes, comments on or supports (unless turned off)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from consultation.comments import services as comments
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.notifications.models import Follow, NotificationSettings
from consultation.proposals.models import Proposal
from tests import factories, plain_sql
from tests.notifications.helpers import follows_of, page, settle


def test_follow_and_unfollow_a_project_with_plain_forms(as_role):
    """"Suivre" then "Ne plus suivre": French messages, back to the page, idempotent."""
    project = factories.project()
    db.session.commit()
    citizen = as_role("citizen")
    shown = page(citizen.get(f"/projets/{project.slug}"))
    assert f'action="/projets/{project.slug}/suivre"' in shown
    assert "Suivre ce projet" in shown

    response = citizen.post(f"/projets/{project.slug}/suivre",
                            data={"next": f"/projets/{project.slug}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projets/{project.slug}"
    shown = page(citizen.get(f"/projets/{project.slug}"))
    assert "Vous suivez ce projet : vous serez notifié·e" in shown
    assert f'action="/projets/{project.slug}/ne-plus-suivre"' in shown
    assert "Ne plus suivre" in shown
    assert follows_of(citizen.user.id) == {("project", project.id)}

    citizen.post(f"/projets/{project.slug}/suivre")
    assert "Vous suivez déjà ce projet." in page(citizen.get(f"/projets/{project.slug}"))
    assert follows_of(citizen.user.id) == {("project", project.id)}

    citizen.post(f"/projets/{project.slug}/ne-plus-suivre")
    shown = page(citizen.get(f"/projets/{project.slug}"))
    assert "Vous ne suivez plus ce projet." in shown
    assert "Suivre ce projet" in shown
    assert follows_of(citizen.user.id) == set()
    citizen.post(f"/projets/{project.slug}/ne-plus-suivre")
    assert "Vous ne suiviez pas ce projet." in page(citizen.get(f"/projets/{project.slug}"))


def test_follow_and_unfollow_a_proposal(as_role):
    """The proposal page has the same form; an outside `next` is dropped."""
    proposal = factories.proposal()
    db.session.commit()
    citizen = as_role("citizen")
    url = f"/propositions/{proposal.id}"
    assert "Suivre cette proposition" in page(citizen.get(url))
    response = citizen.post(f"{url}/suivre", data={"next": "https://ailleurs.example/"})
    assert response.headers["Location"] == url
    shown = page(citizen.get(url))
    assert "Vous suivez cette proposition" in shown
    assert f'action="{url}/ne-plus-suivre"' in shown
    assert follows_of(citizen.user.id) == {("proposal", proposal.id)}
    citizen.post(f"{url}/ne-plus-suivre")
    assert follows_of(citizen.user.id) == set()


def test_visitors_are_asked_to_log_in(client):
    """A visitor sees a link to log in, and a POST sends them to the login page."""
    project = factories.project()
    db.session.commit()
    assert "Connectez-vous pour suivre ce projet." in page(client.get(f"/projets/{project.slug}"))
    response = client.post(f"/projets/{project.slug}/suivre")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_a_cached_anonymous_page_never_shows_a_follow_state(app, client, as_role):
    """The page memory keeps anonymous pages only: a logged-in person sees their own button."""
    app.config["PAGE_CACHE_SECONDS"] = 30
    project = factories.project()
    db.session.commit()
    client.get(f"/projets/{project.slug}")  # kept for visitors
    citizen = as_role("citizen")
    citizen.post(f"/projets/{project.slug}/suivre")
    assert "Ne plus suivre" in page(citizen.get(f"/projets/{project.slug}"))
    assert "Ne plus suivre" not in page(client.get(f"/projets/{project.slug}"))


def test_a_blocked_account_may_follow(as_role):
    """Following is reading: a blocked account follows."""
    project = factories.project()
    citizen = as_role("citizen")
    moderation.block_user(factories.user(roles=("moderator",)), citizen.user, "Pour voir.", 7)
    db.session.commit()
    assert citizen.post(f"/projets/{project.slug}/suivre").status_code == 302
    assert follows_of(citizen.user.id) == {("project", project.id)}


def test_unknown_targets_are_a_french_404(citizen_client):
    assert citizen_client.post("/projets/inconnu/suivre").status_code == 404
    assert citizen_client.post("/propositions/999999/suivre").status_code == 404


def test_one_follows_what_one_proposes_comments_on_and_supports(app):
    """Proposing, commenting (on a proposal or the project) and supporting follow it."""
    project = factories.project()
    person = factories.user()
    theirs = factories.proposal(project)
    other = factories.proposal(project)
    mine = factories.proposal(project, author=person)
    factories.comment(theirs, author=person)
    factories.comment(project, author=person)
    factories.support(other, person)
    settle()
    assert follows_of(person.id) == {("proposal", mine.id), ("proposal", theirs.id),
                                     ("proposal", other.id), ("project", project.id)}


def test_turning_automatic_follows_off_is_respected(app):
    """With auto_follow off, nothing is followed automatically; a click still follows."""
    project = factories.project()
    person = factories.user()
    db.session.add(NotificationSettings(user_id=person.id, auto_follow=False))
    db.session.flush()
    theirs = factories.proposal(project)
    factories.proposal(project, author=person)
    comments.add_comment(person, project, "pour", "Un avis.", proposal=theirs)
    factories.support(theirs, person)
    settle()
    assert follows_of(person.id) == set()


def _plain_rows(project_id: int, proposal_id: int, person_id: int) -> None:
    """A proposal, two comments on a proposal, one on the project and two supports, written
    by `person_id` without the platform's services or signals."""
    # The proposal by a Core INSERT: its many counters take their columns' defaults.
    mine = db.session.execute(insert(Proposal.__table__).values(
        project_id=project_id, author_id=person_id, title="Une idée", body="Son texte.",
        status="published", moderation="visible").returning(Proposal.id)).scalar_one()
    for on_proposal in (proposal_id, proposal_id, None):
        plain_sql.insert_comment(project_id, on_proposal, person_id, "pour", utcnow())
    for proposal in (proposal_id, mine):
        plain_sql.insert_support(person_id, proposal, project_id, utcnow())


def test_the_database_makes_the_automatic_follows(app):
    """Migration 0026: rows written without the platform's services are followed as its own
    are, each thing once however often one reacts to it; a person who turned automatic follows
    off follows nothing."""
    project = factories.project()
    proposal = factories.proposal(project)
    person, quiet = factories.user(), factories.user()
    db.session.add(NotificationSettings(user_id=quiet.id, auto_follow=False))
    db.session.commit()
    for someone in (person, quiet):
        _plain_rows(project.id, proposal.id, someone.id)
    db.session.commit()
    mine = db.session.scalar(select(Proposal.id).where(Proposal.author_id == person.id))
    assert follows_of(person.id) == {("proposal", mine), ("proposal", proposal.id),
                                     ("project", project.id)}
    assert db.session.scalar(select(func.count()).select_from(Follow)
                             .where(Follow.user_id == person.id)) == 3
    assert follows_of(quiet.id) == set()


def test_a_support_sends_no_statement_of_its_own_to_follow(app, count_queries):
    """The follow goes with the support's own INSERT: no statement of the service writes to
    the follows, and the supporter follows the proposal."""
    from consultation.votes import services as votes

    proposal = factories.proposal()
    person = factories.user()
    db.session.commit()
    with count_queries() as counter:
        assert votes.add_support(person, proposal)
    assert [s for s in counter.statements if "follows" in s] == []
    db.session.commit()
    assert follows_of(person.id) == {("proposal", proposal.id)}


def test_the_kept_follow_button_carries_each_persons_own_token(as_role):
    """The follow button is made once for everyone in the same state (core/fragments.py):
    each person's form still carries their session's token, the one of their other forms."""
    import re

    project = factories.project()
    proposal = factories.proposal(project)
    db.session.commit()
    tokens = set()
    for url in (f"/projets/{project.slug}", f"/propositions/{proposal.id}"):
        for citizen in (as_role("citizen"), as_role("citizen")):
            shown = page(citizen.get(url))
            form = shown[shown.index('<div class="follow">'):]
            found = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert found and "csrf-token-of-this-person" not in shown
            logout = shown[shown.index('action="/compte/deconnexion"'):]
            assert found.group(1) == re.search(
                r'name="csrf_token" value="([^"]+)"', logout).group(1)  # type: ignore[union-attr]
            tokens.add(found.group(1))
    assert len(tokens) == 4


def test_a_follow_is_unique_per_person_and_target(app):
    """The unique keys hold only the follows of their kind (0024): the same proposal twice is
    refused by the database itself; a project and its proposals are followed side by side."""
    proposal = factories.proposal()
    person = factories.user()
    db.session.add_all([Follow(user_id=person.id, proposal_id=proposal.id),
                        Follow(user_id=person.id, project_id=proposal.project_id),
                        Follow(user_id=person.id, proposal_id=factories.proposal().id)])
    db.session.flush()
    for twice in (Follow(user_id=person.id, proposal_id=proposal.id),
                  Follow(user_id=person.id, project_id=proposal.project_id)):
        with db.session.begin_nested(), pytest.raises(IntegrityError):
            db.session.add(twice)
            db.session.flush()
    assert len(follows_of(person.id)) == 3
