"""The session cookie and the work every request does around the view: a GET that changes
nothing signs no new cookie, a cookie verified once is still refused when altered or too old, and
a logged-in request loads its person only when something asks for them."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from consultation import create_app
from consultation.core.models import utcnow
from consultation.core.sessions import CookieSessions
from consultation.extensions import db
from tests import factories
from tests.conftest import IsolatedClient
from tests.core.test_pagecache import sent_by
from tests.factories import PASSWORD


def logged_in(app: Flask) -> FlaskClient:
    """A browser where someone logged in with the form, its welcome message already shown."""
    person = factories.user()
    db.session.commit()
    client = app.test_client()
    response = client.post("/compte/connexion",
                           data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # shows, and so takes out, the flashed welcome
    return client


def statements_of(app: Flask, client: FlaskClient, url: str) -> tuple[list[str], int, bool]:
    """(SQL statements sent, status, whether a cookie was set) for one GET."""
    seen, response = sent_by(app, client, url)
    return seen, response.status_code, "Set-Cookie" in response.headers


def test_a_get_that_changes_nothing_signs_no_new_cookie(app):
    """The session cookie is signed and sent again only when the session changed."""
    client = logged_in(app)
    for url in ("/", "/projets", "/compte/profil", "/healthz", "/nulle-part"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" in response.headers["Vary"], url
    visitor = app.test_client()
    # A first visit gets its CSRF token in a new cookie; Flask-Login's session protection
    # marks it not fresh at the second, once.
    visitor.get("/projets")
    visitor.get("/projets")
    assert "Set-Cookie" not in visitor.get("/projets").headers


def test_a_logged_in_request_loads_the_person_once_and_only_when_asked(app):
    """With the page memory on, a logged-in /healthz sends its one query and nothing to load
    the person; a page loads them with one statement, not one per use."""
    cached = create_app({**app.config, "PAGE_CACHE_SECONDS": 60})
    cached.test_client_class = IsolatedClient
    with cached.app_context():
        client = logged_in(cached)
        sent, status, cookie = statements_of(cached, client, "/healthz")
        assert (sent, status, cookie) == (["SELECT 1"], 200, False)
        sent, status, cookie = statements_of(cached, client, "/compte/profil")
        assert status == 200 and not cookie
        loads = [s for s in sent if "FROM users" in s and "users.session_nonce" in s]
        assert len(loads) == 1, sent


def test_a_cookie_seen_before_is_refused_when_altered_or_too_old(app):
    """The same cookie verified once: an altered copy logs nobody in, nor does the cookie
    itself once older than PERMANENT_SESSION_LIFETIME."""
    client = logged_in(app)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert client.get("/compte/profil").status_code == 200  # verified, and kept
    value = cookie.value
    # The signature's first character, not its last: the low bits of a base64 string's last
    # character are padding, and two last characters may decode to the same signature.
    at = value.rindex(".") + 1
    flipped = value[:at] + ("A" if value[at] != "A" else "Q") + value[at + 1:]
    for altered in (flipped, value + "x", value[1:]):
        other = app.test_client()
        other.set_cookie("session", altered)
        assert other.get("/compte/profil").status_code == 302, altered
    assert client.get("/compte/profil").status_code == 200
    later = utcnow() + app.permanent_session_lifetime + timedelta(minutes=1)
    with time_machine.travel(later):
        response = client.get("/compte/profil")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/compte/connexion")


def test_each_request_changes_a_session_of_its_own(app):
    """A request that changes what the cookie holds (a message added to the list) leaves the
    next request with the same cookie its own, unchanged session."""
    sessions = app.session_interface
    assert isinstance(sessions, CookieSessions)
    serializer = sessions.get_signing_serializer(app)
    assert serializer is not None
    value = serializer.dumps({"_flashes": [("info", "Un")], "lang": "fr"})
    headers = {"Cookie": f"session={value}"}
    with app.test_request_context("/", headers=headers) as ctx:
        first = sessions.open_session(app, ctx.request)
        assert first is not None
        first["_flashes"].append(("info", "Deux"))
    with app.test_request_context("/", headers=headers) as ctx:
        second = sessions.open_session(app, ctx.request)
        assert second is not None
        assert dict(second) == {"_flashes": [("info", "Un")], "lang": "fr"}
        assert not second.modified


def test_a_visitors_page_computes_no_session_identifier_a_persons_still_does(app, monkeypatch):
    """Flask-Login's session protection: a visitor's session holds nothing to protect, and no
    identifier (a SHA-512 of address and browser) is computed for it; a browser's is computed
    once per worker; a logged-in session sent by another browser is still caught."""
    from flask_login import session_protected

    from consultation import extensions

    made: list[int] = []
    generate = extensions._create_identifier

    def counting() -> str:
        made.append(1)
        return str(generate())

    monkeypatch.setattr(extensions, "_create_identifier", counting)
    extensions._identifier_of.cache_clear()
    caught: list[object] = []

    def on_protected(sender: object, **_: object) -> None:
        caught.append(sender)

    session_protected.connect(on_protected, app)
    try:
        visitor = app.test_client()
        assert visitor.get("/").status_code == 200
        assert visitor.get("/projets").status_code == 200
        assert made == []

        # The identifier of a browser is computed once per worker (at the login here), then
        # known: the person's pages compute none, and are still checked against it.
        person = logged_in(app)
        assert len(made) == 1
        for _ in range(3):
            assert "/compte/deconnexion" in person.get("/").get_data(as_text=True)
        assert len(made) == 1 and caught == []
        person.environ_base["HTTP_USER_AGENT"] = "Un autre navigateur/1.0"
        assert person.get("/").status_code == 200
        assert caught == [app] and len(made) == 2
    finally:
        session_protected.disconnect(on_protected, app)


def test_the_language_is_a_locale_parsed_once(app):
    """Flask-Babel is given one Locale per language of the site, parsed once, and a page's
    language is still the one chosen."""
    from flask_babel import get_locale

    from consultation import _LOCALES

    client = app.test_client()
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)
    with app.test_request_context("/"):
        assert get_locale() is _LOCALES["fr"]
    assert client.post("/langue", data={"lang": "en"}).status_code == 302
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
