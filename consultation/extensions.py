"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

import functools
import hmac
from typing import TYPE_CHECKING, Any, ClassVar, cast

import flask_compress.flask_compress as flask_compress_module
import flask_limiter._limits as flask_limiter_limits
import flask_wtf.csrf as flask_wtf_csrf
from flask import Flask, Response, request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_login.config import EXEMPT_METHODS
from flask_login.utils import _create_identifier
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from flask_wtf.csrf import same_origin
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase
from wtforms import ValidationError
from zlib_ng import gzip_ng

from consultation.core.context import app, here, person, this_request, this_session

# Named constraints so that Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model maps one table, never a join or a select: SQLAlchemy types it wider.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# The base of the models. db.Model is made at run time (a subclass of Base with the session's
# query property and bind key): a type checker cannot take it as a base class, so it sees Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()


# Flask-Login's identifier of a session's browser (a SHA-512 of its address and User-Agent),
# computed once per worker for each: a logged-in person's every request asks for it.
@functools.lru_cache(maxsize=4096)
def _identifier_of(forwarded: str | None, address: str | None, agent: str | None) -> str:
    # Flask-Login reads them from the request being served, the one they were taken from.
    return str(_create_identifier())


def _session_identifier() -> str:
    """Flask-Login's session identifier of the request's address and browser."""
    environ = this_request().environ
    return _identifier_of(environ.get("HTTP_X_FORWARDED_FOR"), environ.get("REMOTE_ADDR"),
                          environ.get("HTTP_USER_AGENT"))


