"""Proposal transitions on the model: withdrawal and the official answer."""

from __future__ import annotations

import pytest

from consultation.core.errors import IllegalTransition
from consultation.proposals.models import AnswerStatus, ProposalStatus
from tests import factories


def test_withdraw_once(app):
    """A published proposal is withdrawn once; a second withdrawal is refused."""
    proposal = factories.proposal()
    proposal.withdraw()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert proposal.withdrawn_at is not None
    with pytest.raises(IllegalTransition, match="Cette proposition est déjà retirée."):
        proposal.withdraw()


def test_a_merged_proposal_cannot_be_withdrawn(app):
    """Only a published proposal is withdrawn."""
    proposal = factories.proposal()
    proposal.merge_into(factories.proposal(proposal.project))
    with pytest.raises(IllegalTransition):
        proposal.withdraw()
    assert proposal.status == ProposalStatus.MERGED


def test_answer_and_change_it(app):
    """An answer is recorded, then changed; the previous status is returned."""
    proposal = factories.proposal()
    assert proposal.give_answer(AnswerStatus.UNDER_STUDY, "Nous étudions.") is None
    assert proposal.answer_status == "under_study" and proposal.answered_at is not None
    assert proposal.give_answer("accepted", "Ce sera fait.") == AnswerStatus.UNDER_STUDY
    assert proposal.answer_status == AnswerStatus.ACCEPTED


@pytest.mark.parametrize("status", ["", "perhaps", None])
def test_unknown_answer_is_refused(app, status):
    """Only the three answers exist."""
    proposal = factories.proposal()
    with pytest.raises(IllegalTransition, match="Choisissez acceptée, refusée ou à l'étude."):
        proposal.give_answer(status, "Texte")
    assert proposal.answer_status is None
