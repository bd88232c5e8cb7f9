"""Every page: French, no JavaScript, accessible structure, labelled controls, no other host."""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from consultation.accounts import services as accounts
from consultation.extensions import db
from tests import factories

FIELD_INPUT_TYPES_EXEMPT = {"hidden", "submit", "button", "reset", "image"}
CHOICE_TYPES = {"radio", "checkbox"}


# --- an HTML reader -----------------------------------------------------------------------------

@dataclass
class Control:
    """A form control and where it sits."""

    tag: str
    type: str
    id: str | None
    name: str | None
    in_legended_fieldset: bool
    inside_label: bool


@dataclass
class PageFacts:
    """What the checks need to know about one page."""

    html_lang: str | None = None
    h1_count: int = 0
    ids: list[str] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    controls: list[Control] = field(default_factory=list)
    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)
    event_handlers: list[str] = field(default_factory=list)
    buttons_outside_forms: int = 0
    forms_without_method: int = 0
    skip_link_targets: list[str] = field(default_factory=list)
    links_in_user_text: set[str] = field(default_factory=set)


class PageReader(HTMLParser):
    """Collects PageFacts while reading a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self.fieldsets: list[dict[str, bool]] = []  # open fieldsets: has a legend yet?
        self.open_labels = 0
        self.open_forms = 0
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, starts user text?)
        self.first_link_seen = False

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        facts = self.facts
        if tag not in self.VOID:
            self.stack.append((tag, "prose" in attrs.get("class", "").split()))
        in_user_text = any(starts for _, starts in self.stack)
        if "id" in attrs:
            facts.ids.append(attrs["id"])
        for name in attrs:
            if name.startswith("on"):
                facts.event_handlers.append(f"{tag}[{name}]")
        for name in ("href", "src", "action", "srcset", "formaction", "poster", "data"):
            if name in attrs:
                facts.urls.append((tag, name, attrs[name]))
                if in_user_text and tag == "a":
                    facts.links_in_user_text.add(attrs[name])
        if tag == "html":
            facts.html_lang = attrs.get("lang")
        elif tag == "h1":
            facts.h1_count += 1
        elif tag == "a" and not self.first_link_seen:
            self.first_link_seen = True
            facts.skip_link_targets.append(attrs.get("href", ""))
        elif tag == "fieldset":
            self.fieldsets.append({"legend": False})
        elif tag == "legend" and self.fieldsets:
            self.fieldsets[-1]["legend"] = True
        elif tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                facts.label_for.add(attrs["for"])
        elif tag == "form":
            self.open_forms += 1
            if attrs.get("method", "").lower() not in {"get", "post"}:
                facts.forms_without_method += 1
        elif tag == "button" and not self.open_forms and attrs.get("type") != "button":
            facts.buttons_outside_forms += 1
        if tag in {"input", "select", "textarea"}:
            facts.controls.append(
                Control(
                    tag=tag,
                    type=attrs.get("type", "text").lower() if tag == "input" else tag,
                    id=attrs.get("id"),
                    name=attrs.get("name"),
                    in_legended_fieldset=any(f["legend"] for f in self.fieldsets),
                    inside_label=self.open_labels > 0,
                )
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()
        elif tag == "label" and self.open_labels:
            self.open_labels -= 1
        elif tag == "form" and self.open_forms:
            self.open_forms -= 1
        if any(opened == tag for opened, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass


def read(page: str) -> PageFacts:
    """Read a page."""
    reader = PageReader()
    reader.feed(page)
    reader.close()
    return reader.facts


def check_page(url: str, page: str, allow_user_links: bool = False) -> None:
    """Every rule a page of the site follows."""
    facts = read(page)
    # The scripts, files of the site: the time limits' warnings, only on kiosk pages and while
    # a mediator acts for someone, and the focus of a refused form's error summary.
    scripts = page.lower().replace('<script src="/static/kiosk.js" defer></script>', "", 1)
    scripts = scripts.replace('<script src="/static/forms.js" defer></script>', "", 1)
    assert "<script" not in scripts, f"{url}: no JavaScript but the site's two files"
    limited = '<body class="kiosk"' in page or 'id="acting-warning"' in page
    assert ("kiosk.js" in page) <= limited, f"{url}: timer without a time limit"
    assert ("forms.js" in page) <= ('class="error-summary"' in page), f"{url}: focus, no errors"
    assert not facts.event_handlers, f"{url}: inline event handlers {facts.event_handlers}"
    assert facts.html_lang == "fr", f"{url}: <html lang> is {facts.html_lang!r}"
    assert facts.skip_link_targets == ["#contenu"], f"{url}: the first link skips to #contenu"
    assert "contenu" in facts.ids, f"{url}: the skip link's target exists"
    assert facts.h1_count == 1, f"{url}: {facts.h1_count} <h1>"
    duplicates = sorted({i for i in facts.ids if facts.ids.count(i) > 1})
    assert not duplicates, f"{url}: duplicate ids {duplicates}"
    assert not facts.forms_without_method, f"{url}: a form without method"
    assert not facts.buttons_outside_forms, f"{url}: a button that needs JavaScript"
    for control in facts.controls:
        if control.tag == "input" and control.type in FIELD_INPUT_TYPES_EXEMPT:
            continue
        labelled = control.id is not None and control.id in facts.label_for
        grouped = control.type in CHOICE_TYPES and control.in_legended_fieldset
        assert labelled or grouped, f"{url}: control {control} has no label"
    for target in facts.label_for:
        assert target in facts.ids, f"{url}: <label for={target!r}> names no element"
    for tag, attribute, value in facts.urls:
        external = re.match(r"\s*(https?:)?//", value, re.IGNORECASE)
        if external and not (allow_user_links and value in facts.links_in_user_text):
            pytest.fail(f"{url}: {tag}[{attribute}] points to another host: {value}")


def text_of(response) -> str:
    """The response as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


