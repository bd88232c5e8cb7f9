"""Database helpers: the request's transaction (committed once at the request boundary, or
abandoned), the SQL statement count of a request, and statements that differ by dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from flask import Response, g, has_request_context
from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    Result,
    String,
    Table,
    event,
    inspect,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.util import LRUCache

from consultation.core.context import here
from consultation.core.drivers import read_first, read_rows, send_unread
from consultation.extensions import db


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute() is typed as returning a Result,
    but for those statements it is a CursorResult, which has the count."""
    return cast("CursorResult[Any]", result).rowcount


def flush_pending(session: Session) -> None:
    """Write the session's pending changes, as Session.execute would before a statement."""
    if session.autoflush:
        session.flush()


def _flushed_connection() -> Connection:
    """The session's connection, after the session's pending changes as Session.execute would
    flush them."""
    session = db.session()
    flush_pending(session)
    return session.connection()


def run(statement: Executable, params: Any = None) -> CursorResult[Any]:
    """Send a Core statement (one that loads no ORM object) on the session's connection, after
    its flush, without the ORM's layer around it: that layer costs as much as a small
    statement itself (about 30 µs), and a POST sends several."""
    return _flushed_connection().execute(statement, params)


def run_first(statement: Executable, params: dict[str, Any]) -> Sequence[Any] | None:
    """The first row of a Core SELECT (or None), sent as `run` sends it, by the driver itself
    where SQLAlchemy's execution has nothing to do (core/drivers.read_first): its values made
    by their types, read by position."""
    return read_first(_flushed_connection(), statement, params)


def run_unread(statement: Executable, params: Any = None) -> None:
    """Send a Core write whose result nobody reads (a follow's INSERT ... ON CONFLICT DO
    NOTHING) as `run` does; on PostgreSQL it goes with the next statement whose
    result is read, or with the COMMIT, in one round trip (core/drivers.py)."""
    send_unread(_flushed_connection(), statement, params)


def run_rows(statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """The rows a write returns (its RETURNING), sent as `run` sends it, by the driver itself
    where SQLAlchemy's execution has nothing to do (core/drivers.read_rows: values as the
    driver gives them, read by position)."""
    return read_rows(_flushed_connection(), statement, params)


Loaded = TypeVar("Loaded")


def as_loaded(session: Session | None, instance: Loaded) -> Loaded:
    """`instance` (new, its primary key and columns set from a row already read or written)
    made an object of `session` as if a query had loaded it: nothing to flush, no statement to
    read it again; the columns not set are expired (read if asked for, as a deferred column).

    This is what make_transient_to_detached() and Session.add() together do, in the steps
    SQLAlchemy's own loader takes for each row it loads (orm/loading.py: the identity key,
    the committed state, the identity map, the "load" event): Session.add() also walks the
    save-update cascade and dispatches attach events, which nothing here listens to (for the
    four phases of a project, counted: 1 to 2.5 % of a page's instructions, 3 % of a
    support's).
    tests/core/test_as_loaded.py holds SQLAlchemy to these steps."""
    state = instance_state(instance)
    known = state.dict
    mapper = state.mapper
    shape = _SHAPES.get(mapper)
    if shape is None:
        shape = _SHAPES[mapper] = (
            tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key),
            tuple(mapper.column_attrs.keys()))
    key = mapper.identity_key_from_primary_key(tuple(known[name] for name in shape[0]))
    if session is not None:
        held = session.identity_map.get(key)
        if held is not None:  # the session has it already: the loader keeps that one
            return cast(Loaded, held)
    state.key = key
    state._commit_all(known)
    # Columns only: a relationship not set loads when asked for without being expired.
    unloaded = [name for name in shape[1] if name not in known]
    if unloaded:
        state._expire_attributes(known, unloaded)
    if session is not None:
        state.session_id = session.hash_key
        session.identity_map._add_unpresent(state, key)
    load = state.manager.dispatch.load
    if load:  # as the loader tells who listens (the tests' count of objects loaded)
        load(state, None)
    return instance


