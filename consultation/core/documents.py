"""Generated documents (PDFs), stored in the database so that any app server can serve them.

A document is asked for in a request (state "pending"), then built by a job: the job claims it
("running"), renders it, and stores the bytes ("ready") or the reason it failed ("failed").
A failed build, or one whose worker died (running for too long), can be asked for again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import Response, current_app, make_response, render_template
from sqlalchemy import CheckConstraint, DateTime, Float, Integer, LargeBinary, String, Text, update
from sqlalchemy.orm import Mapped, deferred, mapped_column

from consultation.core import jobs, outbox
from consultation.core.db import rowcount
from consultation.core.models import DomainEnum, as_utc, one_of, utcnow
from consultation.extensions import Model, db


class DocumentState(DomainEnum):
    """Where the build of a document stands."""

    PENDING = "pending"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


# A build still "running" after this long lost its worker: it may be asked for again.
STALE_AFTER = timedelta(minutes=10)


class Document(Model):
    """A generated file and the state of its build."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(one_of("state", DocumentState), name="state"),
        CheckConstraint("state != 'ready' OR content IS NOT NULL", name="ready_has_content"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60), default="application/pdf")
    state: Mapped[str] = mapped_column(String(10), default=DocumentState.PENDING)
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    build_seconds: Mapped[float | None] = mapped_column(Float)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Deferred: pages that show a document's state never load its bytes; last in the row, so
    # that SQLite reads that state without walking them (migration 0022).
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    @property
    def is_ready(self) -> bool:
        """True once the bytes are stored."""
        return self.state == DocumentState.READY

    @property
    def is_stale(self) -> bool:
        """True when a build has been running for so long that its worker must have died."""
        return (
            self.state == DocumentState.RUNNING
            and self.started_at is not None
            and utcnow() - as_utc(self.started_at) > STALE_AFTER
        )

    @property
    def can_retry(self) -> bool:
        """A failed build, or one whose worker died, may be asked for again."""
        return self.state == DocumentState.FAILED or self.is_stale


def request_document(kind: str, filename: str) -> Document:
    """A new pending document; the caller enqueues the job that builds it."""
    document = Document(kind=kind, filename=filename, state=DocumentState.PENDING)
    db.session.add(document)
    db.session.flush()
    return document


def subject(document_id: int) -> str:
    """How the outbox names the build of a document."""
    return f"document:{document_id}"


def enqueue_build(job: Callable[[int], object], document: Document) -> None:
    """Queue the job that builds this document, once the transaction commits."""
    jobs.enqueue_about(subject(document.id), job, document.id)


def reset_for_retry(document: Document) -> bool:
    """Put a failed (or stale) build back in the queue; False when it is not retryable."""
    if not document.can_retry:
        return False
    changed = rowcount(db.session.execute(
        update(Document)
        .where(Document.id == document.id, Document.state == document.state)
        .values(state=DocumentState.PENDING, error=None, requested_at=utcnow())
    ))
    db.session.refresh(document)
    return changed == 1


def _claim(document_id: int) -> bool:
    # One worker wins: the conditional UPDATE moves pending to running once.
    claimed = rowcount(db.session.execute(
        update(Document)
        .where(Document.id == document_id, Document.state == DocumentState.PENDING)
        .values(state=DocumentState.RUNNING, started_at=utcnow(), attempts=Document.attempts + 1)
    ))
    db.session.commit()
    return claimed == 1


def build(document_id: int, render: Callable[[], bytes]) -> str:
    """Build a pending document with `render` and store the result; returns the final state.

    Idempotent: a document that is not pending (ready, being built elsewhere) is left alone.
    A render that fails leaves no partial bytes: the state becomes "failed" with the reason.
    """
    if not _claim(document_id):
        document = db.session.get(Document, document_id)
        return document.state if document else "missing"
    started = time.perf_counter()
    try:
        content = render()
    except Exception as error:  # the reason is shown to moderators, who may retry
        db.session.rollback()
        current_app.logger.exception("Échec de la fabrication du document %s", document_id)
        db.session.execute(
            update(Document)
            .where(Document.id == document_id)
            .values(state=DocumentState.FAILED, error=f"{type(error).__name__}: {error}"[:500],
                    finished_at=utcnow())
        )
        db.session.commit()
        return DocumentState.FAILED
    db.session.rollback()  # end the reading transaction before the write
    db.session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(
            state=DocumentState.READY,
            content=content,
            size=len(content),
            error=None,
            build_seconds=round(time.perf_counter() - started, 3),
            finished_at=utcnow(),
        )
    )
    db.session.commit()
    return DocumentState.READY


def content_of(document: Document) -> bytes:
    """The stored bytes of a ready document."""
    return db.session.scalar(
        db.select(Document.content).where(Document.id == document.id)
    ) or b""


def serve(document: Document, **context: object) -> Response:
    """The file once ready; until then a page that shows the build's state and reloads itself.

    `context` goes to templates/documents/status.html (title, back_url, retry_url).
    """
    if document.is_ready:
        response = make_response(content_of(document))
        response.headers["Content-Type"] = document.media_type
        response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response
    # A build recorded while Redis was away is pending like any other; the page says why.
    waiting = document.state == DocumentState.PENDING and outbox.is_waiting(subject(document.id))
    response = make_response(render_template("documents/status.html", document=document,
                                             queue_away=waiting, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def write_output(path: Path, content: bytes) -> None:
    """Write a generated file for a command, or stop with a French message saying why not."""
    try:
        path.write_bytes(content)
    except OSError as error:
        raise click.ClickException(
            f"Impossible d'écrire « {path} » : {error.strerror or error}."
        ) from error
    click.echo(f"{path} : {len(content) // 1024} Ko.")
