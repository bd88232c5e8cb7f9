"""Browser tests: the real app served on a local port, driven in Debian's Chromium by Playwright.

Chromium is never downloaded: Playwright launches `/usr/bin/chromium` (or `CHROMIUM_PATH`).
Without it, or without the Playwright package, these tests are skipped on a developer's machine
and fail in CI (REQUIRE_SERVICES=1), where `.ci/run` installs Chromium.
axe-core comes from npm (`package.json`; `make install` runs `npm install` when npm is present).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import login, migrate_to_head, services_missing

ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """Debian's Chromium, or the one CHROMIUM_PATH names."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Browser tests check what pages show, which no database changes: SQLite only."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'test.db'}"
    migrate_to_head(uri)
    return uri


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services_missing("Playwright (paquet Python)")
    path = chromium_path()
    if path is None:
        services_missing("Chromium (/usr/bin/chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The application served on a free local port, one thread per request; its base URL."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.server_port}"
    served.shutdown()
    thread.join(timeout=30)
    served.server_close()


@dataclass
class Watch:
    """What a page did that a page of ours must never do."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Any, base_url: str) -> None:
        """Record every dialog (dismissed), console message, page error and foreign request."""

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "request",
            lambda request: None
            if request.url.startswith(base_url) or request.url.startswith("data:")
            else self.requests.append(request.url),
        )


@dataclass
class Visitor:
    """A browser context for one person (anonymous or logged in) on the live server."""

    context: Any
    base_url: str
    watch: Watch

    def open(self, path: str) -> Any:
        """A new page at `path`, watched; the response status is on `page.status`."""
        page = self.context.new_page()
        self.watch.attach(page, self.base_url)
        response = page.goto(self.base_url + path, wait_until="load")
        page.status = response.status if response is not None else None
        return page


def session_cookie(app: Flask, user: Any) -> str:
    """The signed session cookie of a logged-in user, made by the test client."""
    client = login(app.test_client(), user)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


@pytest.fixture
def visitor(app: Flask, browser: Any, live_server: str):
    """`visitor(user=None, javascript=True, bypass_csp=False, **context_options)` -> Visitor."""
    contexts: list[Any] = []

    def make(user: Any = None, javascript: bool = True, bypass_csp: bool = False,
             **options: Any) -> Visitor:
        context = browser.new_context(
            java_script_enabled=javascript, bypass_csp=bypass_csp, locale="fr-FR", **options
        )
        contexts.append(context)
        if user is not None:
            context.add_cookies([{
                "name": "session",
                "value": session_cookie(app, user),
                "url": live_server,
                "httpOnly": True,
            }])
        return Visitor(context, live_server, Watch())

    yield make
    for context in contexts:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page (the context must bypass CSP to load it); its violations."""
    if not AXE.exists():
        services_missing("axe-core (npm install)")
    if page.evaluate("typeof window.axe === 'undefined'"):  # not put in by add_init_script
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    return list(result)


@dataclass
class DemoSite:
    """The demo data served once for a whole test module: its app, URL and placeholders."""

    app: Flask
    base_url: str
    world: dict[str, Any]
    browser: Any
    contexts: list[Any] = field(default_factory=list)

    def visitor(self, email: str | None = None, lang: str | None = None, axe: bool = False,
                javascript: bool = True, bypass_csp: bool = True, acting_for: int | None = None,
                **options: Any) -> Visitor:
        """A context for the account with this email (None: anonymous), in `lang` if given,
        acting for the assisted participant `acting_for` (a mediator) for the next 30 minutes;
        with `axe`, axe-core is put in every page as it loads (faster than after)."""
        context = self.browser.new_context(
            java_script_enabled=javascript, bypass_csp=bypass_csp, locale="fr-FR", **options
        )
        if axe:
            if not AXE.exists():
                services_missing("axe-core (npm install)")
            context.add_init_script(path=str(AXE))
        self.contexts.append(context)
        user_id = None
        if email is not None:
            from consultation.accounts.services import find_by_email

            with self.app.app_context():
                user = find_by_email(email)
                assert user is not None, email
                user_id = user.get_id()
        client = self.app.test_client()
        with client.session_transaction() as session:
            if user_id is not None:
                session["_user_id"] = user_id
                session["_fresh"] = True
            if lang is not None:
                session["lang"] = lang
            if acting_for is not None:
                from consultation.accounts.models import User
                from consultation.extensions import db
                from consultation.mediation import services as mediation
                from consultation.mediation.models import AssistedProfile

                assert user_id is not None  # a mediator's account acts for someone
                # Through the service: the session carries the person's acting token.
                state: dict[str, Any] = {}
                with self.app.app_context():
                    mediator = db.session.get(User, int(user_id.partition(":")[0]))
                    profile = db.session.get(AssistedProfile, acting_for)
                    assert mediator is not None and profile is not None
                    mediation.start_acting(state, mediator, profile)
                    db.session.commit()
                session[mediation.SESSION_KEY] = state[mediation.SESSION_KEY]
        cookie = client.get_cookie("session")
        if cookie is not None:
            context.add_cookies([{"name": "session", "value": cookie.value,
                                  "url": self.base_url, "httpOnly": True}])
        return Visitor(context, self.base_url, Watch())


@pytest.fixture(scope="module")
def demo_site(database_uri: str, browser: Any, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[DemoSite]:
    """The demo data (`tests/browser/pages.py`: build_world) served on a local port for the
    module, CSRF on as in production; PDFs are stand-ins, two of them failed."""
    from consultation import create_app
    from consultation.accounts import models as account_models
    from consultation.core import jobs
    from consultation.extensions import db
    from consultation.syntheses import render
    from tests.browser.pages import build_world, fail_some_documents
    from tests.conftest import cheap_hash, reset_database

    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
        "REDIS_URL": None,
        "MAIL_SERVER": None,
        "PAGE_CACHE_SECONDS": 0,
    })
    with pytest.MonkeyPatch.context() as patch, application.app_context():
        patch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
        # As the autouse fast_hashing fixture does for each test: nobody logs in by password.
        patch.setattr(account_models, "generate_password_hash", cheap_hash)
        reset_database()
        world = build_world()
        db.session.commit()
        jobs.dispatch_committed()
        fail_some_documents()
        db.session.remove()
    served = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    site = DemoSite(application, f"http://127.0.0.1:{served.server_port}", world, browser)
    yield site
    for context in site.contexts:
        context.close()
    served.shutdown()
    thread.join(timeout=30)
    served.server_close()
    with application.app_context():
        reset_database()
        db.session.remove()
        db.engine.dispose()
