"""Database helpers that differ by dialect."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table, update
from sqlalchemy.dialects import postgresql, sqlite

from consultation.core.models import utcnow
from consultation.extensions import db


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute() is typed as returning a Result,
    but for those statements it is a CursorResult, which has the count."""
    return cast(CursorResult[Any], result).rowcount


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


def claim_once(model: Any, ident: int, column: Any) -> bool:
    """Set `column` to now on one row if it is still empty, and commit: True for the one
    caller that did it. Jobs that must act once (a publication's emails) start with it."""
    claimed = rowcount(db.session.execute(
        update(model).where(model.id == ident, column.is_(None)).values({column: utcnow()})
    ))
    db.session.commit()
    return claimed == 1
