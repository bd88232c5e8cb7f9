"""The drivers' transactions (consultation/core/drivers.py): SQLite's writers queue on a lock
file, PostgreSQL's reads run without BEGIN and COMMIT, and everything that needs a transaction
still gets one."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from flask import Flask
from psycopg import pq
from sqlalchemy import Connection, bindparam, event, literal_column, select, text, update
from sqlalchemy.exc import IntegrityError, InvalidRequestError

from consultation.accounts.models import User
from consultation.core import drivers
from consultation.core.db import insert_ignore, run, run_first, run_unread
from consultation.core.drivers import QueuedWriters
from consultation.core.models import as_utc
from consultation.extensions import db
from consultation.notifications.models import Follow
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.conftest import login, second_app
from tests.recount import assert_counters_exact
from tests.roundtrips import counted
from tests.served import fire, serve, session_cookie
from tests.votes.counters import support_rows

# A write that changes nothing: it opens a write transaction all the same.
NO_OP_WRITE = text("UPDATE users SET locale = locale WHERE id = -1")


def _only(dialect: str) -> None:
    if db.engine.dialect.name != dialect:
        pytest.skip(f"{'PostgreSQL' if dialect == 'postgresql' else 'SQLite'} seulement")


# --- SQLite ------------------------------------------------------------------------------------


def _lock_is_free(app: Flask) -> bool:
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-writer"
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)  # closing releases a lock taken here
    return True


def test_sqlite_connections_are_the_queued_kind(app: Flask) -> None:
    """Every connection of the app's engine queues its writers."""
    _only("sqlite")
    with db.engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, QueuedWriters)


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_sqlite_writer_holds_the_lock_until_its_transaction_ends(app: Flask, end: str) -> None:
    """The lock is taken by the first write, not by reads, and given back by the commit, the
    rollback or the closing of the connection."""
    _only("sqlite")
    connection = db.engine.connect()
    connection.execute(select(User.id))
    assert _lock_is_free(app)
    connection.execute(NO_OP_WRITE)
    assert not _lock_is_free(app)
    connection.execute(NO_OP_WRITE)  # the same transaction: nothing more to take
    getattr(connection, end)()
    assert _lock_is_free(app)
    connection.close()


def test_a_second_sqlite_writer_waits_on_the_lock_and_goes_on_at_the_commit(app: Flask) -> None:
    """While one connection writes, another connection's write waits on the lock (it has not
    reached SQLite, whose busy handler would sleep and retry), a read goes through, and the
    waiting writer goes on as soon as the first commits."""
    _only("sqlite")
    engine = db.engine
    first = engine.connect()
    first.execute(NO_OP_WRITE)
    reached: list[str] = []

    def second_writer() -> None:
        with engine.connect() as second:
            second.execute(NO_OP_WRITE)
            reached.append("written")
            second.commit()

    waiting = threading.Thread(target=second_writer)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive() and reached == []
    with engine.connect() as reader:
        assert reader.execute(text("SELECT COUNT(*) FROM users")).scalar_one() >= 0
    first.commit()
    waiting.join(timeout=10)
    assert reached == ["written"] and not waiting.is_alive()
    first.close()
    assert _lock_is_free(app)


