"""The job queue: jobs are enqueued after the transaction commits.

A job is a plain module-level function taking ids. With REDIS_URL set it goes to an RQ queue,
through the outbox (`core/outbox.py`): recorded in the transaction that asks for it, handed to
Redis after the commit, and kept for later when Redis cannot be reached. Without REDIS_URL it
runs inline right after the commit, so `make run` needs no Redis; an inline job that fails is
rolled back and kept in the outbox to run again.

Kept jobs are never retried inside a visitor's request: the worker (`flask worker`) hands them
over as it runs, `flask jobs flush` is the command to schedule (cron, systemd timer) where no
worker runs, and `flask jobs retry` takes them all at once by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Flask, current_app, flash, g, has_app_context, has_request_context
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from consultation.core import outbox
from consultation.core.context import here
from consultation.extensions import db

# How often at most a running worker hands over the outbox's rows whose time has come; its
# wait for a job times out about as often.
WORKER_FLUSH_SECONDS = 30.0


@dataclass
class PendingJob:
    """A job waiting for the commit of the transaction that asked for it."""

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    row: outbox.QueuedJob | None = None  # its outbox row, with Redis
    silent: bool = False  # never tell the person that it waits


def _pending() -> list[PendingJob]:
    if "pending_jobs" not in g:
        g.pending_jobs = []
    return g.pending_jobs


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `func(*args, **kwargs)` as a job once the current transaction has committed."""
    enqueue_about(None, func, *args, **kwargs)


def enqueue_about(subject: str | None, func: Callable[..., Any], *args: Any,
                  **kwargs: Any) -> None:
    """`enqueue`, naming what the job works on ("document:12") so that a page can tell
    whether its job is still waiting for Redis."""
    row = None
    if current_app.config.get("REDIS_URL"):
        row = outbox.new_row(func, args, kwargs, subject)
    _pending().append(PendingJob(func, args, kwargs, row))


