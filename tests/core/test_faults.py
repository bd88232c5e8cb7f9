"""Faults from outside: a database that goes away or is locked, a Redis that is stopped, jobs
that crash half-way. Each ends with nothing lost, nothing counted twice and no stack trace."""

from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from consultation import create_app
from consultation.core import documents, jobs, outbox
from consultation.core import mail as mail_module
from consultation.core.mail import SentNotice
from consultation.core.models import as_utc, utcnow
from consultation.core.outbox import QueuedJob
from consultation.extensions import db
from consultation.notifications import jobs as notification_jobs
from consultation.notifications.models import Notification
from consultation.syntheses import jobs as synthesis_jobs
from consultation.syntheses import services as syntheses
from tests import factories
from tests.conftest import (
    IsolatedClient,
    RedisQueue,
    app_settings,
    login,
    migrate_to_head,
    services_missing,
)
from tests.core.test_worker import (
    NARRATIVE,
    STUB_PDF,
    consulted_project,
    fresh_document,
    mails,
)
from tests.recount import assert_counters_exact
from tests.served import fire, serve, session_cookie
from tests.votes.counters import scalar, support_rows

UNAVAILABLE = "Service momentanément indisponible"


def page(response: Any) -> str:
    """The page as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_on(uri: str, tmp_path: Path) -> Flask:
    """An application on this database, configured as the test app is."""
    made = create_app(app_settings(uri, tmp_path))
    made.test_client_class = IsolatedClient
    return made


def assert_unavailable(response: Any) -> None:
    """A French 503 page that asks to come back, without a trace of the error."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"].startswith("text/html")
    body = page(response)
    assert UNAVAILABLE in body
    assert "Réessayez dans quelques instants" in body
    assert "Traceback" not in body
    assert "OperationalError" not in body


def logged_in(app: Flask, user_id: int) -> FlaskClient:
    """A client whose session names this user, without asking the database."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:nonce"
        session["_fresh"] = True
    return client


# --- a database out of reach ---------------------------------------------------------------------

def unreachable_uri(app: Flask, tmp_path: Path) -> tuple[str, Any]:
    """A URI of the same kind as the test database whose server cannot be reached, and what
    makes it so once the app is built (a PostgreSQL port nobody listens on; an SQLite file in
    a folder that has gone)."""
    if db.engine.dialect.name == "postgresql":
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(
            host="127.0.0.1", port=free_port()
        )
        return url.render_as_string(hide_password=False), lambda: None
    folder = tmp_path / "disparu"
    return f"sqlite:///{folder / 'base.db'}", lambda: shutil.rmtree(folder)


def test_database_out_of_reach_gives_french_503_pages(app: Flask, tmp_path: Path) -> None:
    uri, break_it = unreachable_uri(app, tmp_path)
    broken = app_on(uri, tmp_path)
    break_it()

    for path in ("/", "/projets", "/rencontres", "/projets/un-projet"):
        assert_unavailable(broken.test_client().get(path))
    # A logged-in person cannot be loaded either: still the same calm page, not a 500.
    member = logged_in(broken, 1)
    assert_unavailable(member.get("/"))
    assert_unavailable(member.post("/propositions/1/soutenir"))
    assert_unavailable(broken.test_client().post(
        "/compte/connexion", data={"email": "a@exemple.fr", "password": "x"}
    ))
    health = broken.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable"}
    with broken.app_context():
        db.engine.dispose()


def test_english_visitor_gets_the_503_page_in_english(app: Flask, tmp_path: Path) -> None:
    uri, break_it = unreachable_uri(app, tmp_path)
    broken = app_on(uri, tmp_path)
    break_it()
    client = broken.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.get("/projets")
    assert response.status_code == 503
    assert '<html lang="en">' in page(response)
    with broken.app_context():
        db.engine.dispose()


def test_postgresql_connections_cut_by_the_server_are_replaced(app: Flask) -> None:
    """What clients see when PostgreSQL restarts: every connection of the app is cut. The
    next requests run on new connections; none of them is an error page."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL seulement : SQLite n'a pas de serveur à redémarrer")
    proposal = factories.proposal(factories.project("consultation"))
    supporters = [factories.user() for _ in range(3)]
    db.session.commit()
    proposal_id = proposal.id
    path = f"/propositions/{proposal_id}/soutenir"
    clients = [login(app.test_client(), person) for person in supporters]
    warmers = [session_cookie(app, factories.user()) for _ in range(8)]
    db.session.commit()
    # Fill the pool with several connections, the way a busy server does.
    with serve(app) as address:
        assert fire(address, [(path, cookie, None) for cookie in warmers]) == Counter({302: 8})

    assert terminate_backends(app.config["SQLALCHEMY_DATABASE_URI"]) >= 1

    assert app.test_client().get("/projets").status_code == 200
    assert app.test_client().get(f"/propositions/{proposal_id}").status_code == 200
    for client in clients:
        assert client.post(path).status_code == 302
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
    db.session.rollback()  # the test's own connection was cut too
    assert support_rows(proposal_id) == 3 + 8
    assert_counters_exact()


