"""Fixtures: the app on each database backend, clients per role, factories, a query counter.

Requests run as production runs them: each test-client request gets its own application
context, `g` and database session (IsolatedClient), although the test itself keeps one pushed
for its factories; after each request the test's objects are expired, so they read fresh.
Passwords are hashed cheaply unless a test is marked `real_hashing`.

Every test runs on SQLite. When TEST_DATABASE_URL points at a PostgreSQL server, every test runs
there too, in a database of its own created for the session and dropped afterwards. With
REQUIRE_SERVICES=1 (CI sets it) a missing PostgreSQL fails the run instead of skipping.

Speed without dropping a check: one application per distinct settings for the whole session
(`shared_app`), its settings, page memory and rate limits reset for each test; the database put
back to its migrated state before each test in one statement (`reset_database`); data that costs
seconds built once per module (`data_for_module`); the run's clock fixed at noon in Brest.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from consultation import create_app
from consultation.accounts import models as account_models
from consultation.core.audit import SQLITE_TRIGGERS
from consultation.extensions import db, limiter
from tests import factories

REFERENCE_TABLES = {"territories", "orientations", "alembic_version"}
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# Property-based tests (tests/security/test_hostile_input.py): in CI the examples are drawn
# from a fixed seed, so a failure shows again on the next run; elsewhere they vary from run to
# run. HYPOTHESIS_PROFILE=ci reproduces CI's draws locally.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def services_missing(what: str) -> NoReturn:
    """Skip a test that needs an outside service, or fail when CI requires it."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} est requis (REQUIRE_SERVICES=1) mais indisponible.")
    pytest.skip(f"{what} indisponible")


def _start_clock() -> None:
    """The whole run starts at noon in Brest, today, and the clock then runs as usual: a run
    begun just before midnight can no longer see a phase open in one test and close in the next,
    while dates stay those of the real day (phases, editions and snapshots follow it)."""
    import time_machine

    from consultation.core.models import PARIS

    noon = datetime.now(PARIS).replace(hour=12, minute=0, second=0, microsecond=0)
    time_machine.travel(noon, tick=True).start()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_hashing: keep the production password hashing")
    _start_clock()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a fresh context, as under a WSGI server."""

    def open(self, *args: Any, **kwargs: Any):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # What the test holds was loaded before the request wrote: read it again on next use.
        if has_app_context():
            db.session.expire_all()
        return response


def cheap_hash(password: str) -> str:
    """One PBKDF2 round: the tests' stand-in for scrypt."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def fast_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """One PBKDF2 round instead of scrypt, unless the test is marked real_hashing."""
    if request.node.get_closest_marker("real_hashing") is None:
        monkeypatch.setattr(
            account_models,
            "generate_password_hash",
            cheap_hash,
        )


def _postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


