"""Jobs through a real Redis and an RQ burst worker: synthesis PDFs, dossiers, mail, retries."""

from __future__ import annotations

import html
import io
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask, g
from sqlalchemy import func, select, update

from consultation.accounts.models import User
from consultation.core import documents, jobs
from consultation.core.documents import Document
from consultation.core.models import utcnow
from consultation.core.outbox import JobState, QueuedJob
from consultation.extensions import db
from consultation.notifications.models import Notification
from consultation.projects.models import Project
from consultation.rencontres import services as rencontres
from consultation.rencontres.models import Edition
from consultation.syntheses import services as syntheses
from consultation.syntheses.models import SynthesisVersion
from tests import factories

NARRATIVE = "## Ce que retient la consultation\n\nLes habitant·es veulent des tiers-lieux."
STUB_PDF = b"%PDF-1.7\n% synthese de test\n%%EOF\n"


def text(response: Any) -> str:
    """The page as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def mails(app: Flask) -> list[dict[str, str]]:
    """The mails written to the outbox: to and subject."""
    outbox = Path(app.config["OUTBOX_DIR"])
    found = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append({"to": str(message["To"]), "subject": str(message["Subject"])})
    return found


def notified_emails() -> list[str]:
    """The addresses of those notified of something (a publication's email goes with its
    notification, by the notifications' email side), in the order they were notified."""
    db.session.rollback()
    return [email or "" for email in db.session.scalars(
        select(User.email).join(Notification, Notification.user_id == User.id)
        .order_by(Notification.id))]


def fresh_document(document_id: int | None) -> Document:
    """The document as the database holds it now (the worker wrote it in its own session)."""
    db.session.rollback()
    db.session.expire_all()
    found = db.session.get(Document, document_id)
    assert found is not None
    return found


def pdf_text(content: bytes) -> str:
    """Every page's text, whitespace collapsed."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def consulted_project(title: str = "Des tiers-lieux numériques") -> Project:
    """A project in its synthesis phase with a proposal, a support and a comment (which
    leave no job to run: the jobs counted are those of the publication)."""
    made = factories.project("synthesis", title=title)
    proposal = factories.proposal(made)
    factories.support(proposal)
    # By the proposal's author: a comment that tells nobody queues no job of its own.
    factories.comment(proposal, author=proposal.author, stance="contre")
    return made


@pytest.fixture
def elected(app: Flask) -> Any:
    """An elected official, who is told of every publication."""
    official = factories.user(roles=("elected",), email="elue@brest-metropole.fr")
    db.session.commit()
    return official


@pytest.fixture
def moderator(as_role: Any) -> Any:
    """A logged-in moderator."""
    return as_role("citizen", "moderator")


def test_published_synthesis_waits_for_the_worker(
    app: Flask, redis_queue: Any, moderator: Any, elected: Any
) -> None:
    project = consulted_project()
    db.session.commit()
    response = moderator.post(
        f"/projets/{project.slug}/synthese/brouillon",
        data={"narrative": NARRATIVE, "change_note": "", "confirm": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projets/{project.slug}/synthese/v1")

    version = syntheses.latest(project)
    assert version is not None
    assert fresh_document(version.document_id).state == "pending"
    # The PDF and the notification are queued; nothing ran in the request.
    assert len(redis_queue) == 2
    assert notified_emails() == []

    waiting = app.test_client().get(f"/projets/{project.slug}/synthese/v1/pdf")
    assert waiting.status_code == 200
    assert waiting.headers["Content-Type"].startswith("text/html")
    assert "PDF en préparation" in text(waiting) and ">Actualiser</a>" in text(waiting)

    redis_queue.work()

    assert len(redis_queue) == 0
    document = fresh_document(version.document_id)
    assert document.state == "ready"
    assert document.attempts == 1
    served = app.test_client().get(f"/projets/{project.slug}/synthese/v1/pdf")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "application/pdf"
    assert f'filename="synthese-{project.slug}-v1.pdf"' in served.headers["Content-Disposition"]
    assert "Des tiers-lieux numériques" in pdf_text(served.get_data())
    assert notified_emails() == ["elue@brest-metropole.fr"]


def test_service_publish_queues_only_after_commit(
    app: Flask, redis_queue: Any, elected: Any
) -> None:
    project = consulted_project()
    author = factories.user(roles=("moderator",))
    db.session.commit()
    version = syntheses.publish(project, author, NARRATIVE, "")
    assert len(redis_queue) == 0
    db.session.commit()
    assert len(redis_queue) == 0  # after_commit only keeps them: dispatch queues them
    jobs.dispatch_committed()
    assert len(redis_queue) == 2
    assert fresh_document(version.document_id).state == "pending"

    redis_queue.work()
    assert fresh_document(version.document_id).state == "ready"
    assert notified_emails() == ["elue@brest-metropole.fr"]


def test_rolled_back_publish_queues_nothing(
    app: Flask, redis_queue: Any, elected: Any
) -> None:
    project = consulted_project()
    author = factories.user(roles=("moderator",))
    db.session.commit()
    syntheses.publish(project, author, NARRATIVE, "")
    db.session.rollback()
    # A later transaction that commits must not carry the cancelled jobs with it.
    syntheses.save_draft(project, author, "Un autre brouillon", "")
    db.session.commit()
    jobs.dispatch_committed()
    assert len(redis_queue) == 0
    assert db.session.scalar(select(func.count()).select_from(SynthesisVersion)) == 0
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    redis_queue.work()
    assert notified_emails() == []


def test_crashed_render_in_worker_fails_then_retry_succeeds(
    app: Flask, redis_queue: Any, moderator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = consulted_project()
    db.session.commit()
    moderator.post(
        f"/projets/{project.slug}/synthese/brouillon",
        data={"narrative": NARRATIVE, "change_note": "", "confirm": "y"},
    )
    version = syntheses.latest(project)
    assert version is not None

    def crash(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("Pango a disparu")

    monkeypatch.setattr("consultation.syntheses.render.synthesis_pdf", crash)
    redis_queue.work()
    document = fresh_document(version.document_id)
    assert document.state == "failed"
    assert document.error == "RuntimeError: Pango a disparu"
    assert document.content is None
    assert document.attempts == 1

    failed_page = moderator.get(f"/projets/{project.slug}/synthese/v1/pdf")
    assert "Pango a disparu" in text(failed_page)
    assert "Relancer la fabrication" in text(failed_page)

    monkeypatch.undo()
    retried = moderator.post(f"/projets/{project.slug}/synthese/v1/pdf/relancer")
    assert retried.status_code == 302
    assert len(redis_queue) == 1
    assert fresh_document(version.document_id).state == "pending"
    redis_queue.work()
    document = fresh_document(version.document_id)
    assert document.state == "ready"
    assert document.attempts == 2
    assert document.error is None


def test_same_job_queued_twice_builds_once(app: Flask, redis_queue: Any) -> None:
    from consultation.syntheses import jobs as synthesis_jobs

    project = consulted_project()
    author = factories.user(roles=("moderator",))
    db.session.commit()
    version = syntheses.publish(project, author, NARRATIVE, "")
    db.session.commit()
    jobs.dispatch_committed()
    # A second copy of the build job (a retried enqueue) finds the document already built.
    redis_queue.queue.enqueue(synthesis_jobs.build_pdf, version.document_id)
    assert len(redis_queue) == 3
    redis_queue.work()
    document = fresh_document(version.document_id)
    assert document.state == "ready"
    assert document.attempts == 1


def _published_version(
    redis_queue: Any, monkeypatch: pytest.MonkeyPatch, title: str
) -> SynthesisVersion:
    """A synthesis published and built by the worker (with a stub PDF, to stay fast)."""
    project = consulted_project(title)
    author = factories.user(roles=("moderator",))
    db.session.commit()
    version = syntheses.publish(project, author, NARRATIVE, "")
    db.session.commit()
    jobs.dispatch_committed()
    with monkeypatch.context() as patch:
        patch.setattr("consultation.syntheses.jobs.version_pdf", lambda version: STUB_PDF)
        redis_queue.work()
    return version


def _edition(admin: Any, version: SynthesisVersion) -> Edition:
    edition = rencontres.save(
        None, admin, year=2026, title="Rencontres 2026 : le numérique en commun",
        held_on=date(2026, 12, 4), venue="Les Capucins, Brest",
        programme="## Table ronde\n\nLa médiation numérique.", version_ids=[version.id],
    )
    db.session.commit()
    return edition


def test_edition_dossier_waits_for_the_worker(
    app: Flask, redis_queue: Any, as_role: Any, elected: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin_client = as_role("citizen", "admin")
    version = _published_version(redis_queue, monkeypatch, "Des tiers-lieux numériques")
    _edition(admin_client.user, version)
    synthesis_told = len(notified_emails())

    response = admin_client.post("/rencontres/2026/publier")
    assert response.status_code == 302
    edition = rencontres.by_year(2026)
    assert edition is not None and edition.is_published
    assert fresh_document(edition.document_id).state == "pending"
    assert len(redis_queue) == 2
    assert len(notified_emails()) == synthesis_told

    waiting = app.test_client().get("/rencontres/2026/dossier")
    assert waiting.status_code == 200
    assert "PDF en préparation" in text(waiting) and ">Actualiser</a>" in text(waiting)

    redis_queue.work()

    assert fresh_document(edition.document_id).state == "ready"
    served = app.test_client().get("/rencontres/2026/dossier")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "application/pdf"
    assert 'filename="rencontres-des-numeriques-2026.pdf"' in (
        served.headers["Content-Disposition"]
    )
    content = pdf_text(served.get_data())
    assert "Rencontres 2026 : le numérique en commun" in content
    assert "Des tiers-lieux numériques" in content
    assert notified_emails()[synthesis_told:] == ["elue@brest-metropole.fr"]


def test_crashed_dossier_in_worker_fails_then_retry_succeeds(
    app: Flask, redis_queue: Any, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin_client = as_role("citizen", "admin")
    version = _published_version(redis_queue, monkeypatch, "Des tiers-lieux numériques")
    _edition(admin_client.user, version)
    admin_client.post("/rencontres/2026/publier")
    edition = rencontres.by_year(2026)
    assert edition is not None

    def crash(edition: Edition) -> bytes:
        raise MemoryError("trop de pages")

    with monkeypatch.context() as patch:
        patch.setattr("consultation.rencontres.jobs.dossier_pdf", crash)
        redis_queue.work()
    document = fresh_document(edition.document_id)
    assert document.state == "failed"
    assert document.error == "MemoryError: trop de pages"

    retried = admin_client.post("/rencontres/2026/dossier/relancer")
    assert retried.status_code == 302
    assert len(redis_queue) == 1
    redis_queue.work()
    document = fresh_document(edition.document_id)
    assert document.state == "ready"
    assert document.attempts == 2
    assert documents.content_of(document).startswith(b"%PDF")


def test_worker_command_needs_redis(app: Flask) -> None:
    assert not app.config.get("REDIS_URL")
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL n'est pas défini" in result.output
    assert "aucun worker n'est nécessaire" in result.output


def _publish_with_stub_pdf(monkeypatch: pytest.MonkeyPatch) -> SynthesisVersion:
    """A synthesis published and committed, its PDF a stub when it is built."""
    monkeypatch.setattr("consultation.syntheses.jobs.version_pdf", lambda version: STUB_PDF)
    project = consulted_project()
    author = factories.user(roles=("moderator",))
    db.session.commit()
    version = syntheses.publish(project, author, NARRATIVE, "")
    db.session.commit()
    return version


def test_worker_command_runs_the_queue(
    app: Flask, redis_queue: Any, elected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = _publish_with_stub_pdf(monkeypatch)
    jobs.dispatch_committed()
    assert len(redis_queue) == 2

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(redis_queue) == 0
    document = fresh_document(version.document_id)
    assert document.state == "ready"
    assert documents.content_of(document) == STUB_PDF
    assert notified_emails() == ["elue@brest-metropole.fr"]


def test_worker_command_first_sends_the_jobs_kept_in_the_outbox(
    app: Flask, redis_queue: Any, elected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job whose process died before handing it over waits in the outbox, page views leave
    it there, and `flask worker --burst` sends it when it starts, then runs it."""
    version = _publish_with_stub_pdf(monkeypatch)
    g.pop("committed_jobs")  # the process dies here: nothing reaches Redis
    db.session.execute(update(QueuedJob).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    def states() -> list[str]:
        db.session.rollback()
        return list(db.session.scalars(select(QueuedJob.state).order_by(QueuedJob.id)))

    assert app.test_client().get(f"/projets/{version.project.slug}").status_code == 200
    assert states() == [JobState.PENDING, JobState.PENDING] and len(redis_queue) == 0

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert states() == [JobState.SENT, JobState.SENT] and len(redis_queue) == 0
    assert fresh_document(version.document_id).state == "ready"
    assert notified_emails() == ["elue@brest-metropole.fr"]


def test_job_ids_belong_to_their_queue(app: Flask) -> None:
    """Outbox row ids repeat from one database to another, and RQ keeps a job under its id for
    the whole Redis: two sites (two test databases) sharing a Redis never take each other's
    jobs, and a failure is put back only on this site's row."""
    from consultation.core import outbox

    app.config.update(RQ_QUEUE="site-a")
    mine = outbox.job_id(1, 1)
    app.config.update(RQ_QUEUE="site-b")
    assert outbox.job_id(1, 1) != mine
    assert outbox.job_failed(mine, RuntimeError("x")) is False
    app.config.update(RQ_QUEUE="consultation")
