"""The elected officials' reading space (/elus): who may open it, the latest synthesis of each
project and the Rencontres dossiers with their PDFs, what is new since the official last marked
the space as seen (a POST: opening the page changes nothing), the follow-up part, its SQL count."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from consultation.core import jobs
from consultation.elected.models import ElectedVisit
from consultation.extensions import db
from consultation.rencontres import services as rencontres
from consultation.syntheses import render
from consultation.syntheses import services as syntheses
from consultation.syntheses.models import SynthesisVersion
from tests import factories
from tests.forms import submit
from tests.routes import STAND_IN


@pytest.fixture(autouse=True)
def stand_in_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFs are not laid out here (tests/syntheses and tests/rencontres do)."""
    monkeypatch.setattr(render, "write_pdf", lambda html_: STAND_IN)


def text(response: Any) -> str:
    """The page as text: entities decoded, tags dropped, spaces (non-breaking too) squeezed."""
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(page.replace("\u00a0", " ").split())


def publish(project: Any, narrative: str = "## Bilan\n\nLe texte.", note: str = "") -> Any:
    """A new published version of the project's synthesis, its PDF built."""
    version = syntheses.publish(project, factories.user(roles=("moderator",)), narrative, note)
    db.session.commit()
    jobs.dispatch_committed()
    return version


@pytest.fixture
def elected(as_role):
    return as_role("citizen", "elected")


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/elus")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    assert client.post("/elus/vu").status_code == 302


@pytest.mark.parametrize("roles", [("citizen",), ("citizen", "moderator"),
                                   ("citizen", "mediator")])
def test_other_roles_are_refused_in_french(as_role, roles):
    client = as_role(*roles)
    response = client.get("/elus")
    assert response.status_code == 403
    assert "Cette action est réservée à un rôle que vous n'avez pas." in text(response)
    assert client.post("/elus/vu").status_code == 403
    assert db.session.scalar(select(ElectedVisit)) is None
    assert 'href="/elus"' not in client.get("/").get_data(as_text=True)


def test_admins_may_read_it(as_role):
    assert as_role("citizen", "admin").get("/elus").status_code == 200


def test_header_link_for_elected(elected):
    page = elected.get("/").get_data(as_text=True)
    assert 'href="/elus"' in page
    assert "Espace élu·es" in page


def test_latest_synthesis_per_project_and_dossiers(elected):
    project = factories.project("synthesis", title="Des pistes cyclables")
    other = factories.project("synthesis", title="Les jardins partagés")
    db.session.commit()
    publish(project)
    latest = publish(project, "## Bilan\n\nLe texte revu.", "Les chiffres de novembre.")
    first_other = publish(other)
    edition = rencontres.save(
        None, factories.user(roles=("admin",)), year=2026, title="Rencontres 2026",
        held_on=date(2026, 12, 4), venue="Brest", programme="- Accueil",
        version_ids=[latest.id])
    db.session.commit()
    rencontres.publish(edition, factories.user(roles=("admin",)))
    db.session.commit()
    jobs.dispatch_committed()
    draft = rencontres.save(
        None, factories.user(roles=("admin",)), year=2027, title="Rencontres 2027",
        held_on=date(2027, 12, 4), venue="Brest", programme="- Accueil",
        version_ids=[latest.id])
    db.session.commit()

    response = elected.get("/elus")
    page, raw = text(response), response.get_data(as_text=True)
    slug = project.slug
    assert f'href="/projets/{slug}/synthese/v2"' in raw
    assert f'href="/projets/{slug}/synthese/v2/pdf"' in raw
    assert f'href="/projets/{slug}/synthese/v1"' not in raw  # only the latest version
    assert f'href="/projets/{other.slug}/synthese/v1/pdf"' in raw
    assert "version 2, publiée le" in page
    assert "Ce qui a changé : Les chiffres de novembre." in page
    assert first_other.number == 1
    assert 'href="/rencontres/2026"' in raw
    assert 'href="/rencontres/2026/dossier"' in raw
    assert "Rencontres 2027" not in page and draft.year == 2027
    assert 'href="/suivi"' in raw
    # Both PDF links answer with a PDF.
    assert elected.get(f"/projets/{slug}/synthese/v2/pdf").mimetype == "application/pdf"
    assert elected.get("/rencontres/2026/dossier").mimetype == "application/pdf"


def test_new_since_last_marked_as_seen(elected):
    project = factories.project("synthesis", title="Des pistes cyclables")
    later = factories.project("synthesis", title="Les jardins partagés")
    db.session.commit()
    publish(project)

    # Never marked: everything is new, and opening the page changes nothing.
    page = elected.get("/elus")
    assert "Vous n'avez encore jamais marqué cet espace comme vu" in text(page)
    assert text(page).count("Nouveau ") == 1
    assert elected.get("/elus").status_code == 200
    assert db.session.scalar(select(ElectedVisit)) is None

    # The official marks it as seen, with the page's own form.
    response = submit(elected, "/elus", page, "Marquer tout comme vu")
    assert response.status_code == 302 and response.headers["Location"].endswith("/elus")
    visit = db.session.scalar(select(ElectedVisit))
    assert visit is not None and visit.user_id == elected.user.id
    page = text(elected.get("/elus"))
    assert "Rien de nouveau depuis que vous avez marqué cet espace comme vu" in page
    assert "Nouveau " not in page
    assert "Marquer tout comme vu" not in page  # nothing left to mark

    # Something published afterwards is new, what was seen is not.
    db.session.execute(update(ElectedVisit).values(
        seen_at=visit.seen_at - timedelta(minutes=1)))
    db.session.execute(update(SynthesisVersion).values(
        published_at=visit.seen_at - timedelta(minutes=2)))
    db.session.commit()
    publish(later)
    response = elected.get("/elus")
    page = text(response)
    assert "1 publication depuis que vous avez marqué cet espace comme vu" in page
    assert page.count("Nouveau ") == 1
    assert page.index("Nouveau ") < page.index("Les jardins partagés") < page.index(
        "Des pistes cyclables")
    # Marking again moves the mark; another official's mark is their own.
    submit(elected, "/elus", response, "Marquer tout comme vu")
    assert "Nouveau " not in text(elected.get("/elus"))


def test_followup_dashboard_is_included(elected):
    """The follow-up domain's dashboard is part of the space, with a link to every
    commitment."""
    page = elected.get("/elus").get_data(as_text=True)
    assert 'href="/suivi"' in page
    assert "Le suivi des engagements" in page


def test_statement_count_does_not_grow(elected, count_queries):
    def add(n: int, year: int) -> None:
        versions = []
        for _ in range(n):
            project = factories.project("synthesis")
            db.session.commit()
            versions.append(publish(project))
            versions.append(publish(project, note="Une version revue."))
        edition = rencontres.save(
            None, factories.user(roles=("admin",)), year=year, title=f"Rencontres {year}",
            held_on=date(year, 12, 4), venue="Brest", programme="- Accueil",
            version_ids=[versions[-1].id])
        db.session.commit()
        rencontres.publish(edition, factories.user(roles=("admin",)))
        db.session.commit()
        jobs.dispatch_committed()

    add(1, 2020)
    elected.get("/elus")
    with count_queries() as few:
        assert elected.get("/elus").status_code == 200
    add(5, 2021)
    add(1, 2022)
    with count_queries() as many:
        response = elected.get("/elus")
        assert response.status_code == 200
    assert text(response).count("Nouveau ") == 10  # 7 syntheses, 3 dossiers
    assert many.count == few.count, (few.statements, many.statements)
