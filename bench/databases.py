"""Where the benchmark datasets live: SQLite files under bench/data/, or databases on the
PostgreSQL server named by BENCH_DATABASE_URL (its database name is used as a prefix).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench
    -> databases bench_quick, bench_full, bench_growth_1000, ..., bench_run (the working copy)
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def sqlite_path(name: str) -> Path:
    """The SQLite file of a dataset."""
    return DATA / f"{name}.db"


def url_for(backend_url: str | None, name: str) -> str:
    """The SQLAlchemy URL of dataset `name` on a backend (None: SQLite)."""
    if backend_url is None:
        return f"sqlite:///{sqlite_path(name)}"
    url = make_url(backend_url)
    return url.set(database=f"{url.database or 'bench'}_{name}").render_as_string(
        hide_password=False
    )


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return url.startswith("sqlite")


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _database_name(url: str) -> str:
    name = make_url(url).database or ""
    if not name.replace("_", "").isalnum():  # names are built by url_for: refuse anything else
        raise ValueError(f"unexpected database name {name!r}")
    return name


def reachable(url: str) -> bool:
    """True when the PostgreSQL server of `url` accepts a connection."""
    engine = create_engine(_admin_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


def drop(url: str) -> None:
    """Delete a dataset (file or database) if it exists."""
    if is_sqlite(url):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{_database_name(url)}" '
                                    "WITH (FORCE)"))
    finally:
        engine.dispose()


def create(url: str) -> None:
    """Create an empty dataset (the PostgreSQL database; SQLite creates its file itself)."""
    if is_sqlite(url):
        DATA.mkdir(parents=True, exist_ok=True)
        return
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": _database_name(url)},
            ).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{_database_name(url)}"'))
    finally:
        engine.dispose()


def copy(source: str, target: str) -> None:
    """Make `target` a copy of `source` (the runs write: each starts from the same data)."""
    drop(target)
    if is_sqlite(source):
        # The backup API copies a consistent state whatever the WAL holds.
        with sqlite3.connect(source.removeprefix("sqlite:///")) as src, sqlite3.connect(
            target.removeprefix("sqlite:///")
        ) as dst:
            src.backup(dst)
        return
    engine = create_engine(_admin_url(source), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            # A template database must have no other session: end any left over.
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": _database_name(source)},
            )
            connection.execute(text(
                f'CREATE DATABASE "{_database_name(target)}" '
                f'TEMPLATE "{_database_name(source)}"'
            ))
    finally:
        engine.dispose()


def clean_sqlite_copies() -> None:
    """Remove the SQLite working copies a previous run left."""
    for path in DATA.glob("run*.db*"):
        path.unlink(missing_ok=True)
    shutil.rmtree(DATA / "outbox", ignore_errors=True)
