"""Migrations on a fresh database of each backend: schema equals the models, reference rows, down
and up again."""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from consultation import create_app
from consultation.extensions import db
from consultation.reference.data import ORIENTATIONS, TERRITORIES
from consultation.reference.models import Orientation, Territory

BREST_COMMUNES = {"Brest", "Bohars", "Gouesnou", "Guilers", "Guipavas", "Le Relecq-Kerhuon",
                  "Plougastel-Daoulas", "Plouzané"}


def _admin_engine(url_string: str):
    url = make_url(url_string).set(drivername="postgresql+psycopg")
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT"), url


@pytest.fixture
def fresh_uri(database_uri: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the same backend as `database_uri`, dropped afterwards."""
    if database_uri.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    admin, url = _admin_engine(os.environ.get("TEST_DATABASE_URL") or database_uri)
    name = f"consultation_migr_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def own_search_index(object_, name, type_, reflected, compare_to) -> bool:
    """False for what each database keeps of its own for full-text search (as migrations/env.py
    says): SQLite's FTS5 tables, PostgreSQL's tsvector column and its index."""
    if type_ == "table" and name and name.startswith("search_fts"):
        return False
    return not (reflected and compare_to is None
                and name in ("document", "ix_search_entries_document"))


def schema_differences() -> list:
    """What autogenerate would change to make the database match the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True,
                              "include_object": own_search_index}
        )
        return compare_metadata(context, db.metadata)


def check_reference_rows() -> None:
    """Territories and orientations are exactly those of consultation/reference/data.py."""
    territories = db.session.scalars(select(Territory).order_by(Territory.position)).all()
    assert len(territories) == 14
    assert [(t.code, t.name, t.kind) for t in territories] == TERRITORIES
    communes = {t.name for t in territories if t.kind == "commune"}
    assert communes == BREST_COMMUNES
    assert len({t.position for t in territories}) == 14
    orientations = db.session.scalars(select(Orientation).order_by(Orientation.number)).all()
    assert [(o.slug, o.number, o.title) for o in orientations] == ORIENTATIONS
    assert len(orientations) == 5
    db.session.rollback()


def table_names() -> set[str]:
    """Tables present in the database (SQLite's full-text tables aside)."""
    return {name for name in inspect(db.engine).get_table_names()
            if not name.startswith("search_fts")}


def assert_round_trip(revision: str, table: str, column: str) -> None:
    """Down to `revision` the column is gone; up again, the schema matches the models."""
    downgrade(revision=revision)
    assert column not in {c["name"] for c in inspect(db.engine).get_columns(table)}
    db.session.rollback()
    upgrade()
    assert schema_differences() == []


def test_upgrade_matches_models_and_downgrade_empties(fresh_uri):
    """Upgrade to head equals the models; downgrade to base leaves only alembic_version."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            assert table_names() == set()
            upgrade()
            assert table_names() == set(db.metadata.tables) | {"alembic_version"}
            assert schema_differences() == []
            check_reference_rows()

            downgrade(revision="base")
            assert table_names() == {"alembic_version"}
            assert db.session.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 0
            db.session.rollback()

            upgrade()
            assert schema_differences() == []
            assert partial_index_differences() == []
            check_reference_rows()
        finally:
            db.session.remove()
            db.engine.dispose()


def _predicate(where: Any) -> str | None:
    """An index's predicate as comparable text: SQLite reflects it as written, PostgreSQL in
    parentheses."""
    if where is None:
        return None
    return " ".join(str(where).strip().strip("()").split()).lower()


def modelled_predicates() -> dict[str, str | None]:
    """Each index of the models, with its predicate on this database (None: a full index)."""
    dialect = db.engine.dialect.name
    return {str(index.name): _predicate(index.dialect_options[dialect].get("where"))
            for table in db.metadata.tables.values() for index in table.indexes}


def partial_index_differences() -> list[tuple[str, str | None, str | None]]:
    """Indexes whose predicate (`WHERE ...`) differs between the models and the database:
    autogenerate compares an index's columns and uniqueness, not its predicate."""
    dialect = db.engine.dialect.name
    reflected = {
        index["name"]: _predicate(index.get("dialect_options", {}).get(f"{dialect}_where"))
        for table in db.metadata.tables
        for index in inspect(db.engine).get_indexes(table)
    }
    return [(name, where, reflected.get(name, "absent"))
            for name, where in modelled_predicates().items()
            if reflected.get(name, "absent") != where]