def _create_pg_database(base_url: str) -> str:
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"consultation_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url_string: str) -> None:
    url = make_url(url_string)
    name = url.database
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate_to_head(uri: str) -> None:
    """Build the schema the way production does: with the Alembic migrations."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    prepare_reset(uri)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated database per backend, shared by the tests of the session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        uri = f"sqlite:///{path}"
        migrate_to_head(uri)
        yield uri
        return
    base = _postgres_admin_url()
    if not base:
        services_missing("PostgreSQL (TEST_DATABASE_URL)")
    try:
        uri = _create_pg_database(base)
    except Exception as error:  # the server is down or refuses us
        services_missing(f"PostgreSQL ({error.__class__.__name__})")
    migrate_to_head(uri)
    yield uri
    _drop_pg_database(uri)


REFERENCE_COPY = "test_reference_{}"  # pristine reference rows, put back by each reset
RESET_FUNCTION = "test_reset_data"  # PostgreSQL: the whole reset in one statement


def _data_tables() -> list[Any]:
    return [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]


def _reference_tables() -> list[str]:
    return sorted(REFERENCE_TABLES - {"alembic_version"})


def _sqlite_reset_script() -> str:
    """The SQLite reset: one script, one round trip (triggers lifted while it runs)."""
    statements = ["PRAGMA foreign_keys=OFF", "BEGIN",
                  "DROP TRIGGER IF EXISTS audit_entries_no_update",
                  "DROP TRIGGER IF EXISTS audit_entries_no_delete"]
    statements += [f'DELETE FROM "{table.name}"' for table in _data_tables()]
    for name in _reference_tables():
        statements += [f'DELETE FROM "{name}"',
                       f'INSERT INTO "{name}" SELECT * FROM "{REFERENCE_COPY.format(name)}"']
    statements += [*SQLITE_TRIGGERS, "COMMIT", "PRAGMA foreign_keys=ON"]
    return ";\n".join(statements) + ";"


def _postgres_reset_function(connection: Any) -> str:
    """A function that empties the data tables, puts back the reference rows and restarts the
    sequences of the data tables, without firing triggers (the audit log refuses DELETE)."""
    body = ["SET LOCAL session_replication_role = replica;"]
    body += [f'DELETE FROM "{table.name}";' for table in _data_tables()]
    for name in _reference_tables():
        body += [f'DELETE FROM "{name}";',
                 f'INSERT INTO "{name}" SELECT * FROM "{REFERENCE_COPY.format(name)}";']
    for table in _data_tables():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        sequence = connection.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
        if sequence:
            body.append(f"PERFORM setval('{sequence}', 1, false);")
    return (f"CREATE OR REPLACE FUNCTION {RESET_FUNCTION}() RETURNS void LANGUAGE plpgsql AS "
            f"$$ BEGIN {' '.join(body)} END $$")


def prepare_reset(uri: str) -> None:
    """Once per database: keep a copy of the reference rows (and, on PostgreSQL, create the reset
    function), so that each test starts from the migrated state at the cost of one statement."""
    engine = create_engine(uri)
    with engine.begin() as connection:
        for name in _reference_tables():
            pristine = REFERENCE_COPY.format(name)
            connection.execute(text(f'DROP TABLE IF EXISTS "{pristine}"'))
            connection.execute(text(f'CREATE TABLE "{pristine}" AS SELECT * FROM "{name}"'))
        if engine.dialect.name == "postgresql":
            connection.execute(text(_postgres_reset_function(connection)))
    engine.dispose()


def reset_database() -> None:
    """Every table back to its migrated state (reference rows kept), in one statement."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text(f"SELECT {RESET_FUNCTION}()"))
        return
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.executescript(_sqlite_reset_script())  # type: ignore[union-attr]
    finally:
        raw.close()


def app_settings(database_uri: str, tmp_path: Path) -> dict[str, Any]:
    """The test app's settings: no CSRF, jobs inline, no page memory, no rate limits."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "REDIS_URL": None,
        "MAIL_SERVER": None,
        # Tests read pages right after changing data: no memory of anonymous pages here
        # (tests/core/test_pagecache.py turns it on).
        "PAGE_CACHE_SECONDS": 0,
        # Tests post many times from one address: no rate limits here
        # (tests/core/test_rate_limits.py turns them on).
        "RATELIMIT_ENABLED": False,
    }


# Settings that differ from test to test without making another application.
PER_TEST_SETTINGS = ("OUTBOX_DIR",)
_APPS: dict[str, tuple[Flask, dict[str, Any]]] = {}


def shared_app(settings: dict[str, Any]) -> Flask:
    """One application per distinct settings for the whole session: building one (URL map,
    templates compiled on first use) costs more than most tests."""
    key = repr(sorted((k, v) for k, v in settings.items() if k not in PER_TEST_SETTINGS))
    if key not in _APPS:
        application = create_app(settings)
        application.test_client_class = IsolatedClient
        _APPS[key] = (application, copy.deepcopy(dict(application.config)))
    application, pristine = _APPS[key]
    reset_app(application, pristine, settings)
    return application


def reset_app(application: Flask, pristine: dict[str, Any], settings: dict[str, Any]) -> None:
    """What a test may have changed in a shared application goes back: its settings (a test
    may set REPORT_THRESHOLD or KIOSK_MODE), the pages kept in memory, the rate limiter's state
    and counts."""
    application.config.clear()
    application.config.update(copy.deepcopy(pristine))
    application.config.update({k: settings[k] for k in PER_TEST_SETTINGS if k in settings})
    memory = application.extensions.get("page_memory")
    if memory is not None:
        memory.pages.clear()
    fragments = application.extensions.get("fragments")
    if fragments is not None:
        fragments.clear()
    # The limiter is one object for every app: the last app built set whether it is on.
    limiter.enabled = bool(application.config.get("RATELIMIT_ENABLED", True))
    if limiter.enabled and limiter.initialized:
        limiter.reset()


@pytest.fixture
def app(database_uri: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on a clean database (reference rows kept), CSRF off unless asked."""
    application = shared_app(app_settings(database_uri, tmp_path))
    ctx = application.app_context()
    ctx.push()
    reset_database()
    yield application
    db.session.remove()
    ctx.pop()