def test_postgresql_connections_are_checked_without_a_round_trip(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pooled psycopg connection is looked at before use (the previous test: one the server
    ended is replaced), not pinged with a SELECT 1 at every request."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL seulement")
    pings: list[Any] = []

    def ping(_dialect: Any, connection: Any) -> bool:
        pings.append(connection)
        return True

    monkeypatch.setattr(type(db.engine.dialect), "do_ping", ping)
    db.session.remove()
    for _ in range(3):
        assert app.test_client().get("/projets").status_code == 200
    assert pings == []


def terminate_backends(uri: str) -> int:
    """Cut every connection to this database but the one asking (each server process waited
    for until it has ended); how many were cut."""
    admin = create_engine(uri, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).all())
    finally:
        admin.dispose()


# --- a PostgreSQL server of the test's own, stopped and restarted ------------------------------

def postgres_binaries() -> Path | None:
    """The folder of PostgreSQL's server programs, when installed and usable here."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return None
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


class Cluster:
    """A PostgreSQL cluster in a temporary folder, run by the `postgres` system user."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="consultation-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.uri = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.binaries / program), *args],
            check=True, capture_output=True, timeout=120,
        )

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                 "-E", "UTF8", "--locale", "C.UTF-8")

    def ctl(self, action: str, *args: str) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
                   " -c fsync=off -c full_page_writes=off")
        self.run("pg_ctl", action, "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                 "-t", "60", "-o", options, *args)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_postgres(app: Flask) -> Iterator[Cluster]:
    """A migrated PostgreSQL cluster of the test's own, on a free port (with the PostgreSQL
    run of the suite)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL seulement")
    binaries = postgres_binaries()
    if binaries is None:
        services_missing("Les programmes serveur de PostgreSQL (initdb, pg_ctl) et runuser")
    cluster = Cluster(binaries)
    try:
        cluster.init()
        cluster.ctl("start")
        migrate_to_head(cluster.uri)
        yield cluster
    finally:
        cluster.remove()


def test_postgresql_restarted_or_stopped_under_the_app(
    app: Flask, own_postgres: Cluster, tmp_path: Path
) -> None:
    """A real restart is recovered from without restarting the app; while the server is
    stopped every page is the French 503 page; once it is back, everything works again."""
    served = app_on(own_postgres.uri, tmp_path)
    with served.app_context():
        proposal = factories.proposal(factories.project("consultation"))
        people = [factories.user() for _ in range(3)]
        db.session.commit()
        proposal_id = proposal.id
        clients = [login(served.test_client(), person) for person in people]
    assert served.test_client().get("/projets").status_code == 200
    assert clients[0].post(f"/propositions/{proposal_id}/soutenir").status_code == 302

    own_postgres.ctl("restart", "-m", "fast")
    assert served.test_client().get("/projets").status_code == 200
    assert clients[1].post(f"/propositions/{proposal_id}/soutenir").status_code == 302

    own_postgres.ctl("stop", "-m", "fast")
    assert_unavailable(served.test_client().get("/projets"))
    assert_unavailable(clients[2].post(f"/propositions/{proposal_id}/soutenir"))
    assert served.test_client().get("/healthz").status_code == 503

    own_postgres.ctl("start")
    assert served.test_client().get("/healthz").get_json() == {"status": "ok"}
    assert clients[2].post(f"/propositions/{proposal_id}/soutenir").status_code == 302
    with served.app_context():
        assert support_rows(proposal_id) == 3
        assert_counters_exact()
        db.session.remove()
        db.engine.dispose()


# --- a database locked by another writer for a while ---------------------------------------------

def test_requests_wait_for_a_writer_holding_the_database_then_succeed(app: Flask) -> None:
    """Another program holds the write lock (SQLite) or locks the counted tables (PostgreSQL)
    for a while: supports sent meanwhile wait for it, then all succeed and count once."""
    proposal = factories.proposal(factories.project("consultation"))
    people = [factories.user() for _ in range(20)]
    db.session.commit()
    cookies = [session_cookie(app, person) for person in people]
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    path = f"/propositions/{proposal.id}/soutenir"

    if db.engine.dialect.name == "sqlite":
        holder: Any = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.rollback
        rows_while_held = lambda: holder.execute(  # noqa: E731
            "SELECT COUNT(*) FROM supports").fetchone()[0]
    else:
        engine = create_engine(uri)
        holder = engine.connect()
        holder.execute(text("LOCK TABLE supports, proposals IN EXCLUSIVE MODE"))
        release = holder.rollback
        rows_while_held = lambda: holder.execute(  # noqa: E731
            text("SELECT COUNT(*) FROM supports")).scalar_one()

    statuses: Counter[int] = Counter()
    with serve(app) as address:
        sending = threading.Thread(target=lambda: statuses.update(
            fire(address, [(path, cookie, None) for cookie in cookies])
        ))
        sending.start()
        time.sleep(1.5)  # the lock is held while the requests arrive
        assert rows_while_held() == 0
        release()
        sending.join(timeout=120)
    holder.close()
    if db.engine.dialect.name != "sqlite":
        engine.dispose()

    assert statuses == Counter({302: 20})
    assert support_rows(proposal.id) == 20
    assert scalar("SELECT supports_count FROM proposals WHERE id = :id", id=proposal.id) == 20
    assert_counters_exact()


# --- Redis stopped -------------------------------------------------------------------------------

class OwnRedis:
    """A redis-server of the test's own on a free port, without persistence (the shared one
    on 6379 is never touched)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from redis import Redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                Redis.from_url(self.url, socket_connect_timeout=1).ping()
                return
            except Exception:  # not listening yet
                time.sleep(0.1)
        raise RuntimeError("redis-server n'a pas démarré")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def own_redis(app: Flask) -> Iterator[OwnRedis]:
    """A running Redis of the test's own, which the test may stop and start again; the app
    sends its jobs there, to a queue of the test's own."""
    if shutil.which("redis-server") is None:
        services_missing("redis-server")
    server = OwnRedis()
    server.start()
    app.config.update(REDIS_URL=server.url, RQ_QUEUE="faults")
    yield server
    app.config.update(REDIS_URL=None)
    server.stop()


