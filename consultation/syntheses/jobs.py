"""Synthesis jobs: build a version's PDF, tell readers it is published."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from consultation.core import documents
from consultation.core.db import claim_once
from consultation.core.mail import compose, send_once
from consultation.extensions import db
from consultation.syntheses import render, services
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


def notify_published(version_id: int) -> None:
    """Email elected officials and subscribers that a synthesis is published (each once)."""
    version = db.session.get(SynthesisVersion, version_id)
    if version is None or version.notified_at is not None:
        return

    def message(user):
        with force_locale(user.locale or "fr"), current_app.test_request_context(
            base_url=current_app.config["PUBLIC_URL"]
        ):
            slug = version.project.slug
            return compose(
                user.email,
                _("Synthèse publiée : %(title)s", title=version.project.title),
                "synthesis_published",
                user=user,
                version=version,
                link=url_for("syntheses.show_version", slug=slug, number=version.number,
                             _external=True),
                pdf_link=url_for("syntheses.pdf", slug=slug, number=version.number,
                                 _external=True),
            )

    send_once(f"synthesis:{version_id}", services.recipients(version.project_id), message)
    claim_once(SynthesisVersion, version_id, SynthesisVersion.notified_at)
