"""The request's own objects, not Flask's proxies, for the code that runs on every page.

Flask's `g`, `request`, `session` and `current_app`, and Flask-Login's `current_user`, are
proxies (Werkzeug's LocalProxy). Each attribute asked of one is first looked for on the proxy
object itself, which fails: Python builds an AttributeError, its message written out, before
the proxy forwards the name to the object it stands for. Timed, `g.get(...)` takes 0.76 µs
against 0.10 µs on `g`'s object; counted, a logged-in proposal page asked 180 such attributes
and a support 110. The code that asks them on every page takes the object once from here.
Each function is only valid while its context is (a request's, or the app's for `here` and
`app`), as the proxy is.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, current_app, g, has_request_context, request, session
from flask.ctx import _AppCtxGlobals
from flask.sessions import SessionMixin
from flask_login import current_user
from werkzeug.datastructures import MultiDict


def here() -> _AppCtxGlobals:
    """`g` itself."""
    return g._get_current_object()


def app() -> Flask:
    """`current_app` itself."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def this_request() -> Request:
    """`request` itself."""
    return request._get_current_object()  # type: ignore[attr-defined]


def this_session() -> SessionMixin:
    """`session` itself."""
    return session._get_current_object()  # type: ignore[attr-defined]


def given(values: MultiDict[str, str], key: str, default: str | None = None) -> str | None:
    """`values.get(key, default)` for the request's args, form or cookies, without what
    Werkzeug's MultiDict does for a missing key: raise and catch a BadRequestKeyError, an
    HTTP error object made for nothing (1 µs, against 0.03: a page asks for several cookies
    and parameters it was not sent)."""
    return values[key] if key in values else default  # noqa: SIM401 (what it avoids)


def person() -> Any:
    """The logged-in person, or Flask-Login's anonymous one: `current_user` itself. Once
    Flask-Login has loaded them for the request, it keeps them on `g` (its `_login_user`, which
    login_user and logout_user replace): taken from there; loaded through the proxy before."""
    if has_request_context():
        found = here().__dict__.get("_login_user")
        if found is not None:
            return found
    return current_user._get_current_object()
