"""With CSRF protection on (as in production), every route that takes POST (or PUT, PATCH,
DELETE) refuses a request without a token, with a made-up token, and with the token of another
visitor's session: the French 400 page, and the database left exactly as it was. The same
requests with the session's own token go through, so the refusals are the token's doing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import itsdangerous
import pytest
import time_machine
from flask import Flask

from consultation import create_app
from consultation.core.models import utcnow
from consultation.extensions import db
from tests.conftest import IsolatedClient, second_app
from tests.routes import (
    PUBLIC,
    ROUTES,
    WALK,
    World,
    changed_tables,
    client_for,
    dump,
    french_error,
    goes_to_login,
)

WRITE_ROUTES = [endpoint for endpoint in WALK
                if ROUTES[endpoint].writes and ROUTES[endpoint].csrf]
# Mail programs POST the List-Unsubscribe link without a page: its secret is the guard. A
# visitor's language switch changes only their own display (a logged-in person's is checked:
# test_the_language_switch_needs_a_token_only_when_logged_in).
EXEMPT = ["main.language", "notifications.unsubscribe_one_click"]
EXPIRED = "Le formulaire a expiré ou ne vient pas de ce site."


@pytest.fixture
def csrf_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database, with CSRF protection on."""
    with second_app(app, WTF_CSRF_ENABLED=True) as protected:
        yield protected


def token_of(client: Any) -> str:
    """The CSRF token of this client's session, read from a page as a browser would."""
    # A logged-in person's pages all carry it (their menu's logout form); a visitor's page only
    # where it holds a form of theirs, such as the login form.
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)
    if found is None:
        page = client.get("/compte/connexion").get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)
    assert found, "no CSRF token on the home page nor the login page"
    return found.group(1)


def _post(client: Any, world: World, endpoint: str, method: str, token: str | None):
    route = ROUTES[endpoint]
    data = world.form(route)
    if token is not None:
        data["csrf_token"] = token
    return client.open(world.url(route), method=method, data=data)


def test_there_are_routes_to_protect():
    """The catalogue lists the POST routes (not a vacuous walk), and exempts only the
    one-click unsubscription."""
    assert len(WRITE_ROUTES) >= 35
    assert [e for e in ROUTES if ROUTES[e].writes and not ROUTES[e].csrf] == EXEMPT


def test_every_write_refuses_a_missing_or_wrong_token(app, csrf_app, world_of):
    """No token, a made-up one, another session's: French 400, nothing changed; the session's
    own token then goes through (the valid form does what it says)."""
    world = world_of("everything")
    stranger = csrf_app.test_client()
    strangers_token = token_of(stranger)
    problems = []
    before = dump()
    for endpoint in WRITE_ROUTES:
        route = ROUTES[endpoint]
        for method in route.writes:
            for token in (None, "pas-un-jeton", strangers_token):
                client = client_for(csrf_app, world)
                response = _post(client, world, endpoint, method, token)
                try:
                    page = french_error(response, 400)
                    assert EXPIRED in page
                except AssertionError as error:
                    problems.append((endpoint, method, token, str(error)[:200]))
            # The three refusals together changed nothing (only the requests write).
            after = dump()
            if changed := changed_tables(before, after):
                problems.append((endpoint, method, "refused", f"changed {changed}"))
            client = client_for(csrf_app, world)
            token = token_of(client)
            response = _post(client, world, endpoint, method, token)
            before, after = after, dump()
            if response.status_code not in (200, 302, 303) or goes_to_login(response):
                problems.append((endpoint, method, "valid", response.status_code))
            elif route.changes and not changed_tables(before, after):
                problems.append((endpoint, method, "valid", "changed nothing"))
            before = after
    assert problems == []


def test_a_visitor_is_refused_too(app, csrf_app, world_of):
    """A visitor posting without a token, even to a page that needs an account, gets the
    French 400 page before anything else."""
    world = world_of("anonymous")
    before = dump()
    for endpoint in WRITE_ROUTES:
        route = ROUTES[endpoint]
        response = _post(csrf_app.test_client(), world, endpoint, route.writes[0], None)
        french_error(response, 400)
    assert changed_tables(before, dump()) == []
    public = [e for e in WRITE_ROUTES if ROUTES[e].rule == PUBLIC]
    assert "accounts.login" in public


def test_a_valid_token_posts_a_comment(app, csrf_app, world_of):
    """With its token, a citizen's comment is published: the protection lets real forms in."""
    from consultation.comments.models import Comment

    world = world_of("citizen")
    client = client_for(csrf_app, world)
    count = db.session.query(Comment).count()
    response = _post(client, world, "comments.on_proposal", "POST", token_of(client))
    assert response.status_code == 302
    assert db.session.query(Comment).count() == count + 1


