"""Who runs the site and its rules: header, footer, legal notice, contact, charter, site map,
favicon, what a shared page says of itself, and static files cached for a year."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from consultation.core import assets
from consultation.extensions import db
from tests import factories
from tests.test_pages import check_page

FOOTER_PAGES = ("/mentions-legales", "/contact", "/charte", "/plan-du-site")


def page_of(response) -> str:
    """The page's text, entities decoded."""
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_header_and_footer_say_who_runs_the_site(client):
    """The brand carries the mark (inline, decorative) and the publisher's name; the footer
    names the publisher and links every page about the site, the site map included."""
    page = page_of(client.get("/projets"))
    header = page[page.index('<header class="site">'):page.index("</header>")]
    assert '<svg aria-hidden="true" focusable="false" class="brand-mark"' in header
    assert "Brest métropole" in header
    footer = page[page.index('<footer class="site">'):]
    assert "Un service public de Brest métropole" in footer
    for path in FOOTER_PAGES + ("/confidentialite", "/accessibilite"):
        assert f'href="{path}"' in footer, path


def test_the_publisher_is_a_setting(app, client):
    """LEGAL_PUBLISHER names who runs the site everywhere it is said."""
    app.config["LEGAL_PUBLISHER"] = "Pôle métropolitain du Pays de Brest"
    page = page_of(client.get("/"))
    assert "Un service public de Pôle métropolitain du Pays de Brest" in page
    assert "Pôle métropolitain du Pays de Brest" in page_of(client.get("/mentions-legales"))


def test_pages_about_the_site_follow_the_rules(client):
    """Legal notice, contact, charter and site map: French, labelled, nothing from elsewhere."""
    for path in FOOTER_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(path, response.get_data(as_text=True))


def test_legal_notice_shows_settings_and_honest_placeholders(app, client):
    """Unset, a person or an address reads "À renseigner" with the setting to set; set, it is
    shown as given."""
    page = page_of(client.get("/mentions-legales"))
    for name in ("LEGAL_PUBLISHER_ADDRESS", "LEGAL_DIRECTOR", "LEGAL_HOST"):
        assert f"À renseigner (réglage {name})" in page, name
    app.config.update(LEGAL_DIRECTOR="Mme Anne Exemple, présidente", LEGAL_HOST="Hébergeur SA",
                      LEGAL_PUBLISHER_ADDRESS="1 rue de l'Exemple, 29200 Brest")
    page = page_of(client.get("/mentions-legales"))
    assert "À renseigner" not in page
    for shown in ("Mme Anne Exemple, présidente", "Hébergeur SA", "1 rue de l'Exemple"):
        assert shown in page
    assert 'href="mailto:contact@consultation.brest.example"' in page


def test_settings_come_from_the_environment():
    """Every setting that names a person or an address can be given by the deployment."""
    from consultation.config import from_environment

    names = ("LEGAL_PUBLISHER", "LEGAL_PUBLISHER_ADDRESS", "LEGAL_DIRECTOR", "LEGAL_HOST",
             "CONTACT_EMAIL", "CONTACT_POSTAL_ADDRESS", "MODERATION_CONTACT")
    found = from_environment({name: f"valeur de {name}" for name in names})
    assert found == {name: f"valeur de {name}" for name in names}


def test_contact_says_who_to_write_to_for_what(app, client):
    """Moderation appeals, personal data, accessibility and the rest, each its address."""
    app.config["CONTACT_POSTAL_ADDRESS"] = "Hôtel de métropole, 29200 Brest"
    page = page_of(client.get("/contact"))
    for heading in ("Contester une décision de modération", "Vos données personnelles",
                    "Accessibilité", "Toute autre question"):
        assert heading in page
    for address in ("moderation@", "donnees-personnelles@", "accessibilite@", "contact@"):
        assert f'href="mailto:{address}consultation.brest.example"' in page, address
    assert "Hôtel de métropole, 29200 Brest" in page


def test_charter_says_what_is_welcome_moderated_and_how_to_appeal(app, client):
    """The charter's sections, the report threshold as configured, the appeal address."""
    app.config["REPORT_THRESHOLD"] = 4
    page = page_of(client.get("/charte"))
    for anchor in ("bienvenu", "moderation", "decisions", "contester"):
        assert f'id="{anchor}"' in page
    assert "Après 4 signalements de personnes différentes" in page
    assert 'href="mailto:moderation@consultation.brest.example"' in page


def test_charter_in_english(client):
    """The charter reads in English on English pages."""
    client.post("/langue", data={"lang": "en", "next": "/charte"})
    page = page_of(client.get("/charte"))
    assert '<html lang="en">' in page
    assert "<h1>Participation charter</h1>" in page


