"""Town-hall terminals ("bornes"): one shared browser, one person after another.

A browser is a kiosk when the server says so for all (KIOSK_MODE) or when it opened /borne,
which leaves a long-lived `kiosk=1` cookie of its own: that cookie is not part of the session,
so ending a person's session never takes the terminal out of kiosk mode. On a kiosk:
- nobody stays logged in: no "remember me", only a session cookie without expiry, and the
  session ends after KIOSK_IDLE_MINUTES without activity: the server ends it at the next
  request, and static/kiosk.js counts the time on the page, restarts it at each key or touch
  (telling the server), warns a minute before the end with "Continuer ma session" (WCAG 2.2.1)
  and then brings the page back to the start;
- "Terminer ma session" on every page forgets the person at once;
- nothing of the previous person remains: no page is stored (Cache-Control: no-store, so Back
  shows nothing) and forms do not offer to fill in what was typed before (every <form> tag
  of the templates ends with `{{ no_autofill() }}`, every field of the form macros says so);
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
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

COOKIE = "kiosk"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
SEEN = "kiosk_seen"  # session key: when the last request came (seconds since the epoch)
# Session keys that say nothing of a person: their absence means nobody is to be told.
_IMPERSONAL = {SEEN, "csrf_token", "_permanent", "_remember", "_id", "_fresh"}


def is_kiosk() -> bool:
    """True when the current browser is a shared terminal."""
    if not has_request_context():
        return False
    # Kept on the request, not on `g`: a PDF or a mail rendered during a terminal's request
    # (in a request context of its own) is not a kiosk page.
    found = request.environ.get("consultation.kiosk")
    if found is None:
        found = bool(current_app.config.get("KIOSK_MODE")) or request.cookies.get(COOKIE) == "1"
        request.environ["consultation.kiosk"] = found
    return bool(found)


def idle_minutes() -> int:
    """Minutes without a request after which a kiosk session ends."""
    return max(1, int(current_app.config.get("KIOSK_IDLE_MINUTES") or 5))


def has_someone() -> bool:
    """True when the session holds something of a person (a login, a language, a message)."""
    return any(key not in _IMPERSONAL for key in session)


def end_session() -> None:
    """Forget the person: the session emptied, logged out, the "remember me" cookie dropped."""
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion in the session


def end_idle_session() -> None:
    """End the session of someone who left, saying why if there was someone."""
    someone = has_someone()
    end_session()
    if someone:
        flash(_("Votre session a pris fin après %(n)d minutes sans activité.", n=idle_minutes()),
              "info")


def no_autofill() -> Markup:
    """` autocomplete="off"` on a kiosk, nothing elsewhere: every <form> tag of the templates
    ends with it (tests/inclusion/test_kiosk.py scans them)."""
    return Markup(' autocomplete="off"') if is_kiosk() else Markup("")


def end_idle_sessions() -> BaseResponse | None:
    """On a kiosk, end the session of someone who left; what they sent goes nowhere."""
    if not is_kiosk() or request.endpoint == "static":
        return None
    now = time.time()
    seen = session.get(SEEN)
    expired = isinstance(seen, int | float) and now - seen > idle_minutes() * 60
    if expired:
        end_idle_session()
    session[SEEN] = now
    if expired and not (request.method == "GET" and request.endpoint == "main.home"):
        # Whatever the request was for, it belonged to the person who left.
        return redirect(url_for("main.home"))
    return None


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
