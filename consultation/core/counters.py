"""Counter updates: `n = n + :delta` in one Core UPDATE whose shape is built once.

Receivers of core.signals move counters on every support and comment. Each kind of change
(which counters, whether it stamps a first reaction) is one UPDATE statement built on first
use and kept: SQLAlchemy then finds its compiled form in its cache instead of building,
keying and compiling a new statement per request. The UPDATE adds a delta in SQL, so that
concurrent writers never lose a change; `updated_at` is left as it is (taking part is not an
edit), and the row's `version` moves when the change shows on its shared fragments
(core/fragments.py), in the same statement.

A row of the same table already loaded in the session follows the change, as the ORM's own
"evaluate" synchronisation would: a loaded counter gets its new value, a stamped column is
expired and read again if used.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Update, bindparam, func, update
from sqlalchemy.orm import attributes

from consultation.core import fragments
from consultation.core.db import run_unread
from consultation.core.models import utcnow
from consultation.extensions import db

# (table name, counters, stamped column) -> its UPDATE; a handful of shapes, all from code.
_STATEMENTS: dict[tuple[str, tuple[str, ...], str | None], Update] = {}


def _statement(model: Any, counters: tuple[str, ...], stamp: str | None) -> Update:
    key = (model.__tablename__, counters, stamp)
    statement = _STATEMENTS.get(key)
    if statement is None:
        table = model.__table__
        values: dict[str, Any] = {
            name: table.c[name] + bindparam(f"delta_{name}") for name in counters
        }
        if stamp is not None:
            values[stamp] = func.coalesce(
                table.c[stamp], bindparam("now", type_=table.c[stamp].type)
            )
        # Named explicitly, or the column's onupdate would set it.
        values["updated_at"] = table.c.updated_at
        if _moves_version(model.__tablename__, counters):
            values["version"] = table.c.version + 1
        statement = update(table).where(table.c.id == bindparam("ident")).values(values)
        _STATEMENTS[key] = statement
    return statement


def _moves_version(table: str, counters: tuple[str, ...]) -> bool:
    """Whether this change shows on the row's shared fragments (core/fragments.py): any on a
    project's pages; a proposal's debate, not its supports (read live on its page)."""
    return table == "projects" or (table == "proposals" and counters != ("supports_count",))


def add(model: Any, ident: int, deltas: dict[str, int], stamp: str | None = None) -> None:
    """Add each delta to its counter of one row (one UPDATE); `stamp`, if given, names a
    timestamp column set to now unless it is set already."""
    session = db.session()
    params: dict[str, Any] = {"ident": ident}
    params.update({f"delta_{name}": delta for name, delta in deltas.items()})
    if stamp is not None:
        params["now"] = utcnow()
    # After the pending rows, as the ORM; nothing reads its result (core/drivers.py).
    run_unread(_statement(model, tuple(deltas), stamp), params)
    if _moves_version(model.__tablename__, tuple(deltas)):
        fragments.bumped(session, model.__tablename__, ident)
    loaded = session.identity_map.get(session.identity_key(model, ident))
    if loaded is None:
        return
    values = loaded.__dict__
    for name, delta in deltas.items():
        if name in values:  # as the ORM's evaluate does: no history, nothing to flush
            attributes.set_committed_value(loaded, name, values[name] + delta)
    if stamp is not None and stamp in values:
        session.expire(loaded, [stamp])
