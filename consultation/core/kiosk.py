"""Town-hall terminals ("bornes"): one shared browser, one person after another.

A browser is a kiosk when the server says so for all (KIOSK_MODE) or when it opened /borne,
which leaves a long-lived `kiosk=1` cookie of its own: that cookie is not part of the session,
so ending a person's session never takes the terminal out of kiosk mode. On a kiosk:
- nobody stays logged in: no "remember me", only a session cookie without expiry;
- the session ends after KIOSK_IDLE_MINUTES without activity (WCAG 2.2.1: announced, and
  extendable). Every page says so in text. The server ends it at the next request after the
  delay; static/kiosk.js counts the same delay on the page, tells the server at each key or
  touch (at most every 30 seconds, at once when the warning is answered), warns a minute
  before the end with "Je suis encore là" (an alert, focused), and at the end empties the
  page's fields and brings it back to the start. No page refreshes itself (no meta refresh);
- a form sent after the delay (without JavaScript, or by someone who typed past it) is not
  carried out: the server ends the session first, so it is saved under nobody's account and
  nothing of the previous person is shown. The same answer then gives back, to the very
  submission that sent it and nowhere else (nothing is kept on the server or in the new
  session), what it contained: "Votre session a pris fin ; reconnectez-vous pour envoyer", the
  text shown, and a login form carrying it; logging in there sends it again to where it was
  going (a 307 redirect of the login view). Passwords and codes are never sent back. Logging
  in or signing up after the delay goes through, on the fresh session;
- "Terminer ma session" on every page forgets the person at once, and ends the account's
  sessions on the server too (a copied cookie no longer works, on any browser);
- nothing of the previous person remains: no page is stored (Cache-Control: no-store, so Back
  shows nothing); every <form> tag of the templates ends with `{{ no_autofill() }}`, so that
  what people write (titles, proposals, comments) is never offered to the next one, while the
  fields about the person keep their own token (email, current-password, nickname...: WCAG
  1.3.5); static/kiosk.js resets the forms of a page shown again from the browser's memory.
  The terminal's browser itself must store no form data (README, "Bornes");
- pages are larger and simpler (the `kiosk` class on <body>).
"""
from __future__ import annotations

import time

from flask import (
    Response,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from consultation.core.context import app, given, this_request
from consultation.core.forms import given_back
from consultation.extensions import db

COOKIE = "kiosk"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
SEEN = "kiosk_seen"  # session key: when the last request came (seconds since the epoch)
# Session keys that say nothing of a person: their absence means nobody is to be told.
_IMPERSONAL = {SEEN, "csrf_token", "_permanent", "_remember", "_id", "_fresh"}
# Requests after the delay that go on, on the fresh session: they act for nobody before.
_FRESH_START = {"accounts.login", "accounts.register"}
# Requests after the delay that lead to the start page: nothing of them is worth keeping.
_TO_START = {"main.kiosk_end", "main.kiosk_idle", "accounts.logout", "main.language"}


def _now() -> float:
    return time.time()


def is_kiosk() -> bool:
    """True when the current browser is a shared terminal."""
    if not has_request_context():
        return False
    # Kept on the request, not on `g`: a PDF or a mail rendered during a terminal's request
    # (in a request context of its own) is not a kiosk page.
    this = this_request()
    found = this.environ.get("consultation.kiosk")
    if found is None:
        found = bool(app().config.get("KIOSK_MODE")) or given(this.cookies, COOKIE) == "1"
        this.environ["consultation.kiosk"] = found
    return bool(found)


def idle_minutes() -> int:
    """Minutes without a request after which a kiosk session ends."""
    return max(1, int(current_app.config.get("KIOSK_IDLE_MINUTES") or 5))


def has_someone() -> bool:
    """True when the session holds something of a person (a login, a language, a message)."""
    return any(key not in _IMPERSONAL for key in session)


def end_session(*, everywhere: bool | None = None) -> None:
    """Forget the person: the session emptied, logged out, the "remember me" cookie dropped.
    `everywhere`: also end the account's sessions on the server, so that a copy of the cookie
    no longer works; by default for a POST ("Terminer ma session", logging out), not for a GET
    (/borne, /borne/quitter), which a link could send and which changes nothing stored."""
    if everywhere is None:
        everywhere = request.method not in ("GET", "HEAD")
    person = current_user._get_current_object() if current_user.is_authenticated else None
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion in the session
    if everywhere and person is not None:
        # A new session nonce (accounts.models.User.end_sessions): core names no domain.
        person.end_sessions()
        # Committed now: the session ends whatever the request's answer (a form sent after the
        # idle delay is given back with a 409, which rolls the request's transaction back).
        # Nothing else of the request is written yet: this runs before its view.
        db.session.commit()


def end_idle_session() -> None:
    """End the session of someone who left, saying why if there was someone; on the server
    too, whatever the request: it is the time gone by that ends it, not what the request asks."""
    someone = has_someone()
    end_session(everywhere=True)
    if someone:
        flash(_("Votre session a pris fin après %(n)d minutes sans activité.", n=idle_minutes()),
              "info")


def no_autofill() -> Markup:
    """` autocomplete="off"` on a kiosk, nothing elsewhere: every <form> tag of the templates
    ends with it (tests/inclusion/test_kiosk.py scans them). A field with a token of its own
    (email, current-password...) keeps it: the field's attribute wins over the form's."""
    return Markup(' autocomplete="off"') if is_kiosk() else Markup("")


def sent_again_page() -> tuple[str, int]:
    """The form that came after the delay, given back to the same submission: nothing of it
    saved, nobody logged in; logging in here sends it again (409: nothing was done)."""
    back = given_back()
    return render_template(
        "kiosk_expired.html", kept=back.kept, shown=back.shown,
        action=url_for("accounts.login", next=back.target),
    ), 409


def end_idle_sessions() -> BaseResponse | tuple[str, int] | None:
    """On a kiosk, end the session of someone who left; what they sent is done for nobody."""
    if not is_kiosk() or request.endpoint == "static":
        return None
    now = _now()
    seen = session.get(SEEN)
    expired = isinstance(seen, int | float) and now - seen > idle_minutes() * 60
    logged_in = "_user_id" in session
    if expired:
        end_idle_session()
    session[SEEN] = now
    if not expired or (request.method == "GET" and request.endpoint == "main.home"):
        return None
    if request.method == "POST" and request.endpoint in _FRESH_START:
        return None
    if request.method == "POST" and logged_in and request.endpoint not in _TO_START:
        # Whoever sends it, it is only given back to the submission that carried it.
        return sent_again_page()
    # Whatever the request was for, it belonged to the person who left.
    return redirect(url_for("main.home"))


def leave_nothing(response: Response) -> Response:
    """On a kiosk, no response is stored by the browser (Back shows nothing)."""
    if is_kiosk() and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def kiosk_context() -> dict[str, object]:
    """What base.html needs of the kiosk: its class, its idle delay, its idle timer."""
    kiosk = is_kiosk()
    return {
        "kiosk": kiosk,
        "kiosk_idle_minutes": idle_minutes() if kiosk else None,
        # The start page with nobody on it needs no bringing back (static/kiosk.js).
        "kiosk_timer": kiosk and not (request.endpoint == "main.home" and not has_someone()),
    }
