"""Ending a session ends it on the server: a copy of the session cookie taken before logging out,
before "Terminer ma session" on a terminal, before the idle end of a terminal's session, or
before deleting the account, no longer logs anyone in nor posts anything."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consultation.comments.models import Comment
from consultation.core import kiosk
from consultation.extensions import db
from tests import factories
from tests.factories import PASSWORD

EMAIL = "citoyenne@exemple.fr"


def logged_in_browser(app: Flask, *, terminal: bool = False) -> FlaskClient:
    """A browser (a terminal, if asked) where the person logged in with the form."""
    client = app.test_client()
    if terminal:
        assert client.get("/borne").status_code == 302
    response = client.post("/compte/connexion", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_cookie(client: FlaskClient) -> str:
    """The value of the browser's session cookie, as someone could copy it."""
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def replay(app: Flask, value: str) -> FlaskClient:
    """Another browser carrying a copy of the session cookie (and no kiosk cookie)."""
    copy = app.test_client()
    copy.set_cookie("session", value)
    return copy


def comments() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def assert_session_works(client: FlaskClient, proposal_id: int) -> None:
    """The session reaches the profile and posts a comment."""
    assert client.get("/compte/profil").status_code == 200
    before = comments()
    response = client.post(f"/propositions/{proposal_id}/commentaires",
                           data={"stance": "pour", "body": "Écrit avant la fin de la session."})
    assert response.status_code == 302
    assert comments() == before + 1


def assert_session_ended(client: FlaskClient, proposal_id: int) -> None:
    """The session reaches nothing of the account and posts nothing."""
    profile = client.get("/compte/profil")
    assert profile.status_code == 302
    assert profile.headers["Location"].startswith("/compte/connexion")
    before = comments()
    response = client.post(f"/propositions/{proposal_id}/commentaires",
                           data={"stance": "pour", "body": "Rejoué après la fin."})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")
    assert comments() == before


def scene(app: Flask) -> int:
    """An account and a proposal open to comments; the proposal's id."""
    factories.user(email=EMAIL)
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    return proposal.id


def test_a_cookie_copied_before_logout_no_longer_works(app):
    """Logging out ends the session on the server: the copied cookie is logged out."""
    proposal_id = scene(app)
    browser = logged_in_browser(app)
    copied = session_cookie(browser)
    assert_session_works(replay(app, copied), proposal_id)
    response = browser.post("/compte/deconnexion", follow_redirects=True)
    assert_session_ended(replay(app, copied), proposal_id)
    assert "Vous êtes déconnecté·e, sur tous vos appareils." in response.get_data(as_text=True)
    # Logging in again works, with a new session.
    assert_session_works(logged_in_browser(app), proposal_id)


def test_ending_a_terminal_session_ends_it_on_the_server(app):
    """"Terminer ma session" on a terminal: the cookie copied before no longer works."""
    proposal_id = scene(app)
    browser = logged_in_browser(app, terminal=True)
    copied = session_cookie(browser)
    assert browser.post("/borne/terminer").status_code == 302
    assert_session_ended(replay(app, copied), proposal_id)


def test_the_idle_end_of_a_terminal_session_ends_it_on_the_server(app):
    """A terminal's session that ends for idleness: the cookie copied before no longer works,
    on another browser where no idle delay applies."""
    proposal_id = scene(app)
    browser = logged_in_browser(app, terminal=True)
    copied = session_cookie(browser)
    with browser.session_transaction() as session:
        session[kiosk.SEEN] = time.time() - 10 * 60
    assert browser.get("/projets").status_code == 302
    assert_session_ended(replay(app, copied), proposal_id)


def test_a_form_sent_after_the_idle_delay_ends_the_session_on_the_server(app):
    """A form sent after a terminal's idle delay is given back (409, nothing saved): the
    session still ends on the server, so the cookie copied before no longer works."""
    proposal_id = scene(app)
    browser = logged_in_browser(app, terminal=True)
    copied = session_cookie(browser)
    with browser.session_transaction() as session:
        session[kiosk.SEEN] = time.time() - 10 * 60
    before = comments()
    response = browser.post(f"/propositions/{proposal_id}/commentaires",
                            data={"stance": "pour", "body": "Écrit après le délai."})
    assert response.status_code == 409
    assert comments() == before
    assert_session_ended(replay(app, copied), proposal_id)


def test_a_cookie_copied_before_deleting_the_account_no_longer_works(app):
    """Deleting the account ends its sessions (the account is gone: nothing to log into)."""
    proposal_id = scene(app)
    browser = logged_in_browser(app)
    copied = session_cookie(browser)
    response = browser.post("/compte/supprimer", data={"password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert_session_ended(replay(app, copied), proposal_id)
