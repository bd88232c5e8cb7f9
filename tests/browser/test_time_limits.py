"""No time limit the reader cannot stop (RGAA 13.1): the page of a PDF being built reloads
itself every 5 seconds, and offers a link that stops it (and one that starts it again)."""

from __future__ import annotations

from consultation.extensions import db
from consultation.syntheses import services as syntheses
from tests import factories

REFRESH = "meta[http-equiv=refresh]"


def test_the_reader_can_stop_the_status_page_from_reloading(visitor):
    """While the PDF waits, the page reloads itself; "Arrêter le rechargement automatique"
    gives the same page without it, "Reprendre" brings it back; all by keyboard-reachable
    links, with JavaScript off."""
    project = factories.project("synthesis")
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    syntheses.publish(project, moderator, "Un texte.", "")
    db.session.commit()  # the PDF job is not dispatched: the document stays pending

    page = visitor(javascript=False).open(f"/projets/{project.slug}/synthese/v1/pdf")
    assert page.status == 200
    assert page.locator(REFRESH).get_attribute("content") == "5"
    assert "se recharge seule" in page.locator("[role=status]").inner_text()

    with page.expect_navigation():
        page.click("text=Arrêter le rechargement automatique")
    assert page.url.endswith("/pdf?recharger=non")
    assert page.locator(REFRESH).count() == 0
    assert "rechargement automatique est arrêté" in page.locator("[role=status]").inner_text()

    with page.expect_navigation():
        page.click("text=Reprendre le rechargement automatique")
    assert page.locator(REFRESH).count() == 1
