"""A few seconds of memory for the pages anonymous visitors read.

When a project makes the local news, thousands open the same list within minutes. For
PAGE_CACHE_SECONDS (2 by default, 0 to turn it off) each worker keeps the HTML it made for an
anonymous GET and hands it to the next anonymous visitors of the same URL, language and day
(and kind of browser: a town-hall terminal's pages are its own),
without a query. What differs between visitors never enters the cache: the page's CSRF token
is put back per visitor when served; a visitor with flashed messages or a login, any response
that is not a plain 200 HTML page, and every POST pass through as usual. Logged-in people
always see the live page, so nobody misses their own contribution.

A page that carries no token (most pages a visitor reads: they hold no form) is the same bytes
for every visitor, so it is also kept compressed, once per encoding asked (brotli, gzip):
compressing a large page cost more than everything else its serving from memory did.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import flask_compress.flask_compress as flask_compress
from flask import Flask, Response, current_app, g, request, session

from consultation.core import fragments, notices
from consultation.core.context import app, here
from consultation.core.kiosk import is_kiosk
from consultation.core.models import today
from consultation.extensions import compress

TOKEN = fragments.TOKEN  # stands in the cached HTML for each visitor's token
MAX_PAGES = 2_000  # per worker; the oldest go first


def _key(memory: PageMemory) -> tuple[str, str, str, bool] | None:
    # A "remember me" cookie logs its holder in on the way: not an anonymous visitor. These
    # checks come before the language: choosing it would load a logged-in person for nothing.
    if (request.method != "GET" or "_user_id" in session or session.get("_flashes")
            or memory.remember_cookie in request.cookies or notices.pending()):
        return None
    # A terminal's page (larger, with its end-of-session button) is never another's, and back.
    return (request.full_path, memory.locale_of_request(), today().isoformat(), is_kiosk())


class PageMemory:
    """The pages one worker keeps, with how long it keeps them."""

    def __init__(self, seconds: float, locale_of_request: Callable[[], str],
                 remember_cookie: str = "remember_token") -> None:
        self.seconds = seconds
        self.locale_of_request = locale_of_request
        self.remember_cookie = remember_cookie
        self.pages: OrderedDict[tuple[str, str, str, bool], Kept] = OrderedDict()


class Kept:
    """A page kept: until when, its HTML, and, when it is the same for every visitor (no token
    to put in), its compressed bytes per encoding, made on first demand."""

    __slots__ = ("until", "html", "compressed")

    def __init__(self, until: float, html: str) -> None:
        self.until = until
        self.html = html
        self.compressed: dict[str, bytes] | None = None if TOKEN in html else {}

    def response(self) -> Response:
        """The page for this visitor: compressed as their browser asks when it can be."""
        if self.compressed is None:
            return Response(fragments.with_token(self.html), mimetype="text/html")
        encoding = flask_compress._choose_algorithm(
            compress.enabled_algorithms, request.headers.get("Accept-Encoding", ""))
        if encoding is None or len(self.html) < current_app.config["COMPRESS_MIN_SIZE"]:
            return Response(self.html, mimetype="text/html")  # as Flask-Compress would leave it
        body = self.compressed.get(encoding)
        if body is None:
            # The function Flask-Compress itself calls (extensions.py): the same bytes.
            body = self.compressed[encoding] = flask_compress._compress_data(
                current_app, self.html.encode(), encoding)
        response = Response(body, mimetype="text/html")
        # Flask-Compress leaves a response that has its encoding alone (and adds Vary).
        response.headers["Content-Encoding"] = encoding
        return response


def init_app(app: Flask, locale_of_request: Callable[[], str]) -> None:
    """Give the app a page memory when PAGE_CACHE_SECONDS is above 0 (its two stages are
    registered by consultation/pipeline.py and do nothing without it)."""
    seconds = float(app.config.get("PAGE_CACHE_SECONDS") or 0)
    if seconds > 0:
        app.extensions["page_memory"] = PageMemory(
            seconds, locale_of_request, app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        )


def _memory() -> PageMemory | None:
    return app().extensions.get("page_memory")


def serve_from_memory() -> Response | None:
    """Answer an anonymous GET with the page kept for its URL, this visitor's token put in."""
    memory = _memory()
    if memory is None:
        return None
    key = _key(memory)
    if key is None:
        return None
    found = memory.pages.get(key)
    if found is not None and found.until > time.monotonic():
        g.page_from_memory = True
        return found.response()
    g.page_cache_key = key
    return None


def remember_page(response: Response) -> Response:
    """Keep a plain 200 HTML page made for an anonymous GET, its CSRF token taken out."""
    memory = _memory()
    flask_g = here()
    key = flask_g.get("page_cache_key")
    token = flask_g.get("csrf_token")  # Flask-WTF keeps the token it rendered here
    # Flashed messages were ruled out before the view ran (_key), as were logged-in people.
    if (
        memory is None
        or key is None
        or response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    html = response.get_data(as_text=True)
    if token:
        # A plain substitution: the token is random, it cannot be part of the page otherwise.
        html = html.replace(token, TOKEN)
    memory.pages[key] = Kept(time.monotonic() + memory.seconds, html)
    memory.pages.move_to_end(key)
    while len(memory.pages) > MAX_PAGES:
        memory.pages.popitem(last=False)
    return response
