"""Anonymous pages kept a few seconds in memory: served without a query, never personal."""

from __future__ import annotations

import gzip
import html
import re
from typing import Any

import brotli
import flask_compress.flask_compress as flask_compress_module
import pytest
from flask import Flask

from consultation import create_app
from consultation.extensions import db
from tests import factories
from tests.conftest import IsolatedClient, login


@pytest.fixture
def cached(app: Flask) -> Flask:
    """A second app on the same database, with the page memory on (for a long minute)."""
    other = create_app({**app.config, "PAGE_CACHE_SECONDS": 60, "WTF_CSRF_ENABLED": True})
    other.test_client_class = IsolatedClient
    return other


def sent_by(app: Flask, client: Any, url: str) -> tuple[list[str], Any]:
    """(SQL statements sent, response) for one GET."""
    from sqlalchemy import event

    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen, response


def queries_of(app: Flask, client: Any, url: str) -> tuple[int, str]:
    """(SQL statements sent, page) for one GET."""
    seen, response = sent_by(app, client, url)
    assert response.status_code == 200, url
    return len(seen), response.get_data(as_text=True)


def token_of(page: str) -> str:
    """The CSRF token the page carries."""
    found = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_second_anonymous_visit_is_served_from_memory_with_its_own_token(app, cached):
    """The second visitor gets the same page without a query, with a token of their own."""
    project = factories.project(title="Un projet en mémoire")
    db.session.commit()
    url = f"/projets/{project.slug}"
    first, second = cached.test_client(), cached.test_client()
    counted, page = queries_of(cached, first, url)
    assert counted > 0 and "Un projet en mémoire" in page
    again, page_again = queries_of(cached, second, url)
    assert again == 0
    assert "Un projet en mémoire" in page_again
    # A page with a visitor's form (the login form) carries each visitor's own token, and the
    # token served from memory is valid for that visitor.
    login_url = "/compte/connexion"
    _, form_first = queries_of(cached, first, login_url)
    _, form_again = queries_of(cached, second, login_url)
    assert token_of(form_again) != token_of(form_first)
    response = second.post(login_url, data={"email": "personne@example.org", "password": "x",
                                            "csrf_token": token_of(form_again)})
    assert response.status_code == 200 and "Jeton" not in response.get_data(as_text=True)
    response = second.post(login_url, data={"email": "personne@example.org", "password": "x",
                                            "csrf_token": token_of(form_first)})
    assert response.status_code == 400


def test_a_page_without_a_form_is_kept_compressed_once_per_encoding(app, cached, monkeypatch):
    """A page the same for every visitor is compressed once per encoding asked, and served
    compressed from memory: the same bytes as a page compressed on its way out."""
    calls: list[str] = []
    compress_data = flask_compress_module._compress_data

    def counting(app_: Flask, data: bytes, algorithm: str) -> bytes:
        calls.append(algorithm)
        return compress_data(app_, data, algorithm)

    monkeypatch.setattr(flask_compress_module, "_compress_data", counting)
    project = factories.project(title="Un projet lu par beaucoup")
    db.session.commit()
    url = f"/projets/{project.slug}"
    made = cached.test_client().get(url, headers={"Accept-Encoding": "gzip"})
    assert made.headers["Content-Encoding"] == "gzip" and calls == ["gzip"]
    page = gzip.decompress(made.data)
    assert b"Un projet lu par beaucoup" in page and b"csrf_token" not in page

    calls.clear()
    answers = [cached.test_client().get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
               for _ in range(2)]
    answers += [cached.test_client().get(url, headers={"Accept-Encoding": "gzip"})
                for _ in range(2)]
    plain = cached.test_client().get(url)
    counted, _ = sent_by(cached, cached.test_client(), url)
    assert counted == []  # all from memory
    assert calls == ["br", "gzip"]  # once per encoding, whatever the number of visitors
    for response in answers[:2]:
        assert response.headers["Content-Encoding"] == "br"
        assert brotli.decompress(response.data) == page
    for response in answers[2:]:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data) == page
    for response in answers:
        assert response.headers["Content-Length"] == str(len(response.data))
        assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Encoding" not in plain.headers and plain.data == page


def test_a_page_with_a_form_is_compressed_for_each_visitor(app, cached):
    """A page kept with a token to put in is compressed per visitor, each with their own."""
    login_url = "/compte/connexion"
    pages = [gzip.decompress(cached.test_client().get(
        login_url, headers={"Accept-Encoding": "gzip"}).data).decode() for _ in range(3)]
    tokens = {token_of(page) for page in pages}
    assert len(tokens) == 3


def test_memory_is_per_url_language_and_visitor_kind(app, cached, as_role):
    """Another query string, another language, or a logged-in person: the live page."""
    project = factories.project(title="Projet suivi")
    citizen = factories.user()
    db.session.commit()
    url = f"/projets/{project.slug}"
    visitor = cached.test_client()
    queries_of(cached, visitor, url)
    assert queries_of(cached, visitor, url + "?x=1")[0] > 0
    english = cached.test_client()
    with english.session_transaction() as session:
        session["lang"] = "en"
    counted, page = queries_of(cached, english, url)
    assert counted > 0 and 'lang="en"' in page
    member = cached.test_client()
    login(member, citizen)
    counted, page = queries_of(cached, member, url)
    assert counted > 0 and "Se déconnecter" in page
    remembered = cached.test_client()
    remembered.set_cookie("remember_token", "x")
    assert queries_of(cached, remembered, url)[0] > 0


def test_a_visitor_with_a_message_gets_the_live_page_and_it_is_not_kept(app, cached):
    """A flashed message is shown to its visitor only, never kept for the next one."""
    project = factories.project()
    db.session.commit()
    url = f"/projets/{project.slug}"
    flashed = cached.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("success", "Message pour une seule personne")]
    counted, page = queries_of(cached, flashed, url)
    assert counted > 0 and "Message pour une seule personne" in page
    _, other = queries_of(cached, cached.test_client(), url)
    assert "Message pour une seule personne" not in other



def test_a_visitor_with_a_notice_gets_the_live_page_and_it_is_not_kept(app, cached):
    """A notice (core/notices.py: a message after a support or a comment, on a cookie of its
    own) is shown to its visitor only, never kept for the next one."""
    from consultation.core import notices
    from consultation.votes.views import SUPPORT

    project = factories.project()
    db.session.commit()
    url = f"/projets/{project.slug}"
    told = cached.test_client()
    told.set_cookie(notices.COOKIE, SUPPORT.done.key)
    counted, page = queries_of(cached, told, url)
    assert counted > 0 and "Votre soutien est enregistré." in html.unescape(page)
    _, other = queries_of(cached, cached.test_client(), url)
    assert "Votre soutien est enregistré." not in html.unescape(other)

def test_errors_and_posts_are_never_kept(app, cached):
    """A 404 stays a live answer; a POST is never answered from memory."""
    visitor = cached.test_client()
    assert visitor.get("/projets/inconnu").status_code == 404
    assert queries_of(cached, visitor, "/projets")[0] > 0
    assert queries_of(cached, visitor, "/projets")[0] == 0
    assert visitor.post("/projets").status_code in {400, 405}


def test_page_memory_is_off_when_set_to_zero(app):
    """PAGE_CACHE_SECONDS=0 (the tests' setting) keeps nothing."""
    project = factories.project()
    db.session.commit()
    client = app.test_client()
    url = f"/projets/{project.slug}"
    client.get(url)
    assert queries_of(app, client, url)[0] > 0