def outbox_rows() -> list[QueuedJob]:
    """Every outbox row as the database holds it now."""
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(QueuedJob).order_by(QueuedJob.id)))


def work(app: Flask, server: OwnRedis) -> None:
    """Run what is queued in the test's Redis, as `flask worker --burst` does."""
    RedisQueue(app, server.url, "faults").work()


def notified() -> list[int]:
    """Who was notified of something (a publication's email goes with its notification)."""
    db.session.rollback()
    return list(db.session.scalars(select(Notification.user_id).order_by(Notification.id)))


def test_publishing_while_redis_is_stopped_records_the_jobs_and_sends_them_later(
    app: Flask, own_redis: OwnRedis, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("consultation.syntheses.jobs.version_pdf", lambda version: STUB_PDF)
    elected_id = factories.user(roles=("elected",), email="elue@brest-metropole.fr").id
    project = consulted_project()
    moderator = as_role("citizen", "moderator")
    slug = project.slug
    own_redis.stop()

    for path in ("/", "/projets", f"/projets/{slug}", f"/projets/{slug}/propositions"):
        assert app.test_client().get(path).status_code == 200
    published = moderator.post(
        f"/projets/{slug}/synthese/brouillon",
        data={"narrative": NARRATIVE, "change_note": "", "confirm": "y"},
    )
    assert published.status_code == 302
    told = page(moderator.get(published.headers["Location"]))
    assert "momentanément indisponible" in told
    assert "sera fait automatiquement dès son retour" in told

    version = syntheses.latest(project)
    assert version is not None and version.number == 1
    rows = outbox_rows()
    assert [(row.func, row.state, row.attempts) for row in rows] == [
        ("consultation.syntheses.jobs.build_pdf", "pending", 1),
        ("consultation.notifications.jobs.notify_synthesis", "pending", 1),
    ]
    assert json.loads(rows[0].args) == [version.document_id]
    assert rows[0].subject == f"document:{version.document_id}"
    assert all("ConnectionError" in (row.last_error or "") for row in rows)
    assert all(row.failures == 0 for row in rows)  # the jobs themselves have not failed
    assert all(as_utc(row.next_try_at) > utcnow() for row in rows)

    # The PDF is pending, not failed, and its page says why it waits.
    waiting = app.test_client().get(f"/projets/{slug}/synthese/v1/pdf")
    assert waiting.status_code == 200
    assert "PDF en préparation" in page(waiting)
    assert "Le service de fabrication est momentanément indisponible" in page(waiting)
    assert fresh_document(version.document_id).state == "pending"
    assert notified() == []

    # Flushed while Redis is still away: each row keeps the error and counts the try.
    assert outbox.flush(everything=True) == {"sent": 0, "waiting": 2}
    assert [row.attempts for row in outbox_rows()] == [2, 1]  # stops at the first refusal
    assert outbox.flush(everything=True) == {"sent": 0, "waiting": 2}
    assert [(row.state, row.attempts) for row in outbox_rows()] == [
        ("pending", 3), ("pending", 1)
    ]

    own_redis.start()
    result = app.test_cli_runner().invoke(args=["jobs", "retry"])
    assert result.exit_code == 0, result.output
    assert "2 tâche(s) remise(s) ; 0 en attente." in result.output
    assert [(row.state, row.attempts) for row in outbox_rows()] == [("sent", 4), ("sent", 2)]
    assert all(row.last_error is None and row.sent_at for row in outbox_rows())
    work(app, own_redis)

    document = fresh_document(version.document_id)
    assert document.state == "ready"
    assert document.attempts == 1
    assert documents.content_of(document) == STUB_PDF
    assert notified() == [elected_id]
    ready = app.test_client().get(f"/projets/{slug}/synthese/v1/pdf")
    assert ready.headers["Content-Type"] == "application/pdf"

    # Sent twice (a process that died between handing a job over and marking it sent):
    # the second run does nothing.
    queue = jobs.queue()
    queue.enqueue(synthesis_jobs.build_pdf, version.document_id)
    queue.enqueue(notification_jobs.notify_synthesis, version.id)
    assert app.test_cli_runner().invoke(args=["jobs", "retry"]).exit_code == 0
    work(app, own_redis)
    assert fresh_document(version.document_id).attempts == 1
    assert notified() == [elected_id]


def test_jobs_kept_while_redis_was_away_go_with_the_scheduled_command_or_the_worker(
    app: Flask, own_redis: OwnRedis, as_role: Any
) -> None:
    """Visitors' requests never retry the kept jobs: `flask jobs flush` (the scheduled
    command) hands over those whose retry time has come, and the worker does when it starts."""
    people = [factories.user(email=f"oubli{n}@exemple.fr") for n in range(2)]
    db.session.commit()
    own_redis.stop()
    for person in people:
        client = app.test_client()
        response = client.post("/compte/mot-de-passe-oublie", data={"email": person.email})
        assert response.status_code == 302
        # The answer is the same for an unknown address: it cannot say that a mail waits.
        assert "indisponible" not in page(client.get(response.headers["Location"]))
    assert [row.state for row in outbox_rows()] == ["pending", "pending"]

    own_redis.start()
    # The first row's retry time has come, not the second's.
    first, second = (row.id for row in outbox_rows())
    db.session.execute(update(QueuedJob).where(QueuedJob.id == first)
                       .values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.execute(update(QueuedJob).where(QueuedJob.id == second)
                       .values(next_try_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    before = [(row.state, row.attempts) for row in outbox_rows()]
    # A page view leaves them alone, due or not.
    assert app.test_client().get("/projets").status_code == 200
    assert [(row.state, row.attempts) for row in outbox_rows()] == before
    # The scheduled command hands the first over and leaves the second to its time...
    result = app.test_cli_runner().invoke(args=["jobs", "flush"])
    assert result.exit_code == 0, result.output
    assert "1 tâche(s) remise(s) ; 1 en attente." in result.output
    assert [row.state for row in outbox_rows()] == ["sent", "pending"]
    # ...and a worker flushes when it starts, then works what it sent.
    db.session.execute(update(QueuedJob).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    work(app, own_redis)
    assert [row.state for row in outbox_rows()] == ["sent", "sent"]
    assert sorted(m["to"] for m in mails(app)) == ["oubli0@exemple.fr", "oubli1@exemple.fr"]


def test_a_running_worker_hands_the_outbox_over_as_it_waits(
    app: Flask, own_redis: OwnRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between jobs (each time its wait for one times out) a running worker flushes the
    outbox, at most every WORKER_FLUSH_SECONDS."""
    own_redis.stop()
    jobs.enqueue(write_one)
    db.session.commit()
    jobs.dispatch_committed()
    assert [row.state for row in outbox_rows()] == ["pending"]
    own_redis.start()
    db.session.execute(update(QueuedJob).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    monkeypatch.setattr(jobs, "WORKER_FLUSH_SECONDS", 0.0)  # every heartbeat flushes
    running = jobs.worker(app, ["faults"])
    running.heartbeat()  # what it does when its wait for a job times out
    assert [row.state for row in outbox_rows()] == ["sent"]
    work(app, own_redis)
    assert document_count() == 1


def test_a_request_is_not_held_by_an_unreachable_redis(
    app: Flask, own_redis: OwnRedis, as_role: Any
) -> None:
    """An action whose jobs cannot be handed over still answers normally (no 5xx), and an
    action that enqueues nothing is unaffected."""
    proposal = factories.proposal(factories.project("consultation"))
    citizen = as_role("citizen")
    own_redis.stop()
    assert citizen.post(f"/propositions/{proposal.id}/soutenir").status_code == 302
    assert outbox_rows() == []
    assert support_rows(proposal.id) == 1


# --- jobs that crash half-way --------------------------------------------------------------------

CRASHES = {"left": 0}


def write_then_crash(count: int) -> None:
    """A job that writes `count` documents, then crashes while CRASHES["left"] > 0."""
    for n in range(count):
        documents.request_document("essai", f"essai-{n}.pdf")
    if CRASHES["left"] > 0:
        CRASHES["left"] -= 1
        raise RuntimeError("coupure au milieu du travail")
    db.session.commit()


def write_one() -> None:
    """A job that writes one document and commits."""
    documents.request_document("essai", "seul.pdf")
    db.session.commit()


def document_count() -> int:
    """Documents in the database now."""
    db.session.rollback()
    return db.session.scalar(select(db.func.count()).select_from(documents.Document)) or 0


@pytest.fixture
def crashing() -> Iterator[dict[str, int]]:
    """The crash switch of write_then_crash, reset after the test."""
    yield CRASHES
    CRASHES["left"] = 0


@pytest.mark.parametrize("mode", ["inline", "worker"])
def test_a_job_that_crashes_half_way_leaves_nothing_and_its_retry_completes_it_once(
    app: Flask, request: pytest.FixtureRequest, crashing: dict[str, int], mode: str
) -> None:
    crashing["left"] = 1
    queue = request.getfixturevalue("redis_queue") if mode == "worker" else None
    jobs.enqueue(write_then_crash, 3)
    jobs.enqueue(write_one)
    db.session.commit()
    jobs.dispatch_committed()
    if queue is not None:
        queue.work()

    # The crashed job's three rows are gone; the next job's commit did not carry them.
    assert document_count() == 1
    crashed = [row for row in outbox_rows() if row.func.endswith("write_then_crash")]
    assert len(crashed) == 1
    assert crashed[0].state == "pending"
    assert crashed[0].attempts == (2 if mode == "worker" else 1)  # worker: sent, then ran
    assert crashed[0].failures == 1
    assert crashed[0].last_error == "RuntimeError: coupure au milieu du travail"
    assert as_utc(crashed[0].next_try_at) > utcnow()

    result = app.test_cli_runner().invoke(args=["jobs", "retry"])
    assert result.exit_code == 0, result.output
    if queue is not None:
        queue.work()
    assert document_count() == 4
    assert outbox_rows()[0].state == "sent"

    # Nothing left to do: a second retry and a second worker run change nothing.
    assert app.test_cli_runner().invoke(args=["jobs", "retry"]).exit_code == 0
    if queue is not None:
        queue.work()
    assert document_count() == 4


def test_an_inline_job_failing_every_time_is_given_up_then_taken_back(
    app: Flask, crashing: dict[str, int]
) -> None:
    crashing["left"] = 99
    jobs.enqueue(write_then_crash, 1)
    db.session.commit()
    jobs.dispatch_committed()
    for left in range(app.config["JOB_MAX_FAILURES"] - 1, 0, -1):
        assert outbox.flush(everything=True) == {"sent": 0, "waiting": int(left > 1)}
    row = outbox_rows()[0]
    assert (row.state, row.failures) == ("failed", app.config["JOB_MAX_FAILURES"])
    assert document_count() == 0
    status = app.test_cli_runner().invoke(args=["jobs", "status"])
    assert "failed : 1" in status.output
    assert "coupure au milieu du travail" in status.output

    crashing["left"] = 0
    assert app.test_cli_runner().invoke(args=["jobs", "retry"]).exit_code == 0
    assert outbox_rows()[0].state == "failed"  # given up: only --failed takes it back
    result = app.test_cli_runner().invoke(args=["jobs", "retry", "--failed"])
    assert result.exit_code == 0, result.output
    assert "1 tâche(s) abandonnée(s) reprise(s)." in result.output
    assert outbox_rows()[0].state == "sent"
    assert document_count() == 1


def test_a_page_view_leaves_pending_jobs_pending_and_the_scheduled_command_runs_them(
    app: Flask, crashing: dict[str, int]
) -> None:
    """Without Redis: an inline job that failed waits in the outbox; no visitor's request
    runs it again, even once its retry time has come; `flask jobs flush` does."""
    crashing["left"] = 1
    jobs.enqueue(write_then_crash, 1)
    db.session.commit()
    jobs.dispatch_committed()
    db.session.execute(update(QueuedJob).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    before = [(row.state, row.attempts, row.failures) for row in outbox_rows()]
    assert before == [("pending", 1, 1)]

    for path in ("/", "/projets"):
        assert app.test_client().get(path).status_code == 200
    assert [(row.state, row.attempts, row.failures) for row in outbox_rows()] == before
    assert document_count() == 0

    result = app.test_cli_runner().invoke(args=["jobs", "flush"])
    assert result.exit_code == 0, result.output
    assert "1 tâche(s) remise(s) ; 0 en attente." in result.output
    assert [row.state for row in outbox_rows()] == ["sent"]
    assert document_count() == 1


def test_the_scheduled_command_waits_for_the_retry_time(
    app: Flask, crashing: dict[str, int]
) -> None:
    """`flask jobs flush` leaves a job whose retry time has not come (`retry` does not)."""
    crashing["left"] = 1
    jobs.enqueue(write_then_crash, 1)
    db.session.commit()
    jobs.dispatch_committed()
    result = app.test_cli_runner().invoke(args=["jobs", "flush"])
    assert result.exit_code == 0, result.output
    assert "0 tâche(s) remise(s) ; 1 en attente." in result.output
    assert document_count() == 0
    assert app.test_cli_runner().invoke(args=["jobs", "retry"]).exit_code == 0
    assert [row.state for row in outbox_rows()] == ["sent"]
    assert document_count() == 1


def test_a_mail_job_failing_half_way_is_completed_once_by_its_retry(
    app: Flask, redis_queue: Any
) -> None:
    """The mail server drops the connection at the second of three reporters told of a
    decision: the first is told, the job fails and is kept; its retry tells the other two, and
    nobody twice."""
    from consultation.moderation import jobs as moderation_jobs
    from consultation.moderation import services as moderation

    reporters = [factories.user(email=f"signale{n}@exemple.fr") for n in range(3)]
    emails = sorted(reporter.email or "" for reporter in reporters)
    proposal = factories.proposal(consulted_project())
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    for reporter in reporters:
        moderation.report(reporter, "proposal", proposal, "spam", "")
    report_ids = [report.id for report in moderation.open_reports("proposal", proposal.id)]
    moderation.hide(moderator, "proposal", proposal, "Publicité.")
    db.session.commit()
    jobs.dispatch_committed()

    real_deliver = mail_module.deliver
    calls = {"n": 0}

    def flaky(message: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise smtplib.SMTPServerDisconnected("connexion perdue")
        real_deliver(message)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail_module, "deliver", flaky)
        redis_queue.work()

    assert len(mails(app)) == 1
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(SentNotice)) == 1
    told = next(row for row in outbox_rows() if row.func.endswith("tell_reporters"))
    assert (told.state, told.attempts, told.failures) == ("pending", 2, 1)
    assert told.last_error == "SMTPServerDisconnected: connexion perdue"

    assert app.test_cli_runner().invoke(args=["jobs", "retry"]).exit_code == 0
    redis_queue.work()
    assert sorted(m["to"] for m in mails(app)) == emails
    db.session.rollback()
    assert all(row.state == "sent" for row in outbox_rows())

    # Run once more by mistake: nobody is told twice.
    jobs.queue().enqueue(moderation_jobs.tell_reporters, report_ids)
    redis_queue.work()
    moderation_jobs.tell_reporters(report_ids)
    assert len(mails(app)) == 3


def test_a_job_whose_process_died_before_handing_it_over_is_sent_by_a_later_flush(
    app: Flask, own_redis: OwnRedis
) -> None:
    """The action committed, then its process died before reaching Redis: the row waits for
    its owner a minute, then any flush sends it; two flushes never send it both."""
    jobs.enqueue(write_one)
    db.session.commit()
    g.pop("committed_jobs")  # the process dies here: nothing is handed over
    row = outbox_rows()[0]
    assert (row.state, row.attempts) == ("pending", 0)

    assert outbox.flush() == {"sent": 0, "waiting": 1}  # still its owner's
    db.session.execute(update(QueuedJob).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    # Two flushes that read the row at the same moment: only one takes it...
    assert outbox._take(row.id, 0) is True
    assert outbox._take(row.id, 0) is False
    # ...and holds it for a while: the others leave it alone.
    assert outbox.flush(everything=False) == {"sent": 0, "waiting": 1}
    # The one that took it died too: once its hold has passed, the next flush sends it.
    db.session.execute(update(QueuedJob).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert outbox.flush() == {"sent": 1, "waiting": 0}
    assert [(row.state, row.attempts) for row in outbox_rows()] == [("sent", 2)]
    work(app, own_redis)
    assert document_count() == 1
    assert outbox.flush(everything=True) == {"sent": 0, "waiting": 0}
    work(app, own_redis)
    assert document_count() == 1


def test_a_commit_cut_by_the_database_is_a_503_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away between the view and the commit at the request boundary: the
    person gets the French 503 page (as in production, where errors are not propagated)."""
    from sqlalchemy.exc import OperationalError

    proposal = factories.proposal(factories.project("consultation"))
    client = login(app.test_client(), factories.user())
    db.session.commit()
    path = f"/propositions/{proposal.id}/soutenir"

    def cut() -> None:
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", cut)
        assert_unavailable(client.post(path))
    assert support_rows(proposal.id) == 0
    assert client.post(path).status_code == 302
    assert support_rows(proposal.id) == 1


def test_a_rollback_that_fails_too_still_gives_the_503_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection went with the server, so even the rollback fails: the session's
    connection is invalidated (the pool replaces it) and the person gets the 503 page."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    proposal = factories.proposal(factories.project("consultation"))
    client = login(app.test_client(), factories.user())
    db.session.commit()
    invalidated: list[Session] = []

    def cut() -> None:
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", cut)
        patch.setattr(db.session, "rollback", cut)
        patch.setattr(Session, "invalidate", lambda session: invalidated.append(session))
        assert_unavailable(client.post(f"/propositions/{proposal.id}/soutenir"))
    assert invalidated
    assert support_rows(proposal.id) == 0
