"""Rate limits on what can be abused: logins, sign-ups, password resets, confirmation links
and posting.

Only POSTs count (showing a form costs nothing), each against two settings of the config: one
per address (REMOTE_ADDR, or the client behind PROXY_FIX trusted proxies) and one per account
(the email typed, the reset link, or the logged-in user). Posting views share one count, so
alternating comments and supports does not double the allowance. Counts live in memory per
worker, or in Redis when REDIS_URL (or RATELIMIT_STORAGE_URI) is set; when that Redis cannot be
reached the limiter counts in memory and the site keeps serving. In production the app does not
start with memory (core/security.py). Past a limit the answer is the French 429 page with a
Retry-After header.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from flask import Flask, request
from flask_babel import gettext, ngettext
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address

from consultation.core.context import app, person, this_request
from consultation.extensions import limiter

P = ParamSpec("P")
R = TypeVar("R")
POST = ["POST"]
# An unreachable Redis must not hold a request for long: connect and answer within half a second.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


# The blueprints whose GETs count (api/__init__.py: every GET of the API against one allowance
# per address); tests/core/test_rate_limits.py checks the list against the limits declared.
GETS_COUNTED_UNDER = frozenset({"api", "api_docs"})
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


@limiter.request_filter
def _counts_nothing() -> bool:
    """True for a request no limit counts (a GET outside the API): Flask-Limiter lets it
    through before resolving the limits of its view, which every page would pay for."""
    asked = this_request()
    return (asked.method in _READS
            and (asked.blueprint or "").partition(".")[0] not in GETS_COUNTED_UNDER)


def submitted_email() -> str:
    """The account a login, sign-up or reset request is about: the email typed."""
    return "email:" + request.form.get("email", "").strip().lower()[:254]


def reset_link() -> str:
    """The account a new password or a confirmation is for: its emailed link (a digest keeps
    the key short)."""
    token = str((request.view_args or {}).get("token", ""))
    return "link:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def logged_in_user() -> str | None:
    """The account posting; None for a visitor (sent to the login page, counted per address)."""
    user = person()
    return f"user:{user.id}" if user.is_authenticated else None


def _setting(name: str) -> Callable[[], str]:
    return lambda: app().config[name]


def limited(
    per_ip: str, per_account: str, account: Callable[[], str | None], shared: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view: its POSTs count per address against the setting `per_ip`, and per
    account (`account()`) against `per_account`; views given the same `shared` name share
    their counts. Put it under @login_required, so that it knows the user."""

    def account_key() -> str:
        return account() or ""

    def no_account() -> bool:
        return account() is None

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        if shared:
            by_account = limiter.shared_limit(
                _setting(per_account), scope=f"{shared}-account", key_func=account_key,
                methods=POST, exempt_when=no_account,
            )
            by_ip = limiter.shared_limit(
                _setting(per_ip), scope=f"{shared}-ip", key_func=get_remote_address, methods=POST
            )
        else:
            by_account = limiter.limit(
                _setting(per_account), key_func=account_key, methods=POST, exempt_when=no_account,
                scope="account",
            )
            by_ip = limiter.limit(
                _setting(per_ip), key_func=get_remote_address, methods=POST, scope="ip"
            )
        counted = by_ip(by_account(view))

        @functools.wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            # Flask-Limiter's decorators resolve their view's limits for every request they
            # wrap, then find none that counts it: a form's GET, or any request while the
            # limiter is off (190,000 instructions of a support). Only those go past them.
            if this_request().method not in POST or not limiter.counting:
                return view(*args, **kwargs)
            return counted(*args, **kwargs)

        return checked

    return decorate


login = limited("RATELIMIT_LOGIN_PER_IP", "RATELIMIT_LOGIN_PER_ACCOUNT", submitted_email)
registration = limited(
    "RATELIMIT_REGISTER_PER_IP", "RATELIMIT_REGISTER_PER_ACCOUNT", submitted_email
)
reset_request = limited("RATELIMIT_RESET_PER_IP", "RATELIMIT_RESET_PER_ACCOUNT", submitted_email)
reset = limited("RATELIMIT_RESET_PER_IP", "RATELIMIT_RESET_PER_ACCOUNT", reset_link)
# Confirming an address by its link, per link; asking for a new link, per logged-in account.
confirmation = limited("RATELIMIT_RESET_PER_IP", "RATELIMIT_RESET_PER_ACCOUNT", reset_link)
confirmation_request = limited(
    "RATELIMIT_RESET_PER_IP", "RATELIMIT_RESET_PER_ACCOUNT", logged_in_user
)
posting = limited(
    "RATELIMIT_POSTING_PER_IP", "RATELIMIT_POSTING_PER_ACCOUNT", logged_in_user, shared="posting"
)


def retry_after(error: RateLimitExceeded) -> int:
    """Seconds until the limit that refused the request lets it through again."""
    window = float(error.limit.limit.get_expiry())
    seconds = window
    current = limiter.current_limit
    # If the storage fails meanwhile, the window's length will do.
    with contextlib.suppress(Exception):
        if current is not None:
            seconds = current.reset_at - time.time()  # rounded up to the next second
    return max(1, min(math.ceil(seconds), math.ceil(window)))


def wait_message(seconds: int) -> str:
    """The French page's explanation: wait, then try again, with how long."""
    if seconds <= 90:
        delay = ngettext("%(num)d seconde", "%(num)d secondes", seconds)
    else:
        minutes = math.ceil(seconds / 60)
        delay = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return gettext(
        "Vous avez fait trop de tentatives en peu de temps. Patientez %(delay)s, puis "
        "réessayez.",
        delay=delay,
    )


def storage_uri(config: Mapping[str, Any]) -> str:
    """Where the counts live: RATELIMIT_STORAGE_URI, else REDIS_URL's Redis, else memory."""
    return str(config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://")


def init_app(app: Flask) -> None:
    """Bind the limiter: Redis when configured (memory if it fails), else memory."""
    from consultation.core.errors import render_error, renderer_for_path

    uri = storage_uri(app.config)
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith(("redis://", "rediss://", "redis+")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_OPTIONS)
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        """The French 429 page: how long to wait, also in Retry-After."""
        seconds = retry_after(error)
        if (renderer := renderer_for_path()) is not None:
            return renderer(429, wait_message(seconds), {"Retry-After": str(seconds)}, error)
        body, status = render_error(429, wait_message(seconds))
        return body, status, {"Retry-After": str(seconds)}
