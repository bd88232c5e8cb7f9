"""How the platform uses its two database drivers: transactions opened only where needed.

SQLite (the sqlite3 module). SQLite lets one writer at a time into a database. A connection
that finds another writing waits in SQLite's busy handler, which sleeps 1, 2, 5, 10...
milliseconds between tries: a comment holds the write lock for about a millisecond, yet the
worker that came second slept at least one, its CPU idle (two gunicorn workers posting
comments lost about a sixth of their throughput that way). Here a connection about to open a
write transaction first takes an exclusive `flock` on `<database>-writer`: the kernel wakes
the next writer the moment the previous one commits or rolls back. Reads never take it (WAL
lets them run beside the writer). Every connection has its own descriptor, so the threads of
one process queue as processes do. A program that does not use this (the sqlite3 shell)
still meets SQLite's own lock and busy timeout. The WAL's checkpoints are made after the lock
is let go, not inside the commit that holds it, by a thread of the process rather than by the
worker that committed (`CHECKPOINT_EVERY`).

PostgreSQL (psycopg). A transaction costs two round trips to the server, BEGIN and COMMIT,
which were a tenth of a page read by someone logged in. Connections run in autocommit, and a
transaction is opened (BEGIN) before the first statement that needs one: anything but a
plain SELECT (writes, SAVEPOINT, SET, a locking SELECT ... FOR UPDATE, a transaction's
advisory lock, a server-side cursor). Under READ COMMITTED, PostgreSQL's level and ours,
every statement of a transaction sees its own snapshot anyway: reads outside one see what they
saw inside. A request that sets another isolation level (the open-data export's REPEATABLE
READ) leaves autocommit through SQLAlchemy and gets the transaction its level asks for; the
connection goes back to autocommit when it is next taken from the pool. A connection asked for
AUTOCOMMIT (`execution_options(isolation_level="AUTOCOMMIT")`: VACUUM, CREATE DATABASE) gets
no BEGIN.

A write transaction's round trips are few: statements wait in psycopg's pipeline and go
together. The BEGIN a write needs goes with that write, in one round trip. A write whose result
nobody reads (`send_unread`: a follow's INSERT ... ON CONFLICT DO NOTHING, a search entry) is
not waited for: it goes with the next statement whose result is read, or with the COMMIT. A
support was seven round trips (its proposal read, BEGIN, the support, two counters, the
follow, COMMIT), each one a wait of the worker's CPU; it is three (the counters are now moved
by the support's own trigger: core/counters.py). The server runs the statements in the order
they were sent, so a read sent later sees them. What an
unread statement could not do (a deadlock, a server gone) is raised by the statement it went
with, or by the commit, and the transaction is rolled back as for any error.

A POST's writes are sent by the driver itself, without SQLAlchemy's execution around them: a
write whose result nobody reads (`send_unread`), and one whose returned rows are read by
position (`read_rows`: a RETURNING, its values as the driver gives them); so is the first row
of a page's or POST's read of its target with the person (`read_first`: its values made by
their types' result processors, found at its first execution). For a small statement
that execution (its context, its parameters, its result) costs several times the driver's own
work, and a support sends four such writes, a comment six. The statement is compiled once per
dialect; its parameters are made as SQLAlchemy makes them (each type's processor, the
statement's constants); the dialect's `do_execute` runs it (on PostgreSQL, in the pipeline);
the engine's `before_cursor_execute` listeners hear it (the writers' lock, the BEGIN, the
counts); a driver's error is raised as SQLAlchemy's (an IntegrityError...). A statement with
work only SQLAlchemy's execution does (a column's Python default, an IN list, a bind's
callable) or one that something listens to at that level (`echo`, `before_execute`...) goes
through it.

A psycopg cursor's `description` makes a Column object per column of the result at every
read, some 70 for a page's statement (about 55 µs); SQLAlchemy reads it at every execution,
but once a statement's result is known (its compiled form keeps it) it only asks whether there
is one. The platform's cursors describe their result when a column is asked for.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from select import POLLIN, poll
from typing import Any, TypeVar, cast, overload
from urllib.parse import quote

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, InvalidRequestError

# --- SQLite -----------------------------------------------------------------------------------

# Statements before which the sqlite3 module opens a transaction by itself (its legacy
# transaction control, which SQLAlchemy's pysqlite dialect uses).
_SQLITE_OPENING = frozenset(("INSERT", "UPDATE", "DELETE", "REPLACE"))


# A WAL checkpoint copies the pages written since the last one into the database file and syncs
# both: about 5 ms for a thousand pages. SQLite runs one itself inside the commit that brings the
# WAL to `wal_autocheckpoint` pages, that is inside the writers' lock: every 27th comment held
# every other writer back for those 5 ms (on average 0.15 ms a comment, three fifths of its
# commit's time and a fifth of its hold of the lock). Here every CHECKPOINT_EVERY write commits
# of a process, once the lock is let go, the process's checkpoint thread makes one (PASSIVE: it
# runs beside readers and the next writer). Made by the worker itself after its commit, it held
# that worker from its next request for 6 ms every 32 comments, 3.5 of them waiting for the
# disk with its CPU idle. SQLite's own stays as a safety net, for a WAL that reaches
# AUTOCHECKPOINT_PAGES all the same.
CHECKPOINT_EVERY = 32
AUTOCHECKPOINT_PAGES = 10_000
IDLE_CLOSE_SECONDS = 60  # the checkpoint thread's connection, unused that long, is closed


def checkpoint(connection: sqlite3.Connection) -> None:
    """Copy what the WAL holds into the database as far as no reader needs it, without waiting
    for anyone (PASSIVE); what it could not copy waits for the next one."""
    # Refused (another connection checkpoints, a table is locked): it is only late.
    with contextlib.suppress(sqlite3.Error):
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class Checkpoints:
    """The thread of a process that checkpoints the WAL of the databases it is asked to, one
    after the other; started at the first ask, and again in a forked process (threads do not
    follow a fork). It keeps its connection to the last database (opening one reads the
    schema: 0.9 ms), and closes it when that database is replaced or removed, or after
    IDLE_CLOSE_SECONDS unused; a database that is gone is not made again."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # A connection opened before a fork is neither used nor closed after it (SQLite's rule).
        self._forked = getattr(self, "_open", None)
        self._state = threading.Condition()
        self._wanted: list[str] = []  # paths, in the order asked, each once
        self._busy = False
        self._thread: threading.Thread | None = None
        # (path, its file's device and inode, the connection): the thread's alone.
        self._open: tuple[str, tuple[int, int], sqlite3.Connection] | None = None

    def ask(self, path: str) -> None:
        """Have the database at `path` checkpointed soon, without waiting for it."""
        with self._state:
            if path not in self._wanted:
                self._wanted.append(path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wal-checkpoints",
                                                daemon=True)
                self._thread.start()
            self._state.notify_all()

    def wait(self, timeout: float = 10) -> bool:
        """Wait until every checkpoint asked for is made; False if `timeout` seconds pass."""
        with self._state:
            return self._state.wait_for(lambda: not self._wanted and not self._busy, timeout)

    def _run(self) -> None:
        state = self._state
        while True:
            with state:
                if not state.wait_for(lambda: bool(self._wanted), IDLE_CLOSE_SECONDS):
                    self._close()
                    continue
                path, self._busy = self._wanted.pop(0), True
            try:
                connection = self._connection(path)
                if connection is not None:
                    checkpoint(connection)
            finally:
                with state:
                    self._busy = False
                    state.notify_all()

    def _connection(self, path: str) -> sqlite3.Connection | None:
        """The thread's connection to the database at `path`, opened if needed; None if
        there is no such database."""
        try:
            status = os.stat(path)
        except OSError:
            self._close()
            return None
        file = (status.st_dev, status.st_ino)
        if self._open is not None and self._open[:2] == (path, file):
            return self._open[2]
        self._close()
        try:
            connection = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=0,
                                         check_same_thread=False)
        except sqlite3.Error:
            return None
        self._open = (path, file, connection)
        return connection

    def _close(self) -> None:
        if self._open is not None:
            with contextlib.suppress(sqlite3.Error):
                self._open[2].close()
            self._open = None