def test_the_language_switch_needs_a_token_only_when_logged_in(app, csrf_app, world_of):
    """A visitor switches without a token (their pages then make no session); a logged-in
    person's switch without one is refused like any of their POSTs."""
    visitor = csrf_app.test_client()
    page = visitor.get("/projets")
    assert "csrf_token" not in page.get_data(as_text=True)
    assert not page.headers.getlist("Set-Cookie")
    response = visitor.post("/langue", data={"lang": "en", "next": "/projets"})
    assert response.status_code == 302
    assert 'lang="en"' in visitor.get("/projets").get_data(as_text=True)
    world = world_of("citizen")
    client = client_for(csrf_app, world)
    refused = client.post("/langue", data={"lang": "en", "next": "/projets"})
    assert EXPIRED in french_error(refused, 400)
    response = client.post("/langue", data={"lang": "en", "next": "/projets",
                                            "csrf_token": token_of(client)})
    assert response.status_code == 302


def test_a_sessions_token_is_signed_once_and_stays_its_own(app, csrf_app, world_of):
    """Every page of a session carries the same signed token (signed once per worker), which
    posts; another session of the same person has its own, refused in the first one."""
    world = world_of("citizen")
    client, other = client_for(csrf_app, world), client_for(csrf_app, world)
    first = token_of(client)
    assert token_of(client) == first
    assert token_of(other) != first
    refused = _post(client, world, "comments.on_proposal", "POST", token_of(other))
    assert EXPIRED in french_error(refused, 400)
    assert _post(client, world, "comments.on_proposal", "POST", first).status_code == 302


def test_a_sessions_first_page_signs_the_token_its_next_pages_carry(csrf_app, world_of):
    """A session's first page makes its token and signs it; its next page, seconds later,
    carries that same signed token (signed again, its timestamp would make it another)."""
    client = client_for(csrf_app, world_of("citizen"))  # logged in: no token in the session yet
    first = token_of(client)
    with time_machine.travel(utcnow() + timedelta(seconds=5)):
        assert token_of(client) == first


def test_with_a_time_limit_every_page_signs_its_token(app, world_of):
    """Where WTF_CSRF_TIME_LIMIT is set, a token kept from an earlier page would expire before
    its page says: each page signs its own."""
    limited = create_app({**app.config, "WTF_CSRF_ENABLED": True, "WTF_CSRF_TIME_LIMIT": 3600})
    limited.test_client_class = IsolatedClient
    try:
        client = client_for(limited, world_of("citizen"))
        signed: list[bytes] = []
        real = itsdangerous.URLSafeTimedSerializer.dumps

        def dumps(self: Any, *args: Any, **kwargs: Any) -> Any:
            signed.append(self.salt)
            return real(self, *args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(itsdangerous.URLSafeTimedSerializer, "dumps", dumps)
            for _ in range(3):
                token_of(client)
        assert signed.count(b"wtf-csrf-token") == 3, signed
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_token_verified_once_is_compared_after(app, csrf_app, world_of, monkeypatch):
    """Flask-WTF still asks the check, which verifies a token's signature once per worker
    (consultation/extensions.py) and then only compares it with the session's: the next POSTs
    verify nothing again, and another session sending that token is still refused."""
    import flask_wtf.csrf

    from consultation import extensions
    from consultation.comments.models import Comment

    assert flask_wtf.csrf.validate_csrf is extensions._validate_csrf
    checked: list[str] = []
    loads = itsdangerous.URLSafeTimedSerializer.loads

    def counted(self: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        checked.append(str(data))
        return loads(self, data, *args, **kwargs)

    monkeypatch.setattr(itsdangerous.URLSafeTimedSerializer, "loads", counted)
    monkeypatch.setattr(extensions, "_VERIFIED", {})  # nothing verified yet in this worker
    world = world_of("citizen")
    client = client_for(csrf_app, world)
    token = token_of(client)
    count = db.session.query(Comment).count()
    for _ in range(3):
        response = _post(client, world, "comments.on_proposal", "POST", token)
        assert response.status_code == 302
    assert db.session.query(Comment).count() == count + 3
    assert checked.count(token) == 1, checked
    stranger = csrf_app.test_client()
    token_of(stranger)  # a session with a token of its own
    page = french_error(_post(stranger, world, "comments.on_proposal", "POST", token), 400)
    assert EXPIRED in page
    assert db.session.query(Comment).count() == count + 3
