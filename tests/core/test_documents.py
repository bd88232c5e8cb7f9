"""Generated documents: the build's states, retries, races, the CHECK constraint and serving."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from flask import Flask, Response
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from consultation.core import documents
from consultation.core.documents import STALE_AFTER, Document
from consultation.core.models import utcnow
from consultation.extensions import db

PDF = b"%PDF-1.7\n% un document de test\n%%EOF\n"


def new_document(filename: str = "essai.pdf") -> int:
    """A committed pending document; its id."""
    document = documents.request_document("test", filename)
    db.session.commit()
    return document.id


def fresh(document_id: int) -> Document:
    """The document as the database holds it now."""
    db.session.rollback()
    db.session.expire_all()
    found = db.session.get(Document, document_id)
    assert found is not None
    return found


class Render:
    """A render callable that counts its calls and returns `content` (or raises `error`)."""

    def __init__(self, content: bytes = PDF, error: Exception | None = None) -> None:
        self.calls = 0
        self.content = content
        self.error = error

    def __call__(self) -> bytes:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.content


def test_request_document_is_pending(app: Flask) -> None:
    document_id = new_document("synthese-essai-v1.pdf")
    document = fresh(document_id)
    assert document.state == "pending"
    assert document.kind == "test"
    assert document.filename == "synthese-essai-v1.pdf"
    assert document.media_type == "application/pdf"
    assert document.attempts == 0
    assert document.content is None
    assert document.size is None
    assert not document.is_ready
    assert not document.can_retry


def test_build_stores_the_rendered_bytes(app: Flask) -> None:
    document_id = new_document()
    render = Render()
    assert documents.build(document_id, render) == "ready"
    document = fresh(document_id)
    assert render.calls == 1
    assert document.state == "ready"
    assert document.is_ready
    assert document.size == len(PDF)
    assert document.attempts == 1
    assert document.build_seconds is not None and document.build_seconds >= 0
    assert document.started_at is not None and document.finished_at is not None
    assert document.error is None
    assert documents.content_of(document) == PDF
    assert document.content == PDF


def test_build_of_a_ready_document_does_nothing(app: Flask) -> None:
    document_id = new_document()
    documents.build(document_id, Render())
    again = Render(content=b"%PDF autre contenu")
    assert documents.build(document_id, again) == "ready"
    document = fresh(document_id)
    assert again.calls == 0
    assert document.attempts == 1
    assert documents.content_of(document) == PDF


def test_build_of_a_missing_document(app: Flask) -> None:
    render = Render()
    assert documents.build(987654, render) == "missing"
    assert render.calls == 0


def test_failed_render_records_the_reason_and_keeps_no_bytes(app: Flask) -> None:
    document_id = new_document()
    render = Render(error=RuntimeError("police de caractères introuvable"))
    assert documents.build(document_id, render) == "failed"
    document = fresh(document_id)
    assert document.state == "failed"
    assert document.error == "RuntimeError: police de caractères introuvable"
    assert document.content is None
    assert document.size is None
    assert document.attempts == 1
    assert document.finished_at is not None
    assert document.can_retry
    # A failed build that is built again without a retry stays failed: it is not pending.
    second = Render()
    assert documents.build(document_id, second) == "failed"
    assert second.calls == 0


def test_a_long_error_is_cut_to_500_characters(app: Flask) -> None:
    document_id = new_document()
    documents.build(document_id, Render(error=ValueError("x" * 2000)))
    assert len(fresh(document_id).error or "") == 500


def test_database_refuses_ready_without_content(app: Flask) -> None:
    document_id = new_document()
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Document).where(Document.id == document_id).values(state="ready")
        )
        db.session.flush()
    db.session.rollback()
    assert fresh(document_id).state == "pending"


def test_database_refuses_an_unknown_state(app: Flask) -> None:
    document_id = new_document()
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Document).where(Document.id == document_id).values(state="perdu")
        )
        db.session.flush()
    db.session.rollback()


def test_retry_of_a_failed_build_makes_it_pending_then_ready(app: Flask) -> None:
    document_id = new_document()
    documents.build(document_id, Render(error=OSError("disque plein")))
    document = fresh(document_id)
    assert documents.reset_for_retry(document) is True
    db.session.commit()
    document = fresh(document_id)
    assert document.state == "pending"
    assert document.error is None
    assert documents.build(document_id, Render()) == "ready"
    document = fresh(document_id)
    assert document.attempts == 2
    assert document.size == len(PDF)


@pytest.mark.parametrize("state", ["pending", "ready"])
def test_retry_refused_unless_failed_or_stale(app: Flask, state: str) -> None:
    document_id = new_document()
    if state == "ready":
        documents.build(document_id, Render())
    document = fresh(document_id)
    assert not document.can_retry
    assert documents.reset_for_retry(document) is False
    db.session.commit()
    assert fresh(document_id).state == state


def _running_since(document_id: int, started_at: object) -> Document:
    db.session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(state="running", started_at=started_at, attempts=1)
    )
    db.session.commit()
    return fresh(document_id)


def test_stale_running_build_can_be_retried(app: Flask) -> None:
    document_id = new_document()
    document = _running_since(document_id, utcnow() - STALE_AFTER - timedelta(minutes=1))
    assert document.is_stale
    assert document.can_retry
    assert documents.reset_for_retry(document) is True
    db.session.commit()
    assert fresh(document_id).state == "pending"
    render = Render()
    assert documents.build(document_id, render) == "ready"
    assert render.calls == 1
    assert fresh(document_id).attempts == 2


def test_fresh_running_build_is_left_alone(app: Flask) -> None:
    document_id = new_document()
    document = _running_since(document_id, utcnow() - timedelta(minutes=1))
    assert not document.is_stale
    assert not document.can_retry
    assert documents.reset_for_retry(document) is False
    render = Render()
    # Another worker holds it: a second build neither renders nor changes the state.
    assert documents.build(document_id, render) == "running"
    assert render.calls == 0
    assert fresh(document_id).state == "running"


def test_racing_builds_render_once(app: Flask) -> None:
    document_id = new_document()
    inner: list[str] = []
    calls: list[str] = []

    def render() -> bytes:
        calls.append("render")
        # A second worker picks the same job up while this one is rendering.
        inner.append(documents.build(document_id, render))
        return PDF

    assert documents.build(document_id, render) == "ready"
    assert calls == ["render"]
    assert inner == ["running"]
    document = fresh(document_id)
    assert document.state == "ready"
    assert document.attempts == 1


def test_serve_ready_document_is_the_pdf(app: Flask) -> None:
    document_id = new_document("synthese-tiers-lieux-v2.pdf")
    documents.build(document_id, Render())
    document = fresh(document_id)
    with app.test_request_context("/"):
        response = documents.serve(document, title="Synthèse", back_url="/retour")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="synthese-tiers-lieux-v2.pdf"'
    )
    assert response.get_data() == PDF


def _status_page(
    app: Flask, document: Document, retry_url: str | None
) -> tuple[str, Response]:
    with app.test_request_context("/"):
        response = documents.serve(
            document, title="Synthèse « Tiers-lieux » (PDF)", back_url="/retour",
            retry_url=retry_url,
        )
    return html.unescape(response.get_data(as_text=True)), response


def test_serve_pending_document_is_a_status_page_to_refresh_by_hand(app: Flask) -> None:
    document = fresh(new_document())
    page, response = _status_page(app, document, retry_url="/relancer")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-store"
    assert 'http-equiv="refresh"' not in page  # a page that changes by itself is a time limit
    assert "PDF en préparation" in page and "Le PDF attend son tour" in page
    assert ">Actualiser</a>" in page
    assert "Synthèse « Tiers-lieux » (PDF)" in page
    assert 'href="/retour"' in page
    # Nothing to retry while it waits.
    assert 'action="/relancer"' not in page


def test_serve_failed_document_shows_reason_only_to_those_who_may_retry(app: Flask) -> None:
    document_id = new_document()
    documents.build(document_id, Render(error=RuntimeError("mise en page impossible")))
    document = fresh(document_id)

    page, _response = _status_page(app, document, retry_url="/relancer")
    assert "PDF indisponible" in page
    assert "RuntimeError: mise en page impossible" in page
    assert 'action="/relancer"' in page
    assert "Relancer la fabrication" in page
    assert 'http-equiv="refresh"' not in page

    page, _response = _status_page(app, document, retry_url=None)
    assert "PDF indisponible" in page
    assert "mise en page impossible" not in page
    assert "Relancer la fabrication" not in page
