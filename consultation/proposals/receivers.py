"""Follow a proposal's counters as comments and supports come and go (subscribed to
core.signals, like projects/receivers.py for the project's figures): the database's triggers
move them (core/counters.py); the request's session follows."""

from __future__ import annotations

from typing import Any

from consultation.core import counters, signals
from consultation.extensions import db
from consultation.proposals.models import Proposal, Stance

# The per-stance counter columns: a stance names one of them, nothing else.
_STANCE_COLUMNS = frozenset(f"comments_{stance.value}" for stance in Stance)


def _add(proposal_id: int | None, deltas: dict[str, int], reacted: bool = False) -> None:
    # Moved in the database by the change itself. A reaction is not an edit: updated_at
    # stays; the first one fixes the proposal's text.
    if proposal_id is None:
        return
    counters.moved(Proposal, proposal_id, deltas,
                   stamp="first_reaction_at" if reacted else None)


def _comments(stance: str, delta: int) -> dict[str, int]:
    return {"comments_count": delta, _by_stance(stance): delta}


def _by_stance(stance: str) -> str:
    # The column of a stance, checked against the model: a stance comes from a saved comment.
    name = f"comments_{stance}"
    if name not in _STANCE_COLUMNS:
        raise ValueError(f"unknown stance {stance!r}")
    return name


def on_comment_created(comment: Any, **_: Any) -> None:
    """A counted comment on a proposal counts, with its stance, and is a reaction."""
    if comment.is_counted:
        _add(comment.proposal_id, _comments(comment.stance, 1), reacted=True)


def on_comment_deleted(comment: Any, **_: Any) -> None:
    """A deleted comment no longer counts."""
    _add(comment.proposal_id, _comments(comment.stance, -1))


def on_comment_restanced(comment: Any, previous: str, **_: Any) -> None:
    """A comment's stance changed: one less for the old, one more for the new."""
    _add(comment.proposal_id, {_by_stance(previous): -1, _by_stance(comment.stance): 1})


def on_comment_counted(comment: Any, delta: int, **_: Any) -> None:
    """Moderation hid or showed a comment; shown, it is a reaction."""
    _add(comment.proposal_id, _comments(comment.stance, delta), reacted=delta > 0)


def on_support_added(support: Any, **_: Any) -> None:
    """A new support counts and is a reaction."""
    _add(support.proposal_id, {"supports_count": 1}, reacted=True)


def on_support_removed(support: Any, **_: Any) -> None:
    """A support taken back no longer counts."""
    _add(support.proposal_id, {"supports_count": -1})


def on_supports_moved(proposal: Any, to: Any, **_: Any) -> None:
    """A merge (or its undoing) moved supports between two proposals, each move counted by
    its trigger: both are read again."""
    counters.settle()
    for each in (proposal, to):
        db.session.refresh(each)


def connect() -> None:
    """Subscribe to the signals (weak=False: these are module-level functions kept for good)."""
    signals.comment_created.connect(on_comment_created, weak=False)
    signals.comment_deleted.connect(on_comment_deleted, weak=False)
    signals.comment_restanced.connect(on_comment_restanced, weak=False)
    signals.comment_counted.connect(on_comment_counted, weak=False)
    signals.support_added.connect(on_support_added, weak=False)
    signals.support_removed.connect(on_support_removed, weak=False)
    signals.supports_moved.connect(on_supports_moved, weak=False)
