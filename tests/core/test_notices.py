"""A fixed message after a support or a comment rides on a cookie of its own (core/notices.py):
shown once on the page the POST leads to, in that page's language, without the session cookie
being signed again, never shown to anyone else."""

from __future__ import annotations

import html

from consultation.core import notices
from consultation.extensions import db
from tests import factories
from tests.conftest import login

SUPPORTED = "Votre soutien est enregistré."


def cookies_set(response) -> dict[str, str]:
    """The cookies a response sets (name -> the whole Set-Cookie header)."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_a_support_message_is_shown_once_and_the_session_is_not_signed_again(app):
    """The POST sets the notice and no session cookie; the page after shows the message and
    deletes the notice; the page after that shows nothing; a second support says so."""
    proposal = factories.proposal(factories.project("consultation"))
    person = factories.user()
    db.session.commit()
    client = login(app.test_client(), person)
    page(client, "/projets")  # the session gets its CSRF token: nothing left to write in it
    response = client.post(f"/propositions/{proposal.id}/soutenir")
    assert response.status_code == 302
    set_now = cookies_set(response)
    assert set(set_now) == {notices.COOKIE}, set_now
    assert "HttpOnly" in set_now[notices.COOKIE] and "Max-Age=60" in set_now[notices.COOKIE]
    assert "SameSite=Lax" in set_now[notices.COOKIE] and "Path=/" in set_now[notices.COOKIE]
    assert "Expires" not in set_now[notices.COOKIE]  # written once, without a date
    landing = client.get(response.headers["Location"])
    assert SUPPORTED in html.unescape(landing.get_data(as_text=True))
    deleted = cookies_set(landing)
    assert set(deleted) == {notices.COOKIE}, deleted
    assert "Max-Age=0" in deleted[notices.COOKIE] or "Expires=Thu, 01 Jan 1970" in (
        deleted[notices.COOKIE])
    assert SUPPORTED not in page(client, response.headers["Location"])
    again = client.post(f"/propositions/{proposal.id}/soutenir", follow_redirects=True)
    assert "Vous soutenez déjà cette proposition." in html.unescape(again.get_data(as_text=True))


def test_a_notice_is_shown_in_the_language_of_its_page(app):
    """An English page says it in English."""
    proposal = factories.proposal(factories.project("consultation"))
    person = factories.user()
    db.session.commit()
    client = login(app.test_client(), person)
    client.post("/langue", data={"lang": "en"})
    shown = client.post(f"/propositions/{proposal.id}/commentaires", follow_redirects=True,
                        data={"stance": "pour", "body": "Une idée utile pour le quartier."})
    text = html.unescape(shown.get_data(as_text=True))
    assert "Your comment has been published." in text
    assert "Votre commentaire est publié." not in text


def test_an_unknown_or_forged_notice_shows_nothing_and_is_dropped(app):
    """A cookie naming no registered message shows nothing, breaks nothing, and is deleted."""
    client = app.test_client()
    client.set_cookie(notices.COOKIE, "<script>alert(1)</script>")
    response = client.get("/projets")
    assert response.status_code == 200
    assert "alert(1)" not in response.get_data(as_text=True)
    assert notices.COOKIE in cookies_set(response)



def test_every_notice_has_its_english_text(app):
    """Each registered sentence is in the English catalogue (its French msgid kept exactly, a
    non-breaking space included): an English page never shows it in French."""
    from flask_babel import force_locale

    import consultation.comments.views
    import consultation.notifications.views
    import consultation.opinions.views
    import consultation.votes.views  # noqa: F401 (they register their notices)

    assert len(notices.registered()) >= 24
    with app.test_request_context("/"):
        for key, registered in notices.registered().items():
            with force_locale("fr"):
                french = str(registered.message)
            with force_locale("en"):
                english = str(registered.message)
            assert english != french, key


def test_a_flashed_message_in_markup_stays_markup(app):
    """Flashed messages are shown as flashed: a Markup message keeps its markup (the notices
    only add theirs after them)."""
    from flask import flash
    from markupsafe import Markup

    with app.test_request_context("/"):
        flash(Markup("Voir <a href=\"/projets\">les projets</a>."), "info")
        [(category, message)] = notices.messages()
    assert category == "info" and hasattr(message, "__html__")


def test_a_notice_cookie_is_secure_where_the_session_is(app):
    """Served over HTTPS (SESSION_COOKIE_SECURE), the notice's cookie is Secure too, though
    its header is written once per notice."""
    proposal = factories.proposal(factories.project("consultation"))
    person = factories.user()
    db.session.commit()
    client = login(app.test_client(), person)
    plain = cookies_set(client.post(f"/propositions/{proposal.id}/soutenir"))
    assert "Secure" not in plain[notices.COOKIE]
    app.config["SESSION_COOKIE_SECURE"] = True
    secure = cookies_set(client.post(f"/propositions/{proposal.id}/soutenir",
                                     base_url="https://localhost"))
    assert "; Secure" in secure[notices.COOKIE] and "Expires" not in secure[notices.COOKIE]
