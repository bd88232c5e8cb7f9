"""The page chrome (templates/_chrome.html, consultation/core/chrome.py): made once per language,
terminal and person-level facts, and reused; each person's own parts put in when served. Every
kind of person gets the same HTML with the chrome memory on as with it off, whoever filled the
memory before them (the CSRF token and the acting clock aside)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consultation.core import chrome, kiosk, permissions
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.notifications.models import Notification
from tests import factories
from tests.conftest import login
from tests.mediation.helpers import participant, start_acting

# What differs from one request to the next whatever the chrome: the token (signed with the
# time), the minutes and seconds left of an acting session.
_VARYING = [
    (re.compile(r'name="csrf_token" value="[^"]*"'), 'name="csrf_token" value="TOKEN"'),
    (re.compile(r'(data-acting-(?:minutes|left)=")\d+'), r"\g<1>N"),
    (re.compile(r"(fin dans |ends in )\d+"), r"\g<1>N"),
]


def steady(html: str) -> str:
    """A page with what varies between two requests of the same person taken out."""
    for pattern, replacement in _VARYING:
        html = pattern.sub(replacement, html)
    return html


def unread(user: Any, count: int) -> None:
    """`count` unread notifications for `user`."""
    start = utcnow() - timedelta(hours=1)
    db.session.add_all([Notification(user_id=user.id, kind="comment", reason="author",
                                     event=f"chrome:{user.id}:{n}",
                                     created_at=start + timedelta(minutes=n))
                        for n in range(count)])


def people(app: Flask) -> tuple[dict[str, FlaskClient], dict[str, list[str]]]:
    """A client for every kind of person the chrome differs for, and the pages each reads."""
    project = factories.project("consultation", title="La rade")
    proposal = factories.proposal(project, title="Des bancs")
    made: dict[str, Any] = {
        # A name that must be escaped, and two unread notifications.
        "citizen": factories.user(display_name='Anne <b>& "Zoé"', email="anne@exemple.fr"),
        "unconfirmed": factories.user(display_name="Bruno", email="bruno@exemple.fr",
                                      confirmed=False),
        "moderator": factories.user(("moderator",), display_name="Claire",
                                    email="claire@exemple.fr"),
        "blocked_moderator": factories.user(("moderator",), display_name="Denis",
                                            email="denis@exemple.fr"),
        "admin": factories.user(("admin",), display_name="Emma", email="emma@exemple.fr"),
        "elected": factories.user(("elected",), display_name="Fanch", email="fanch@exemple.fr"),
        # Two mediators alike, one acting for a citizen: the menu is the citizen's then.
        "mediator": factories.user(("mediator", "elected"), display_name="Gaëlle",
                                   email="gaelle@exemple.fr"),
        "acting": factories.user(("mediator", "elected"), display_name="Hervé",
                                 email="herve@exemple.fr"),
        "kiosk_citizen": factories.user(display_name="Iwen", email="iwen@exemple.fr"),
        "english_citizen": factories.user(display_name="Jane", email="jane@exemple.fr"),
    }
    made["blocked_moderator"].blocked_at = utcnow()
    made["english_citizen"].locale = "en"
    unread(made["citizen"], 2)
    unread(made["elected"], 1)
    db.session.commit()
    profile = participant(made["acting"])
    slug, proposal_id = project.slug, proposal.id

    clients: dict[str, FlaskClient] = {"visitor": app.test_client()}
    for name, user in made.items():
        clients[name] = login(app.test_client(), user)
    for name in ("kiosk_visitor", "english_visitor"):
        clients[name] = app.test_client()
    for name in ("kiosk_visitor", "kiosk_citizen"):
        clients[name].set_cookie(kiosk.COOKIE, "1")
    with clients["english_visitor"].session_transaction() as session:
        session["lang"] = "en"
    start_acting(clients["acting"], profile)

    common = ["/", "/projets", f"/projets/{slug}", f"/projets/{slug}/propositions?tri=soutiens",
              f"/propositions/{proposal_id}", "/rencontres", "/suivi", "/mentions-legales",
              "/plan-du-site", "/recherche?q=%3Cb%3E&page=2", "/nulle-part"]
    staff = ["/moderation", "/moderation/comptes", "/moderation/journal", "/admin/utilisateurs",
             "/admin/territoires", "/admin/projets/nouveau", "/mediation/participants", "/elus"]
    own = ["/compte", "/compte/notifications", "/compte/profil"]
    anonymous = ["/compte/connexion", "/compte/inscription"]
    pages = {name: common + (anonymous if name.endswith("visitor") else own + staff)
             for name in clients}
    return clients, pages


def read(clients: dict[str, FlaskClient], pages: dict[str, list[str]],
         order: list[str]) -> dict[tuple[str, str], str]:
    """Every page of every person, in the order of `order`; a refused form for visitors."""
    seen = {}
    for name in order:
        for path in pages[name]:
            seen[name, path] = steady(clients[name].get(path).get_data(as_text=True))
        if name.endswith("visitor"):
            refused = clients[name].post("/compte/inscription", data={"email": "x"})
            seen[name, "POST"] = steady(refused.get_data(as_text=True))
    return seen


@pytest.fixture
def memory_off(app: Flask) -> Iterator[None]:
    """No fragment store while the block runs: the chrome is made for every page."""
    kept = app.extensions.pop("fragments")
    try:
        yield
    finally:
        app.extensions["fragments"] = kept


def test_every_person_gets_the_same_page_with_the_chrome_kept(app):
    """Each kind of person, on pages of every section, in several orders: the chrome made by
    anyone before them gives the HTML made for them alone."""
    clients, pages = people(app)
    store = app.extensions.pop("fragments")
    made = read(clients, pages, list(clients))
    app.extensions["fragments"] = store
    dump = os.environ.get("CHROME_DUMP")
    if dump:  # for comparing two versions of the code by hand
        for (name, path), html in made.items():
            file = Path(dump, name, re.sub(r"[^a-z0-9]+", "_", path.lower()) + ".html")
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(html)
    for order in (list(clients), list(reversed(clients)), list(clients)):
        kept = read(clients, pages, order)
        for key, html in made.items():
            assert kept[key] == html, key
        # Another worker, which has seen no link yet, sharing the store (as through Redis).
        app.extensions["chrome"].links = chrome.Links()
    assert chrome.KEY in {key[0] for key in store.pages}


def test_the_chrome_says_each_person_what_is_theirs(app):
    """The parts put in when served: the token of the session, the name, the unread count,
    the page to come back to, the current entry."""
    clients, _ = people(app)
    page = clients["citizen"].get("/compte?onglet=1").get_data(as_text=True)
    assert '<span class="visually-hidden"> (Anne &lt;b&gt;&amp; &#34;Zoé&#34;)</span>' in page
    assert '<span class="count">(2 non lues)</span>' in page
    assert '<a href="/compte" aria-current="page">Mon espace' in page
    assert page.count('name="next" value="/compte?onglet=1"') == 1
    assert "(1 non lue)" in clients["elected"].get("/").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
    assert len(tokens) == 1
    other = clients["moderator"].get("/compte").get_data(as_text=True)
    assert not tokens & set(re.findall(r'name="csrf_token" value="([^"]+)"', other))
    assert '<a href="/moderation" aria-current="true">Modération' in clients["moderator"].get(
        "/moderation/comptes").get_data(as_text=True)


def test_the_menu_rules_depend_on_the_person_alone(app):
    """The chrome is kept per person-level facts (logged in, roles, blocked, confirmed): every
    rule its menu asks must read nothing else of the person, and nothing of an object; the
    static files it names are those whose fingerprints are in its key."""
    source = (Path(__file__).parents[2] / "templates" / "_chrome.html").read_text("utf-8")
    asked = set(re.findall(r'can\("([^"]+)"\)', source))
    assert asked and asked <= set(chrome.MENU_RULES)
    named = set(re.findall(r"(?:static_url|inline_svg)\('([^']+)'\)", source))
    assert named == set(chrome.STATIC)
    for name in chrome.MENU_RULES:
        for predicate in permissions.rule_named(name).predicates:
            assert predicate.depends_on is permissions.about_user or predicate.name in {
                "not_self", "not_staff", "not_deleted"}, (name, predicate.name)
            if predicate.depends_on is permissions.about_user:
                assert predicate in chrome.PERSON_PREDICATES or predicate.name.startswith(
                    "has_role("), (name, predicate.name)
