"""What a visitor may see, one statement per resource: the API's lists and details start from
these and only ever narrow them.

A visitor sees every published project (not the drafts) with its phases, the proposals that
are neither withdrawn by their author nor hidden, held or waiting for moderation (a merged one
stays readable, pointing to where it went), the comments that are visible and not deleted, on a
project or on a visible proposal, every commitment of a published project with its timeline
(its linked proposals only when visible), and the published versions of a synthesis (drafts
live in another table and are never read here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from consultation.comments.models import Comment
from consultation.core.models import ModerationState
from consultation.followup.models import Commitment, CommitmentUpdate
from consultation.projects.models import Project
from consultation.projects.services import is_public
from consultation.proposals.models import Proposal, ProposalStatus
from consultation.reference.models import Territory
from consultation.syntheses.models import SynthesisVersion
from consultation.votes.models import Support

SHOWN_STATUSES = (ProposalStatus.PUBLISHED, ProposalStatus.MERGED)


def proposal_is_visible(proposal: Any = Proposal) -> ColumnElement[bool]:
    """The condition a proposal (or an alias of it) meets when a visitor may read it."""
    return and_(
        proposal.status.in_(SHOWN_STATUSES),
        proposal.moderation == ModerationState.VISIBLE,
    )


def comment_is_visible() -> ColumnElement[bool]:
    """A comment a visitor may read: visible, not deleted, and on the project itself or on a
    visible proposal."""
    on_proposal = exists().where(Proposal.id == Comment.proposal_id, proposal_is_visible())
    return and_(
        Comment.moderation == ModerationState.VISIBLE,
        Comment.deleted_at.is_(None),
        or_(Comment.proposal_id.is_(None), on_proposal),
    )


def projects() -> Select[Any]:
    """Every published project (a draft is seen by admins and moderators only)."""
    return select(Project).where(is_public())


def proposals() -> Select[Any]:
    """The proposals a visitor may read."""
    return select(Proposal).where(proposal_is_visible())


def comments() -> Select[Any]:
    """The comments a visitor may read."""
    return select(Comment).where(comment_is_visible())


def commitments() -> Select[Any]:
    """Every commitment of a published project: the follow-up pages show them all."""
    return select(Commitment).where(
        Commitment.project_id.in_(select(Project.id).where(is_public())))


def syntheses() -> Select[Any]:
    """The published versions of the syntheses (a draft is never a version)."""
    return select(SynthesisVersion)


def territories() -> Select[Any]:
    """The territories of the métropole."""
    return select(Territory)


# --- updated_since: what changed for a visitor since a moment ----------------------------------


def proposal_changed_since(moment: datetime) -> ColumnElement[bool]:
    """A proposal whose text, state, answer or counts moved since `moment`: edited, moderated
    or answered, or a support, a comment or a merged duplicate came since. (A support taken
    back leaves no date: its count shows at the next change, or in a full walk.)"""
    duplicate = aliased(Proposal)
    return or_(
        Proposal.updated_at >= moment,
        Proposal.moderated_at >= moment,
        Proposal.answered_at >= moment,
        exists().where(Support.proposal_id == Proposal.id, Support.created_at >= moment),
        exists().where(
            Comment.proposal_id == Proposal.id,
            or_(Comment.updated_at >= moment, Comment.moderated_at >= moment,
                Comment.deleted_at >= moment),
        ),
        exists().where(duplicate.merged_into_id == Proposal.id, duplicate.updated_at >= moment),
    )


def comment_changed_since(moment: datetime) -> ColumnElement[bool]:
    """A comment written, edited or restored since `moment`."""
    return or_(Comment.updated_at >= moment, Comment.moderated_at >= moment)


def project_changed_since(moment: datetime) -> ColumnElement[bool]:
    """A project edited since `moment`, or whose figures moved: a proposal, a comment or a
    support came, or moderation decided on one of its contributions."""
    return or_(
        Project.updated_at >= moment,
        exists().where(
            Proposal.project_id == Project.id,
            or_(Proposal.updated_at >= moment, Proposal.moderated_at >= moment),
        ),
        exists().where(
            Comment.project_id == Project.id,
            or_(Comment.created_at >= moment, Comment.moderated_at >= moment,
                Comment.deleted_at >= moment),
        ),
        exists().where(Support.project_id == Project.id, Support.created_at >= moment),
    )


def commitment_changed_since(moment: datetime) -> ColumnElement[bool]:
    """A commitment edited since `moment`, or with a new step on its timeline."""
    return or_(
        Commitment.updated_at >= moment,
        exists().where(CommitmentUpdate.commitment_id == Commitment.id,
                       CommitmentUpdate.created_at >= moment),
    )


def synthesis_changed_since(moment: datetime) -> ColumnElement[bool]:
    """A version published since `moment` (a version never changes afterwards)."""
    return SynthesisVersion.published_at >= moment
