"""What the index does when moderation changes what may be seen.

Moderation changes a proposal's or a comment's state by a compare-and-set UPDATE that the
session listener does not see; it sends `proposal_counted` / `comment_counted` whenever the item
starts or stops counting, which is exactly when it appears in or leaves the index.
"""

from __future__ import annotations

from typing import Any

from consultation.core import signals
from consultation.extensions import db
from consultation.search import services
from consultation.search.models import EntryKind


def on_proposal_counted(proposal: Any, **_: Any) -> None:
    """A proposal hidden, held, restored, approved, merged or unmerged: it and its comments."""
    services.sync(db.session.connection(), EntryKind.PROPOSAL, [proposal.id])


def on_comment_counted(comment: Any, **_: Any) -> None:
    """A comment hidden, held, restored or approved."""
    services.sync(db.session.connection(), EntryKind.COMMENT, [comment.id])


def on_comment_created(comment: Any, **_: Any) -> None:
    """A new comment written by comments.services (one Core INSERT, which the session
    listener does not see): its entry, if everyone may find it."""
    connection = db.session.connection()
    if not services.index_new_comment(connection, comment):
        services.sync(connection, EntryKind.COMMENT, [comment.id])


def connect() -> None:
    """Subscribe to the moderation signals (blinker keeps one connection per receiver)."""
    signals.proposal_counted.connect(on_proposal_counted)
    signals.comment_counted.connect(on_comment_counted)
    signals.comment_created.connect(on_comment_created)
