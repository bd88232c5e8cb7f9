"""The accessibility statement: reachable from every page's footer, complete, self-contained."""

from __future__ import annotations

from tests.test_pages import check_page, text_of


def test_statement_says_what_the_law_asks(client, app):
    """State of conformity, tests, known defects, how it was made, contact and recourse."""
    app.config.update(ACCESSIBILITY_CONTACT="a11y@brest.example",
                      ACCESSIBILITY_POSTAL_ADDRESS="Hôtel de métropole, 29200 Brest")
    response = client.get("/accessibilite")
    assert response.status_code == 200
    check_page("/accessibilite", response.get_data(as_text=True))
    page = text_of(response)
    assert "<h1>Déclaration d'accessibilité</h1>" in page
    assert "partiellement conforme" in page and "RGAA), version 4.1" in page
    assert "axe-core" in page and "Chromium" in page and "audit" in page
    assert "clavier seul" in page and "JavaScript désactivé" in page
    assert "320 pixels" in page and "200 %" in page
    assert "1er\u00a0décembre 2026" in page
    assert '<a href="mailto:a11y@brest.example">a11y@brest.example</a>' in page
    assert "Hôtel de métropole, 29200 Brest" in page
    assert "Défenseur des droits" in page and "www.defenseurdesdroits.fr" in page
    assert "Libre réponse 71120" in page


def test_every_page_links_to_it_from_the_footer(client):
    """The footer of every page carries the RGAA's mention and link."""
    for url in ("/", "/projets", "/compte/connexion", "/nulle-part"):
        page = client.get(url).get_data(as_text=True)
        link = '<a href="/accessibilite">Accessibilité\u00a0: partiellement conforme</a>'
        assert link in page, url
