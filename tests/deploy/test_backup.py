"""deploy/backup.sh and deploy/restore.sh: a backup is only as good as its tested restore.

On the PostgreSQL server of TEST_DATABASE_URL, in two databases of their own (dropped after):
migrate one and fill it, back it up with the script, restore into the other with the script,
and compare every table row by row.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from consultation import create_app
from consultation.extensions import db
from tests import factories
from tests.conftest import services_missing

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"


def run(script: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **environment}
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_backup_refuses_what_is_not_postgresql(tmp_path: Path) -> None:
    """A SQLite URL is not dumped by pg_dump: the script says so and writes nothing."""
    result = run(BACKUP, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", BACKUP_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "PostgreSQL" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty databases on the test server (never `test` or `postgres` themselves)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        services_missing("PostgreSQL (TEST_DATABASE_URL)")
    for program in ("pg_dump", "pg_restore", "psql"):
        if shutil.which(program) is None:
            services_missing(f"{program} (paquet postgresql-client)")
    url = make_url(base).set(drivername="postgresql+psycopg")
    suffix = uuid.uuid4().hex[:10]
    names = [f"consultation_backup_{suffix}", f"consultation_restore_{suffix}"]
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # the server is down or refuses us
        services_missing(f"PostgreSQL ({error.__class__.__name__})")
    try:
        yield tuple(url.set(database=name).render_as_string(hide_password=False)
                    for name in names)  # type: ignore[misc]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(uri: str) -> None:
    """Migrate like production, then a project with proposals, a comment and supports."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    with app.app_context():
        upgrade()
        project = factories.project(title="Voies cyclables du centre")
        first = factories.proposal(project, title="Une piste le long du tramway")
        factories.proposal(project, title="Des arceaux devant la médiathèque")
        factories.comment(first)
        factories.support(first)
        db.session.commit()
        db.engine.dispose()


def contents(uri: str) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows, as sorted text (identical data reads identically)."""
    engine = create_engine(uri)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return {table: sorted(tuple(map(repr, row)) for row in
                                  connection.execute(text(f'SELECT * FROM "{table}"')))
                    for table in tables}
    finally:
        engine.dispose()


def test_backup_then_restore_gives_the_same_database(two_databases: tuple[str, str],
                                                     tmp_path: Path) -> None:
    """backup.sh writes a dump and keeps the BACKUP_KEEP newest; restore.sh puts it into an
    empty database, migrated to the code's version, with every row as it was; it refuses a
    database that already holds tables."""
    source, target = two_databases
    fill(source)
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    older = ["consultation-20200101T023000Z.dump", "consultation-20200102T023000Z.dump"]
    for name in [*older, "notes.txt"]:
        (folder / name).write_text("autre chose", encoding="utf-8")

    backed_up = run(BACKUP, DATABASE_URL=source, BACKUP_DIR=str(folder), BACKUP_KEEP="2")
    assert backed_up.returncode == 0, backed_up.stderr
    dumps = sorted(path.name for path in folder.iterdir())
    new = [name for name in dumps if name not in older and name != "notes.txt"]
    assert len(new) == 1 and new[0].endswith("Z.dump")
    # The oldest dump went; the newer older one, and what is not a dump, stay.
    assert sorted(dumps) == sorted([older[1], new[0], "notes.txt"])

    restored = run(RESTORE, str(folder / new[0]), target)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    before, after = contents(source), contents(target)
    assert set(after) == set(before)
    assert {table: len(rows) for table, rows in after.items()} == \
        {table: len(rows) for table, rows in before.items()}
    assert after == before
    assert len(after["proposals"]) == 2 and len(after["comments"]) == 1

    again = run(RESTORE, str(folder / new[0]), target)
    assert again.returncode == 1
    assert "base neuve et vide" in again.stderr