# Per mapped class: the attributes of its primary key, and of its columns.
_SHAPES: dict[Any, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def loaded(session: Session | None, mapper: Any, values: Any) -> Any:
    """The object of `mapper` whose columns are `values` (a mapping, or pairs of attribute
    and value), made by `as_loaded`: the one the session holds already, if it does."""
    instance = mapper.class_manager.new_instance()
    instance_state(instance).dict.update(values)
    return as_loaded(session, instance)


class Columns:
    """The columns a query of a mapped class loads (those not deferred), to be read as plain
    columns of a Core statement and made into its object by `made` (as_loaded): what the
    ORM's loading of an entity costs is set up again at every execution (its row processors),
    some 40 µs for one object, where its columns are read like any others."""

    def __init__(self, entity: Any, prefix: str) -> None:
        mapper = inspect(entity)
        kept = [prop for prop in mapper.column_attrs if not prop.deferred]
        self.mapper = mapper
        self.keys = tuple(prop.key for prop in kept)
        # Labelled: the statement they go into has columns of the same names.
        self.columns = tuple(prop.columns[0].label(prefix + prop.key) for prop in kept)
        self._ident_at = self.keys.index(
            mapper.get_property_by_column(mapper.primary_key[0]).key)
        self.ident = mapper.primary_key[0]  # the primary key's column, of the table

    def made(self, session: Session | None, values: Sequence[Any]) -> Any:
        """The object of these column values (the first len(columns) of `values`), or None
        when they are those of no row (an outer join that found none)."""
        if values[self._ident_at] is None:
            return None
        return loaded(session, self.mapper, zip(self.keys, values, strict=False))


class comma_list(FunctionElement[str]):  # noqa: N801 (used as func.xxx() is)
    """The values of a text column joined by commas (an aggregate): func.aggregate_strings
    binds its separator as a literal parameter, which SQLAlchemy writes into the SQL anew at
    every execution; here it is part of the statement's constant text."""

    type = String()
    inherit_cache = True


@compiles(comma_list, "postgresql")
def _comma_list_postgresql(element: comma_list, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


@compiles(comma_list)
def _comma_list(element: comma_list, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def comma_values(joined: str | None) -> list[str]:
    """The values a comma_list joined ("3,7"), in its order; none for NULL (no row)."""
    return joined.split(",") if joined else []


# (dialect, table) -> its INSERT ... ON CONFLICT DO NOTHING RETURNING, built once: the
# columns come with the values at execution, and SQLAlchemy caches the compiled form for each
# set of columns.
_INSERT_IGNORE: dict[tuple[str, str], Any] = {}


def insert_ignore(table: Table | Any, **values: Any) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when a row was inserted.

    Both SQLite and PostgreSQL settle a race on a unique constraint this way without an
    exception, so a double click or two concurrent requests never become an error page.
    """
    dialect = db.session.get_bind().dialect.name
    key = (dialect, table.name)
    statement = _INSERT_IGNORE.get(key)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # RETURNING tells reliably whether a row went in (rowcount is -1 on some drivers).
        statement = _INSERT_IGNORE[key] = (
            insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
        )
    return bool(run_rows(statement, values))


def abandon_request() -> None:
    """Undo what the request wrote and see that the request boundary commits nothing more of it
    (a refused action whose page is still a 200: its form errors, a flashed reason)."""
    db.session.rollback()
    g.request_abandoned = True


def request_abandoned() -> bool:
    """True when the request gave up its transaction with `abandon_request`."""
    return bool(here().get("request_abandoned"))


def commit_request(response: Response) -> Response:
    """The request boundary: commit once (expiring nothing: `_commit_keeping_objects`), then
    dispatch the jobs the commit asked for; an error status or an abandoned request is undone
    instead (`undo_request`), and its jobs never run. A request that wrote nothing (most GETs)
    ends its read transaction (`end_reading`)."""
    flask_g = here()
    if not db.session.registry.has() and not flask_g.get("pending_jobs"):
        return response  # the request never used the session: nothing to end (static files)
    # Imported here: the job outbox uses this module's helpers.
    from consultation.core import jobs

    if response.status_code >= 400 or request_abandoned():
        undo_request()
    elif request_wrote() or flask_g.get("pending_jobs"):
        _commit_keeping_objects()
        if flask_g.get("committed_jobs"):
            db.session.expire_all()  # a job run inline reads afresh, as a worker would
        jobs.dispatch_committed()
    else:
        end_reading()
    return response


def undo_request() -> None:
    """Undo what the request wrote, its pending changes and jobs with it; a request that only
    read (a page refused, not found) ends its read transaction instead (`end_reading`)."""
    if request_wrote() or g.get("pending_jobs"):
        db.session.rollback()
    else:
        end_reading()


def end_reading() -> None:
    """End a transaction that only read, at the least cost that keeps what psycopg prepared.

    psycopg forgets every statement it prepared on a connection at each ROLLBACK of a
    transaction (DEALLOCATE ALL): read requests ending with one had PostgreSQL parse and plan
    every statement of every page anew. Most reads open no transaction on the server at all
    (SQLite's module opens one only before a write; PostgreSQL's connections run in autocommit
    until a statement needs one: `core/drivers.py`): the session is then left for the
    teardown to close, whose ROLLBACK sends nothing and forgets nothing (psycopg skips it on an
    idle connection), and the session's COMMIT, its events and bookkeeping, about 25 µs a
    page, is saved. A read that did open one (a locking SELECT) ends with a COMMIT that
    expires nothing (the session ends with the request). A transaction a failed statement
    left inactive can only be rolled back."""
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None:
        return
    if not transaction.is_active:
        session.rollback()
        return
    if not _driver_in_transaction(session):
        return
    _commit_keeping_objects()


def _commit_keeping_objects() -> None:
    """Commit the request's session without expiring what it holds: nothing of the request
    reads them after its boundary (the response is made; a job run inline gets them expired
    first), and the session ends with the request. Expiring them cost 3 % of a support."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = expire


def _driver_in_transaction(session: Any) -> bool:
    """Whether the session's connection has a transaction open in the database (a BEGIN sent);
    True when the driver cannot tell."""
    driver = session.connection().connection.driver_connection
    info = getattr(driver, "info", None)  # psycopg: the server's transaction status
    if info is not None:
        return bool(info.transaction_status)  # IDLE is 0
    return bool(getattr(driver, "in_transaction", True))  # sqlite3


def request_wrote() -> bool:
    """True when the request sent a statement other than a SELECT, or holds ORM changes not
    yet flushed: its transaction has something to commit."""
    session = db.session()
    return bool(here().get("request_wrote") or session.new or session.deleted or session.dirty)


def note_writes(engine: Engine) -> None:
    """Mark in `g` a request that sends through this engine anything but a SELECT (an INSERT,
    an UPDATE, a savepoint...), whether through the ORM or a connection of its own."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT"):  # most statements, told at the least cost
            return
        if has_request_context() and statement.lstrip()[:6].upper() != "SELECT":
            here().request_wrote = True


# --- The cache of compiled statements ---------------------------------------------------------


class StatementCache(LRUCache[Any, Any]):
    """SQLAlchemy's cache of compiled statements (an LRUCache, as the engine's own), whose
    lookup finds a statement it has compiled by the identity of the statement's cache key
    first. That key is the statement's whole structure as nested tuples, made once per
    statement object (SQLAlchemy memoizes it), but Python does not keep a tuple's hash: the
    engine's cache hashed it again at every execution, every column, join and subquery, some
    2,900 values for the statement of a proposal with its project, the person and their facts
    (counted: 1 to 2.5 % of a page's or a POST's instructions). A statement built once (as
    this code's are) is found by one lookup of an integer; any other is looked up as before."""

    __slots__ = ("_seen",)

    def __init__(self, capacity: int = 500) -> None:
        super().__init__(capacity)
        # id(structure) -> (that structure, the rest of its key, its compiled form): the
        # structure is held, so its id names no other object while it is here.
        self._seen: dict[int, tuple[Any, tuple[Any, ...], Any]] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        """The compiled form of `key` (dialect, structure, column keys, flags), or `default`."""
        structure, rest = key[1], (key[0], *key[2:])
        seen = self._seen.get(id(structure))
        if seen is not None and seen[0] is structure and seen[1] == rest:
            return seen[2]
        found = super().get(key)
        if found is None:
            return default
        if len(self._seen) >= self.capacity:
            self._seen.clear()
        self._seen[id(structure)] = (structure, rest, found)
        return found

    def clear(self) -> None:
        """Forget every compiled statement."""
        self._seen.clear()
        self._data.clear()


def cache_statements(engine: Engine) -> None:
    """Have `engine` keep its compiled statements in a StatementCache (the execution option
    SQLAlchemy documents for a cache of one's own; Engine.clear_compiled_cache() does not
    reach it: call its clear())."""
    engine.update_execution_options(compiled_cache=StatementCache())


# --- Counting a request's SQL statements (QUERY_COUNT_HEADER, for the benchmarks) ------------


def count_statements(engine: Engine) -> None:
    """Count in `g` every SQL statement a request sends through this engine."""

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        if has_request_context():
            flask_g = here()
            flask_g.query_count = flask_g.get("query_count", 0) + 1


def query_count_header(response: Response) -> Response:
    """Say in X-Query-Count how many SQL statements the request has sent so far."""
    response.headers["X-Query-Count"] = str(g.get("query_count", 0))
    return response