def enqueue_once(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """`enqueue`, unless this transaction already asked for the same call: a job that reads the
    whole state (a rebuild) needs to run once per commit, however many changes asked for it."""
    if any(job.func is func and job.args == args and job.kwargs == kwargs for job in _pending()):
        return
    enqueue(func, *args, **kwargs)


def enqueue_silently(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """`enqueue` for a job whose delay must never be announced, because the page must say the
    same whether the job was asked for or not (a password reset for an unknown address)."""
    enqueue(func, *args, **kwargs)
    _pending()[-1].silent = True


def queue():
    """The RQ queue configured by REDIS_URL (imported lazily: the embedded mode needs no Redis)."""
    from redis import Redis
    from rq import Queue

    timeout = current_app.config["REDIS_TIMEOUT"]
    # A Redis that does not answer must not hold a request for long.
    connection = Redis.from_url(current_app.config["REDIS_URL"],
                                socket_connect_timeout=timeout, socket_timeout=timeout)
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


def _row_id(job: PendingJob) -> int | None:
    # Read from the identity map: the row is expired by the commit, no query needed. A row
    # undone with a savepoint has no identity: its job is sent without one.
    identity = inspect(job.row).identity if job.row is not None else None
    return identity[0] if identity else None


def _send(jobs: list[PendingJob]) -> None:
    q = queue()
    sent: list[int] = []
    failure: Exception | None = None
    announce = False
    for job in jobs:
        row_id = _row_id(job)
        if failure is None:
            try:
                q.enqueue_call(func=job.func, args=job.args, kwargs=job.kwargs,
                               job_id=outbox.job_id(row_id, 1) if row_id else None)
            except Exception as error:  # Redis away: the committed action stands
                current_app.logger.warning("Redis injoignable, tâche %s gardée pour plus tard : "
                                           "%s", job.func.__name__, error)
                failure = error
        if failure is not None:
            announce = announce or not job.silent
            if row_id is not None:
                outbox.not_sent(row_id, failure, 1)
        elif row_id is not None:
            sent.append(row_id)
    outbox.mark_sent(sent)
    if announce and has_request_context():
        flash(_("Le service qui fabrique les documents et envoie les courriels est "
                "momentanément indisponible : votre action est enregistrée, et ce travail "
                "sera fait automatiquement dès son retour."), "info")


def _run_inline(jobs: list[PendingJob]) -> None:
    for job in jobs:
        try:
            job.func(*job.args, **job.kwargs)
        except Exception as error:  # a failed inline job must not turn the action into an error
            current_app.logger.exception("Échec de la tâche %s", job.func.__name__)
            # What the job wrote before failing is not kept, nor carried by a later commit.
            db.session.rollback()
            try:
                outbox.record_failure(job.func, job.args, job.kwargs, error)
            except Exception:  # the database is away: the job is lost, the others still run
                db.session.rollback()
                current_app.logger.exception("Tâche %s perdue", job.func.__name__)


def _dispatch(jobs: list[PendingJob]) -> None:
    try:
        if current_app.config.get("REDIS_URL"):
            _send(jobs)
        else:
            _run_inline(jobs)
    except Exception:  # the outbox could not be written (database away): its rows stay pending
        db.session.rollback()
        current_app.logger.exception("Échec de la remise des tâches")


def _after_commit(session: Session) -> None:
    # The session accepts no SQL inside after_commit: the jobs wait for dispatch_committed().
    if not has_app_context():
        return
    flask_g = here()
    if flask_g.get("pending_jobs"):
        flask_g.committed_jobs = flask_g.get("committed_jobs", []) + flask_g.pending_jobs
        flask_g.pending_jobs = []


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    # Only the outermost rollback cancels the jobs its transaction asked for.
    if previous_transaction.parent is None and has_app_context():
        g.pop("pending_jobs", None)


def dispatch_committed() -> None:
    """Queue, or run inline, the jobs whose transaction has committed.

    An inline job runs like a worker would: it reads in a new transaction and commits its own
    writes; jobs that it enqueues in turn run after it.
    """
    while has_app_context() and (jobs := here().get("committed_jobs")):
        here().committed_jobs = []
        _dispatch(jobs)


def worker(app: Flask, queue_names: list[str] | None = None):
    """An RQ worker that runs each job in a fresh app context, as a request would.

    It does not fork: a job's database connections come from the app's own pool, which a fork
    would share with its parent. A job that raises goes back to the outbox, to be sent again
    after a delay. It hands the outbox over when it starts (with --burst too), then at most
    every WORKER_FLUSH_SECONDS while it runs: as it waits (every time its wait for a job times
    out) and after each job.
    """
    from redis import Redis
    from rq import Queue, SimpleWorker

    flusher = outbox.Flusher(app, WORKER_FLUSH_SECONDS)

    class AppWorker(SimpleWorker):
        def work(self, *args, **kwargs):
            with app.app_context():
                flusher()
            return super().work(*args, **kwargs)

        def perform_job(self, job, queue):
            with app.app_context():
                try:
                    return super().perform_job(job, queue)
                finally:
                    db.session.rollback()  # what a crashed job left half-done is not kept

        def heartbeat(self, timeout=None, pipeline=None):
            super().heartbeat(timeout, pipeline)
            if pipeline is None:  # not while RQ prepares a job
                with app.app_context():
                    flusher()

    def keep_for_retry(job, exc_type, error, traceback):
        # Runs inside perform_job, in its app context: the job's writes go first.
        db.session.rollback()
        try:
            outbox.job_failed(job.id, error)
        except Exception:  # the database is away too: RQ keeps the job among its failed ones
            db.session.rollback()
            app.logger.exception("Impossible de garder la tâche %s pour la relancer", job.id)
        return True

    connection = Redis.from_url(app.config["REDIS_URL"])
    queues = [Queue(name, connection=connection)
              for name in (queue_names or [app.config["RQ_QUEUE"]])]
    return AppWorker(queues, connection=connection, worker_ttl=int(WORKER_FLUSH_SECONDS) + 15,
                     exception_handlers=[keep_for_retry])


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


jobs_cli = AppGroup("jobs", help="La file des tâches (PDF, courriels).")


@jobs_cli.command("flush")
@with_appcontext
def flush_command() -> None:
    """Hand to Redis (or run, without Redis) the waiting jobs whose retry time has come: the
    command to schedule (cron, systemd timer), e.g. every minute, where no worker runs all
    the time. `flask worker` does the same while it runs."""
    total = 0
    while True:
        result = outbox.flush(limit=100)
        total += result["sent"]
        if result["sent"] == 0 or result["waiting"] == 0:
            break
    click.echo(f"{total} tâche(s) remise(s) ; {result['waiting']} en attente.")


@jobs_cli.command("retry")
@click.option("--failed", is_flag=True, help="Reprendre aussi les tâches abandonnées.")
@with_appcontext
def retry_command(failed: bool) -> None:
    """Hand every waiting job to Redis now, without waiting for its retry time (or run it,
    without Redis); fails when some still wait. By hand, after an outage: the command to
    schedule is `flask jobs flush`."""
    if failed:
        click.echo(f"{outbox.retry_failed()} tâche(s) abandonnée(s) reprise(s).")
    total = 0
    while True:
        result = outbox.flush(limit=100, everything=True)
        total += result["sent"]
        if result["sent"] == 0 or result["waiting"] == 0:
            break
    click.echo(f"{total} tâche(s) remise(s) ; {result['waiting']} en attente.")
    if result["waiting"]:
        raise click.ClickException(
            "Des tâches attendent encore : le service de tâches (Redis) est-il joignable ?"
        )


@jobs_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Count the recorded jobs by state and show why the waiting ones wait."""
    for state in outbox.JobState:
        click.echo(f"{state} : {outbox.count(state)}")
    for row in outbox.unsent(20):
        click.echo(f"#{row.id} {row.state} {row.func} essais={row.attempts} "
                   f"échecs={row.failures} "
                   f"erreur={row.last_error or '-'}")


def dispatch_left_over(_error: BaseException | None = None) -> None:
    """Dispatch the jobs of commits made outside a request (CLI, tests); requests already did."""
    dispatch_committed()


def init_app(app: Flask) -> None:
    """Listen to commits and rollbacks (their jobs are dispatched by the request boundary, or
    by `dispatch_left_over` at the end of an app context), and add the commands."""
    sessions = db.session.session_factory
    if not event.contains(sessions, "after_commit", _after_commit):
        event.listen(sessions, "after_commit", _after_commit)
        event.listen(sessions, "after_soft_rollback", _after_soft_rollback)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_cli)
