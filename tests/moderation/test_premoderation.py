"""Pre-moderated projects: contributions wait for approval, counted only once approved."""

from consultation.comments.models import Comment
from consultation.extensions import db
from consultation.proposals.models import Proposal
from tests import factories
from tests.recount import assert_counters_exact


def _premoderated():
    project = factories.project()
    project.premoderation = True
    db.session.commit()
    return project


def test_proposal_waits_for_approval(as_role, app):
    """A proposal on a pre-moderated project is pending: its author sees it, the public not."""
    project = _premoderated()
    author = as_role("citizen")
    response = author.post(f"/projets/{project.slug}/propositions/nouvelle",
                           data={"title": "Des bancs connectés", "body": "Avec prises USB."})
    assert response.status_code == 302
    proposal = db.session.query(Proposal).one()
    assert proposal.moderation == "pending"
    assert "après approbation" in author.get(response.headers["Location"]).get_data(as_text=True)
    public = app.test_client()
    assert "Des bancs connectés" not in public.get(
        f"/projets/{project.slug}/propositions").get_data(as_text=True)
    page = public.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "Des bancs connectés" not in page and "en attente de modération" in page
    assert db.session.get_one(type(project), project.id).proposals_count == 0
    assert_counters_exact()

    moderator = as_role("moderator")
    waiting = moderator.get("/moderation/attente").get_data(as_text=True)
    assert "Des bancs connectés" in waiting
    response = moderator.post(f"/moderation/proposal/{proposal.id}/approuver", data={})
    assert response.status_code == 302
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"
    assert "Des bancs connectés" in public.get(
        f"/projets/{project.slug}/propositions").get_data(as_text=True)
    assert_counters_exact()


def test_comment_waits_and_can_be_refused(as_role, app):
    """A pending comment is not counted; refusing it hides it with a public reason."""
    project = factories.project()
    proposal = factories.proposal(project)  # published before the project became moderated
    project.premoderation = True
    db.session.commit()
    author = as_role("citizen")
    author.post(f"/propositions/{proposal.id}/commentaires",
                data={"stance": "contre", "body": "Trop cher."})
    comment = db.session.query(Comment).one()
    assert comment.moderation == "pending"
    assert db.session.get_one(Proposal, proposal.id).comments_count == 0
    assert "Trop cher." in author.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "Trop cher." not in app.test_client().get(
        f"/propositions/{proposal.id}").get_data(as_text=True)
    moderator = as_role("moderator")
    moderator.post(f"/moderation/comment/{comment.id}/masquer", data={"reason": "Hors charte"})
    assert db.session.get_one(Comment, comment.id).moderation == "hidden"
    assert "Hors charte" in app.test_client().get(
        f"/propositions/{proposal.id}").get_data(as_text=True)
    assert_counters_exact()


def test_only_moderators_approve(as_role):
    """Approving is a moderator's act; approving twice is refused in French."""
    project = _premoderated()
    proposal = factories.proposal(project)
    db.session.commit()
    for role in ("citizen", "admin", "mediator"):
        assert as_role(role).post(
            f"/moderation/proposal/{proposal.id}/approuver").status_code == 403
    moderator = as_role("moderator")
    moderator.post(f"/moderation/proposal/{proposal.id}/approuver", data={})
    again = moderator.post(f"/moderation/proposal/{proposal.id}/approuver", data={})
    assert "attend pas" in again.get_data(as_text=True)
    assert_counters_exact()
