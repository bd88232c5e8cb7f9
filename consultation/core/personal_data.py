"""What the platform keeps about a person, domain by domain: the download and the deletion.

Each domain registers, with `@part(...)`, what its tables hold about a user: the columns that
point at `users.id` it covers, the file of the download its data goes into, and, when deleting
the account must remove rows (subscriptions), the function that removes them. Rows not removed
stay attached to the account's tombstone (contributions keep counting). Accounts builds the
download and runs the deletion from this registry without importing the domains above it, and
a test compares the columns covered with every foreign key to `users.id` in the schema, so a new
table that references users cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from consultation.core.models import as_utc


@dataclass(frozen=True)
class Part:
    """One section of a person's data: `filename` of the download, `key` in that file."""

    filename: str
    key: str
    covers: tuple[str, ...]  # "table.column" of the foreign keys to users.id it covers
    description: Any  # a lazy French sentence, for the README of the download
    collect: Callable[[Any], Any]  # user -> JSON-ready data
    erase: Callable[[Any], None] | None = None  # what deleting the account removes
    # Columns of the account a deletion keeps when this part has data: figures need them.
    retains: tuple[str, ...] = ()


_PARTS: list[Part] = []


def part(
    filename: str,
    key: str,
    covers: tuple[str, ...],
    description: Any,
    erase: Callable[[Any], None] | None = None,
    retains: tuple[str, ...] = (),
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register the function that collects one section of a person's data."""

    def register(collect: Callable[[Any], Any]) -> Callable[[Any], Any]:
        if any(p.filename == filename and p.key == key for p in _PARTS):
            raise ValueError(f"personal data part {filename}/{key} registered twice")
        _PARTS.append(Part(filename, key, covers, description, collect, erase, retains))
        return collect

    return register


def parts() -> list[Part]:
    """Every registered part, in the order of registration."""
    return list(_PARTS)


def covered() -> set[str]:
    """The "table.column" references to users.id that some part covers."""
    return {column for p in _PARTS for column in p.covers}


def moment(value: datetime | date | None) -> str | None:
    """A stored date or time as ISO 8601 (times in UTC), for the JSON files."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value.isoformat()
