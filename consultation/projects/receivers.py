"""Follow a project's figures as contributions come and go (subscribed to core.signals): the
database's triggers move them (core/counters.py); the request's session follows."""

from __future__ import annotations

from typing import Any

from consultation.core import counters, pages, signals
from consultation.core.db import insert_ignore
from consultation.projects.models import Project, ProjectParticipant


def _add(project_id: int, column: str, delta: int) -> None:
    # Moved in the database by the change itself; updated_at says when the project was
    # edited, not when someone took part.
    counters.moved(Project, project_id, {column: delta})


def _participant(project_id: int, user_id: int, proposal_id: int | None = None) -> None:
    if proposal_id is not None and pages.known_fact(pages.ACTION_PAGE, user_id, proposal_id,
                                                    "participant"):
        return  # read with the proposal: they take part already, the INSERT would do nothing
    if insert_ignore(ProjectParticipant.__table__, project_id=project_id, user_id=user_id):
        _add(project_id, "participants_count", 1)  # counted by the INSERT's trigger


def on_proposal_created(proposal: Any, **_: Any) -> None:
    """Its author takes part; the proposal counts unless it waits for approval."""
    if proposal.is_counted:
        _add(proposal.project_id, "proposals_count", 1)
    _participant(proposal.project_id, proposal.author_id)


def on_proposal_withdrawn(proposal: Any, **_: Any) -> None:
    """A withdrawn proposal no longer counts among the proposals."""
    _add(proposal.project_id, "proposals_count", -1)


def on_comment_created(comment: Any, **_: Any) -> None:
    """Its author takes part; the comment counts unless it waits for approval."""
    if comment.is_counted:
        _add(comment.project_id, "comments_count", 1)
    _participant(comment.project_id, comment.author_id, comment.proposal_id)


def on_comment_deleted(comment: Any, **_: Any) -> None:
    """A deleted comment no longer counts."""
    _add(comment.project_id, "comments_count", -1)


def on_support_added(support: Any, **_: Any) -> None:
    """A new support counts, and so does its giver."""
    _add(support.project_id, "supports_count", 1)
    _participant(support.project_id, support.user_id, support.proposal_id)


def on_support_removed(support: Any, **_: Any) -> None:
    """A support taken back no longer counts."""
    _add(support.project_id, "supports_count", -1)


def on_proposal_counted(proposal: Any, delta: int, **_: Any) -> None:
    """Moderation hid or restored a proposal."""
    _add(proposal.project_id, "proposals_count", delta)


def on_comment_counted(comment: Any, delta: int, **_: Any) -> None:
    """Moderation hid or restored a comment."""
    _add(comment.project_id, "comments_count", delta)


def on_supports_moved(proposal: Any, removed: int, **_: Any) -> None:
    """A merge removed (or its undoing restored) duplicate supports on the way."""
    if removed:
        _add(proposal.project_id, "supports_count", -removed)


def connect() -> None:
    """Subscribe to the signals (weak=False: these are module-level functions kept for good)."""
    signals.proposal_created.connect(on_proposal_created, weak=False)
    signals.proposal_withdrawn.connect(on_proposal_withdrawn, weak=False)
    signals.comment_created.connect(on_comment_created, weak=False)
    signals.comment_deleted.connect(on_comment_deleted, weak=False)
    signals.support_added.connect(on_support_added, weak=False)
    signals.support_removed.connect(on_support_removed, weak=False)
    signals.proposal_counted.connect(on_proposal_counted, weak=False)
    signals.comment_counted.connect(on_comment_counted, weak=False)
    signals.supports_moved.connect(on_supports_moved, weak=False)
