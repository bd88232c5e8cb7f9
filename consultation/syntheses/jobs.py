"""Synthesis jobs: build a version's PDF (readers are told by the notifications)."""

from __future__ import annotations

from consultation.core import documents
from consultation.extensions import db
from consultation.syntheses import render
from consultation.syntheses.models import SynthesisVersion


def version_pdf(version: SynthesisVersion) -> bytes:
    """The PDF of a published version, from its frozen figures."""
    return render.synthesis_pdf(
        version.project,
        {**version.figures, "proposals": version.annex},
        version.narrative,
        number=version.number,
        published_at=version.published_at,
        change_note=version.change_note,
    )


def build_pdf(document_id: int) -> None:
    """Build the PDF of the synthesis version that owns this document (idempotent)."""
    version = db.session.scalar(
        db.select(SynthesisVersion).where(SynthesisVersion.document_id == document_id)
    )
    if version is None:
        return
    version_id = version.id
    documents.build(
        document_id, lambda: version_pdf(db.session.get_one(SynthesisVersion, version_id))
    )