# --- the site's pages ---------------------------------------------------------------------------

@pytest.fixture
def site(as_role, monkeypatch):
    """Data for every page: projects in several phases, a proposal, a thread, a published
    synthesis and edition (with stand-in PDFs, built elsewhere), four clients."""
    from consultation.core import jobs
    from consultation.rencontres import services as rencontres
    from consultation.syntheses import render
    from consultation.syntheses import services as syntheses

    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    admin = as_role("citizen", "admin")
    citizen = as_role("citizen")
    moderator = as_role("citizen", "moderator")
    project = factories.project(
        "consultation", support_limit=3, territory_ids=[factories.territory("Brest").id]
    )
    factories.project("information")
    factories.project("synthesis")
    proposal = factories.proposal(project, author=citizen.user, territory=factories.territory())
    editable = factories.proposal(project, author=citizen.user, title="Encore modifiable")
    root = factories.comment(proposal, author=citizen.user, body="Un **avis**.")
    reply = factories.comment(parent=root, author=admin.user, stance="contre")
    factories.comment(project, author=admin.user, stance="neutre")
    factories.support(proposal, admin.user)
    db.session.commit()
    version = syntheses.publish(project, moderator.user, "## Ce que nous retenons\n\nUn texte.", "")
    edition = rencontres.save(None, admin.user, year=2026, title="Rencontres 2026",
                              held_on=date(2026, 12, 4), venue="Brest", programme="- Accueil",
                              version_ids=[version.id])
    rencontres.publish(edition, admin.user)
    rencontres.save(None, admin.user, year=2027, title="Rencontres 2027", held_on=date(2027, 12, 3),
                    venue="Brest", programme="", version_ids=[])
    db.session.commit()
    jobs.dispatch_committed()
    return {
        "admin": admin, "citizen": citizen, "moderator": moderator, "project": project,
        "proposal": proposal, "editable": editable, "root": root, "reply": reply,
        "version": version,
    }


def public_urls(site) -> list[str]:
    """Pages anyone can read."""
    project, proposal = site["project"], site["proposal"]
    return [
        "/",
        "/projets",
        "/projets?etat=ouverts",
        f"/projets?territoire={factories.territory().id}",
        f"/projets/{project.slug}",
        f"/projets/{project.slug}/propositions",
        f"/projets/{project.slug}/propositions?tri=soutiens&reponse=none",
        f"/propositions/{proposal.id}",
        "/compte/inscription",
        "/compte/connexion",
        "/compte/mot-de-passe-oublie",
        f"/projets/{project.slug}/synthese",
        f"/projets/{project.slug}/synthese/v1",
        f"/projets/{project.slug}/synthese/v1/annexe",
        f"/projets/{project.slug}/synthese/v1/reponses",
        f"/projets/{site['editable'].project.slug}/synthese",
        "/rencontres",
        "/rencontres/2026",
        "/confidentialite",
        "/mentions-legales",
        "/contact",
        "/charte",
        "/plan-du-site",
    ]


