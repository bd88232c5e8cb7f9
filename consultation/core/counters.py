"""Counters moved by the database, followed by the session.

A project's and a proposal's counters (proposals, comments and their stances, supports,
participants) and the versions their shared fragments are keyed on are moved by triggers
(migration 0025), for each row that adds, removes, hides, shows or moves what they count:
`n = n + 1` under the row's lock, so concurrent writers never lose a change, and with no
statement of the worker's own. SQLite runs them with the statement; PostgreSQL at the commit
(deferred: the project's row, shared by every contribution to it, is locked for the commit
only), so a read of the counters within the transaction calls `settle()` first. Receivers
of core.signals tell this module what moved, so that what the request holds follows:

- a row of the same table already loaded in the session gets its counters' new values, as
  the ORM's own "evaluate" synchronisation would (a stamped column, first_reaction_at, is
  expired and read again if used);
- a version the trigger moved is noted (`fragments.bumped`), so that the commit does not move
  it a second time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import attributes

from consultation.core import fragments
from consultation.core.db import flush_pending
from consultation.extensions import db


def _moves_version(table: str, counters: tuple[str, ...]) -> bool:
    """Whether this change shows on the row's shared fragments (core/fragments.py), so its
    trigger moved the version: any on a project's pages; a proposal's debate, not its
    supports (read live on its page)."""
    return table == "projects" or (table == "proposals" and counters != ("supports_count",))


def moved(model: Any, ident: int, deltas: dict[str, int], stamp: str | None = None) -> None:
    """The database moved each counter of one row by its delta (`stamp`, if given, names a
    timestamp column it set unless set already): the session follows."""
    session = db.session()
    # The change written now, so that its trigger runs (or, on PostgreSQL, is due at the
    # commit); a row loaded before gets the deltas below.
    flush_pending(session)
    counters = tuple(deltas)
    if _moves_version(model.__tablename__, counters):
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


def settle() -> None:
    """Move now the counters the transaction's changes move (PostgreSQL would at the commit),
    before reading them from the database within the transaction."""
    session = db.session()
    flush_pending(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