def test_site_map_lists_sections_and_projects_in_constant_queries(client, count_queries):
    """Every section and every project, in as many statements for 2 projects as for 12."""
    titles = [factories.project("consultation").title for _ in range(2)]
    db.session.commit()
    with count_queries() as few:
        page = page_of(client.get("/plan-du-site"))
    for title in titles:
        assert title in page
    for path in ("/projets", "/suivi", "/rencontres", "/recherche", "/donnees", "/charte",
                 "/mentions-legales", "/contact", "/compte/inscription"):
        assert f'href="{path}"' in page, path
    for _ in range(10):
        factories.project("information")
    db.session.commit()
    with count_queries() as many:
        assert client.get("/plan-du-site").status_code == 200
    assert many.count == few.count


def test_favicon(client):
    """The page names the mark as its icon; /favicon.ico answers with it, never a 404."""
    page = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon is not None and icon.group(1).startswith("/static/brand/mark.svg?v=")
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg")


def meta(page: str, name: str) -> str:
    """The content of a <meta property=...> or <meta name=...>."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', page)
    assert found is not None, name
    return html.unescape(found.group(1))


def test_every_page_describes_itself(client, monkeypatch):
    """Description and Open Graph tags, the address on the public site; pages of their own
    (project, proposal, synthesis) describe themselves with their text."""
    from consultation.syntheses import render
    from consultation.syntheses import services as syntheses

    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    project = factories.project("consultation", summary="Un résumé du projet, " * 20)
    proposal = factories.proposal(project, title="Des bancs à l'ombre",
                                  body="**Des bancs** sous les arbres du cours Dajot.")
    db.session.commit()
    moderator = factories.user(roles=("moderator",))
    syntheses.publish(project, moderator,
                      "## Ce que nous retenons\n\n[[participation]]\n\nLes habitants veulent "
                      "de l'ombre.", "")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert meta(page, "og:url") == "http://127.0.0.1:5000/"
    assert meta(page, "og:site_name") == "Consultation Brest métropole"
    assert meta(page, "og:locale") == "fr_FR"
    assert meta(page, "og:type") == "website"
    assert meta(page, "description").startswith("Plateforme de consultation citoyenne")
    assert meta(page, "og:description") == meta(page, "description")

    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert meta(page, "og:title") == "Des bancs à l'ombre"
    assert meta(page, "description") == "Des bancs sous les arbres du cours Dajot."
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:url") == f"http://127.0.0.1:5000/propositions/{proposal.id}"

    page = client.get(f"/projets/{project.slug}").get_data(as_text=True)
    assert len(meta(page, "description")) <= 160
    assert meta(page, "description").startswith("Un résumé du projet")

    page = client.get(f"/projets/{project.slug}/synthese").get_data(as_text=True)
    assert meta(page, "description") == "Ce que nous retenons Les habitants veulent de l'ombre."


def test_share_box_needs_no_script(client):
    """A read-only field holding the address, and a mail with subject and body: no script, no
    other host."""
    proposal = factories.proposal(factories.project("consultation"), title="Un abri à vélos")
    db.session.commit()
    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    address = f"http://127.0.0.1:5000/propositions/{proposal.id}"
    assert (f'<input type="text" id="lien-de-la-page" value="{address}" readonly>') in page
    mail = re.search(r'<a href="(mailto:[^"]+)">Envoyer par e-mail</a>', page)
    assert mail is not None
    query = parse_qs(urlsplit(html.unescape(mail.group(1))).query)
    assert query["subject"] == ["Un abri à vélos"]
    assert address in query["body"][0] and "Un abri à vélos" in query["body"][0]
    check_page("share", page)


def test_stylesheet_is_fingerprinted_and_cached_for_a_year(client):
    """The stylesheet's URL carries its content's hash: asked for by it, the file is cached a
    year and never revalidated; by another (or no) version, a few minutes only."""
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'<link rel="stylesheet" href="/static/style\.css\?v=([0-9a-f]+)">', page)
    assert found is not None
    with client.application.app_context():
        assert found.group(1) == assets.fingerprint("style.css")
    current = client.get(f"/static/style.css?v={found.group(1)}")
    assert current.status_code == 200
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/style.css?v=0123456789", "/static/style.css"):
        response = client.get(stale)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300", stale
    assert client.get("/static/nulle-part.css?v=x").status_code == 404
    assert client.get("/static/brand?v=x").status_code == 404  # a folder, not a file


def test_a_changed_file_gets_a_new_fingerprint(app, tmp_path, monkeypatch):
    """The hash follows the file's content (read once per version, not per page)."""
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    sheet = tmp_path / "style.css"
    sheet.write_text("body{color:black}")
    with app.test_request_context():
        first = assets.fingerprint("style.css")
        sheet.write_text("body{color:navy}")
        second = assets.fingerprint("style.css")
        assert first and second and first != second
        assert assets.static_url("style.css") == f"/static/style.css?v={second}"
        assert assets.fingerprint("../config.py") is None
