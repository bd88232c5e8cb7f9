"""What notifications do when the other domains act: queue the fan-out of each event after the
commit. The automatic follow of what one proposes, comments on or supports is made by the
database with the row itself (migration 0026)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context

from consultation.core import jobs, signals
from consultation.core.models import as_utc, utcnow
from consultation.notifications import jobs as fan_out


def _concerns_someone(comment: Any) -> bool:
    """True when the comment has someone to tell besides its author (no job for nobody)."""
    parent = comment.parent if comment.parent_id is not None else None
    proposal = comment.proposal if comment.proposal_id is not None else None
    authors = {getattr(parent, "author_id", None), getattr(proposal, "author_id", None)}
    return bool(authors - {None, comment.author_id})


def on_comment_created(comment: Any, **_: Any) -> None:
    """A comment that counts at once is told to whom it concerns (a pre-moderated one waits
    for its approval)."""
    if comment.is_counted and _concerns_someone(comment):
        # Inline jobs run at the end of the request whose commit asked for them: in a request
        # without a queue, the fan-out runs at that commit instead of in a second transaction
        # right after it. A worker's work with a queue; a job outside requests (commands, jobs),
        # where a commit is not always followed by the dispatch of its jobs.
        if current_app.config.get("REDIS_URL") or not has_request_context():
            jobs.enqueue(fan_out.notify_comment, comment.id)
        else:
            fan_out.notify_comment_at_commit(comment.id)


def on_comment_counted(comment: Any, delta: int, **_: Any) -> None:
    """A comment approved (or shown again) is told as a new one; the event's key tells
    nobody twice."""
    if delta > 0 and _concerns_someone(comment):
        jobs.enqueue(fan_out.notify_comment, comment.id)


def on_proposal_answered(proposal: Any, actor: Any = None, **_: Any) -> None:
    """Tell the author and followers; a later changed answer is another event."""
    answered = as_utc(proposal.answered_at or utcnow())
    event = f"answer:{proposal.id}:{answered:%Y%m%d%H%M%S%f}"
    jobs.enqueue(fan_out.notify_answer, proposal.id, event, getattr(actor, "id", None))


def on_proposal_moderated(proposal: Any, action: str, actor: Any = None, into: Any = None,
                          **_: Any) -> None:
    """Tell the author their proposal was hidden, restored or merged."""
    event = f"{action}:{proposal.id}:{utcnow():%Y%m%d%H%M%S%f}"
    jobs.enqueue(fan_out.notify_moderated, proposal.id, action, event,
                 getattr(actor, "id", None), getattr(into, "id", None))


def on_synthesis_published(version: Any, **_: Any) -> None:
    """Tell the project's followers, elected officials and subscribers."""
    jobs.enqueue(fan_out.notify_synthesis, version.id)


def on_edition_published(edition: Any, actor: Any = None, **_: Any) -> None:
    """Tell the Rencontres' subscribers and elected officials."""
    jobs.enqueue(fan_out.notify_edition, edition.id, getattr(actor, "id", None))


def on_commitment_updated(update: Any, **_: Any) -> None:
    """Tell the followers of the commitment's project and proposals. The sender comes from
    the follow-up domain: only `id`, `commitment.project_id` and `commitment.proposals` are
    read, and the author's id where the update has one."""
    commitment = getattr(update, "commitment", None)
    project_id = getattr(commitment, "project_id", None)
    if project_id is None or getattr(update, "id", None) is None:
        return
    proposal_ids = [proposal.id for proposal in getattr(commitment, "proposals", None) or []]
    actor_id = next((getattr(update, name) for name in ("author_id", "created_by_id", "user_id")
                     if isinstance(getattr(update, name, None), int)), None)
    jobs.enqueue(fan_out.notify_commitment, update.id, project_id, proposal_ids, actor_id)


def connect() -> None:
    """Subscribe to the signals (weak=False: these are module-level functions kept for good)."""
    signals.comment_created.connect(on_comment_created, weak=False)
    signals.comment_counted.connect(on_comment_counted, weak=False)
    signals.proposal_answered.connect(on_proposal_answered, weak=False)
    signals.proposal_moderated.connect(on_proposal_moderated, weak=False)
    signals.synthesis_published.connect(on_synthesis_published, weak=False)
    signals.edition_published.connect(on_edition_published, weak=False)
    signals.commitment_updated.connect(on_commitment_updated, weak=False)
    fan_out.connect()
