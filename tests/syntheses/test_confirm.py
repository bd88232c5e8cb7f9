"""Publishing a synthesis asks first (what is frozen, who is told), and the page of a version
says truthfully where its PDF stands: in preparation, ready (the link only) or failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from consultation.core.audit import AuditEntry
from consultation.core.errors import DomainError
from consultation.extensions import db
from consultation.syntheses import services
from consultation.syntheses.models import SynthesisVersion
from tests import factories
from tests.forms import submit
from tests.proposals.helpers import text
from tests.syntheses.test_views import active_project, publish, set_document, words

pytestmark = pytest.mark.usefixtures("printed")

NARRATIVE = ("# Ce que la consultation a montré\n\nLes habitants veulent des bancs.\n"
             "[[participation]]\nEt de l'ombre en été.\n\nUne quatrième ligne, plus loin.")


def versions() -> int:
    """How many versions are published."""
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(SynthesisVersion)) or 0


def publications() -> int:
    """How many publications the journal holds."""
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "synthesis.publish")) or 0


def test_publishing_asks_first_what_is_frozen_and_who_is_told(app, as_role):
    """"Publier…" shows the confirmation page (version number, the first lines, the figures'
    date, how many elected officials and subscribers are told) and publishes nothing;
    "Annuler" gives the editor back as typed; only "Confirmer la publication" publishes."""
    project = active_project(proposals=2)
    factories.user(roles=("elected",))
    factories.user(roles=("elected",))
    subscriber = factories.user()
    services.subscribe(project, subscriber)
    db.session.commit()
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese/brouillon"

    asked = submit(moderator, url, moderator.get(url), "Publier…", {"narrative": NARRATIVE})
    assert asked.status_code == 200
    page = words(asked)
    assert "Publier la version 1 de la synthèse\u00a0?" in text(asked)
    assert "Les habitants veulent des bancs." in page and "Et de l'ombre en été." in page
    assert "quatrième ligne" not in page and "[[participation]]" not in page
    assert "Les chiffres arrêtés au moment de la confirmation, le" in page
    assert "6 participant·es, 2 propositions, 4 commentaires, 1 soutien." in page
    assert "2 élu·es, par une notification" in page
    assert "1 personne abonnée à la synthèse de ce projet" in page
    assert versions() == 0 and publications() == 0

    # A POST without the confirmation (a script, a double click) is asked again.
    again = moderator.post(url, data={"narrative": NARRATIVE, "change_note": "",
                                      "publish": "y"})
    assert again.status_code == 200 and "Confirmer la publication" in text(again)
    assert versions() == 0

    cancelled = submit(moderator, url, asked, "Annuler")
    assert cancelled.status_code == 200
    assert "Rédiger la synthèse" in text(cancelled)
    assert "Les habitants veulent des bancs." in text(cancelled)
    assert versions() == 0 and publications() == 0

    confirmed = submit(moderator, url, asked, "Confirmer la publication")
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == f"/projets/{project.slug}/synthese/v1"
    assert versions() == 1 and publications() == 1
    version = services.version(project, 1)
    assert version is not None and "Et de l'ombre en été." in version.narrative
    shown = text(moderator.get(confirmed.headers["Location"]))
    assert "La version 1 de la synthèse est publiée." in shown
    # Built inline (no Redis): the link only, no word of a build under way.
    assert "Télécharger le PDF (" in shown
    assert "préparation" not in shown and "en cours" not in shown.lower()


def test_confirmation_refuses_what_publishing_would(app, as_role):
    """An empty text, or a second version without a note, is refused on the editor (422)
    before any confirmation page, with what was typed."""
    project = active_project(proposals=1)
    publish(project)
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese/brouillon"
    refused = submit(moderator, url, moderator.get(url), "Publier…",
                     {"narrative": "Une suite.", "change_note": ""})
    assert refused.status_code == 422
    assert "Dites en une phrase ce qui change par rapport à la version 1." in text(refused)
    assert "Une suite." in text(refused) and "Confirmer la publication" not in text(refused)
    asked = submit(moderator, url, moderator.get(url), "Publier…",
                   {"narrative": "Une suite.", "change_note": "Les réponses."})
    assert "Publier la version 2 de la synthèse" in text(asked)
    assert "La version 1 restera consultable." in text(asked)
    assert "Les réponses." in text(asked)


STATES: dict[str, dict[str, Any]] = {
    "pending": {"state": "pending", "content": None, "started_at": None},
    "running": {"state": "running", "content": None},
    "failed": {"state": "failed", "content": None, "error": "RuntimeError: police"},
}


@pytest.mark.parametrize("state", ["pending", "running", "ready", "failed", "stale"])
def test_pdf_state_is_told_the_same_way_on_the_version_and_its_status_page(
        app, client, state: str):
    """Pending or running: "PDF en préparation" and a link to the status page, which offers
    "Actualiser"; ready: only the download link; failed (or a worker that died): "PDF
    indisponible" on both pages; never "en cours" beside a ready link."""
    from consultation.core.models import utcnow

    project = active_project(proposals=1)
    version = publish(project)
    pdf_url = f"/projets/{project.slug}/synthese/v1/pdf"
    if state == "stale":
        set_document(version, state="running", content=None,
                     started_at=utcnow() - timedelta(hours=1))
    elif state != "ready":
        set_document(version, **{"started_at": utcnow(), **STATES[state]})
    page = text(client.get(f"/projets/{project.slug}/synthese/v1"))
    status = client.get(pdf_url)
    if state == "ready":
        assert f'href="{pdf_url}">Télécharger le PDF (' in page
        for word in ("préparation", "indisponible", "En cours", "en cours", "En attente"):
            assert word not in page
        assert status.headers["Content-Type"] == "application/pdf"
        return
    assert "Télécharger le PDF" not in page
    assert f'href="{pdf_url}">Voir l\'état de sa fabrication</a>' in page
    status_page = text(status)
    assert status.headers["Content-Type"].startswith("text/html")
    if state in ("pending", "running"):
        for shown in (page, status_page):
            assert "PDF en préparation" in shown and "indisponible" not in shown
        assert f'href="{pdf_url}">Actualiser</a>' in status_page
    else:
        for shown in (page, status_page):
            assert "PDF indisponible" in shown and "préparation" not in shown
        assert "Actualiser" not in status_page


def test_a_draft_projects_synthesis_cannot_be_published(app):
    """A project still a draft has no public synthesis: publishing is refused in French."""
    project = factories.project("synthesis", published=False)
    moderator = factories.user(roles=("moderator",))
    with pytest.raises(DomainError) as refused:
        services.publish(project, moderator, "Le texte.", "")
    assert "Publiez d'abord le projet" in refused.value.message
