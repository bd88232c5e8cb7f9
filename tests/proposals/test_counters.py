"""Proposal counters move by the signals' receivers, like the project's figures."""

from __future__ import annotations

from blinker import NamedSignal

from consultation.comments import services as comments
from consultation.core import signals
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.proposals import receivers
from consultation.votes import services as votes
from tests import factories
from tests.recount import assert_counters_exact


def _signals() -> dict[str, NamedSignal]:
    return {name: value for name, value in vars(signals).items()
            if isinstance(value, NamedSignal)}


def test_every_signal_has_a_receiver(app):
    """A signal nobody receives is dead code: each one kept is received."""
    found = _signals()
    assert "user_registered" not in found and "proposal_updated" not in found
    for name, signal in found.items():
        assert signal.receivers, f"{name} has no receiver"


def test_proposal_receivers_are_connected(app):
    """The proposal's counters follow comments, stances, moderation, supports and merges."""
    connected = {
        signals.comment_created: receivers.on_comment_created,
        signals.comment_deleted: receivers.on_comment_deleted,
        signals.comment_restanced: receivers.on_comment_restanced,
        signals.comment_counted: receivers.on_comment_counted,
        signals.support_added: receivers.on_support_added,
        signals.support_removed: receivers.on_support_removed,
        signals.supports_moved: receivers.on_supports_moved,
    }
    for signal, receiver in connected.items():
        assert receiver in signal.receivers.values(), signal.name


def _fresh(proposal):
    db.session.commit()  # PostgreSQL moves the counters at the commit
    db.session.expire_all()
    return proposal


def test_counters_follow_every_path(app):
    """Each change moves the proposal's counters exactly, checked against a recount."""
    proposal = factories.proposal()
    moderator = factories.user(roles=("moderator",))
    comment = factories.comment(proposal, stance="pour")
    assert _fresh(proposal).comments_pour == 1 and proposal.first_reaction_at is not None
    comments.edit_comment(comment.author, comment, "contre", "Finalement contre.")
    assert (_fresh(proposal).comments_pour, proposal.comments_contre) == (0, 1)
    assert_counters_exact()
    moderation.hide(moderator, "comment", comment, "Propos injurieux")
    assert (_fresh(proposal).comments_count, proposal.comments_contre) == (0, 0)
    moderation.restore(moderator, "comment", comment, "Erreur")
    assert (_fresh(proposal).comments_count, proposal.comments_contre) == (1, 1)
    comments.delete_comment(comment.author, comment)
    assert _fresh(proposal).comments_count == 0
    assert_counters_exact()
    supporter = factories.user()
    votes.add_support(supporter, proposal)
    assert _fresh(proposal).supports_count == 1
    votes.remove_support(supporter, proposal)
    assert _fresh(proposal).supports_count == 0
    assert_counters_exact()


def test_merge_and_undo_recount_both_proposals(app):
    """A merge moves the supports (a shared supporter counts once); its undoing restores."""
    source = factories.proposal()
    target = factories.proposal(source.project)
    both, only_source = factories.user(), factories.user()
    for user in (both, only_source):
        factories.support(source, user)
    factories.support(target, both)
    entry = moderation.merge(factories.user(roles=("moderator",)), source, target, "Doublon")
    assert (_fresh(source).supports_count, target.supports_count) == (0, 2)
    assert source.project.supports_count == 2
    assert_counters_exact()
    moderation.unmerge(factories.user(roles=("moderator",)), entry, "Erreur")
    assert (_fresh(source).supports_count, target.supports_count) == (2, 1)
    assert source.project.supports_count == 3
    assert_counters_exact()