def citizen_urls(site) -> list[str]:
    """Pages and forms of a logged-in citizen (who wrote the proposals and the root comment)."""
    project, proposal, editable = site["project"], site["proposal"], site["editable"]
    root, reply = site["root"], site["reply"]
    return [
        "/",
        f"/projets/{project.slug}",
        f"/projets/{project.slug}/propositions",
        f"/propositions/{proposal.id}",
        f"/propositions/{editable.id}",
        f"/projets/{project.slug}/propositions/nouvelle",
        f"/propositions/{editable.id}/modifier",
        f"/propositions/{editable.id}/retirer",
        f"/commentaires/{reply.id}/repondre",
        f"/commentaires/{root.id}/modifier",
        f"/commentaires/{root.id}/supprimer",
        "/compte/profil",
        "/compte/supprimer",
    ]


def admin_urls(site) -> list[str]:
    """Admin pages and forms."""
    return [
        "/admin/utilisateurs",
        "/admin/utilisateurs?q=personne",
        f"/admin/utilisateurs/{site['citizen'].user.id}/roles",
        "/admin/projets/nouveau",
        f"/admin/projets/{site['project'].slug}/modifier",
        f"/projets/{site['project'].slug}",
        "/rencontres",
        "/rencontres/nouvelle",
        "/rencontres/2026/modifier",
        "/rencontres/2027",
    ]


def moderator_urls(site) -> list[str]:
    """The synthesis editor and its pages as a moderator sees them."""
    slug = site["project"].slug
    return [f"/projets/{slug}", f"/projets/{slug}/synthese/brouillon", f"/projets/{slug}/synthese"]


def test_public_pages(client, site):
    """Public pages are French, script-free, accessible and self-contained."""
    for url in public_urls(site):
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(url, response.get_data(as_text=True))


def test_citizen_pages_and_forms(site):
    """A citizen's pages and forms follow the same rules."""
    for url in citizen_urls(site):
        response = site["citizen"].get(url)
        assert response.status_code == 200, url
        check_page(url, response.get_data(as_text=True))


def test_admin_pages_and_forms(site):
    """Admin pages and forms follow the same rules."""
    for url in admin_urls(site):
        response = site["admin"].get(url)
        assert response.status_code == 200, url
        check_page(url, response.get_data(as_text=True))


def test_moderator_pages_and_forms(site):
    """The synthesis editor follows the same rules."""
    for url in moderator_urls(site):
        response = site["moderator"].get(url)
        assert response.status_code == 200, url
        check_page(url, response.get_data(as_text=True))


def test_document_status_page(client, site):
    """While a PDF waits for its build, its page says so and offers "Actualiser" (it never
    reloads itself)."""
    from consultation.core.documents import Document

    document = db.session.get_one(Document, site["version"].document_id)
    document.state, document.content = "pending", None
    db.session.commit()
    url = f"/projets/{site['project'].slug}/synthese/v1/pdf"
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    check_page(url, page)
    assert 'http-equiv="refresh"' not in page and "PDF en préparation" in page
    assert f'href="{url}">Actualiser</a>' in page


def test_password_reset_pages(client, site):
    """The reset form (valid link) and the invalid-link page follow the same rules."""
    token = accounts.reset_token(site["citizen"].user)
    response = client.get(f"/compte/reinitialiser/{token}")
    assert response.status_code == 200
    check_page("reset", response.get_data(as_text=True))
    response = client.get("/compte/reinitialiser/pas-un-jeton")
    assert response.status_code == 400
    check_page("reset-invalid", response.get_data(as_text=True))


