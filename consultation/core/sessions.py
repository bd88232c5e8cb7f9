"""The session cookie: Flask's signed cookie, without redoing the same work at every request.

A browser sends the same session cookie with request after request until something in its
session changes. Building Flask's serializer, checking the cookie's signature (HMAC) and
decoding it (base64, zlib, JSON) cost some 30 µs at every request of someone logged in. Here
the serializer is built once per set of keys, and each worker keeps what the cookies it
verified hold (the last KEPT_COOKIES first seen): the same bytes, under the same keys, verify
the same way. The age of the signature is still checked at every request, as itsdangerous
checks it, and each request gets a copy of its own to change.

A cookie is signed again only when its session changed (Flask's rule: SESSION_REFRESH_EACH_REQUEST
is for permanent sessions, and ours are not)."""

from __future__ import annotations

import copy
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from consultation.core.context import given

if TYPE_CHECKING:
    from flask import Flask, Request

KEPT_COOKIES = 2_000  # per worker and set of keys; a cookie weighs at most 4 kB


class _Verified:
    """A serializer built once, and what the cookies it verified hold, the newest last."""

    def __init__(self, serializer: URLSafeTimedSerializer) -> None:
        self.serializer = serializer
        self.cookies: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()

    def data(self, cookie: str, max_age: int) -> dict[str, Any]:
        """What a cookie holds, a copy for this request; BadSignature when it was forged,
        altered, or signed too long ago."""
        found = self.cookies.get(cookie)
        if found is None:
            # itsdangerous's whole check, once per cookie: the signature, the age, the payload.
            data, signed_at = self.serializer.loads(cookie, max_age=max_age,
                                                    return_timestamp=True)
            found = self.cookies[cookie] = (int(signed_at.timestamp()), data)
            while len(self.cookies) > KEPT_COOKIES:
                self.cookies.popitem(last=False)
        else:
            # The age moves on: checked at every request, as itsdangerous's TimestampSigner.
            age = int(time.time()) - found[0]
            if age > max_age or age < 0:
                raise BadSignature("Signature expired")
        # A copy: the request may change its session (a flashed message added to a list).
        return copy.deepcopy(found[1])


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with a serializer built once and verified cookies kept."""

    def __init__(self) -> None:
        self._by_keys: dict[tuple[Any, ...], _Verified] = {}

    def _verified(self, app: Flask) -> _Verified | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._by_keys.get(keys)
        if found is None:
            made = super().get_signing_serializer(app)
            assert made is not None
            found = self._by_keys[keys] = _Verified(made)
        return found

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once for the app's keys."""
        verified = self._verified(app)
        return verified.serializer if verified is not None else None

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The session of the cookie, or a new one (no cookie, a bad or an old signature)."""
        verified = self._verified(app)
        if verified is None:
            return None
        cookie = given(request.cookies, self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            return self.session_class(verified.data(cookie, max_age))
        except BadSignature:
            return self.session_class()
