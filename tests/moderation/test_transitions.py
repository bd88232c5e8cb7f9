"""Moderation transitions on the models: hide, restore, approve, hold, merge and its undoing."""

from __future__ import annotations

import pytest

from consultation.core.errors import IllegalTransition
from consultation.core.models import ModerationState
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.proposals.models import ProposalStatus
from tests import factories
from tests.proposals.helpers import text
from tests.recount import assert_counters_exact


@pytest.fixture(params=["proposal", "comment"])
def item(request, app):
    """A visible proposal or comment, stored."""
    made = factories.proposal() if request.param == "proposal" else factories.comment()
    db.session.commit()
    return made


def test_hide_then_restore(item):
    """Visible -> hidden with its public reason -> visible again, reason gone."""
    item.hide("Propos injurieux")
    assert item.moderation == ModerationState.HIDDEN
    assert item.moderation_reason == "Propos injurieux"
    assert item.moderated_at is not None
    assert not item.is_visible
    item.restore()
    assert item.moderation == ModerationState.VISIBLE
    assert item.moderation_reason is None


def test_hold_then_hide_or_restore(item):
    """Held by reports, a moderator may hide it for good or show it again."""
    item.hold()
    assert item.moderation == ModerationState.HELD
    item.restore()
    assert item.is_visible
    item.hold()
    item.hide("Hors sujet")
    assert item.moderation == ModerationState.HIDDEN


@pytest.mark.parametrize("transition, message", [
    (lambda i: i.hide("Encore"), "Ce contenu est déjà masqué."),
    (lambda i: i.hold(), "Ce contenu n'est plus visible."),
    (lambda i: i.approve(), "Ce contenu n'attend pas d'approbation."),
])
def test_illegal_changes_of_a_hidden_item(item, transition, message):
    """What is hidden cannot be hidden, held or approved again; nothing changes."""
    item.hide("Propos injurieux")
    with pytest.raises(IllegalTransition) as refused:
        transition(item)
    assert refused.value.message == message
    assert item.moderation == ModerationState.HIDDEN
    assert refused.value.status == 409


def test_illegal_changes_of_a_visible_item(item):
    """What is visible cannot be restored, approved, nor hidden without a reason."""
    for transition, message in (
        (item.restore, "Ce contenu n'est pas masqué."),
        (item.approve, "Ce contenu n'attend pas d'approbation."),
        (lambda: item.hide("  "), "Indiquez le motif, il sera affiché à la place du contenu."),
    ):
        with pytest.raises(IllegalTransition, match=message):
            transition()
        assert item.moderation == ModerationState.VISIBLE


def test_pending_item_is_approved_not_restored(app):
    """Content of a pre-moderated project waits: approve publishes it, restore refuses."""
    project = factories.project(premoderation=True)
    proposal = factories.proposal(project)
    assert proposal.moderation == ModerationState.PENDING
    with pytest.raises(IllegalTransition, match="attend une approbation"):
        proposal.restore()
    proposal.approve()
    assert proposal.is_visible
    with pytest.raises(IllegalTransition):
        proposal.approve()


def test_a_decision_taken_meanwhile_is_refused(item):
    """Two moderators at once: the second transition, on a stale state, is refused."""
    model = type(item)
    db.session.execute(
        model.__table__.update().where(model.id == item.id).values(moderation="hidden")
    )
    # This request still believes the item visible.
    assert item.moderation == ModerationState.VISIBLE
    with pytest.raises(IllegalTransition, match="modéré par quelqu'un d'autre"):
        item.hide("Propos injurieux")


def test_merge_into_and_unmerge(app):
    """A duplicate goes into another proposal, and comes back."""
    source = factories.proposal()
    target = factories.proposal(source.project)
    source.merge_into(target)
    assert source.status == ProposalStatus.MERGED and source.merged_into_id == target.id
    assert source.is_merged and not source.is_published
    source.unmerge(target)
    assert source.status == ProposalStatus.PUBLISHED and source.merged_into_id is None


def test_illegal_merges(app):
    """Not into itself, another project, a merged, withdrawn or hidden proposal."""
    source = factories.proposal()
    other_project = factories.proposal()
    merged, hidden, withdrawn = (factories.proposal(source.project) for _ in range(3))
    merged.merge_into(factories.proposal(source.project))
    hidden.hide("Propos injurieux")
    withdrawn.withdraw()
    db.session.flush()
    for target, message in (
        (source, "Choisissez une autre proposition du même projet."),
        (other_project, "Choisissez une autre proposition du même projet."),
        (merged, "Seules des propositions publiées peuvent être fusionnées."),
        (withdrawn, "Seules des propositions publiées peuvent être fusionnées."),
        (hidden, "Cette proposition est masquée"),
    ):
        with pytest.raises(IllegalTransition, match=message):
            source.merge_into(target)
        assert source.is_published and source.merged_into_id is None
    with pytest.raises(IllegalTransition, match="Seules des propositions publiées"):
        merged.merge_into(source)


def test_unmerge_only_what_is_merged_there(app):
    """Undoing a merge that is not (or no longer) there is refused."""
    source = factories.proposal()
    target, elsewhere = factories.proposal(source.project), factories.proposal(source.project)
    with pytest.raises(IllegalTransition, match="déjà été annulée"):
        source.unmerge(target)
    source.merge_into(target)
    with pytest.raises(IllegalTransition, match="déjà été annulée"):
        source.unmerge(elsewhere)


@pytest.mark.parametrize("kind", ["proposal", "comment"])
def test_illegal_decisions_through_the_web_are_french_refusals(as_role, kind):
    """Approving what is visible, hiding twice, restoring what is visible: a French message
    on the page (not a 500), and nothing changes."""
    made = factories.proposal() if kind == "proposal" else factories.comment()
    db.session.commit()
    moderator = as_role("moderator")

    def decide(decision: str) -> str:
        response = moderator.post(f"/moderation/{kind}/{made.id}/{decision}",
                                  data={"reason": "Propos injurieux"})
        assert response.status_code in (200, 302)
        return text(moderator.get(response.headers["Location"])) \
            if response.status_code == 302 else text(response)

    assert "Ce contenu n'attend pas d'approbation." in decide("approuver")
    assert "Ce contenu n'est pas masqué." in decide("retablir")
    assert "La décision est enregistrée." in decide("masquer")
    assert "Ce contenu est déjà masqué." in decide("masquer")
    db.session.expire_all()
    assert made.moderation == ModerationState.HIDDEN
    assert_counters_exact()


def test_merging_into_a_hidden_proposal_is_not_offered(as_role):
    """A hidden proposal is not among the merge targets: choosing it is refused, no 500."""
    source = factories.proposal()
    target = factories.proposal(source.project)
    factories.support(target)
    moderation.hide(factories.user(roles=("moderator",)), "proposal", target, "Injurieux")
    db.session.commit()
    moderator = as_role("moderator")
    page = text(moderator.get(f"/moderation/fusion/{source.id}"))
    assert target.title not in page
    response = moderator.post(f"/moderation/fusion/{source.id}",
                              data={"target": str(target.id), "reason": "Doublon"})
    assert response.status_code in (200, 422)
    assert "Erreur du serveur" not in text(response)
    db.session.expire_all()
    assert source.is_published and source.merged_into_id is None
    assert_counters_exact()