def test_sqlite_checkpoints_after_letting_the_next_writer_in(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own checkpoint (inside the commit, the writers' lock held) only backs the
    platform's up: every CHECKPOINT_EVERY write commits of the process, the process's
    checkpoint thread makes one once the lock is free, and the WAL is then copied into the
    database. The commit does not wait for it. A read-only connection's end, or a commit of
    nothing written, counts none."""
    _only("sqlite")
    with db.engine.connect() as connection:
        pragma = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert pragma == drivers.AUTOCHECKPOINT_PAGES
        path = connection.connection.dbapi_connection._path  # type: ignore[union-attr]
    seen: list[tuple[str, bool, str]] = []
    let_go = threading.Event()
    checkpoint = drivers.checkpoint

    def watched(connection: sqlite3.Connection) -> None:
        asked = connection.execute("PRAGMA database_list").fetchone()[2]
        seen.append((asked, _lock_is_free(app), threading.current_thread().name))
        let_go.wait(10)
        checkpoint(connection)

    monkeypatch.setattr(drivers, "checkpoint", watched)
    monkeypatch.setattr(QueuedWriters, "write_commits", 0)
    with db.engine.connect() as connection:
        for _ in range(drivers.CHECKPOINT_EVERY - 1):
            connection.execute(text("UPDATE users SET locale = locale"))
            connection.commit()
            connection.execute(select(User.id))
            connection.commit()  # nothing written: not counted
        assert drivers.CHECKPOINTS.wait() and seen == []
        connection.execute(text("UPDATE users SET locale = locale"))
        connection.commit()  # returns while the checkpoint is held back
        assert not drivers.CHECKPOINTS.wait(timeout=0.2)
        connection.execute(text("UPDATE users SET locale = locale"))
        connection.commit()  # the next writer is not held back either
        let_go.set()
        assert drivers.CHECKPOINTS.wait()
        assert seen == [(path, True, "wal-checkpoints")]  # once, the lock free, by the thread
        busy, log, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert (busy, log - copied) == (0, 0)  # made after both commits: all copied
    assert QueuedWriters.write_commits == drivers.CHECKPOINT_EVERY + 1


def test_a_sqlite_checkpoint_that_cannot_run_leaves_the_commit_done(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint is upkeep: one refused by SQLite is left for the next, and the thread
    goes on to the next one; the write it followed is committed all the same."""
    _only("sqlite")
    monkeypatch.setattr(QueuedWriters, "write_commits", drivers.CHECKPOINT_EVERY - 1)
    monkeypatch.setattr(drivers.sqlite3, "connect", _refusing)
    monkeypatch.setattr(drivers, "CHECKPOINTS", drivers.Checkpoints())  # no connection kept
    user = factories.user()
    db.session.commit()
    for locale in ("en", "fr"):
        with db.engine.connect() as connection:
            connection.execute(update(User).where(User.id == user.id).values(locale=locale))
            connection.commit()
        assert drivers.CHECKPOINTS.wait()
        with db.engine.connect() as connection:
            assert connection.scalar(select(User.locale).where(User.id == user.id)) == locale
        assert _lock_is_free(app)
        monkeypatch.setattr(QueuedWriters, "write_commits", drivers.CHECKPOINT_EVERY - 1)
    assert _REFUSED.count("wal_checkpoint") == 2  # the thread still there for the second


_REFUSED: list[str] = []
_connect = sqlite3.connect


def _refusing(database: str, *args: Any, **kwargs: Any) -> Any:
    if "mode=rw" not in database:  # the platform's own connections
        return _connect(database, *args, **kwargs)

    class Refused(sqlite3.Connection):
        def execute(self, statement: str, *args: Any) -> Any:
            _REFUSED.append("wal_checkpoint")
            raise sqlite3.OperationalError("database table is locked")

    return _connect(database, *args, **{**kwargs, "factory": Refused})


def test_the_checkpoint_thread_follows_its_database(tmp_path: Any) -> None:
    """The thread keeps one connection to the last database it checkpointed; one replaced at
    the same path gets a connection to the new file, and one removed is not made again,
    empty."""
    path = tmp_path / "kept.db"

    def made(at: Any) -> None:
        # A rollback journal: no WAL beside the file, which a replaced file would inherit.
        database = sqlite3.connect(at)
        with database:
            database.execute("CREATE TABLE t (x)")
            database.execute("INSERT INTO t VALUES (1)")
        database.close()

    def checkpointed() -> Any:
        drivers.CHECKPOINTS.ask(str(path))
        assert drivers.CHECKPOINTS.wait()
        return drivers.CHECKPOINTS._open

    made(path)
    first = checkpointed()
    assert first is not None and checkpointed() is first  # kept
    # Replaced while the thread holds the old file open: the new one cannot reuse its inode
    # (a file removed first, once closed, may give its inode to the next one made).
    made(tmp_path / "new.db")
    os.replace(tmp_path / "new.db", path)
    replaced = checkpointed()
    assert replaced is not None and replaced[1] != first[1] and replaced[2] is not first[2]
    path.unlink()
    assert checkpointed() is None and not path.exists()


def test_a_forked_process_checkpoints_in_a_thread_of_its_own(tmp_path: Any) -> None:
    """A worker forked from a process that had its checkpoint thread starts its own, with a
    connection of its own: the parent's, copied by the fork, is neither used nor closed."""
    database = tmp_path / "forked.db"
    with sqlite3.connect(database) as made:
        made.execute("PRAGMA journal_mode=WAL")
        made.execute("CREATE TABLE t (x)")
    drivers.CHECKPOINTS.ask(str(database))
    assert drivers.CHECKPOINTS.wait()
    inherited = drivers.CHECKPOINTS._open
    assert inherited is not None
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's status says)
        drivers.CHECKPOINTS.ask(str(database))
        made_again = drivers.CHECKPOINTS.wait(timeout=10)
        own = drivers.CHECKPOINTS._open
        os._exit(0 if made_again and own is not None and own[2] is not inherited[2] else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def begins(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The BEGINs the app sends itself (reads in autocommit send none)."""
    sent: list[str] = []
    original = psycopg.Connection.execute

    def execute(connection: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query, str) and query.startswith("BEGIN"):
            sent.append(query)
        return original(connection, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", execute)
    yield sent


def _status() -> pq.TransactionStatus:
    connection: Any = db.session.connection().connection.dbapi_connection
    return pq.TransactionStatus(connection.info.transaction_status)


def test_a_postgresql_page_read_sends_no_begin_and_a_write_one(
        app: Flask, begins: list[str]) -> None:
    """Reading pages opens no transaction on the server (no BEGIN, no COMMIT); a support
    opens one, commits it, and counts once."""
    _only("postgresql")
    proposal = factories.proposal(factories.project("consultation"))
    person = factories.user()
    db.session.commit()
    client = login(app.test_client(), person)
    proposal_id = proposal.id
    db.session.remove()
    begins.clear()  # the test's own data
    for path in ("/", "/projets", f"/propositions/{proposal_id}"):
        assert client.get(path).status_code == 200
    assert begins == []
    assert client.post(f"/propositions/{proposal_id}/soutenir").status_code == 302
    assert begins == ["BEGIN"]
    assert support_rows(proposal_id) == 1
    assert_counters_exact()


def test_postgresql_reads_run_outside_a_transaction_and_locks_inside_one(app: Flask) -> None:
    """A plain SELECT leaves the connection idle; a SELECT ... FOR UPDATE (however written) or
    an advisory lock for the transaction opens the transaction its lock lasts for, as does a
    write."""
    _only("postgresql")
    person_id = factories.user().id
    db.session.commit()
    db.session.remove()
    db.session.execute(select(User.id).where(User.id == person_id))
    assert _status() == pq.TransactionStatus.IDLE
    db.session.execute(select(User.id).where(User.id == person_id).with_for_update())
    assert _status() == pq.TransactionStatus.INTRANS
    db.session.commit()
    assert _status() == pq.TransactionStatus.IDLE
    db.session.execute(text("SELECT id FROM users WHERE id = :id\nFOR UPDATE"), {"id": person_id})
    assert _status() == pq.TransactionStatus.INTRANS
    db.session.commit()
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": person_id})
    assert _status() == pq.TransactionStatus.INTRANS
    db.session.commit()
    db.session.execute(NO_OP_WRITE)
    assert _status() == pq.TransactionStatus.INTRANS
    db.session.rollback()


def test_postgresql_another_isolation_level_gets_its_transaction(app: Flask) -> None:
    """The open-data export's REPEATABLE READ: its statements run in one transaction at that
    level; the connection is back in autocommit at its next use."""
    _only("postgresql")
    db.session.remove()
    connection = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    assert connection.execute(text("SHOW transaction_isolation")).scalar_one() == (
        "repeatable read")
    assert _status() == pq.TransactionStatus.INTRANS
    db.session.remove()
    db.session.execute(select(User.id).limit(1))
    assert _status() == pq.TransactionStatus.IDLE
    db.session.remove()


def test_postgresql_autocommit_asked_for_gets_no_transaction(app: Flask) -> None:
    """A connection asked for AUTOCOMMIT (the benchmark's VACUUM ANALYZE, which PostgreSQL
    refuses inside a transaction) gets no BEGIN before its statements."""
    _only("postgresql")
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE users"))
        connection.execute(NO_OP_WRITE)
        raw: Any = connection.connection.dbapi_connection
        assert raw.info.transaction_status == pq.TransactionStatus.IDLE


def test_postgresql_cursors_describe_their_result_when_asked(app: Flask) -> None:
    """A cursor's description is made when a column is asked for, and still describes its
    own result after the cursor has run another statement; a statement without rows has none,
    as psycopg says."""
    _only("postgresql")
    from consultation.core.drivers import LazyDescription

    connection: Any = db.session.connection().connection.dbapi_connection
    cursor: Any = connection.cursor()
    cursor.execute("SELECT 1 AS one, 'deux'::text AS two, now() AS three")
    described = cursor.description
    assert isinstance(described, LazyDescription)
    assert len(described) == 3
    cursor.execute("SELECT 4 AS four")
    assert [column.name for column in described] == ["one", "two", "three"]
    assert described[-1].type_code == psycopg.adapters.types["timestamptz"].oid
    assert [column.name for column in described[1:]] == ["two", "three"]
    plain: Any = psycopg.Cursor(connection)
    plain.execute("SELECT 1 AS one, 'deux'::text AS two, now() AS three")
    assert [tuple(column) for column in described] == \
        [tuple(column) for column in plain.description]
    cursor.execute("CREATE TEMPORARY TABLE described (n integer)")
    nothing = cursor.description
    assert nothing is None
    cursor.execute("INSERT INTO described VALUES (1) RETURNING n AS made")
    returned = cursor.description
    assert [column.name for column in returned] == ["made"]
    cursor.execute("SELECT")  # rows of no column: described, empty
    empty = cursor.description
    assert empty is not None and len(empty) == 0
    db.session.rollback()
    # Through SQLAlchemy, the columns of a text statement are read from it.
    result = db.session.execute(text("SELECT 1 AS one, 2 AS two"))
    assert list(result.keys()) == ["one", "two"] and result.one() == (1, 2)


def test_postgresql_concurrent_supports_count_once_each(app: Flask) -> None:
    """Many people support at once through the served app: every support is written once,
    the counters are exact (the transactions the writes open are the ones that count)."""
    _only("postgresql")
    proposal = factories.proposal(factories.project("consultation"))
    people = [factories.user() for _ in range(20)]
    db.session.commit()
    cookies = [session_cookie(app, person) for person in people]
    path = f"/propositions/{proposal.id}/soutenir"
    with serve(app) as address:
        statuses = fire(address, [(path, cookie, None) for cookie in cookies * 2])
    assert statuses == Counter({302: 40})
    assert support_rows(proposal.id) == 20
    assert_counters_exact()


# --- Round trips: statements that go together ---------------------------------------------------


@pytest.mark.parametrize(("path", "form", "trips"), [
    # The proposal with the person; BEGIN with the support; the two counters, the follow and
    # the COMMIT (seven before: each of these its own).
    ("soutenir", {}, 3),
    # The proposal with the person; BEGIN with the comment; its search entry, two counters and
    # the follow with the notifications it makes (read: whom to email); the COMMIT.
    ("commentaires", {"stance": "pour", "body": "Oui,\r\nà condition de l'étendre."}, 4),
])
def test_a_postgresql_post_waits_for_the_server_only_where_it_reads(
        app: Flask, path: str, form: dict[str, str], trips: int) -> None:
    """A support or a comment waits for PostgreSQL only for what it reads: the writes whose
    result nobody reads go with the next read or with the COMMIT. Counted on the wire, between
    the app and the server, for a person's second POST in a project (the first also makes
    them a participant, which is read); the counters stay exact."""
    _only("postgresql")
    project = factories.project("consultation")
    first, proposal = factories.proposal(project), factories.proposal(project)
    follower = factories.user()
    db.session.add(Follow(user_id=follower.id, proposal_id=proposal.id))
    person = factories.user()
    db.session.commit()
    first_id, proposal_id, person_id = first.id, proposal.id, person.id
    with counted(app.config["SQLALCHEMY_DATABASE_URI"]) as (counter, url), \
            second_app(app, SQLALCHEMY_DATABASE_URI=url) as made:
        client = login(made.test_client(), person)
        assert client.post(f"/propositions/{first_id}/{path}", data=form).status_code == 302
        counter.reset()
        answer = client.post(f"/propositions/{proposal_id}/{path}", data=form)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        assert counter.count == trips
    db.session.remove()
    assert_counters_exact()
    following = select(Follow.id).where(Follow.user_id == person_id,
                                        Follow.proposal_id == proposal_id)
    assert db.session.execute(following).scalar_one_or_none() is not None


def test_the_postgresql_dialect_executes_and_commits_as_sqlalchemy_s_default() -> None:
    """core/drivers.py replaces the psycopg dialect's do_execute, do_executemany,
    do_execute_no_params, do_commit and do_rollback by their own, which call the driver as
    SQLAlchemy's defaults do: a SQLAlchemy whose psycopg dialect did more there would lose
    it, and this test says so."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.engine.default import DefaultDialect

    for name in ("do_execute", "do_executemany", "do_execute_no_params", "do_commit",
                 "do_rollback"):
        assert getattr(PGDialect_psycopg, name) is getattr(DefaultDialect, name), name


def _person_speaking_french() -> int:
    person = factories.user()
    person.locale = "fr"
    db.session.commit()
    person_id = person.id
    db.session.remove()
    return person_id


def _locale(person_id: int) -> str:
    return str(db.session.execute(select(User.locale).where(User.id == person_id)).scalar_one())


def test_an_unread_write_is_read_back_committed_or_rolled_back_with_its_transaction(
        app: Flask) -> None:
    """What a write sent unread did is seen by the next read of the transaction, kept by its
    commit and undone by its rollback, on both databases."""
    person_id = _person_speaking_french()
    set_locale = update(User).where(User.id == person_id)
    run_unread(set_locale.values(locale="en"))
    assert _locale(person_id) == "en"
    run_unread(set_locale.values(locale="fr"))
    # A streamed read (a server-side cursor on PostgreSQL, which no pipeline can hold) too.
    streamed = select(User.locale).where(User.id == person_id).execution_options(yield_per=1)
    assert list(db.session.execute(streamed).scalars()) == ["fr"]
    run_unread(set_locale.values(locale="fr"))
    db.session.commit()
    db.session.remove()
    assert _locale(person_id) == "fr"
    run_unread(set_locale.values(locale="en"))
    db.session.rollback()
    db.session.remove()
    assert _locale(person_id) == "fr"


def test_an_unread_write_that_fails_fails_its_commit_and_nothing_of_it_stays(
        app: Flask) -> None:
    """A write sent unread that PostgreSQL refuses (a follow of no proposal) makes the commit
    fail as SQLAlchemy says of any statement (IntegrityError), and the transaction's other
    writes are undone; the connection serves on. On SQLite the write fails at once."""
    person_id = _person_speaking_french()
    run(update(User).where(User.id == person_id).values(locale="en"))
    orphan = text("INSERT INTO follows (user_id, proposal_id, created_at) "
                  "VALUES (:user_id, :proposal_id, CURRENT_TIMESTAMP)")
    with pytest.raises(IntegrityError):
        run_unread(orphan, {"user_id": person_id, "proposal_id": 2**31 - 1})
        db.session.commit()
    db.session.rollback()
    db.session.remove()
    assert _locale(person_id) == "fr"  # read on the pool's connection: it serves on


# --- Unread writes sent by the driver ------------------------------------------------------------


def _sent_by_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The statements SQLAlchemy's Connection.execute is given while the test lasts."""
    given: list[Any] = []
    execute = Connection.execute

    def recorded(connection: Connection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        given.append(statement)
        return execute(connection, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", recorded)
    return given


# A reaction's stamp and a counter, as core/counters.py writes them: a typed parameter, a
# constant of the statement (the 1), updated_at named so that its onupdate makes nothing.
_REACTED = update(Proposal).where(Proposal.id == bindparam("ident")).values(
    first_reaction_at=bindparam("now", type_=Proposal.__table__.c.first_reaction_at.type),
    supports_count=Proposal.supports_count + 1, updated_at=Proposal.updated_at)


def _reaction(proposal_id: int) -> tuple[Any, ...]:
    return tuple(db.session.execute(
        select(Proposal.first_reaction_at, Proposal.supports_count, Proposal.updated_at)
        .where(Proposal.id == proposal_id)).one())


def test_an_unread_write_is_sent_by_the_driver_heard_and_written_as_sqlalchemy_writes_it(
        app: Flask, monkeypatch: pytest.MonkeyPatch, count_queries: Any) -> None:
    """A write sent unread goes to the driver without SQLAlchemy's execution around it; the
    engine's listeners hear it (the count of statements); its values are made as SQLAlchemy
    makes them (a date, a constant), the row the same as the one the same statement writes
    through SQLAlchemy."""
    project = factories.project("consultation")
    by_driver, by_sqlalchemy = factories.proposal(project), factories.proposal(project)
    db.session.commit()
    ids = by_driver.id, by_sqlalchemy.id
    moment = datetime(2026, 12, 7, 8, 30, 15, 250000, tzinfo=UTC)
    given = _sent_by_sqlalchemy(monkeypatch)
    with count_queries() as counter:
        run_unread(_REACTED, {"ident": ids[0], "now": moment})
        run_unread(_REACTED, {"ident": ids[0], "now": moment})  # its compiled form kept
    assert given == []
    assert [s.split()[:2] for s in counter.statements] == [["UPDATE", "proposals"]] * 2
    db.session.execute(_REACTED, {"ident": ids[1], "now": moment})
    db.session.execute(_REACTED, {"ident": ids[1], "now": moment})
    db.session.commit()
    db.session.remove()
    driven, reference = _reaction(ids[0]), _reaction(ids[1])
    assert driven[:2] == reference[:2]
    assert driven[1] == 2 and driven[0] is not None
    assert as_utc(driven[0]) == moment


def test_an_unread_write_sqlalchemy_has_work_for_goes_through_sqlalchemy(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """What only SQLAlchemy's execution makes goes through it: a column's value made at
    execution (updated_at's onupdate), an IN list rendered at execution, a statement an
    execution listener waits for; a parameter missing is refused as SQLAlchemy refuses it."""
    first, second = factories.user(), factories.user()
    db.session.commit()
    ids = first.id, second.id
    given = _sent_by_sqlalchemy(monkeypatch)
    stamped = update(User).where(User.id == bindparam("ident")).values(locale=bindparam("to"))
    run_unread(stamped, {"ident": ids[0], "to": "en"})
    listed = update(User).where(User.id.in_(ids)).values(email_confirmed_at=None)
    run_unread(listed, {})
    heard: list[Any] = []
    listener = lambda _c, statement, *_a: heard.append(statement)  # noqa: E731
    event.listen(db.engine, "before_execute", listener)
    try:
        run_unread(_REACTED.values(supports_count=0), {"ident": -1, "now": None})
    finally:
        event.remove(db.engine, "before_execute", listener)
    assert len(given) == 3 and given[:2] == [stamped, listed] and len(heard) == 1
    with pytest.raises(InvalidRequestError):
        run_unread(_REACTED, {"ident": ids[0]})
    db.session.rollback()


def test_the_rows_a_write_returns_are_read_from_the_driver_unless_sqlalchemy_has_work(
        app: Flask, monkeypatch: pytest.MonkeyPatch, count_queries: Any) -> None:
    """An INSERT ... RETURNING with every value given (a support and its time) is sent and
    read by the driver, heard as any statement: a row came back, or none for a support given
    already. Without its time, SQLAlchemy's execution sends it and the column's default makes
    the time."""
    project = factories.project("consultation")
    first, second = factories.proposal(project), factories.proposal(project)
    person = factories.user()
    db.session.commit()
    moment = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    support = {"user_id": person.id, "project_id": project.id, "mediator_id": None}
    ids = first.id, second.id
    given = _sent_by_sqlalchemy(monkeypatch)
    with count_queries() as counter:
        assert insert_ignore(Support.__table__, proposal_id=ids[0], created_at=moment,
                             **support)
        assert not insert_ignore(Support.__table__, proposal_id=ids[0], created_at=moment,
                                 **support)
    assert given == [] and counter.count == 2
    assert insert_ignore(Support.__table__, proposal_id=ids[1], **support)
    assert len(given) == 1
    db.session.commit()
    db.session.remove()
    made = dict(db.session.execute(select(Support.proposal_id, Support.created_at)
                                   .where(Support.user_id == support["user_id"])).all())
    assert as_utc(made[ids[0]]) == moment
    assert made[ids[1]] is not None and as_utc(made[ids[1]]) > moment


# A page's read, as read_with_facts sends it: dates, a truth value, a count, a text, a NULL.
_FIRST: Any = (
    select(Proposal.title, Proposal.created_at, Proposal.first_reaction_at,
           Proposal.supports_count,
           select(Support.id).where(Support.proposal_id == Proposal.id).exists(),
           literal_column("1").label("one"))
    .where(Proposal.id == bindparam("proposal_id"))
)


def test_a_first_row_is_read_by_the_driver_with_its_values_made_by_their_types(
        app: Flask, monkeypatch: pytest.MonkeyPatch, count_queries: Any) -> None:
    """A SELECT's first row read by the driver itself has the values SQLAlchemy's row has
    (a date, a truth value, a NULL, an integer, a text), heard as any statement; no row is
    None. What SQLAlchemy has work for (an IN list) goes through it, its row as it gives it."""
    project = factories.project("consultation")
    proposal = factories.proposal(project, title="Des bancs à l'ombre")
    db.session.commit()
    ident = proposal.id
    reference = tuple(db.session.execute(_FIRST, {"proposal_id": ident}).one())
    given = _sent_by_sqlalchemy(monkeypatch)
    with count_queries() as counter:
        read = run_first(_FIRST, {"proposal_id": ident})
        again = run_first(_FIRST, {"proposal_id": ident})  # its compiled form kept
        missing = run_first(_FIRST, {"proposal_id": -1})
    assert given == [] and counter.count == 3
    assert read == again == reference and missing is None
    title, created, reacted, supports, supported, one = read
    assert title == "Des bancs à l'ombre" and isinstance(created, datetime)
    assert reacted is None and supports == 0 and supported is False and one == 1
    listed = select(Proposal.id).where(Proposal.id.in_([ident, -1]))
    assert tuple(run_first(listed, {}) or ()) == (ident,) and given == [listed]
    with pytest.raises(InvalidRequestError):
        run_first(_FIRST, {})
    db.session.rollback()