def test_sparse_indexes_hold_only_the_rows_that_set_their_column(fresh_uri):
    """0024: the indexes of a column most rows leave empty are partial on both databases, and
    the replies of threads are still read through theirs (tests/notifications/test_follow.py:
    a follow is still unique)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade()
            assert partial_index_differences() == []
            sparse = {name for name, where in modelled_predicates().items() if where}
            assert {"ix_comments_parent_id", "ix_comments_root_id", "ix_comments_workshop_id",
                    "uq_follows_user_project", "uq_follows_user_proposal",
                    "ix_follows_project_id", "ix_follows_proposal_id",
                    "ix_proposals_merged_into_id", "ix_proposals_answer_status",
                    "ix_proposals_workshop_id"} <= sparse
            # The replies of a page's threads are read by `root_id IN (...)`; the tables are
            # empty, so PostgreSQL is told to prefer an index to show which one it can use.
            if db.engine.dialect.name == "sqlite":
                explain = "EXPLAIN QUERY PLAN SELECT id FROM comments WHERE root_id IN (1, 2)"
            else:
                db.session.execute(text("SET LOCAL enable_seqscan = off"))
                explain = "EXPLAIN SELECT id FROM comments WHERE root_id IN (1, 2)"
            plan = " ".join(str(row[-1]) for row in db.session.execute(text(explain)))
            assert "ix_comments_root_id" in plan, plan
            db.session.rollback()

            downgrade(revision="0023")
            assert partial_index_differences() != []  # the old, full indexes
            upgrade()
            assert schema_differences() == []
            assert partial_index_differences() == []
        finally:
            db.session.remove()
            db.engine.dispose()



# The revisions that make triggers, each with the one before it.
TRIGGER_REVISIONS = (("0025_counters_by_triggers.py", "0024"),
                     ("0026_follows_by_triggers.py", "0025"))


def _revision(filename: str) -> Any:
    """A migration's module, loaded from its file."""
    path = Path(__file__).parents[1] / "migrations" / "versions" / filename
    spec = importlib.util.spec_from_file_location(f"revision_{filename[:4]}", path)
    assert spec is not None and spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    return revision


def triggers() -> set[tuple[str, str]]:
    """The database's own triggers, as (name, table)."""
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = db.session.execute(text(
            "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
            "WHERE NOT tgisinternal"))
    return {(name, table) for name, table in rows}


def test_the_triggers_are_those_the_revisions_make(fresh_uri):
    """At the head, every trigger the revisions make is there (a later migration that rebuilt
    one of their tables in SQLite's batch mode and forgot them fails here); down to the
    revision before each one removes its triggers, and their functions on PostgreSQL; up
    again brings them back."""
    made = {filename: _revision(filename).names() for filename, _before in TRIGGER_REVISIONS}
    assert {table for _name, table in made["0025_counters_by_triggers.py"]} == {
        "comments", "supports", "proposals", "project_participants"}
    assert {table for _name, table in made["0026_follows_by_triggers.py"]} == {
        "comments", "supports", "proposals"}
    every = set().union(*made.values())
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade()
            assert every <= triggers()
            for filename, before in reversed(TRIGGER_REVISIONS):
                downgrade(revision=before)
                assert triggers().isdisjoint(made[filename])
                if db.engine.dialect.name == "postgresql":
                    functions = db.session.scalars(text(
                        "SELECT proname FROM pg_proc WHERE proname = ANY(:names)"),
                        {"names": [name for name, _table in made[filename]]})
                    assert list(functions) == []
                db.session.rollback()
            assert triggers().isdisjoint(every)
            upgrade()
            assert every <= triggers()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_projects_made_before_drafts_stay_published(fresh_uri):
    """0016: a project that was public before drafts existed is published as of its creation;
    one made afterwards starts as a draft; down and up again keeps the schema."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade(revision="0015")
            db.session.execute(text(
                "INSERT INTO projects (slug, title, summary, plain_summary, body, premoderation,"
                " proposals_count, comments_count, supports_count, participants_count,"
                " created_at, updated_at) VALUES ('ancien', 'Ancien', 'Résumé', '', '', false,"
                " 0, 0, 0, 0, '2026-01-05 09:00:00+00:00', '2026-01-05 09:00:00+00:00')"))
            db.session.commit()
            upgrade(revision="0016")
            published, created = db.session.execute(text(
                "SELECT published_at, created_at FROM projects WHERE slug = 'ancien'")).one()
            assert published is not None and published == created
            db.session.rollback()

            assert_round_trip("0015", "projects", "published_at")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_large_columns_come_last_in_sqlite_rows_and_keep_their_data(fresh_uri):
    """0022: on SQLite, a synthesis version's figures and annex and a document's bytes are the
    last columns of their rows (SQLite walks the columns before the one it reads: the state of
    a PDF read through its bytes); the rows are kept through the rebuild, down and up."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade(revision="0021")
            db.session.execute(text(
                "INSERT INTO documents (kind, filename, media_type, state, content, size,"
                " attempts, requested_at) VALUES ('synthesis', 's.pdf', 'application/pdf',"
                " 'ready', :content, 4, 1, '2026-12-01 09:00:00+00:00')"),
                {"content": b"%PDF"})
            db.session.commit()
            upgrade(revision="0022")
            columns = [c["name"] for c in inspect(db.engine).get_columns("documents")]
            versions = [c["name"] for c in inspect(db.engine).get_columns("synthesis_versions")]
            if fresh_uri.startswith("sqlite"):
                assert columns[-1] == "content"
                assert versions[-2:] == ["figures_json", "annex_json"]
            assert db.session.execute(text(
                "SELECT filename, content, size FROM documents")).one() == ("s.pdf", b"%PDF", 4)
            db.session.rollback()
            downgrade(revision="0021")
            if fresh_uri.startswith("sqlite"):
                columns = [c["name"] for c in inspect(db.engine).get_columns("documents")]
                assert columns.index("content") == 5
            db.session.rollback()
            upgrade()
            assert schema_differences() == []
            assert db.session.execute(text("SELECT content FROM documents")).scalar() == b"%PDF"
        finally:
            db.session.remove()
            db.engine.dispose()