def test_forms_shown_again_with_errors(client, site):
    """A refused form keeps its labels and structure, and the error summary links to fields."""
    citizen, proposal = site["citizen"], site["proposal"]
    refused = [
        (client, "/compte/inscription", {"email": "pas-une-adresse", "display_name": ""}),
        (client, "/compte/connexion", {"email": "", "password": ""}),
        (client, "/compte/mot-de-passe-oublie", {"email": "x"}),
        (citizen, f"/projets/{site['project'].slug}/propositions/nouvelle", {"title": ""}),
        (citizen, f"/propositions/{proposal.id}/commentaires", {"stance": "", "body": ""}),
        (citizen, f"/commentaires/{site['root'].id}/modifier", {"stance": "x", "body": ""}),
        (site["admin"], "/admin/projets/nouveau", {"title": ""}),
    ]
    for who, url, data in refused:
        response = who.post(url, data=data)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        check_page(url, page)
        assert "Le formulaire n'a pas été enregistré" in text_of(response), url
        assert 'aria-invalid="true"' in page, url


def test_user_links_are_the_only_outside_links(citizen_client):
    """A link written in a comment is kept (marked nofollow), and nothing else leaves the site."""
    proposal = factories.proposal(
        factories.project("consultation"), body="Voir [le site](https://exemple.org/page)."
    )
    factories.comment(proposal, body="Source : <https://exemple.net/doc>")
    db.session.commit()
    page = citizen_client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    check_page("user links", page, allow_user_links=True)
    assert read(page).links_in_user_text == {
        "https://exemple.org/page", "https://exemple.net/doc",
    }
    assert page.count('rel="nofollow noopener ugc"') == 2


# --- walking the site: nothing from another host, no supporter named -------------------------

OUTSIDE_IN_CSS = re.compile(r"(url\(|@import)\s*['\"]?\s*([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
MAX_VARIANTS = 4  # query strings followed per path: enough for filters, no endless paging


def walk(client, starts: list[str], limit: int = 300) -> dict[str, str]:
    """Follow every same-site link from `starts` as this client; the HTML of each page by URL.
    Every link followed must lead somewhere (no 4xx or 5xx)."""
    queue, seen = deque(starts), set(starts)
    pages: dict[str, str] = {}
    variants: dict[str, int] = {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 400, (url, response.status_code)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        pages[url] = page
        for tag, attribute, value in read(page).urls:
            if tag != "a" or attribute != "href" or value.startswith(("#", "mailto:")):
                continue
            parts = urlsplit(urljoin(url, value))
            if parts.scheme or parts.netloc:
                continue  # another host: check_page refuses it
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in seen:
                continue
            variants[parts.path] = variants.get(parts.path, 0) + 1
            if variants[parts.path] > MAX_VARIANTS:
                continue
            seen.add(target)
            queue.append(target)
    return pages


def test_walking_the_site_finds_nothing_from_another_host(client, site):
    """Every page reachable by links, for a visitor, a citizen, a moderator and an admin: no
    src, href or form action to another host, no url() to one in a style, no refresh to one."""
    walked = 0
    for who in (client, site["citizen"], site["moderator"], site["admin"]):
        pages = walk(who, ["/"] + public_urls(site))
        assert len(pages) > 20
        for url, page in pages.items():
            check_page(url, page)
            assert not OUTSIDE_IN_CSS.search(page), url
            for refresh in re.findall(r'http-equiv="refresh" content="([^"]*)"', page):
                assert "//" not in refresh, (url, refresh)
        walked += len(pages)
    assert walked > 100


def test_the_stylesheet_fetches_nothing_from_another_host():
    """static/style.css: every url() and @import stays on the site (or is inline data)."""
    css = (Path(__file__).resolve().parent.parent / "static" / "style.css").read_text()
    for match in OUTSIDE_IN_CSS.finditer(css):
        assert match.group(2).lower() == "data:", match.group(0)
    assert OUTSIDE_IN_CSS.search("a{background:url( 'https://cdn.exemple.com/x.png')}")
    assert OUTSIDE_IN_CSS.search('@import "//exemple.com/x.css";')
    assert not OUTSIDE_IN_CSS.search("a{background:url(/static/x.svg)}")


# Pages that list accounts by name for moderators and admins; they say nothing of supports.
ACCOUNT_PAGES = ("/moderation/comptes", "/admin/utilisateurs")


def test_nobody_is_shown_who_supported_what(client, site, as_role):
    """Someone who only supports is named on no page, for a visitor or another citizen; a
    moderator or an admin sees the name only in the lists of accounts, never beside a proposal."""
    supporter = factories.user(display_name="Soutien Discret", email="discret@exemple.fr")
    factories.support(site["proposal"], supporter)
    factories.support(site["editable"], supporter)
    db.session.commit()
    titles = (site["proposal"].title, site["editable"].title)
    other_citizen = as_role("citizen")
    for who in (client, other_citizen, site["citizen"]):
        for url, page in walk(who, ["/"] + public_urls(site)).items():
            page = html.unescape(page)
            assert "Soutien Discret" not in page and "discret@exemple.fr" not in page, url
    for who in (site["moderator"], site["admin"], as_role("moderator")):
        named = 0
        for url, page in walk(who, ["/"]).items():
            page = html.unescape(page)
            if "Soutien Discret" not in page:
                continue
            assert url.startswith(ACCOUNT_PAGES), url
            assert not any(title in page for title in titles), url
            named += 1
        assert named > 0  # the lists of accounts do name everyone


# --- error pages --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    ["/nulle-part", "/propositions/999999", "/propositions/abc", "/projets/inconnu",
     "/projets/inconnu/propositions", "/projets?page=0", "/propositions/999999/modifier"],
)
def test_unknown_pages_are_a_french_404(citizen_client, url):
    """Unknown URLs and ids give the French 404 page."""
    response = citizen_client.get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page introuvable" in page
    assert "La page demandée n'existe pas ou n'existe plus." in text_of(response)
    check_page(url, page)


