"""The job queue: jobs are enqueued after the transaction commits.

A job is a plain module-level function taking ids. With REDIS_URL set it goes to an RQ queue;
without it, it runs inline right after the commit, so `make run` needs no Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Flask, current_app, g, has_app_context
from flask.cli import with_appcontext
from sqlalchemy import event
from sqlalchemy.orm import Session

from consultation.extensions import db


@dataclass
class PendingJob:
    """A job waiting for the commit of the transaction that asked for it."""

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def _pending() -> list[PendingJob]:
    if "pending_jobs" not in g:
        g.pending_jobs = []
    return g.pending_jobs


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `func(*args, **kwargs)` as a job once the current transaction has committed."""
    _pending().append(PendingJob(func, args, kwargs))


def queue():  # type: ignore[no-untyped-def]
    """The RQ queue configured by REDIS_URL (imported lazily: the embedded mode needs no Redis)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


def _dispatch(jobs: list[PendingJob]) -> None:
    if current_app.config.get("REDIS_URL"):
        q = queue()
        for job in jobs:
            q.enqueue(job.func, *job.args, **job.kwargs)
        return
    for job in jobs:
        try:
            job.func(*job.args, **job.kwargs)
        except Exception:  # an inline job must not turn a committed action into an error page
            current_app.logger.exception("Échec de la tâche %s", job.func.__name__)


def _after_commit(session: Session) -> None:
    # The session accepts no SQL inside after_commit: the jobs wait for dispatch_committed().
    if has_app_context() and g.get("pending_jobs"):
        g.committed_jobs = g.get("committed_jobs", []) + g.pending_jobs
        g.pending_jobs = []


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    # Only the outermost rollback cancels the jobs its transaction asked for.
    if previous_transaction.parent is None and has_app_context():
        g.pop("pending_jobs", None)


def dispatch_committed() -> None:
    """Queue, or run inline, the jobs whose transaction has committed.

    An inline job runs like a worker would: it reads in a new transaction and commits its own
    writes; jobs that it enqueues in turn run after it.
    """
    while has_app_context() and g.get("committed_jobs"):
        jobs, g.committed_jobs = g.committed_jobs, []
        _dispatch(jobs)


def worker(app: Flask, queue_names: list[str] | None = None):  # type: ignore[no-untyped-def]
    """An RQ worker that runs each job in a fresh app context, as a request would.

    It does not fork: a job's database connections come from the app's own pool, which a fork
    would share with its parent.
    """
    from redis import Redis
    from rq import Queue, SimpleWorker

    class AppWorker(SimpleWorker):
        def perform_job(self, job, queue):  # type: ignore[no-untyped-def]
            with app.app_context():
                try:
                    return super().perform_job(job, queue)
                finally:
                    db.session.rollback()  # what a crashed job left half-done is not kept

    connection = Redis.from_url(app.config["REDIS_URL"])
    queues = [Queue(name, connection=connection)
              for name in (queue_names or [app.config["RQ_QUEUE"]])]
    return AppWorker(queues, connection=connection)


@click.command("worker")
@click.option("--burst", is_flag=True, help="S'arrêter quand la file est vide.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run the jobs queued in Redis (PDFs, emails); needs REDIS_URL."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL n'est pas défini : sans Redis, les tâches s'exécutent directement dans "
            "l'application et aucun worker n'est nécessaire."
        )
    worker(app).work(burst=burst)


def init_app(app: Flask) -> None:
    """Listen to commits and rollbacks; dispatch at the end of each request or app context."""
    sessions = db.session.session_factory
    if not event.contains(sessions, "after_commit", _after_commit):
        event.listen(sessions, "after_commit", _after_commit)
        event.listen(sessions, "after_soft_rollback", _after_soft_rollback)

    @app.teardown_appcontext
    def _dispatch_left_over(_error: BaseException | None) -> None:
        # Commits made outside a request (CLI, tests) dispatch here; requests already did.
        dispatch_committed()

    app.cli.add_command(worker_command)
