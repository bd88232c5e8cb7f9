"""The job outbox: every job asked for is first a row, written in the transaction that asks.

With Redis, `jobs.enqueue` adds a row to `job_outbox` in the same transaction as the action, so
a job exists exactly when its action committed. Right after the commit the request hands the job
to Redis and marks the row "sent". When Redis cannot be reached (stopped, restarting, network)
the row stays "pending" with the error and a time for the next try; the action itself has
succeeded and the person is told the work will be done later. Rows left pending (Redis down, or
a process that died between its commit and the hand-over) are sent again by `flush()`, which
never runs inside a visitor's request: `flask worker` runs it when it starts and then every
WORKER_FLUSH_SECONDS (core/jobs.py) as it waits for work, `flask jobs flush` is the command to
schedule (cron, systemd timer) where no worker runs all the time, and `flask jobs retry` sends
everything at once by hand.

A job that raises is rolled back and its row made pending again (with Redis: by the worker;
without Redis, where jobs run inline after the commit, a row is written then), to be run again
after a delay, until it has failed JOB_MAX_FAILURES times ("failed" then, until `flask jobs
retry --failed`; tries that only met an absent Redis do not count). Jobs that must not repeat
what they did before failing see to it themselves: a PDF build fails into its document's state,
`mail.send_once` remembers who was already told.

A row is taken by a conditional UPDATE on its attempt count, so two processes flushing at the
same moment never both send it. Jobs are idempotent anyway: one sent twice (a process that died
after handing it over but before marking it sent) does its work once.
"""

from __future__ import annotations

import importlib
import json
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import Flask, current_app
from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from consultation.core.db import rowcount
from consultation.core.models import utcnow
from consultation.extensions import Model, db


class JobState(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"  # to hand over (or run, without Redis), at next_try_at
    SENT = "sent"  # in Redis, or run
    FAILED = "failed"  # given up after JOB_MAX_FAILURES runs that raised


# The request that wrote a row sends it itself: flushes leave it alone for this long.
OWNED_FOR = timedelta(seconds=60)
# A flush that took a row and died leaves it to the next one after this long.
LEASE = timedelta(minutes=5)
MAX_DELAY = timedelta(minutes=10)
KEEP_SENT = timedelta(days=7)


class QueuedJob(Model):
    """A job asked for by a committed action, and where its hand-over stands."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        # The same SQL as when the states were written out: no migration.
        CheckConstraint(f"state IN ({', '.join(map(repr, map(str, JobState)))})", name="state"),
        Index("ix_job_outbox_due", "state", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(String(200))  # module.function
    args: Mapped[str] = mapped_column(Text, default="[]")  # JSON
    kwargs: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    # What the job works on ("document:12"), so a page can say its job is still waiting.
    subject: Mapped[str | None] = mapped_column(String(60), index=True)
    state: Mapped[str] = mapped_column(String(10), default=JobState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # hand-overs and runs tried
    failures: Mapped[int] = mapped_column(Integer, default=0)  # runs of the job that raised
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_try_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def function(self) -> Callable[..., Any]:
        """The job's function, imported from its path."""
        module, _, name = self.func.rpartition(".")
        return getattr(importlib.import_module(module), name)


def path_of(func: Callable[..., Any]) -> str:
    """The importable path of a module-level function."""
    return f"{func.__module__}.{func.__qualname__}"


def new_row(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
            subject: str | None) -> QueuedJob:
    """A pending row for a job, added to the current transaction (not flushed)."""
    row = QueuedJob(
        func=path_of(func),
        args=json.dumps(list(args)),
        kwargs=json.dumps(kwargs),
        subject=subject,
        state=JobState.PENDING,
        attempts=0,
        failures=0,
        next_try_at=utcnow() + OWNED_FOR,
    )
    db.session.add(row)
    return row


def _delay(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min... at most MAX_DELAY between tries.
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_DELAY)


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def mark_sent(ids: list[int], taken: bool = False) -> None:
    """The jobs of these rows are in Redis, or have run (commits). A row taken by a flush
    has already counted this attempt."""
    if ids:
        db.session.execute(
            update(QueuedJob)
            .where(QueuedJob.id.in_(ids), QueuedJob.state == JobState.PENDING)
            .values(state=JobState.SENT, sent_at=utcnow(), last_error=None,
                    attempts=QueuedJob.attempts + (0 if taken else 1))
        )
    db.session.commit()


def not_sent(row_id: int, error: BaseException, attempts: int) -> None:
    """Redis could not take the job: keep the reason and try again later (commits)."""
    db.session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == row_id)
        .values(attempts=attempts, last_error=_short(error),
                next_try_at=utcnow() + _delay(attempts))
    )
    db.session.commit()


def _run_failed(row_id: int, error: BaseException, attempts: int, failures: int) -> None:
    # The job itself raised: run it again later, or give up after JOB_MAX_FAILURES.
    give_up = failures >= current_app.config["JOB_MAX_FAILURES"]
    db.session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == row_id)
        .values(state=JobState.FAILED if give_up else JobState.PENDING, attempts=attempts,
                failures=failures, last_error=_short(error),
                next_try_at=utcnow() + _delay(failures))
    )
    db.session.commit()


def job_id(row_id: int, attempt: int) -> str:
    """The RQ id of a row's job: each hand-over its own, so RQ's registries never mix them.
    Row ids are only unique within one database, and RQ keeps a job under its id for the whole
    Redis: the queue's name comes first, so two sites (or two test databases) sharing a Redis
    never overwrite each other's jobs (RQ takes letters, digits, "_" and "-" in an id)."""
    return f"outbox-{row_id}-{attempt}-{_site()}"


def _site() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", current_app.config["RQ_QUEUE"])


