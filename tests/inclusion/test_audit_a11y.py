"""What the outside accessibility audit found, checked over every page of the demo: each page's
title names its object (RGAA 8.6), a link or button says what it acts on (WCAG 2.4.4), the menus
say which entry is the current page (aria-current), a form sent back with errors says so in its
title and carries its error summary, and a comment's heading says the stance is about the
proposal, not the person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.extensions import db
from tests.conftest import login
from tests.test_i18n import english_catalogue  # noqa: F401  (a fixture)
from tests.test_typography import DEMO_ACCOUNTS, app, demo, walk  # noqa: F401  (fixtures)

pytestmark = pytest.mark.xdist_group("demo")

# The verbs the audit found without their object; a link or button named by one of them alone
# is ambiguous as soon as a page has two.
VERBS = re.compile(r"^(Modifier|Supprimer|Modérer|Signaler|Répondre|Masquer|Rétablir|Retirer|"
                   r"Approuver|Refuser|Edit|Delete|Moderate|Report|Reply|Hide|Restore|"
                   r"Withdraw|Approve|Reject|Refuse)\b")


# --- reading a page --------------------------------------------------------------------------

class Named(HTMLParser):
    """The page's title, and each link and button with its accessible name and target: a link's
    href, a button's form action (its method, and the button's own name and value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.in_title = False
        self.items: list[dict[str, Any]] = []  # open and closed links and buttons
        self.open: list[dict[str, Any]] = []
        self.forms: list[dict[str, str]] = []
        self.menus: list[tuple[str, str | None]] = []  # (href, aria-current) of menu links
        self.navs: list[bool] = []  # open <nav>s: is it a menu?

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag == "title":
            self.in_title = True
        elif tag == "nav":
            # Pages of a list, the breadcrumb and a page's contents are not menus of the site.
            classes = set(attrs.get("class", "").split())
            self.navs.append(not classes & {"pagination", "breadcrumb", "toc"})
        elif tag == "form":
            self.forms.append({"action": attrs.get("action", ""),
                               "method": attrs.get("method", "get").lower()})
        elif tag in ("a", "button") and (tag == "button" or "href" in attrs):
            if tag == "a":
                target = attrs["href"]
                if self.navs and self.navs[-1] and not target.startswith("#"):
                    self.menus.append((target, attrs.get("aria-current")))
            else:
                form = self.forms[-1] if self.forms else {"action": "", "method": ""}
                action = attrs.get("formaction", form["action"])
                target = (f"{form['method']} {action} "
                          f"{attrs.get('name', '')}={attrs.get('value', '')}")
            item = {"tag": tag, "target": target, "text": "", "label": attrs.get("aria-label")}
            self.items.append(item)
            self.open.append(item)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "nav" and self.navs:
            self.navs.pop()
        elif tag in ("a", "button") and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        for item in self.open:
            item["text"] += data

    def names(self) -> list[tuple[str, str]]:
        """(accessible name, target) of every link and button."""
        return [(" ".join((item["label"] or item["text"]).split()), item["target"])
                for item in self.items]


def named(page: str) -> Named:
    """Read a page."""
    reader = Named()
    reader.feed(page)
    reader.close()
    return reader


def title_of(page: str) -> str:
    """The page's <title>, white space collapsed (non-breaking spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", named(page).title).strip(" ")


# --- the checks, on one page ----------------------------------------------------------------

def ambiguous_names(page: str, verbs_only: bool = True) -> list[str]:
    """Names (starting with one of VERBS) given to links or buttons that lead to different
    places on the same page."""
    targets: dict[str, set[str]] = {}
    for name, target in named(page).names():
        if verbs_only and not VERBS.match(name):
            continue
        targets.setdefault(name, set()).add(target.partition("#")[0])
    return sorted(f"{name!r} -> {sorted(found)}" for name, found in targets.items()
                  if len(found) > 1)


def current_faults(url: str, page: str) -> list[str]:
    """Menu links whose aria-current is wrong: "page" on exactly the links to the page shown
    (its path, the query aside), else nothing, or "true" on the entry of the page's section."""
    path = urlsplit(url).path
    faults = []
    menus = named(page).menus
    for href, current in menus:
        target = urlsplit(href).path
        if target == path and current != "page":
            faults.append(f"{href}: {current!r}, the link to this page")
        elif target != path and current == "true":
            if target.split("/")[1] != path.split("/")[1]:
                faults.append(f"{href}: 'true', not the section of {path}")
        elif target != path and current is not None:
            faults.append(f"{href}: {current!r} on a link to another page")
    return faults


def same_page(paths: set[str]) -> bool:
    """Two paths of one page: a project's synthesis, and the same version by its number."""
    if len(paths) != 2:
        return False
    short, long = sorted(paths, key=len)
    numbered = re.fullmatch(re.escape(short) + r"/v\d+", long)
    return short.endswith("/synthese") and numbered is not None


# --- the demo, walked in both languages ------------------------------------------------------

