"""Edition jobs: build the dossier PDF (readers are told by the notifications)."""

from __future__ import annotations

from sqlalchemy import select

from consultation.core import documents, pages
from consultation.extensions import db
from consultation.rencontres import services
from consultation.rencontres.models import Edition
from consultation.syntheses import render


def dossier_pdf(edition: Edition) -> bytes:
    """The dossier: cover, programme, figures over the year, then every attached synthesis."""
    html = render.render_print(
        "rencontres/dossier.html",
        edition=edition,
        year=services.year_figures(edition),
        syntheses=[
            (version, render.parts(version.narrative, f"-{index}"))
            for index, version in enumerate(edition.syntheses, start=1)
        ],
        # Chapters the domains above add (the follow-up's "Ce que la métropole a fait").
        **pages.context("dossier", edition),
    )
    return render.write_pdf(html)


def build_dossier(document_id: int) -> None:
    """Build the dossier PDF of the edition that owns this document (idempotent)."""
    edition_id = db.session.scalar(select(Edition.id).where(Edition.document_id == document_id))
    if edition_id is None:
        return

    def render() -> bytes:
        edition = services.by_id(edition_id)
        assert edition is not None  # it owns the document, found just above
        return dossier_pdf(edition)

    documents.build(document_id, render)
