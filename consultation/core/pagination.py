"""Pagination in one query: the total comes with the rows through a window function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import abort, request
from sqlalchemy import Select, func, select

from consultation.extensions import db

T = TypeVar("T")
MAX_PAGE = 100_000


@dataclass
class Page(Generic[T]):
    """One page of results and what is needed to link to the others."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to show, with None where numbers are skipped."""
        shown = {1, self.pages} | set(range(self.number - around, self.number + around + 1))
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        result: list[int | None] = []
        for n in numbers:
            if result and n - (result[-1] or 0) > 1:
                result.append(None)
            result.append(n)
        return result


def page_number() -> int:
    """The ?page= parameter; anything that is not a page number is a 404 in French."""
    raw = request.args.get("page", "1")
    # str.isdigit() alone accepts "²" or "２", which int() refuses or reads: ASCII digits only.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        abort(404)
    return int(raw)


def paginate(statement: Select[Any], number: int, per_page: int) -> Page[Any]:
    """Run `statement` for one page; rows are what the statement selects (one entity or tuples)."""
    counted = statement.add_columns(func.count().over().label("_total"))
    rows = db.session.execute(counted.limit(per_page).offset((number - 1) * per_page)).all()
    if rows:
        total = rows[0][-1]
    else:
        total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    single = len(statement.column_descriptions) == 1
    items = [row[0] if single else tuple(row[:-1]) for row in rows]
    return Page(items, number, per_page, int(total))
