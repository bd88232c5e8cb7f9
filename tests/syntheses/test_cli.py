"""`flask syntheses pdf SLUG -o FILE [--draft]`: the latest version's PDF, or the draft's."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import update

from consultation.core import jobs
from consultation.core.documents import Document
from consultation.extensions import db
from consultation.syntheses import render, services
from tests import factories

STAND_IN = b"%PDF-1.7\n% the stored build\n%%EOF\n"


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF file."""
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_command_writes_the_latest_version_or_the_draft(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A ready PDF is written as stored; otherwise it is laid out from the version; --draft
    lays out the saved draft with today's figures, marked as a draft on its cover."""
    project = factories.project(title="Les rives de la Penfeld")
    factories.proposal(project, title="Un ponton pour tous")
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    real_write_pdf = render.write_pdf
    monkeypatch.setattr(render, "write_pdf", lambda html: STAND_IN)
    services.publish(project, moderator, "Le texte de la version 1.", "")
    db.session.commit()
    jobs.dispatch_committed()
    services.publish(project, moderator, "Le texte de la version 2.", "Le texte est précisé.")
    db.session.commit()
    jobs.dispatch_committed()
    runner = app.test_cli_runner()

    stored = tmp_path / "stockee.pdf"
    result = runner.invoke(args=["syntheses", "pdf", project.slug, "-o", str(stored)])
    assert result.exit_code == 0, result.output
    assert stored.read_bytes() == STAND_IN  # the stored build, not a new layout
    assert str(stored) in result.output

    # The stored build failed: the command lays the latest version out itself.
    monkeypatch.setattr(render, "write_pdf", real_write_pdf)
    latest = services.latest(project)
    assert latest is not None
    db.session.execute(update(Document).where(Document.id == latest.document_id)
                       .values(state="failed", content=None, error="RuntimeError: test"))
    db.session.commit()
    built = tmp_path / "refaite.pdf"
    result = runner.invoke(args=["syntheses", "pdf", project.slug, "--output", str(built)])
    assert result.exit_code == 0, result.output
    assert built.read_bytes().startswith(b"%PDF")
    text = pdf_text(built)
    assert "Les rives de la Penfeld" in text and "Version 2, publiée le" in text
    assert "Le texte de la version 2." in text and "Brouillon" not in text

    services.save_draft(project, moderator, "Le texte d'une version 3 en préparation.", "")
    factories.proposal(project, title="Une navette fluviale")
    db.session.commit()
    draft = tmp_path / "brouillon.pdf"
    result = runner.invoke(args=["syntheses", "pdf", project.slug, "-o", str(draft), "--draft"])
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(io.BytesIO(draft.read_bytes()))
    cover = reader.pages[0].extract_text()
    assert "Brouillon" in cover and "Les rives de la Penfeld" in cover
    assert "Version 2" not in cover
    text = pdf_text(draft)
    assert "Le texte d'une version 3 en préparation." in text
    assert "Une navette fluviale" in text  # today's figures, not the published ones


def test_pdf_command_refuses_in_french(app, tmp_path: Path):
    """An unknown project, or one without a published synthesis: an error, no file."""
    project = factories.project()
    db.session.commit()
    runner = app.test_cli_runner()
    output = tmp_path / "rien.pdf"

    unknown = runner.invoke(args=["syntheses", "pdf", "projet-inconnu", "-o", str(output)])
    assert unknown.exit_code != 0
    assert "Aucun projet n'a l'identifiant « projet-inconnu »." in unknown.output

    unpublished = runner.invoke(args=["syntheses", "pdf", project.slug, "-o", str(output)])
    assert unpublished.exit_code != 0
    assert f"Le projet « {project.slug} » n'a pas de synthèse publiée" in unpublished.output
    assert not output.exists()

    missing = runner.invoke(args=["syntheses", "pdf", project.slug])
    assert missing.exit_code != 0 and not output.exists()


def test_pdf_command_says_when_it_cannot_write_the_file(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A file in a missing folder: a French error naming the file, not a traceback."""
    monkeypatch.setattr(render, "write_pdf", lambda html: STAND_IN)
    project = factories.project()
    db.session.commit()
    output = tmp_path / "dossier-absent" / "brouillon.pdf"
    result = app.test_cli_runner().invoke(
        args=["syntheses", "pdf", project.slug, "--draft", "-o", str(output)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)  # a handled error, not a crash
    assert str(output) in result.output
