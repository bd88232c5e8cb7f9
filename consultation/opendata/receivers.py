"""What the open data does when something is published: ask for a rebuild after the commit."""

from __future__ import annotations

from typing import Any

from consultation.core import jobs, signals
from consultation.opendata import jobs as opendata_jobs
from consultation.opendata import services

# Everything that changes a published row or a count of the datasets.
SIGNALS = (
    signals.proposal_created, signals.proposal_withdrawn, signals.comment_created,
    signals.comment_deleted, signals.comment_restanced, signals.support_added,
    signals.support_removed, signals.proposal_counted, signals.comment_counted,
    signals.supports_moved, signals.proposal_answered, signals.proposal_moderated,
    signals.synthesis_published, signals.commitment_updated,
)


def on_change(_sender: Any, **_: Any) -> None:
    """Ask for a rebuild after the commit when one is due (one query); at most one job per
    transaction, and none at all in the minutes after a build: a rush of supports queues
    nothing."""
    if services.due():
        jobs.enqueue_once(opendata_jobs.refresh)


def connect() -> None:
    """Subscribe to the signals of core/signals.py."""
    for signal in SIGNALS:
        signal.connect(on_change, weak=False)