@pytest.mark.parametrize("action", ["repondre", "modifier", "supprimer"])
def test_unknown_comment_is_a_french_404(citizen_client, action):
    """An unknown comment id gives the French 404 page."""
    response = citizen_client.get(f"/commentaires/999999/{action}")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_refusal_is_a_french_403(citizen_client):
    """A citizen on an admin page gets the French 403 page with the reason."""
    response = citizen_client.get("/admin/utilisateurs")
    assert response.status_code == 403
    page = text_of(response)
    assert "Action non autorisée" in page
    assert "Cette action est réservée à un rôle que vous n'avez pas." in page
    check_page("403", response.get_data(as_text=True))


def test_anonymous_visitor_is_sent_to_login(client):
    """A visitor on a page that needs an account is sent to the login page, in French."""
    response = client.get("/compte/profil")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    page = text_of(client.get(response.headers["Location"]))
    assert "Connectez-vous pour accéder à cette page." in page


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", "/projets"), ("post", "/"), ("get", "/compte/deconnexion"),
     ("get", "/langue"), ("delete", "/projets")],
)
def test_wrong_method_is_a_french_405(client, method, url):
    """A method a URL does not take gives the French 405 page and an Allow header."""
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert "Allow" in response.headers
    page = response.get_data(as_text=True)
    assert "Méthode non autorisée" in page
    check_page(url, page)


def test_healthz(client):
    """The health check answers 200 with JSON {"status": "ok"}."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}


GOOD_PAGE = """<!doctype html><html lang="fr"><body><a href="#contenu">Aller</a>
<main id="contenu"><h1>Titre</h1><form method="post">
<label for="nom">Nom</label><input id="nom" name="nom"><input type="hidden" name="t">
<fieldset><legend>Position</legend><input type="radio" name="p" value="a"> A</fieldset>
<button type="submit">Envoyer</button></form></main></body></html>"""


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("<main", "<script>alert(1)</script><main"),
        ('lang="fr"', 'lang="en"'),
        ('href="#contenu"', 'href="#ailleurs"'),
        ("<h1>Titre</h1>", "<h1>Titre</h1><h1>Deux</h1>"),
        ('<label for="nom">Nom</label>', "<span>Nom</span>"),
        ("<legend>Position</legend>", ""),
        ('<input type="hidden" name="t">', '<select name="s"></select>'),
        ('<input type="hidden" name="t">', '<textarea id="zone"></textarea>'),
        ('<main id="contenu">', '<main id="contenu"><img src="https://cdn.exemple.com/x.png">'),
        ('<main id="contenu">', '<main id="contenu"><a href="//exemple.com/">x</a>'),
        ('<button type="submit">', '<button type="submit" onclick="x()">'),
        ("</form></main>", '</form><button type="submit">Seul</button></main>'),
    ],
)
def test_page_checks_catch_violations(broken, fixed):
    """The page checks accept a good page and reject each kind of fault."""
    check_page("bon", GOOD_PAGE)
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        check_page("mauvais", GOOD_PAGE.replace(broken, fixed, 1))
