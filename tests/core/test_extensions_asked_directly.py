"""The steps of Flask-Login, Flask-WTF and Flask's request that the platform asks of Flask's
objects themselves (consultation/extensions.py, core/security.py): the same rules as the
extensions' own code, which asked them through their proxies on every request."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from consultation.core.http import Request
from consultation.extensions import csrf, db, login_required
from tests import factories
from tests.conftest import login, second_app

GUARDED = "/essai-garde"


def _guarded_view() -> str:
    return "dedans"


def _with_guarded_view(application: Flask) -> Flask:
    application.add_url_rule(GUARDED, "essai_garde", login_required(_guarded_view),
                             methods=["GET", "OPTIONS"])
    return application


@pytest.fixture
def protected(app: Flask) -> Iterator[Flask]:
    """An app on the test database with CSRF protection on, as in production, and a view
    guarded by login_required."""
    with second_app(app, WTF_CSRF_ENABLED=True) as made:
        yield _with_guarded_view(made)


def _token(client: Any) -> str:
    page = client.get("/compte/connexion").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "pas de jeton sur le formulaire de connexion"
    return found.group(1)


# --- login_required ----------------------------------------------------------------------------


def test_login_required_sends_a_visitor_to_the_login_form_and_lets_a_person_in(
        protected: Flask) -> None:
    """A visitor is sent to the login form with the page to come back to; a logged-in
    person gets the view."""
    visitor = protected.test_client()
    answer = visitor.get(GUARDED)
    assert answer.status_code == 302
    assert "/compte/connexion" in answer.headers["Location"]
    assert "essai-garde" in answer.headers["Location"]
    with protected.app_context():
        person = factories.user()
        db.session.commit()
        person_client = login(protected.test_client(), person)
    assert person_client.get(GUARDED).get_data(as_text=True) == "dedans"


def test_login_required_lets_options_and_login_disabled_through(protected: Flask) -> None:
    """As Flask-Login's: an OPTIONS request (a CORS preflight) is not asked to log in, nor is
    anyone when LOGIN_DISABLED is set."""
    visitor = protected.test_client()
    assert visitor.open(GUARDED, method="OPTIONS").get_data(as_text=True) == "dedans"
    protected.config["LOGIN_DISABLED"] = True
    assert visitor.get(GUARDED).get_data(as_text=True) == "dedans"


# --- The CSRF check ----------------------------------------------------------------------------


def test_a_post_without_its_token_is_refused_and_with_it_goes_through(
        protected: Flask) -> None:
    """The French 400 page without a token; the token of the session, in the form, in a
    prefixed field or in the X-CSRFToken header, lets the form reach its view (a login form
    refused for its password, not for its token)."""
    client = protected.test_client()
    token = _token(client)
    refused = client.post("/compte/connexion", data={"email": "a@exemple.fr", "password": "x"})
    assert refused.status_code == 400
    assert "Le formulaire a expiré" in refused.get_data(as_text=True)
    for data, headers in (
            ({"csrf_token": token}, {}),
            ({"connexion-csrf_token": token}, {}),
            ({}, {"X-CSRFToken": token}),
            ({}, {"X-CSRF-Token": token})):
        answer = client.post("/compte/connexion", headers=headers,
                             data={"email": "a@exemple.fr", "password": "x", **data})
        assert answer.status_code == 200, (data, headers)
        assert "Le formulaire a expiré" not in answer.get_data(as_text=True)


def test_an_exempt_view_takes_a_visitors_post_without_a_token(protected: Flask) -> None:
    """The language switch is exempt for a visitor (tests/security/test_csrf.py says why): its
    POST goes through without a token, and a GET is never checked."""
    client = protected.test_client()
    answer = client.post("/langue", data={"lang": "en", "next": "/"})
    assert answer.status_code in (302, 303)
    assert client.get("/").status_code == 200


def test_a_checked_post_is_marked_on_g_as_flask_wtf_does(protected: Flask) -> None:
    """A request whose token was checked carries g.csrf_valid (Flask-WTF's FlaskForm then
    skips checking it again)."""
    with protected.test_request_context("/compte/connexion", method="POST", data={}):
        with pytest.raises(Exception) as refused:  # noqa: PT011 (Flask-WTF's CSRFError)
            csrf.protect()
        assert refused.type.__name__ == "CSRFError"
        assert not g.get("csrf_valid")


# --- Flask-Login's "remember me" cookie --------------------------------------------------------


def test_the_remember_cookie_is_set_at_login_only_and_cleared_at_logout(
        protected: Flask) -> None:
    """"Remember me" sets its cookie with the login's answer, not again on the pages after,
    and the logout clears it."""
    with protected.app_context():
        person = factories.user(password="un-mot-de-passe-long")
        db.session.commit()
        email = person.email
    client = protected.test_client()
    answer = client.post("/compte/connexion", data={
        "email": email, "password": "un-mot-de-passe-long", "remember": "y",
        "csrf_token": _token(client)})
    assert answer.status_code in (302, 303)
    assert any(h.startswith("remember_token=") for h in answer.headers.getlist("Set-Cookie"))
    page = client.get("/")
    assert not any(h.startswith("remember_token=") for h in page.headers.getlist("Set-Cookie"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token
    out = client.post("/compte/deconnexion", data={"csrf_token": token.group(1)})
    cleared = [h for h in out.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "Expires=Thu, 01 Jan 1970" in cleared[0])


# --- The request's size limits -----------------------------------------------------------------


def test_the_request_reads_its_limits_from_its_apps_config_or_its_own(app: Flask) -> None:
    """A request's limits are its app's config, read when first needed; one the view set for
    itself wins (Flask's rule); outside an app, Werkzeug's defaults."""
    environ = EnvironBuilder(path="/", method="POST", data={"a": "b"}).get_environ()
    config = app.config
    with app.test_request_context(environ_overrides=environ):
        request = Request(environ)
        assert request.max_content_length == config["MAX_CONTENT_LENGTH"]
        assert request.max_form_memory_size == config["MAX_FORM_MEMORY_SIZE"]
        assert request.max_form_parts == config["MAX_FORM_PARTS"]
        request.max_form_parts = 3
        request.max_form_memory_size = 10
        request.max_content_length = 20
        assert (request.max_form_parts, request.max_form_memory_size,
                request.max_content_length) == (3, 10, 20)
    with second_app(app, MAX_FORM_PARTS=7) as other, \
            other.test_request_context(environ_overrides=environ):
        assert Request(environ).max_form_parts == 7
    # A thread of its own starts outside any app context (the fixture's is this thread's).
    found: list[Any] = []
    outside = threading.Thread(target=lambda: found.append(_limits_of(Request(environ))))
    outside.start()
    outside.join()
    assert found == [_limits_of(WerkzeugRequest)]


def _limits_of(request: Any) -> tuple[Any, Any, Any]:
    return request.max_content_length, request.max_form_memory_size, request.max_form_parts
