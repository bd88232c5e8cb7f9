"""What the follow-up adds to syntheses (the [[suivi]] block, frozen at publication), to the
Rencontres dossier (the chapter "Ce que la métropole a fait") and to the elected officials'
dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import render_template

from consultation.core import jobs
from consultation.extensions import db
from consultation.followup import services
from consultation.rencontres import jobs as rencontres_jobs
from consultation.rencontres import services as rencontres
from consultation.syntheses import render
from consultation.syntheses import services as syntheses
from tests import factories
from tests.followup.helpers import commitment

NARRATIVE = "## Ce que nous retenons\n\nUn texte.\n\n[[suivi]]\n\n## Et ensuite\n\nLa suite."


@pytest.fixture
def printed(monkeypatch) -> list[str]:
    """The print HTML of every PDF laid out (the PDF itself is not made)."""
    pages: list[str] = []

    def stand_in(html: str) -> bytes:
        pages.append(html)
        return b"%PDF-1.7\n%%EOF\n"

    monkeypatch.setattr(render, "write_pdf", stand_in)
    return pages


@pytest.fixture
def world(app) -> dict[str, Any]:
    admin = factories.user(roles=("admin", "moderator"))
    project = factories.project("synthesis", actor=admin, title="Projet des quais")
    made = commitment(project, admin, title="Éclairer les quais", status="en_cours",
                      progress=40)
    db.session.commit()
    return {"admin": admin, "project": project, "commitment": made}


def test_a_placed_suivi_block_is_frozen_with_the_version(client, world, printed):
    version = syntheses.publish(world["project"], world["admin"], NARRATIVE, "")
    db.session.commit()
    jobs.dispatch_committed()
    assert version.figures["extra"]["suivi"][0]["status"] == "en_cours"
    services.add_update(world["admin"], world["commitment"], "Fini.", "realise", 100)
    db.session.commit()
    page = client.get(f"/projets/{world['project'].slug}/synthese").text
    page = page[page.index("<body"):]  # the head's description quotes the text's start
    block = page[page.index('id="chiffres-suivi"'):]
    assert "Le suivi des engagements" in page and "Éclairer les quais" in block
    assert "En cours" in block[:block.index("</table>")]
    assert "Réalisé" not in block[:block.index("</table>")]  # the frozen status, not today's
    assert page.index("Ce que nous retenons") < page.index('id="chiffres-suivi"') \
        < page.index("Et ensuite")
    # The PDF of the version shows the same frozen block.
    html = printed[-1]
    assert "Le suivi des engagements" in html and "Éclairer les quais" in html
    assert "40\u00a0%" in html


def test_an_unplaced_suivi_block_stays_out(client, world):
    syntheses.publish(world["project"], world["admin"], "Un texte sans bloc de suivi.", "")
    db.session.commit()
    page = client.get(f"/projets/{world['project'].slug}/synthese").text
    assert 'id="chiffres-suivi"' not in page
    assert 'id="chiffres-participation"' in page  # the built-in blocks still follow


def test_the_draft_offers_the_block_and_shows_it_live(as_role, world):
    moderator = as_role("moderator")
    moderator.post(f"/projets/{world['project'].slug}/synthese/brouillon",
                   data={"narrative": NARRATIVE, "change_note": "", "save": "1"})
    page = moderator.get(f"/projets/{world['project'].slug}/synthese/brouillon").text
    assert "<code>[[suivi]]</code>" in page
    assert "Éclairer les quais" in page


def test_a_version_published_before_the_block_existed_says_so(client, world):
    version = syntheses.publish(world["project"], world["admin"], NARRATIVE, "")
    db.session.commit()
    import json

    figures = json.loads(version.figures_json)
    del figures["extra"]
    version.figures_json = json.dumps(figures)
    db.session.commit()
    page = client.get(f"/projets/{world['project'].slug}/synthese").text
    assert "publiée avant le suivi des engagements" in page


def test_the_dossier_has_a_chapter_on_what_the_metropole_did(app, world, printed):
    version = syntheses.publish(world["project"], world["admin"], "Un texte.", "")
    services.add_update(world["admin"], world["commitment"], "Abandon.", "abandonne", 40,
                        "Les crédits sont allés à la digue.")
    edition = rencontres.save(None, world["admin"], year=2026, title="Rencontres 2026",
                              held_on=date(2026, 12, 4), venue="Brest", programme="",
                              version_ids=[version.id])
    db.session.commit()
    rencontres_jobs.dossier_pdf(edition)
    html = printed[-1]
    chapter = html[html.index('<h2 id="fait">'):]
    assert "Ce que la métropole a fait" in chapter and "Projet des quais" in chapter
    assert "Éclairer les quais" in chapter and "Abandonné" in chapter
    assert "Les crédits sont allés à la digue." in chapter
    assert '<a href="#fait">' in html  # in the contents


def test_the_elected_dashboard_counts_statuses_and_lists_latest_updates(app, world):
    services.add_update(world["admin"], world["commitment"], "Un point.", "en_cours", 70)
    commitment(world["project"], world["admin"], title="Repeindre les bancs")
    db.session.commit()
    from consultation.core import pages

    context = pages.context("elected")
    dashboard = context["followup_dashboard"]
    assert dashboard["counts"]["en_cours"] == 1 and dashboard["counts"]["prevu"] == 1
    assert dashboard["total"] == 2
    with app.test_request_context("/elus"):
        html = render_template("followup/_dashboard.html", **context)
    assert "Repeindre les bancs" in html and "Éclairer les quais" in html
    assert "70\u00a0% réalisé" in html
