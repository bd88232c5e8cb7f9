"""A fixed message shown once on the page a POST redirects to, carried by a cookie of its own.

Flask's flash() writes its message into the session: the session cookie is serialised and
signed again for the POST, then again for the page that shows the message (taking it out), and
each time the worker's kept verification of the cookie (core/sessions.py) is lost. The messages
that follow the most frequent POSTs (a support, a comment, an answer in a debate, a follow) are
fixed sentences: a cookie naming one of them (`notice=soutien`) says as much, and the session
cookie stays as it was. This cookie is not signed: whoever forges it can only show themself one
of the sentences registered here. It lives a minute at most; the page that shows it deletes it,
so the message is shown once, as a flashed one is. A message with a variable part is still
flashed.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, cast

from flask import get_flashed_messages
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response

from consultation.core.context import app, given, here, this_request

COOKIE = "notice"
MAX_AGE = 60  # seconds: a browser follows a redirect at once


class Notice(NamedTuple):
    """A registered message: its key (the cookie's value), its text (translated when shown),
    its category (the flash categories: success, info, error)."""

    key: str
    message: Any  # a lazy string, translated in the language of the page that shows it
    category: str


_KNOWN: dict[str, Notice] = {}


def notice(key: str, message: Any, category: str) -> Notice:
    """Register a fixed message under `key` (ASCII letters and hyphens)."""
    if not key.replace("-", "").isalpha() or not key.isascii():
        raise ValueError(f"unsuitable notice key {key!r}")
    made = _KNOWN[key] = Notice(key, message, category)
    return made


class Outcome(NamedTuple):
    """What an action that may have nothing to do says: done, or unchanged (a second click is
    not an error: it says that nothing needed doing)."""

    done: Notice
    unchanged: Notice

    def of(self, changed: bool) -> Notice:
        """The notice for what the action did."""
        return self.done if changed else self.unchanged


def outcome(key: str, done: Any, unchanged: Any) -> Outcome:
    """Register the two messages of such an action: `done` (success) under `key`, `unchanged`
    (info) under `key`-deja."""
    return Outcome(notice(key, done, "success"), notice(f"{key}-deja", unchanged, "info"))


def registered() -> dict[str, Notice]:
    """Every registered notice, by key."""
    return dict(_KNOWN)


def _cookie_options() -> dict[str, Any]:
    config = app().config
    return {"path": "/", "secure": bool(config.get("SESSION_COOKIE_SECURE")),
            "httponly": True, "samesite": config.get("SESSION_COOKIE_SAMESITE") or "Lax"}


# (key, secure, samesite) -> the Set-Cookie header that carries the notice, written once:
# Werkzeug gives a cookie with a Max-Age an Expires too, a date formatted anew for every POST
# (0.3 % of a support, counted). Browsers follow Max-Age (RFC 6265, 5.3), and a notice lives a
# minute, its redirect followed at once.
_HEADERS: dict[tuple[str, bool, str], str] = {}


def _set_cookie(key: str) -> str:
    options = _cookie_options()
    known = (key, options["secure"], options["samesite"])
    header = _HEADERS.get(known)
    if header is None:
        written = dump_cookie(COOKIE, key, max_age=MAX_AGE, path="/", httponly=True,
                              secure=options["secure"], samesite=options["samesite"])
        header = _HEADERS[known] = re.sub(r"; Expires=[^;]*", "", written)
    return header


def redirect_with(location: str, shown: Notice, code: int = 302) -> Response:
    """A redirect to `location` whose page shows `shown` once."""
    response = app().redirect(location, code=code)  # flask.redirect, without its proxy
    response.headers.add("Set-Cookie", _set_cookie(shown.key))
    return response


def pending() -> bool:
    """True when this request carries a notice to show (its page is not for anyone else)."""
    return COOKIE in this_request().cookies


def messages() -> list[tuple[str, Any]]:
    """The messages of this page, as (category, text): those flashed (as flashed: a Markup
    one stays Markup), then the notice its cookie names, which this page's response deletes
    (`forget_shown`)."""
    shown: list[tuple[str, Any]] = cast(
        list[tuple[str, Any]], list(get_flashed_messages(with_categories=True)))
    key = given(this_request().cookies, COOKIE)
    if key is None:
        return shown
    here().notice_shown = True
    found = _KNOWN.get(key)
    if found is not None:
        shown.append((found.category, str(found.message)))
    return shown


def forget_shown(response: Response) -> Response:
    """A notice shown on this page is deleted with its response: shown once."""
    if here().get("notice_shown"):
        response.delete_cookie(COOKIE, **_cookie_options())
    return response