class QuickLoginManager(LoginManager):
    """Flask-Login's manager, which skips its session protection where there is nothing to
    protect: for a session that holds nothing (a visitor's), Flask-Login's check passed
    always, after computing the session's identifier (a SHA-512 of the address and the
    browser) for nothing, on every page a visitor is made. The identifier of a browser is
    computed once per worker (`_session_identifier`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session_identifier_generator = _session_identifier

    def _session_protection_failed(self) -> bool:
        """Flask-Login's check, for a session that holds something."""
        if not this_session():
            return False
        return bool(super()._session_protection_failed())

    def _update_remember_cookie(self, response: Response) -> Response:
        """Flask-Login's after-request step, which asks the session and the app through their
        proxies on every response: asked of them here, and handed to Flask-Login only when its
        "remember me" cookie has something to do (after a login or a logout)."""
        session = this_session()
        if "_remember" not in session and app().config.get(
                "REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            session["_remember"] = "set"
        if "_remember" in session:
            return cast(Response, super()._update_remember_cookie(response))
        return response


login_manager = QuickLoginManager()


def login_required(view: Any) -> Any:
    """Flask-Login's `login_required`, which asks the request, the app and the person through
    their proxies (five lookups, each with an AttributeError made and dropped: core/context.py)
    on every request to a view it guards: the same rule (OPTIONS and LOGIN_DISABLED exempt,
    the login manager's `unauthorized()` otherwise) asked of the objects themselves."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if (this_request().method not in EXEMPT_METHODS
                and not app().config.get("LOGIN_DISABLED")
                and not person().is_authenticated):
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return guarded


class QuickCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, asking the request, the app and `g` themselves (its own code
    asks them through their proxies: eleven lookups on a POST, seven on every page, each with
    an AttributeError made and dropped, core/context.py). The same rule, in an order that
    answers a GET first: a method that is not checked needs no view's exemption looked up."""

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate the CSRF token of the current request (Flask-WTF's `protect`)."""
        asked, config = this_request(), app().config
        if asked.method not in config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions and (not asked.endpoint or self._is_exempt()):
            return
        try:
            flask_wtf_csrf.validate_csrf(self._get_csrf_token())
        except ValidationError as error:
            flask_wtf_csrf.logger.info(error.args[0])
            self._error_response(error.args[0])
        if asked.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not asked.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(asked.referrer, f"https://{asked.host}/"):
                self._error_response("The referrer does not match the host.")
        here().csrf_valid = True  # as Flask-WTF marks a request it checked

    def _is_exempt(self) -> bool:
        asked, flask_app = this_request(), app()
        if flask_app.blueprints.get(asked.blueprint or "") in self._exempt_blueprints:
            return True
        view = flask_app.view_functions.get(asked.endpoint or "")
        return view is not None and f"{view.__module__}.{view.__name__}" in self._exempt_views

    def _get_csrf_token(self) -> str | None:
        asked, config = this_request(), app().config
        field = config["WTF_CSRF_FIELD_NAME"]
        form = asked.form
        found = form.get(field)
        if found:
            return str(found)
        for key in form:  # a form with a prefix names it {prefix}-csrf_token
            if key.endswith(field) and form[key]:
                return str(form[key])
        for header in config["WTF_CSRF_HEADERS"]:
            found = asked.headers.get(header)
            if found:
                return str(found)
        return None


csrf = QuickCSRFProtect()
babel = Babel()


# The request headers that make a response conditional (a 304, or a part of it).
_CONDITIONAL = frozenset(("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE",
                          "HTTP_IF_RANGE"))


class ConditionalCompress(Compress):
    """Flask-Compress, whose conditional pass over a page it compressed (Werkzeug's
    make_conditional: a 304 for an ETag or a date the client has) runs only when the request
    asks a question it answers. Flask-Compress ran it on every page it compressed, where all
    it did without such a header was write a Date header, which the HTTP server writes anyway:
    1 to 3 % of a page's work (COMPRESS_EVALUATE_CONDITIONAL_REQUEST is off). Static files,
    streamed, go through it always, as before."""

    def after_request(self, response: Response | None) -> Response:
        """Compress as Flask-Compress does, then answer the request's condition, if any."""
        compressed_before = response is not None and "Content-Encoding" in response.headers
        response = super().after_request(response)
        if (not compressed_before and "Content-Encoding" in response.headers
                and request.method in ("GET", "HEAD")
                and (request.endpoint in self.streaming_endpoint_with_conditional
                     if response.is_streamed
                     else not _CONDITIONAL.isdisjoint(request.environ))):
            response.make_conditional(request)
        return response


compress = ConditionalCompress()


# From this size, zlib-ng's gzip is about as light as zlib's at the same level and from 1.5 to
# 2 times faster on our pages (measured at level 6: a list of 20 proposals, 21 KB: 4,531 bytes
# both, 0.12 against 0.22 ms; a synthesis, 43 KB: 8,291 against 8,248 bytes, 0.38 against 0.68 ms;
# 200 comments, 107 KB: 13.2 KB in 0.8 ms against 13.3 KB in 1.4 ms); below it, zlib's output can
# be a few dozen bytes smaller, and costs under 0.15 ms: zlib stays.
GZIP_NG_FROM = 16 * 1024


def _compress_data(app: Flask, data: bytes, algorithm: str) -> bytes:
    """gzip of a large page by zlib-ng; everything else as Flask-Compress does it."""
    if algorithm == "gzip" and len(data) >= GZIP_NG_FROM:
        return gzip_ng.compress(data, compresslevel=app.config["COMPRESS_LEVEL"])
    return _flask_compress_data(app, data, algorithm)


# Flask-Compress has no hook for its compressor: its module function is replaced, and
# tests/core/test_compression.py fails if a new version stops calling it.
_flask_compress_data = flask_compress_module._compress_data
flask_compress_module._compress_data = _compress_data
# Flask-WTF checks a POST's CSRF token by verifying its signature (HMAC, base64, JSON) each
# time. Without WTF_CSRF_TIME_LIMIT a signed token never expires, and every page of a session
# carries the same one (`fragments.csrf_token`): the token a signature proved once is known
# after, per worker, and a POST then compares it with its session's, as Flask-WTF does,
# without verifying the signature again (3 % of a support's work). Any other case (a time
# limit, another secret or field) goes to Flask-WTF as it is.
_VERIFIED: dict[tuple[str, str], str] = {}
_VERIFIED_KEPT = 4096


def _validate_csrf(data: Any, secret_key: Any = None, time_limit: Any = None,
                   token_key: Any = None) -> None:
    """Flask-WTF's validate_csrf, remembering the tokens whose signature it verified."""
    flask_app, session = app(), this_session()
    config = flask_app.config
    if (time_limit is None and config.get("WTF_CSRF_TIME_LIMIT", 3600) is None
            and isinstance(data, str) and data):
        secret = str(secret_key or config.get("WTF_CSRF_SECRET_KEY") or flask_app.secret_key)
        field = token_key or config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        key = (secret, data)
        raw = _VERIFIED.get(key)
        mine = session.get(field)
        if raw is not None and isinstance(mine, str) and hmac.compare_digest(raw, mine):
            return
        _flask_validate_csrf(data, secret_key, time_limit, token_key)  # raises if it is not
        if len(_VERIFIED) >= _VERIFIED_KEPT:
            _VERIFIED.clear()
        _VERIFIED[key] = str(session[field])
        return
    _flask_validate_csrf(data, secret_key, time_limit, token_key)


# tests/security/test_csrf.py fails if a new Flask-WTF stops calling it.
_flask_validate_csrf = flask_wtf_csrf.validate_csrf
flask_wtf_csrf.validate_csrf = _validate_csrf


class QuickLimiter(Limiter):
    """Flask-Limiter's limiter, which lets a request no limit counts through at once."""

    @property
    def counting(self) -> bool:
        """Whether limits count at all (RATELIMIT_ENABLED, and bound to an app)."""
        return bool(self.enabled and self.initialized)

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        """Before every view, a request goes on at once when no limit can apply to it there:
        one its filters exempt (a page's GET, core/ratelimits.py), or one outside any
        blueprint that has limits while the app has no default nor application limit (a
        support, a comment: their views' own limits are checked by their decorators, after).
        Flask-Limiter reached the same empty list of limits by looking them up, some 190,000
        instructions for a page and 310,000 for a support (limits on: 2.3 and 5 %). Meta
        limits, which Flask-Limiter checks even then, keep its path."""
        if in_middleware and not self._meta_limits and (
                not self.counting
                or any(check() for check in self._request_filters)
                or self._nothing_before_views()):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _nothing_before_views(self) -> bool:
        """True when no default, application or blueprint limit can count this request."""
        manager = self.limit_manager
        if manager._default_limits or manager._application_limits:
            return False
        limited = manager._blueprint_limits
        # A blueprint's limits are kept by its name; a nested one's also count (its parents').
        return not any(part in limited for name in this_request().blueprints
                       for part in name.split("."))


# A view's limits are read from the config at each request (core/ratelimits.py: each app its own)
# and Flask-Limiter parses their text again each time (186,000 instructions of a support, limits
# on): the few texts of the config are parsed once per worker. tests/core/test_rate_limits.py
# fails if a new Flask-Limiter stops calling it.
_flask_limiter_parse_many = flask_limiter_limits.parse_many


@functools.lru_cache(maxsize=64)
def _parse_many(text: str) -> tuple[flask_limiter_limits.RateLimitItem, ...]:
    return tuple(_flask_limiter_parse_many(text))


def _parsed_limits(limit_string: str) -> list[flask_limiter_limits.RateLimitItem]:
    """The rate limit items of a limit text, parsed once (the items are immutable)."""
    return list(_parse_many(limit_string))


flask_limiter_limits.parse_many = _parsed_limits


# Storage and limits are set in core/ratelimits.py; a storage that fails (Redis down) falls back
# to memory, and an error of the limiter never stops a request.
limiter = QuickLimiter(
    key_func=get_remote_address,
    strategy="fixed-window",
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    headers_enabled=False,
)
