"""Database helpers that differ by dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from consultation.extensions import db


def insert_ignore(table: Table | Any, **values: Any) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when a row was inserted.

    Both SQLite and PostgreSQL settle a race on a unique constraint this way without an
    exception, so a double click or two concurrent requests never become an error page.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING tells reliably whether a row went in (rowcount is -1 on some drivers).
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None