def clients(app: Flask, language: str) -> Iterator[tuple[str, Any]]:  # noqa: F811
    """A visitor and each demo account, in `language`."""
    people: list[tuple[str, Any]] = [("visitor", app.test_client())]
    for email in DEMO_ACCOUNTS:
        user = db.session.scalars(select(User).where(User.email == email)).one()
        people.append((email, login(app.test_client(), user)))
    for who, client in people:
        if language == "en":
            client.post("/langue", data={"lang": "en", "next": "/"})
        yield who, client


WALKED: dict[str, dict[str, dict[str, str]]] = {}


def walked(app: Flask, language: str) -> dict[str, dict[str, str]]:  # noqa: F811
    """Every page reached by links, by person, in `language` (walked once per module)."""
    if language not in WALKED:
        if language == "en":
            app.extensions["babel"].instance.domain_instance.cache.clear()
        WALKED[language] = {who: walk(client, limit=150) for who, client in
                            clients(app, language)}
    return WALKED[language]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_title_names_its_object(app, english_catalogue, language):  # noqa: F811
    """Two different pages (paths) never share a title, for any person, in either language."""
    WALKED.clear()
    seen: dict[str, set[str]] = {}
    for pages in walked(app, language).values():
        for url, page in pages.items():
            seen.setdefault(title_of(page), set()).add(urlsplit(url).path)
    assert len(seen) > 100
    repeated = {title: sorted(paths) for title, paths in seen.items()
                if len(paths) > 1 and not same_page(paths)}
    report = "\n".join(f"{title!r}: {paths[:4]} ({len(paths)})"
                       for title, paths in repeated.items())
    assert not repeated, f"{len(repeated)} titles repeated:\n{report}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_links_and_buttons_say_what_they_act_on(app, english_catalogue, language):  # noqa: F811
    """No page has two links or buttons named by the same verb (Modifier, Supprimer,
    Modérer, Signaler...) that lead to different places or actions (WCAG 2.4.4)."""
    faults = {}
    checked = 0
    for who, pages in walked(app, language).items():
        for url, page in pages.items():
            found = ambiguous_names(page)
            checked += sum(1 for name, _ in named(page).names() if VERBS.match(name))
            if found:
                faults[f"{who} {url}"] = found
    assert checked > 50
    report = "\n".join(f"{where}\n  " + "\n  ".join(found) for where, found in faults.items())
    assert not faults, f"{len(faults)} pages:\n{report}"


@pytest.mark.parametrize("language", ["fr"])
def test_menus_say_which_entry_is_the_current_page(app, language):  # noqa: F811
    """Every menu entry (header, footer, the moderation menu...) that leads to the page shown
    carries aria-current="page", and no other does ("true" marks the entry of a section)."""
    faults = {}
    checked = 0
    for who, pages in walked(app, language).items():
        for url, page in pages.items():
            checked += sum(1 for _ in named(page).menus)
            if found := current_faults(url, page):
                faults[f"{who} {url}"] = found
    assert checked > 1000
    report = "\n".join(f"{where}\n  " + "\n  ".join(found) for where, found in faults.items())
    assert not faults, f"{len(faults)} pages:\n{report}"


def test_the_checks_catch_what_they_are_meant_to():
    """Two "Modifier" links to different pages are caught; the same with their objects, or a
    link repeated to one place, is not."""
    page = ('<html><head><title>Projet « A » · Consultation</title></head><body>'
            '<a href="/a/modifier">Modifier</a><a href="/b/modifier">Modifier</a></body></html>')
    assert ambiguous_names(page)
    assert title_of(page) == "Projet « A » · Consultation"
    fixed = page.replace("Modifier</a><a", "Modifier<span> A</span></a><a")
    assert not ambiguous_names(fixed)
    assert not ambiguous_names(page.replace("/b/", "/a/"))
    button = ('<form method="post" action="/x"><button>Supprimer</button></form>'
              '<form method="post" action="/y"><button>Supprimer</button></form>')
    assert ambiguous_names(button)
    assert not ambiguous_names(button.replace("/y", "/x"))
    formaction = ('<form method="post"><button formaction="/a">Approuver</button></form>'
                  '<form method="post"><button formaction="/b">Approuver</button></form>')
    assert ambiguous_names(formaction)
    menu = ('<nav aria-label="Menu"><a href="/projets">Projets</a><a href="/suivi" '
            'aria-current="page">Suivi</a></nav><nav class="pagination"><a href="/projets?page=2">'
            '2</a></nav>')
    assert current_faults("/projets", menu) == [
        "/projets: None, the link to this page", "/suivi: 'page' on a link to another page"]
    fixed = menu.replace(' aria-current="page"', "").replace('"/projets">', '"/projets" '
                                                              'aria-current="page">')
    assert current_faults("/projets?etat=ouverts", fixed) == []
    assert current_faults("/projets/x", fixed.replace('"page"', '"true"')) == []
    assert current_faults("/suivi/x", fixed.replace('"page"', '"true"'))
    assert same_page({"/projets/a/synthese", "/projets/a/synthese/v2"})
    assert not same_page({"/projets/a/synthese", "/projets/b/synthese/v2"})
    assert not same_page({"/projets/a/synthese/v1", "/projets/a/synthese/v2"})
