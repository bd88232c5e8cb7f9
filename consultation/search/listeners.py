"""The index follows every change made through the ORM, in the flush that writes it.

After each flush, the objects added, changed (in a field the index reads) or deleted are
rewritten in the index with the same connection, so the index commits or rolls back with them.
Changes made by SQL UPDATEs that the ORM does not see (moderation's compare-and-set) come
through the signals instead (receivers.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from consultation.comments.models import Comment
from consultation.followup.models import Commitment, CommitmentUpdate
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.search import services
from consultation.search.models import EntryKind
from consultation.syntheses.models import SynthesisVersion

# The fields each indexed model's rows are made of: a change elsewhere leaves the index alone.
WATCHED: dict[type, tuple[str, tuple[str, ...]]] = {
    Project: (EntryKind.PROJECT, ("title", "summary", "plain_summary", "body", "published_at")),
    Proposal: (EntryKind.PROPOSAL, ("title", "body", "answer_body", "status", "moderation",
                                    "territory_id", "project_id")),
    Comment: (EntryKind.COMMENT, ("body", "deleted_at", "moderation", "proposal_id")),
    Commitment: (EntryKind.COMMITMENT, ("title", "description", "service", "abandon_reason")),
}


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def pending_changes(session: Session) -> dict[str, set[int]]:
    """What the flush about to end changed, as ids per kind (synthesis: project ids)."""
    changed: dict[str, set[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        watched = WATCHED.get(type(obj))
        if watched is not None:
            kind, fields = watched
            if obj in session.dirty and not _changed(obj, fields):
                continue
            if obj.id is not None:
                changed.setdefault(kind, set()).add(obj.id)
        elif isinstance(obj, SynthesisVersion) and obj.project_id is not None:
            changed.setdefault(EntryKind.SYNTHESIS, set()).add(obj.project_id)
        elif isinstance(obj, CommitmentUpdate) and obj.commitment_id is not None:
            changed.setdefault(EntryKind.COMMITMENT, set()).add(obj.commitment_id)
    return changed


def after_flush(session: Session, _context: Any) -> None:
    """Rewrite the index rows of what this flush changed."""
    changed = pending_changes(session)
    if not changed:
        return
    connection = session.connection()
    new = [obj for obj in session.new if type(obj) is Comment]
    # A comment POST writes one new comment: its entry is one statement instead of the three
    # of a rewrite (nothing to delete, its row read back), the proposal read in it.
    if len(new) == 1 and services.index_new_comment(connection, new[0]):
        changed[EntryKind.COMMENT].discard(new[0].id)
    for kind, ids in changed.items():
        if ids:
            services.sync(connection, kind, ids)


def connect() -> None:
    """Listen to every session's flushes (idempotent)."""
    if not event.contains(Session, "after_flush", after_flush):
        event.listen(Session, "after_flush", after_flush)
