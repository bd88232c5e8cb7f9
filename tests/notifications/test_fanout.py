"""Each event's recipients, made by one INSERT ... SELECT in a job after the commit: who is
told and why, who is not (the actor, blocked and deleted accounts, content they can no longer
see), nobody twice, and a statement count that does not grow with the followers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import insert, select, update

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.comments import services as comments
from consultation.core import signals
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.notifications import jobs as fan_out
from consultation.notifications import services
from consultation.notifications.models import Follow, Notification
from consultation.proposals import services as proposals
from consultation.rencontres import services as rencontres
from tests import factories
from tests.notifications.helpers import settle, told


@pytest.fixture
def world(app):
    """A project, Anne's proposal, a follower, a supporter, an admin and a moderator."""
    project = factories.project()
    anne = factories.user(display_name="Anne")
    proposal = factories.proposal(project, author=anne, title="Des bancs sur le port")
    follower = factories.user(display_name="Suiveur")
    services.follow(follower, proposal=proposal)
    supporter = factories.user(display_name="Soutien")
    factories.support(proposal, supporter)
    admin = factories.user(roles=("admin",))
    moderator = factories.user(roles=("moderator",))
    settle()
    return SimpleNamespace(project=project, anne=anne, proposal=proposal, follower=follower,
                           supporter=supporter, admin=admin, moderator=moderator)


# --- Comments and replies ---------------------------------------------------------------------


def test_a_comment_tells_the_proposals_author_and_a_reply_the_parents_author(world):
    """A comment notifies the proposal's author; a reply its parent's author (one notification
    for someone who is both); nobody is told of their own comment."""
    bob = factories.user()
    first = factories.comment(world.proposal, author=bob)
    settle()
    assert told(comment_id=first.id) == [(world.anne.id, "comment", "author")]
    reply = factories.comment(parent=first, author=world.follower)
    settle()
    assert sorted(told(comment_id=reply.id)) == sorted([
        (world.anne.id, "comment", "author"), (bob.id, "reply", "author")])
    answer_to_anne = factories.comment(world.proposal, author=world.anne)
    settle()
    assert told(comment_id=answer_to_anne.id) == []  # her own comment
    both = factories.comment(parent=answer_to_anne, author=bob)
    settle()
    assert told(comment_id=both.id) == [(world.anne.id, "reply", "author")]  # once


def test_a_comment_waiting_for_approval_tells_when_approved(world):
    """Pre-moderated: nothing until the moderator approves; then once."""
    world.project.premoderation = True
    db.session.flush()
    comment = comments.add_comment(factories.user(), world.project, "pour", "Un avis.",
                                   proposal=world.proposal)
    settle()
    assert comment.moderation == "pending"
    assert told(comment_id=comment.id) == []
    moderation.approve(world.moderator, "comment", comment)
    settle()
    assert told(comment_id=comment.id) == [(world.anne.id, "comment", "author")]
    assert fan_out.notify_comment(comment.id) == 0  # run again: nothing twice
    assert len(told(comment_id=comment.id)) == 1


def test_a_hidden_comment_or_proposal_tells_nobody(world):
    """A comment hidden before its job ran, or on a hidden proposal, is told to nobody."""
    comment = factories.comment(world.proposal)
    moderation.hide(world.moderator, "comment", comment, "Hors sujet.")
    settle()
    assert told(comment_id=comment.id) == []
    other = factories.proposal(world.project, author=world.anne)
    moderation.hide(world.moderator, "proposal", other, "Doublon.")
    late = factories.comment(other)
    settle()
    assert told(comment_id=late.id) == []


# --- Official answers -------------------------------------------------------------------------


def test_an_answer_tells_the_author_and_the_followers_not_the_admin(world):
    """Author (reason author), followers and supporters (reason follower); a changed answer is
    another event; the answering admin, even following, is not told."""
    services.follow(world.admin, proposal=world.proposal)
    proposals.give_answer(world.admin, world.proposal, "under_study", "Nous étudions.")
    settle()
    first = told(kind="answer")
    assert sorted(first) == sorted([
        (world.anne.id, "answer", "author"), (world.follower.id, "answer", "follower"),
        (world.supporter.id, "answer", "follower")])
    proposals.give_answer(world.admin, world.proposal, "accepted", "Retenue.")
    settle()
    assert len(told(kind="answer")) == 6


def test_blocked_and_deleted_accounts_are_not_told(world):
    """A follower blocked, or whose account was deleted, gets nothing; a block that ended
    does not stop the notifications."""
    moderation.block_user(world.moderator, world.follower, "Insultes.", None)
    accounts.delete_account(world.supporter, factories.PASSWORD)
    ended = factories.user()
    services.follow(ended, proposal=world.proposal)
    db.session.execute(update(User).where(User.id == ended.id).values(
        blocked_at=utcnow(), blocked_until=utcnow().replace(year=2000)))
    proposals.give_answer(world.admin, world.proposal, "accepted", "Retenue.")
    settle()
    assert sorted(told(kind="answer")) == sorted([
        (world.anne.id, "answer", "author"), (ended.id, "answer", "follower")])