def job_failed(rq_job_id: str, error: BaseException) -> bool:
    """A job handed over from an outbox row raised in the worker: its row is pending again,
    with the reason, to be sent again after a delay (commits). False when the job did not come
    from this site's outbox."""
    parts = rq_job_id.split("-", 3)
    if (len(parts) != 4 or parts[0] != "outbox" or not parts[1].isdigit()
            or parts[3] != _site()):
        return False
    row = db.session.get(QueuedJob, int(parts[1]))
    if row is None:
        return False
    _run_failed(row.id, error, row.attempts + 1, row.failures + 1)
    return True


def record_failure(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                   error: BaseException) -> None:
    """An inline job raised: keep it to run again later (commits)."""
    row = new_row(func, args, kwargs, None)
    row.attempts = 1
    row.failures = 1
    row.last_error = _short(error)
    row.next_try_at = utcnow() + _delay(1)
    db.session.commit()


def is_waiting(subject: str) -> bool:
    """True when a job about this subject is recorded but not handed over yet."""
    return db.session.scalar(
        select(QueuedJob.id)
        .where(QueuedJob.subject == subject, QueuedJob.state == JobState.PENDING)
        .limit(1)
    ) is not None


def _take(row_id: int, attempts: int) -> bool:
    # Only the flush whose UPDATE sees the attempt count it read sends the job.
    taken = rowcount(db.session.execute(
        update(QueuedJob)
        .where(QueuedJob.id == row_id, QueuedJob.state == JobState.PENDING,
               QueuedJob.attempts == attempts)
        .values(attempts=attempts + 1, next_try_at=utcnow() + LEASE)
    ))
    db.session.commit()
    return taken == 1


def flush(limit: int = 100, everything: bool = False) -> dict[str, int]:
    """Hand over (or, without Redis, run) the pending jobs whose time has come.

    `everything` also takes the rows not due yet (the command line). Stops at the first
    Redis error: the others would meet the same one. Returns how many were sent and how many
    still wait.
    """
    from consultation.core import jobs

    db.session.rollback()  # a fresh transaction: see what other processes committed
    query = select(QueuedJob.id, QueuedJob.attempts, QueuedJob.failures).where(
        QueuedJob.state == JobState.PENDING
    )
    if not everything:
        query = query.where(QueuedJob.next_try_at <= utcnow())
    due = db.session.execute(query.order_by(QueuedJob.id).limit(limit)).all()
    sent = 0
    redis = bool(current_app.config.get("REDIS_URL"))
    queue = jobs.queue() if redis and due else None
    for row_id, attempts, failures in due:
        if not _take(row_id, attempts):
            continue
        row = db.session.get(QueuedJob, row_id)
        if row is None:
            continue
        args, kwargs = json.loads(row.args), json.loads(row.kwargs)
        if queue is not None:
            try:
                queue.enqueue_call(func=row.func, args=args, kwargs=kwargs,
                                   job_id=job_id(row_id, attempts + 1))
            except Exception as error:  # Redis still away: the row waits for the next flush
                db.session.rollback()
                not_sent(row_id, error, attempts + 1)
                break
            mark_sent([row_id], taken=True)
            sent += 1
            continue
        try:
            row.function(*args, **kwargs)
        except Exception as error:  # the job's own failure: its writes go, the row stays
            db.session.rollback()
            current_app.logger.exception("Échec de la tâche %s", row.func)
            _run_failed(row_id, error, attempts + 1, failures + 1)
            continue
        db.session.commit()
        mark_sent([row_id], taken=True)
        sent += 1
    if due:  # a flush with nothing to do writes nothing
        _forget_old()
    waiting = db.session.scalar(
        select(db.func.count()).select_from(QueuedJob).where(QueuedJob.state == JobState.PENDING)
    ) or 0
    db.session.commit()
    return {"sent": sent, "waiting": waiting}


def _forget_old() -> None:
    db.session.execute(
        db.delete(QueuedJob).where(QueuedJob.state == JobState.SENT,
                                   QueuedJob.sent_at < utcnow() - KEEP_SENT)
    )
    db.session.commit()


def count(state: JobState) -> int:
    """How many rows are in this state."""
    return db.session.scalar(
        select(db.func.count()).select_from(QueuedJob).where(QueuedJob.state == state)
    ) or 0


def unsent(limit: int) -> list[QueuedJob]:
    """The oldest rows not handed over: pending or given up."""
    return list(db.session.scalars(
        select(QueuedJob).where(QueuedJob.state != JobState.SENT)
        .order_by(QueuedJob.id).limit(limit)
    ))


def retry_failed() -> int:
    """Put the jobs that were given up on back to pending; how many (commits)."""
    count = rowcount(db.session.execute(
        update(QueuedJob).where(QueuedJob.state == JobState.FAILED)
        .values(state=JobState.PENDING, failures=0, next_try_at=utcnow())
    ))
    db.session.commit()
    return count


class Flusher:
    """Flushes the outbox at most every `seconds` in this process, one thread at a time, never
    letting an error escape: the worker runs it as it waits for jobs."""

    def __init__(self, app: Flask, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.lock = threading.Lock()
        self.next_at = 0.0

    def __call__(self) -> None:
        if time.monotonic() < self.next_at:
            return
        if not self.lock.acquire(blocking=False):
            return  # another thread of this process is flushing
        try:
            self.next_at = time.monotonic() + self.seconds
            flush(limit=20)
        except Exception as error:  # the database may be away too: try again next time
            try:
                db.session.rollback()
            except Exception:  # its connection went with the server
                db.session().invalidate()
            self.app.logger.warning("Échec du vidage de la file des tâches : %s", error)
        finally:
            self.lock.release()