@contextlib.contextmanager
def data_for_module(database_uri: str, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[Flask]:
    """The shared application on a clean database, its context pushed and passwords hashed
    cheaply, for a module-scoped fixture that builds data once for all its module's tests
    (they must only read it, or add what no other test of the module looks at)."""
    application = shared_app(app_settings(database_uri, tmp_path_factory.mktemp("module")))
    with pytest.MonkeyPatch.context() as patch, application.app_context():
        patch.setattr(account_models, "generate_password_hash", cheap_hash)
        reset_database()
        yield application
        db.session.remove()


@contextlib.contextmanager
def on_module_data(application: Flask) -> Iterator[Flask]:
    """The body of a module's `app` fixture over data_for_module: no reset between tests."""
    with application.app_context():
        yield application
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous visitor."""
    return app.test_client()


def other_app(app: Flask, **overrides: Any) -> Flask:
    """Another app on the test database with these settings over `app`'s (CSRF or rate limits
    on, say), whose clients run each request in a fresh context."""
    made = create_app({**app.config, **overrides})
    made.test_client_class = IsolatedClient
    return made


@contextlib.contextmanager
def second_app(app: Flask, **overrides: Any) -> Iterator[Flask]:
    """`other_app`, its connections closed after."""
    made = other_app(app, **overrides)
    try:
        yield made
    finally:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


def login(client: FlaskClient, user: Any) -> FlaskClient:
    """Log a test client in as `user` (through the session, as Flask-Login does)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def as_role(app: Flask):
    """`as_role("admin")` gives a client logged in as a new user holding that role."""

    def make(*roles: str, **kwargs: Any) -> FlaskClient:
        user = factories.user(roles=roles, **kwargs)
        db.session.commit()
        test_client = app.test_client()
        login(test_client, user)
        test_client.user = user  # type: ignore[attr-defined]
        return test_client

    return make


@pytest.fixture
def citizen_client(as_role) -> FlaskClient:
    """A logged-in citizen."""
    return as_role("citizen")


@pytest.fixture
def admin_client(as_role) -> FlaskClient:
    """A logged-in admin."""
    return as_role("citizen", "admin")


class RedisQueue:
    """A real Redis queue of one test's own; `work()` runs its jobs as `flask worker --burst`."""

    def __init__(self, app: Flask, url: str, name: str) -> None:
        from redis import Redis
        from rq import Queue

        self.app = app
        self.name = name
        self.connection = Redis.from_url(url)
        self.queue = Queue(name, connection=self.connection)

    def __len__(self) -> int:
        return self.queue.count

    def work(self) -> None:
        """Run every queued job (and those they enqueue) in a burst worker, then return."""
        from consultation.core.jobs import worker

        worker(self.app, [self.name]).work(burst=True)

    def clean(self) -> None:
        self.queue.empty()
        for key in self.connection.scan_iter(f"rq:*{self.name}*"):
            self.connection.delete(key)


@pytest.fixture
def redis_queue(app: Flask) -> Iterator[RedisQueue]:
    """Jobs go to Redis (REDIS_URL set) instead of running inline; skipped without Redis,
    except in CI (REQUIRE_SERVICES=1), where a missing Redis fails the test."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # not running, refused, unknown host
        services_missing(f"Redis ({error.__class__.__name__})")
    name = f"test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=url, RQ_QUEUE=name)
    queue = RedisQueue(app, url, name)
    yield queue
    queue.clean()
    app.config.update(REDIS_URL=None)


class QueryCounter:
    """Counts the SQL statements sent while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """`with count_queries() as counter:` then `counter.count`."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
