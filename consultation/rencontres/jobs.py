"""Edition jobs: build the dossier PDF, tell readers the edition is published."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consultation.core import documents, pages
from consultation.core.db import claim_once
from consultation.core.mail import compose, send_once
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


def notify_published(edition_id: int) -> None:
    """Email elected officials and subscribers that the edition is published (each once)."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition.notified_at is not None:
        return

    def message(user):
        with force_locale(user.locale or "fr"), current_app.test_request_context(
            base_url=current_app.config["PUBLIC_URL"]
        ):
            return compose(
                user.email,
                _("Rencontres des numériques %(year)d : le dossier est publié", year=edition.year),
                "edition_published",
                user=user,
                edition=edition,
                link=url_for("rencontres.show", year=edition.year, _external=True),
                pdf_link=url_for("rencontres.dossier", year=edition.year, _external=True),
            )

    send_once(f"edition:{edition_id}", services.recipients(), message)
    claim_once(Edition, edition_id, Edition.notified_at)
