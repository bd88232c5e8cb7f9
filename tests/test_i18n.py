"""Languages: French by default, English on request or from the profile; dates in French."""

from __future__ import annotations

import html
import subprocess
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from consultation.extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre")


@pytest.fixture(scope="session")
def english_catalogue() -> None:
    """The compiled catalogues, compiled here as `make install` does when missing or stale."""
    stale = [po for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")
             if not po.with_suffix(".mo").exists()
             or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "pybabel"), "compile", "--use-fuzzy",
             "-d", str(TRANSLATIONS)],
            capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stderr


@pytest.fixture
def english(app: Flask, english_catalogue: None) -> None:
    """Forget translations cached before the catalogue was compiled."""
    app.extensions["babel"].instance.domain_instance.cache.clear()


def text_of(response) -> str:
    """The response as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def nav_label(page: str) -> str:
    """The label of the main menu's projects link."""
    start = page.index('<nav aria-label="')
    end = page.index("</nav>", start)
    menu = page[start:end]
    link = menu.index('href="/projets"')
    return menu[menu.index(">", link) + 1 : menu.index("</a>", link)].strip()


def test_french_by_default(client):
    """Without a choice the interface is French."""
    page = text_of(client.get("/projets"))
    assert '<html lang="fr">' in page
    assert nav_label(page) == "Projets"
    assert "Aller au contenu" in page
    assert "English version" in page


def test_switch_to_english_and_back(client, english):
    """POST /langue lang=en turns the interface English; lang=fr turns it back."""
    response = client.post("/langue", data={"lang": "en", "next": "/projets?etat=ouverts"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/projets?etat=ouverts")
    page = text_of(client.get("/projets"))
    assert '<html lang="en">' in page
    assert nav_label(page) == "Projects"
    assert "Skip to content" in page
    assert "Version française" in page

    missing = client.get("/nulle-part")
    assert missing.status_code == 404
    assert "Page not found" in text_of(missing)

    client.post("/langue", data={"lang": "fr"})
    page = text_of(client.get("/projets"))
    assert '<html lang="fr">' in page
    assert nav_label(page) == "Projets"


def test_unknown_language_is_ignored(client):
    """A language the site does not offer leaves it in French; a foreign next is dropped."""
    response = client.post("/langue", data={"lang": "de", "next": "https://exemple.com/"})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    page = text_of(client.get("/projets"))
    assert '<html lang="fr">' in page
    assert nav_label(page) == "Projets"


def test_user_with_english_profile_gets_english(as_role, english):
    """A user whose profile says English gets English pages without choosing again."""
    reader = as_role("citizen")
    reader.user.locale = "en"
    db.session.commit()
    page = text_of(reader.get("/projets"))
    assert '<html lang="en">' in page
    assert nav_label(page) == "Projects"
    # A French-speaking user next to them still reads French.
    other = as_role("citizen")
    assert nav_label(text_of(other.get("/projets"))) == "Projets"


def test_profile_language_choice_switches_the_interface(as_role, english):
    """Choosing English in the profile form switches the interface at once."""
    reader = as_role("citizen")
    response = reader.post(
        "/compte/profil",
        data={"profil-display_name": "Lecteur", "profil-commune": "", "profil-locale": "en"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert reader.user.locale == "en"
    assert nav_label(text_of(reader.get("/projets"))) == "Projects"


def test_dates_are_written_in_french(client):
    """The project page writes its phase dates with French month names."""
    phases = {
        "information": (date(2026, 1, 5), date(2026, 2, 1)),
        "consultation": (date(2026, 2, 2), date(2026, 3, 31)),
        "synthesis": (date(2026, 4, 1), date(2026, 7, 31)),
        "follow_up": (date(2026, 8, 1), date(2026, 12, 31)),
    }
    project = factories.project(phases=phases)
    db.session.commit()
    page = text_of(client.get(f"/projets/{project.slug}"))
    for expected in ("5 janvier 2026", "1er février 2026", "31 mars 2026", "1er avril 2026",
                     "31 juillet 2026", "1er août 2026", "31 décembre 2026"):
        # The day and its month are not split at the end of a line.
        assert expected.replace(" ", "\u00a0", 1) in page
    assert "January" not in page and "December" not in page


def test_dates_follow_the_language(client, english):
    """The same dates are written in English for an English reader."""
    phases = {
        "information": (date(2026, 1, 5), date(2026, 2, 1)),
        "consultation": (date(2026, 2, 2), date(2026, 3, 31)),
        "synthesis": (date(2026, 4, 1), date(2026, 7, 31)),
        "follow_up": (date(2026, 8, 1), date(2026, 12, 31)),
    }
    project = factories.project(phases=phases)
    db.session.commit()
    client.post("/langue", data={"lang": "en"})
    page = text_of(client.get(f"/projets/{project.slug}"))
    assert "5\u00a0January 2026" in page and "1\u00a0February 2026" in page
    assert not any(f"{month} 2026" in page for month in FRENCH_MONTHS)


def test_comment_dates_in_french(client):
    """Dates of proposals and comments are written in French too."""
    proposal = factories.proposal(factories.project("consultation"))
    factories.comment(proposal)
    db.session.commit()
    page = text_of(client.get(f"/propositions/{proposal.id}"))
    assert any(f"\u00a0{month} " in page for month in FRENCH_MONTHS)


def test_french_plural_rule(client, english_catalogue):
    """French says "0 soutien" (singular for zero), as the French catalogue's rule wants."""
    proposal = factories.proposal()
    db.session.commit()
    page = text_of(client.get(f"/propositions/{proposal.id}"))
    assert "0 personne soutient cette proposition." in page
