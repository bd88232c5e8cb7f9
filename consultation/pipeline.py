"""The life of a request, in the order it happens: every request hook of the app is here.

No other module registers a hook (tests/core/test_pipeline.py checks it, and checks the order
below against what Flask holds). The stages are plain functions that live with what they serve;
this module only puts them in order. It sits next to create_app, not in `core`, because it
needs a domain (mediation) and `core` imports none.

Before the view, in this order (the first stage that answers ends the request: the view and
the later stages before it do not run):
0. The extensions' own checks, registered when create_app initialises them: the CSRF token of
   a POST (Flask-WTF), then the rate limits (Flask-Limiter).
1. refuse_undecodable_query: a query string that is not UTF-8 is a 400 page. First, because
   everything after may read the query string (the page memory's key, the views' args).
2. check_acting: while a mediator acts for someone, that person becomes the author of what is
   sent; an acting session that has run out is stopped, and a POST sent in it is refused (409,
   its transaction abandoned, the form given back as typed). Before any view, which must know
   on whose behalf it acts.
3. end_idle_sessions: on a town-hall terminal, the session of someone who left ends here, and
   what they sent is done for nobody (a redirect to the start page, or for a logged-in POST its
   own fields given back with a login form). Before the page memory, so that a page is never
   served to, or kept for, a session that should have ended.
4. serve_from_memory: an anonymous GET may get the HTML kept for its URL (PAGE_CACHE_SECONDS),
   with this visitor's CSRF token put back in by plain substitution (a page without a form:
   its bytes kept compressed for the encoding asked); no view, no query. Last, once nothing
   else can refuse the request or change its session.

Then the view: it parses its form, checks its permission, calls one service (which flushes,
never commits) and renders or redirects. A service refusal that is still shown as a 200 page
(form errors) calls core.db.abandon_request(). An exception becomes a French error page
(core/errors.py) and goes through the same stages after.

After the view, in the order they RUN, on every response (pages, errors, redirects, pages from
memory, answers of a stage before):
1. query_count_header (only with QUERY_COUNT_HEADER, for the benchmarks): the number of SQL
   statements in X-Query-Count. First, so that the commit is not counted.
2. remember_page: a plain 200 HTML page made for an anonymous GET is kept, its CSRF token
   replaced by a placeholder (plain substitution).
3. leave_nothing: on a terminal, Cache-Control: no-store (Back shows nothing of the previous
   person). Forms there carry autocomplete="off" from the templates (kiosk.no_autofill), the
   person's own fields their token.
4. forget_shown: the notice a page showed (a fixed message after a support, a comment, an
   answer or a follow, carried by a cookie of its own: core/notices.py) is deleted with it,
   so it shows once.
5. commit_request: THE request boundary. The request's transaction is committed once, unless
   the status is an error (>= 400) or the request was abandoned: then what it wrote is rolled
   back. A request that wrote nothing (no statement but SELECTs, no pending change or job: most
   GETs, and most refusals) has usually opened no transaction in the database: its session is
   left for the teardown to close, which sends nothing. One that did (a locking SELECT) ends it
   with a COMMIT that expires nothing (psycopg keeps the statements it prepared on the
   connection; a ROLLBACK would make it forget them). Only after a commit are the jobs it asked
   for dispatched: queued in Redis through the outbox, or, without REDIS_URL, run inline right
   there. Jobs kept in the outbox are never retried here:
   that is the worker's and `flask jobs flush`'s work.
6. cors_headers: under /api/, Access-Control-Allow-Origin: * (and the preflight's answers to
   OPTIONS): any site may read the public API. The API sets no cookie of its own.
7. security_headers: CSP, nosniff, frame refusal, HSTS... on every response (their list made
   once per app from its settings). Last of ours, so no stage can answer without them.
Then the extensions' own after hooks: rate-limit headers, compression (with, for a request that
asks, the 304 of a page whose ETag the client has: extensions.ConditionalCompress), the
remember-me cookie.

When the app context ends (after every request, CLI command or job):
- dispatch_left_over: the jobs of commits made outside a request (CLI, tests); then
  Flask-SQLAlchemy ends the session.

Templates get, after Flask's, Flask-WTF's and Flask-Login's context:
- acting_banner: the "acting for" banner (the menu is core/chrome.py's);
- kiosk_context: the kiosk class, its idle delay and timer.

Signing in or out (Flask-Login's signals): forget_acting ends any acting session of the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_login import user_logged_in, user_logged_out

from consultation.api import problems as api
from consultation.core import db as transaction
from consultation.core import http, jobs, kiosk, notices, pagecache, security
from consultation.extensions import db
from consultation.mediation import views as mediation


def before_view() -> list[Callable[[], Any]]:
    """The stages before the view, in the order they run."""
    return [
        http.refuse_undecodable_query,
        mediation.check_acting,
        kiosk.end_idle_sessions,
        pagecache.serve_from_memory,
    ]


def after_view(app: Flask) -> list[Callable[[Any], Any]]:
    """The stages after the view, in the order they run."""
    counting = [transaction.query_count_header] if app.config["QUERY_COUNT_HEADER"] else []
    return [
        *counting,
        pagecache.remember_page,
        kiosk.leave_nothing,
        notices.forget_shown,
        transaction.commit_request,
        api.cors_headers,
        security.security_headers,
    ]


def init_app(app: Flask) -> None:
    """Register every stage of the request's life, once, after the extensions."""
    for stage in before_view():
        app.before_request(stage)
    # Flask runs after_request functions in the reverse order of their registration: they are
    # registered reversed here so that after_view() reads in the order they run.
    for stage in reversed(after_view(app)):
        app.after_request(stage)
    app.teardown_appcontext(jobs.dispatch_left_over)
    app.context_processor(mediation.acting_banner)
    app.context_processor(kiosk.kiosk_context)
    user_logged_in.connect(mediation.forget_acting)
    user_logged_out.connect(mediation.forget_acting)
    with app.app_context():
        transaction.note_writes(db.engine)
        transaction.cache_statements(db.engine)
        if app.config["QUERY_COUNT_HEADER"]:
            transaction.count_statements(db.engine)