def test_the_fan_out_statement_count_does_not_grow_with_followers(world, count_queries):
    """The job for 10 and for 2,000 followers sends the same statements: one INSERT ... SELECT
    for every recipient."""
    def job_statements(proposal) -> tuple[int, int]:
        proposals.give_answer(world.admin, proposal, "accepted", "Retenue.")
        db.session.commit()
        from consultation.core import jobs

        with count_queries() as counter:
            jobs.dispatch_committed()
        return counter.count, len(told(proposal_id=proposal.id, kind="answer"))

    small = factories.proposal(world.project)
    large = factories.proposal(world.project)
    db.session.commit()
    for proposal, n in ((small, 10), (large, 2000)):
        ids = [row[0] for row in db.session.execute(
            insert(User).returning(User.id),
            [{"email": None, "display_name": f"Personne {proposal.id}-{i}",
              "session_nonce": "x"} for i in range(n)])]
        db.session.execute(insert(Follow), [
            {"user_id": user_id, "proposal_id": proposal.id, "created_at": utcnow()}
            for user_id in ids])
    db.session.commit()
    few, few_told = job_statements(small)
    many, many_told = job_statements(large)
    assert (few_told, many_told) == (11, 2001)  # the followers and the author
    assert few == many
    assert many <= 6  # read the proposal, one INSERT ... SELECT, the commit's bookkeeping


# --- Moderation of proposals ------------------------------------------------------------------


def test_the_author_is_told_of_hiding_restoring_and_merging(world):
    """Hidden, restored, merged: the author only (followers are not told of moderation)."""
    moderation.hide(world.moderator, "proposal", world.proposal, "Hors charte.")
    settle()
    moderation.restore(world.moderator, "proposal", world.proposal, "Erreur.")
    settle()
    target = factories.proposal(world.project)
    moderation.merge(world.moderator, world.proposal, target, "Doublon.")
    settle()
    assert [kind for _user, kind, _reason in told(proposal_id=world.proposal.id)] == [
        "hidden", "restored", "merged"]
    assert {user for user, _kind, _reason in told(proposal_id=world.proposal.id)} == {
        world.anne.id}


def test_a_proposal_held_by_reports_then_restored_tells_nothing(world, app):
    """Held by reports, then restored: the author was never told it was hidden."""
    for _ in range(app.config["REPORT_THRESHOLD"]):
        moderation.report(factories.user(), "proposal", world.proposal, "spam", "")
    moderation.restore(world.moderator, "proposal", world.proposal, "Rien à redire.")
    settle()
    assert told(proposal_id=world.proposal.id, kind="restored") == []


# --- Publications -----------------------------------------------------------------------------


def test_an_edition_tells_subscribers_and_elected_officials(world, monkeypatch):
    """Subscribers (reason subscriber), elected officials (reason elected); not the admin."""
    from consultation.syntheses import render
    from consultation.syntheses import services as syntheses

    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")
    elected = factories.user(roles=("elected",))
    rencontres.subscribe(world.follower)
    rencontres.subscribe(world.admin)
    version = syntheses.publish(world.project, world.moderator, "Le texte.", "")
    edition = rencontres.save(None, world.admin, year=2026, title="Rencontres",
                              held_on=utcnow().date(), venue="Brest", programme="- Accueil",
                              version_ids=[version.id])
    rencontres.publish(edition, world.admin)
    settle()
    assert sorted(told(kind="edition")) == sorted([
        (elected.id, "edition", "elected"), (world.follower.id, "edition", "subscriber")])


# --- Commitments (the follow-up domain sends the signal) ---------------------------------------


def test_a_commitment_update_tells_the_followers_of_its_project_and_proposals(world):
    """A stand-in update shaped like the follow-up domain's: followers of the project and of
    its visible proposals, once each; the author of the update is not told."""
    project_follower = factories.user()
    services.follow(project_follower, project=world.project)
    services.follow(world.follower, project=world.project)  # follows both: told once
    hidden = factories.proposal(world.project)
    hidden_follower = factories.user()
    services.follow(hidden_follower, proposal=hidden)
    moderation.hide(world.moderator, "proposal", hidden, "Hors charte.")
    update_ = SimpleNamespace(id=4242, author_id=world.admin.id, commitment=SimpleNamespace(
        project_id=world.project.id, proposals=[world.proposal, hidden]))
    signals.commitment_updated.send(update_)
    settle()
    assert sorted(told(kind="commitment")) == sorted([
        (project_follower.id, "commitment", "follower"),
        (world.follower.id, "commitment", "follower"),
        (world.supporter.id, "commitment", "follower"),
        (world.anne.id, "commitment", "follower"),
    ])
    assert fan_out.notify_commitment(4242, world.project.id, [world.proposal.id], None) == 0


def test_the_follow_up_domain_tells_the_followers(world):
    """Through the follow-up service: publishing a commitment and each later update notify
    the followers once per update; the admin who writes them is not told."""
    followup = pytest.importorskip("consultation.followup.services")
    services.follow(world.admin, project=world.project)
    commitment = followup.create_commitment(
        world.admin, world.project,
        followup.CommitmentData(title="Des bancs", proposal_ids=[world.proposal.id]))
    settle()
    first = told(kind="commitment")
    assert {user for user, _kind, _reason in first} == {
        world.anne.id, world.follower.id, world.supporter.id}
    followup.add_update(world.admin, commitment, "Les travaux commencent.", "en_cours", 20)
    settle()
    assert len(told(kind="commitment")) == 6
    from flask import current_app

    from tests.conftest import login

    shown = login(current_app.test_client(), world.follower).get("/compte/notifications")
    assert f"/projets/{world.project.slug}/suivi" in shown.get_data(as_text=True)


def test_notifications_carry_an_event_key_unique_per_person(world):
    """The key is unique per person: the same event made twice stays one row."""
    proposals.give_answer(world.admin, world.proposal, "accepted", "Retenue.")
    settle()
    made = told(kind="answer")
    event = db.session.scalars(select(Notification.event).where(
        Notification.kind == "answer")).first()
    assert event is not None
    assert fan_out.notify_answer(world.proposal.id, event, world.admin.id) == 0
    assert told(kind="answer") == made
