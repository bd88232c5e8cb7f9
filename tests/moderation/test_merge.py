"""Merging duplicate proposals: no support lost or counted twice, comments kept, undoable."""

from sqlalchemy import func, select

from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.notifications.models import Notification
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.recount import assert_counters_exact


def _supporters(proposal_id: int) -> set[int]:
    return set(db.session.scalars(select(Support.user_id).where(
        Support.proposal_id == proposal_id)))


def _duplicates():
    project = factories.project()
    a, b = factories.proposal(project), factories.proposal(project)
    only_a, only_b, both = factories.user(), factories.user(), factories.user()
    for user, targets in ((only_a, [a]), (only_b, [b]), (both, [a, b])):
        for target in targets:
            factories.support(target, user)
    comment = factories.comment(a)
    db.session.commit()
    return project, a, b, (only_a.id, only_b.id, both.id), comment


def _merge(client, a, b, reason="Doublon"):
    return client.post(f"/moderation/fusion/{a.id}", data={"target": b.id, "reason": reason})


def test_merge_keeps_every_supporter_once(as_role, app):
    """After A is merged into B, each supporter of A or B supports B exactly once."""
    project, a, b, (only_a, only_b, both), comment = _duplicates()
    moderator = as_role("moderator")
    response = _merge(moderator, a, b)
    assert response.status_code == 302
    assert _supporters(b.id) == {only_a, only_b, both}
    assert _supporters(a.id) == set()
    merged = db.session.get_one(Proposal, a.id)
    assert merged.status == "merged" and merged.merged_into_id == b.id
    assert db.session.get_one(Proposal, b.id).supports_count == 3
    assert_counters_exact()
    page = moderator.get(f"/propositions/{b.id}").get_data(as_text=True)
    assert f'href="/propositions/{a.id}"' in page
    source = client_text(app, f"/propositions/{a.id}")
    assert "fusionnée" in source and f"commentaire-{comment.id}" in source
    listed = client_text(app, f"/projets/{project.slug}/propositions")
    assert f'href="/propositions/{a.id}"' not in listed
    # The merged proposal's author is notified (the email goes with the notification).
    db.session.commit()
    notified = db.session.scalars(select(Notification).where(Notification.kind == "merged")).all()
    assert [(n.user_id, n.kind, n.proposal_id, n.subject_id) for n in notified] == [
        (a.author_id, "merged", a.id, b.id)]


def client_text(app, url: str) -> str:
    """A page as an anonymous visitor sees it."""
    return app.test_client().get(url).get_data(as_text=True)


def test_merge_is_undone_from_the_log(as_role):
    """Undoing a merge puts every support back where it was, counts exact."""
    _project, a, b, (only_a, only_b, both), _comment = _duplicates()
    moderator = as_role("moderator")
    _merge(moderator, a, b)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "proposal.merge")).one()
    assert entry.data["moved"] == [only_a] and entry.data["supported_both"] == [both]
    journal = moderator.get("/moderation/journal").get_data(as_text=True)
    assert f"/moderation/journal/{entry.id}/annuler-fusion" in journal
    response = moderator.post(f"/moderation/journal/{entry.id}/annuler-fusion",
                              data={"reason": "Erreur"})
    assert response.status_code == 302
    assert _supporters(a.id) == {only_a, both}
    assert _supporters(b.id) == {only_b, both}
    assert db.session.get_one(Proposal, a.id).status == "published"
    assert_counters_exact()
    again = moderator.post(f"/moderation/journal/{entry.id}/annuler-fusion",
                           data={"reason": "Encore"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "proposal.unmerge")) == 1


def test_merge_refusals(as_role):
    """Only moderators merge; not into itself nor across projects."""
    _project, a, b, _ids, _comment = _duplicates()
    other = factories.proposal(factories.project())
    db.session.commit()
    for role in ("citizen", "mediator", "admin"):
        assert _merge(as_role(role), a, b).status_code == 403
    moderator = as_role("moderator")
    response = _merge(moderator, a, other)
    assert response.status_code == 200
    assert db.session.get_one(Proposal, a.id).status == "published"
    response = _merge(moderator, a, a)
    assert response.status_code == 200
    assert db.session.get_one(Proposal, a.id).status == "published"
    assert_counters_exact()


def test_database_holds_merged_and_target_together(app):
    """The database refuses a merged proposal without a target, or a target on another status."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    a, b = factories.proposal(), factories.proposal()
    db.session.commit()
    for sql in ("UPDATE proposals SET status = 'merged' WHERE id = :a",
                "UPDATE proposals SET merged_into_id = :b WHERE id = :a"):
        with pytest.raises(IntegrityError):
            db.session.execute(text(sql), {"a": a.id, "b": b.id})
            db.session.flush()
        db.session.rollback()