CHECKPOINTS = Checkpoints()


class QueuedWriters(sqlite3.Connection):
    """A sqlite3 connection whose write transactions queue on the database's lock file, and
    that has the WAL checkpointed after it let the next writer in."""

    # Write commits of this process (every connection of it), which time its checkpoints.
    write_commits = 0

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._lock_fd: int | None = None
        self._path: str | None = None  # a database file's, the only kind with a lock file
        self._holding = False
        path = os.fsdecode(database)
        if path and path != ":memory:" and not path.startswith("file:"):
            self._lock_fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
            self._path = path

    def before_write(self, statement: str) -> None:
        """Take the writers' lock if `statement` opens a write transaction."""
        if (self._holding or self._lock_fd is None or self.in_transaction
                or statement.lstrip()[:7].rstrip().upper() not in _SQLITE_OPENING):
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self._holding = True

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            if self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        """Commit, then let the next writer in; have the WAL checkpointed if it is this
        process's turn."""
        wrote = self._holding
        try:
            super().commit()
        finally:
            self._release()
        if wrote:
            QueuedWriters.write_commits += 1
            if QueuedWriters.write_commits % CHECKPOINT_EVERY == 0 and self._path is not None:
                CHECKPOINTS.ask(self._path)

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        """Close the connection and its lock file (which releases the lock)."""
        try:
            super().close()
        finally:
            self._holding = False
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def _sqlite_before_execute(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
    if statement.startswith("SELECT"):
        return
    connection = cursor.connection
    if isinstance(connection, QueuedWriters):
        connection.before_write(statement)


def tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and NORMAL sync on every connection; writers queued on the lock file
    (the engine's connections must be made by QueuedWriters: `sqlite_connect_args`)."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    event.listen(engine, "before_cursor_execute", _sqlite_before_execute)


def sqlite_connect_args() -> dict[str, Any]:
    """The sqlite3 connection arguments: writers wait for each other (30 s at most outside the
    platform) instead of failing at once, queued on the lock file."""
    return {"timeout": 30, "factory": QueuedWriters}


# --- PostgreSQL -------------------------------------------------------------------------------

# A SELECT that locks rows, or takes an advisory lock for its transaction, needs the transaction
# its locks last for (in autocommit they would be let go at once).
_LOCKING = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|_xact_lock(?:_shared)?\s*\(")


def _reads_only(cursor: Any, statement: str) -> bool:
    """True for a plain SELECT, which needs no transaction: no row or advisory lock, no
    server-side cursor (which has a name)."""
    if not statement.startswith("SELECT") or getattr(cursor, "name", None) is not None:
        return False
    return not (("FOR" in statement or "_xact_" in statement) and _LOCKING.search(statement))


# The attribute of a psycopg connection holding its open pipeline (a _Pipeline), if any.
_PIPELINE = "consultation_pipeline"


class _Pipeline:
    """A psycopg connection in pipeline mode: statements sent and not yet waited for."""

    __slots__ = ("context", "unread", "transaction")

    def __init__(self, connection: Any) -> None:
        # A transaction to commit: open already, or one psycopg opens itself (autocommit off).
        self.transaction = bool(not connection.autocommit
                                or connection.info.transaction_status)
        self.context = connection.pipeline()
        self.context.__enter__()  # sends nothing: libpq only changes mode
        self.unread = False  # the statement being sent is one nobody reads


def _pipeline(connection: Any) -> _Pipeline:
    """The connection's open pipeline, opened if it has none."""
    pipeline: _Pipeline | None = getattr(connection, _PIPELINE)
    if pipeline is None:
        pipeline = _Pipeline(connection)
        setattr(connection, _PIPELINE, pipeline)
    return pipeline


def _sync(connection: Any) -> None:
    """Send what waits in the connection's pipeline and wait for every result (one round
    trip), then leave pipeline mode; the first error of those statements is raised."""
    pipeline: _Pipeline = getattr(connection, _PIPELINE)
    setattr(connection, _PIPELINE, None)
    pipeline.context.__exit__(None, None, None)


def _postgresql_before_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
    connection = cursor.connection
    # A server-side cursor (a streamed read) cannot run in pipeline mode: what waits goes first.
    named = getattr(cursor, "name", None) is not None
    if named and getattr(connection, _PIPELINE, None) is not None:
        _sync(connection)
    if not connection.autocommit or connection.info.transaction_status:  # 0: IDLE
        return  # (a statement waiting in the pipeline makes it ACTIVE: its BEGIN went first)
    if _reads_only(cursor, statement):
        return
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # asked for by its caller (VACUUM, CREATE DATABASE cannot run in a transaction)
    if not named:
        _pipeline(connection).transaction = True  # the BEGIN waits for the statement
    connection.execute("BEGIN")


def _collect(cursor: Any) -> None:
    """Right after a statement is sent, before SQLAlchemy reads its result: one sent in the
    pipeline (after a BEGIN or unread writes) gets it now; an unread one stays there."""
    connection = cursor.connection
    pipeline = getattr(connection, _PIPELINE, None)  # none yet: the dialect's first queries
    if pipeline is not None and not pipeline.unread:
        _sync(connection)


class _Sent:
    """A statement the driver sends itself (`send_unread`, `read_rows`), compiled once for one
    dialect: its SQL, and for each parameter in the order the SQL takes them, its name there,
    its name given, its type's processor and its value when none is given."""

    __slots__ = ("statement", "dialect", "sql", "positional", "parameters")

    def __init__(self, statement: Any, dialect: Any, compiled: Any) -> None:
        self.statement, self.dialect = statement, dialect  # held: their ids stay theirs
        self.sql: str = compiled.string
        self.positional = bool(dialect.positional)
        names = compiled.positiontup if self.positional else list(compiled.bind_names.values())
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        escaped = compiled.escaped_bind_names or {}
        self.parameters: list[tuple[str, str, Any, Any]] = []
        for name in names:
            bind = binds[name]
            self.parameters.append((
                escaped.get(name, name), name,
                bind.type.dialect_impl(dialect).bind_processor(dialect),
                _NEEDED if bind.required else bind.effective_value))

    def values(self, given: dict[str, Any]) -> Any:
        """What the driver's execute takes for the parameters `given` (a tuple, or a mapping)."""
        made = []
        for key, name, processor, otherwise in self.parameters:
            value = given.get(name, otherwise)
            if value is _NEEDED:
                raise InvalidRequestError(f"A value is required for bind parameter {name!r}")
            made.append((key, processor(value) if processor is not None else value))
        if self.positional:
            return tuple(value for _key, value in made)
        return dict(made)


_NEEDED = object()
Form = TypeVar("Form", bound=_Sent)  # _Sent, or _Read
# (id of the statement, id of the dialect, names of the parameters given, the form) -> its _Sent
# (or _Read), or None for one that SQLAlchemy sends.
_SENT: dict[tuple[int, int, tuple[str, ...], type[_Sent]], _Sent | None] = {}
_SENT_CAPACITY = 200  # the statements sent so are a handful of shapes, all built once in code


def _sent_form(connection: Any, statement: Any, params: dict[str, Any],
               form: type[Form]) -> Form | None:
    """`statement` compiled for the connection's dialect and the names of `params` (an INSERT's
    or UPDATE's columns, when its statement names none), to be sent by the driver itself (as a
    `form`); None when SQLAlchemy must send it: a value made at execution (a column's Python
    default), a parameter rendered at execution (an IN list) or computed then (a bind's
    callable)."""
    dialect = connection.dialect
    key = (id(statement), id(dialect), tuple(params), form)
    if key in _SENT:
        sent = _SENT[key]
        if sent is None or (sent.statement is statement and sent.dialect is dialect):
            return cast("Form | None", sent)  # kept under its form's key
    compiled = statement.compile(dialect=dialect, column_keys=sorted(params))
    ready = not (compiled.insert_prefetch or compiled.update_prefetch
                 or compiled.post_compile_params or compiled.literal_execute_params
                 or any(bind.callable is not None for bind in compiled.bind_names))
    if len(_SENT) >= _SENT_CAPACITY:
        _SENT.clear()
    made = form(statement, dialect, compiled) if ready else None
    _SENT[key] = made
    return made


def _send(connection: Any, sent: _Sent, params: dict[str, Any],
          fetch: Callable[[Any], Any] | None = None) -> Any:
    """Execute `sent` on the connection's driver, as SQLAlchemy's execution ends by doing
    (the dialect's `do_execute`), without what it does around: for a small statement that
    costs several times the driver's own work (its context, its parameters, its result). The
    engine's listeners hear it as any statement (the writers' lock, the BEGIN, the counts),
    and a driver's error comes as SQLAlchemy's (an IntegrityError...). What `fetch` reads of
    the cursor, if given."""
    values = sent.values(params)
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        connection.dispatch.before_cursor_execute(connection, cursor, sent.sql, values, None,
                                                  False)
        dialect.do_execute(cursor, sent.sql, values, None)
        return fetch(cursor) if fetch is not None else None
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(sent.sql, values, error, dialect.loaded_dbapi.Error,
                                  dialect=dialect) from error
    finally:
        cursor.close()


def _all_rows(cursor: Any) -> list[Any]:
    return cast("list[Any]", cursor.fetchall())


class _Read(_Sent):
    """A SELECT the driver runs itself (`read_first`): as a `_Sent`, and for each column of its
    result, its type's result processor, found as SQLAlchemy finds it (from the type the
    statement gives the column and the one the driver describes) at the first execution."""

    __slots__ = ("types", "processors")

    def __init__(self, statement: Any, dialect: Any, compiled: Any) -> None:
        super().__init__(statement, dialect, compiled)
        self.types = tuple(entry.type for entry in compiled._result_columns)
        self.processors: tuple[Any, ...] | None = None

    def first(self, cursor: Any) -> tuple[Any, ...] | None:
        """The cursor's first row, its values made by their types as SQLAlchemy's result
        gives them; None when there is none."""
        row = cursor.fetchone()
        if row is None:
            return None
        processors = self.processors
        if processors is None:
            processors = self.processors = tuple(
                type_.dialect_impl(self.dialect).result_processor(self.dialect, column[1])
                for type_, column in zip(self.types, cursor.description, strict=True))
        return tuple([value if process is None else process(value)
                      for process, value in zip(processors, row, strict=True)])


def _heard(connection: Any) -> bool:
    """Whether something listens to the engine's statements as SQLAlchemy executes them (its
    log, an execution's events): those go through SQLAlchemy's execution."""
    engine = connection.engine
    dispatch = engine.dispatch
    return bool(engine.echo or dispatch.before_execute or dispatch.after_execute
                or dispatch.after_cursor_execute)


def _driver_form(connection: Any, statement: Any, params: Any,
                 form: type[Form]) -> Form | None:
    """The form the driver itself can send `statement` in, or None for SQLAlchemy's
    execution: parameters that are not one mapping (many rows), no transaction to take part
    in yet, something listening to executions (`_heard`), work of SQLAlchemy's (`_sent_form`)."""
    if isinstance(params, dict) and connection.in_transaction() and not _heard(connection):
        return _sent_form(connection, statement, params, form)
    return None


def send_unread(connection: Any, statement: Any, params: Any = None) -> None:
    """Execute `statement` on a SQLAlchemy connection, its result unread by anyone: on
    PostgreSQL it waits in the connection's pipeline for the next statement whose result is
    read, or for the COMMIT, and goes with it (elsewhere it is executed at once). Sent by the
    driver itself (`_send`) unless SQLAlchemy's execution has something to do."""
    sent = _driver_form(connection, statement, params, _Sent)
    driver = connection.connection.driver_connection
    # Only a watched psycopg connection has a pipeline to wait in.
    pipeline = _pipeline(driver) if hasattr(driver, _PIPELINE) else None
    if pipeline is not None:
        pipeline.unread = True
    try:
        if sent is None:
            connection.execute(statement, params)
        else:
            _send(connection, sent, params)
    finally:
        if pipeline is not None:
            pipeline.unread = False


def read_rows(connection: Any, statement: Any, params: dict[str, Any]) -> Sequence[Any]:
    """The rows `statement` returns (a write's RETURNING), executed by the driver itself
    unless SQLAlchemy's execution has something to do (`send_unread`'s rule), in which case
    they are SQLAlchemy's rows. Their values are then as the driver gives them, not made by
    their types (a SQLite boolean is 0 or 1): for integers, texts and truth values, read by
    position."""
    sent = _driver_form(connection, statement, params, _Sent)
    if sent is None:
        return connection.execute(statement, params).all()
    return cast("Sequence[Any]", _send(connection, sent, params, _all_rows))


def read_first(connection: Any, statement: Any, params: dict[str, Any]) -> Sequence[Any] | None:
    """The first row of a SELECT, its values made by their types and read by position (or
    None), executed by the driver itself unless SQLAlchemy's execution has something to do
    (`send_unread`'s rule): a page's read of its target with the person costs some 20 µs
    that way, against 45 through SQLAlchemy's execution and result (SQLite, 41 columns)."""
    read = _driver_form(connection, statement, params, _Read)
    if read is None:
        return connection.execute(statement, params).first()
    return cast("Sequence[Any] | None", _send(connection, read, params, read.first))


def _wait_in_pipelines(engine: Engine) -> None:
    """The engine's statements collect their results from the pipeline as soon as they are
    sent, unless unread; its COMMIT goes with the statements waiting there (one round trip); a
    ROLLBACK first collects them, their error (the reason for it, or one made moot by it)
    dropped. The dialect's own methods are replaced on this engine's dialect alone: they are
    SQLAlchemy's defaults (`cursor.execute`, `commit`, `rollback`), which an event listener
    would wrap at the cost of a dispatch per statement of every page."""
    import psycopg

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        cursor.execute(statement, parameters)
        _collect(cursor)

    def do_execute_no_params(cursor: Any, statement: str, context: Any = None) -> None:
        cursor.execute(statement)
        _collect(cursor)

    def do_executemany(cursor: Any, statement: str, parameters: Any,
                       context: Any = None) -> None:
        cursor.executemany(statement, parameters)
        _collect(cursor)

    def driver(dbapi_connection: Any) -> Any:
        # The pool's proxy (a reset on return) or the connection itself.
        return getattr(dbapi_connection, "driver_connection", dbapi_connection)

    def do_commit(dbapi_connection: Any) -> None:
        connection = driver(dbapi_connection)
        pipeline = getattr(connection, _PIPELINE, None)
        if pipeline is not None:
            if pipeline.transaction:
                connection.execute("COMMIT")
            _sync(connection)  # then psycopg's commit finds nothing to commit: no round trip
        commit(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        connection = driver(dbapi_connection)
        if getattr(connection, _PIPELINE, None) is not None:
            # Rolled back below; or the connection is gone, which psycopg says there.
            with contextlib.suppress(psycopg.Error):
                _sync(connection)
        rollback(dbapi_connection)

    dialect.do_execute = do_execute  # type: ignore[method-assign]
    dialect.do_execute_no_params = do_execute_no_params  # type: ignore[method-assign]
    dialect.do_executemany = do_executemany  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


class _Described:
    """What psycopg's Column reads of its cursor, kept as it was when the result came: the
    cursor may have run another statement by the time a column is asked for."""

    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, cursor: Any) -> None:
        self.pgresult = cursor.pgresult
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class LazyDescription(Sequence[Any]):
    """A cursor's `description`, its Column objects made when one is first asked for."""

    __slots__ = ("_described", "_columns")

    def __init__(self, cursor: Any) -> None:
        self._described: _Described | None = _Described(cursor)
        self._columns: list[Any] = []

    def _made(self) -> list[Any]:
        if self._described is not None:
            from psycopg import Column

            described, self._described = self._described, None
            self._columns = [Column(described, i)  # type: ignore[arg-type]
                             for i in range(described.pgresult.nfields)]
        return self._columns

    def __len__(self) -> int:
        if self._described is not None:
            return int(self._described.pgresult.nfields)
        return len(self._columns)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self._made()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._made())

    def __repr__(self) -> str:
        return repr(self._made())


def _lazy_cursor_class() -> type:
    import psycopg
    from psycopg import pq

    tuples = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)

    class LazyDescriptionCursor(psycopg.Cursor):
        """psycopg's cursor, its `description` a LazyDescription (None as psycopg's is)."""

        @property
        def description(self) -> Any:
            """The result's columns, described when one is asked for."""
            result = self.pgresult
            # psycopg's own test: columns, or a result of rows without any ("SELECT ;").
            if result is None or not (result.nfields or result.status in tuples):
                return None
            return LazyDescription(self)

    return LazyDescriptionCursor


def watch_psycopg(engine: Engine) -> None:
    """Connections checked before use (one the server ended is replaced) and in autocommit,
    a transaction begun before the first statement that needs one; their cursors describe
    their results when asked for a column."""
    from psycopg import pq

    idle = pq.TransactionStatus.IDLE
    cursor_class = _lazy_cursor_class()

    @event.listens_for(engine, "connect")
    def _lazy_description(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = cursor_class
        setattr(dbapi_connection, _PIPELINE, None)

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        """Replace a connection the server ended while it sat in the pool (a restart, an
        administrator, an idle timeout) before a request uses it. An idle connection has
        nothing to read unless the server said goodbye and closed it: looking costs no round
        trip, where pool_pre_ping sends a SELECT 1 at every request. poll(), not select(),
        which refuses descriptors above 1023."""
        if dbapi_connection.closed:
            raise DisconnectionError("connection closed")
        watch = poll()
        watch.register(dbapi_connection.fileno(), POLLIN)
        if watch.poll(0):
            raise DisconnectionError("connection closed by the server")
        # Back from another isolation level (SQLAlchemy's reset sets autocommit off).
        if not dbapi_connection.autocommit and dbapi_connection.info.transaction_status == idle:
            dbapi_connection.autocommit = True

    event.listen(engine, "before_cursor_execute", _postgresql_before_execute)
    _wait_in_pipelines(engine)
