"""core/db.StatementCache: the engine's compiled statements are found by the identity of a
statement's cache key first (a statement built once is not hashed again at each execution),
and by the whole key otherwise, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, event, select

from consultation.core.db import StatementCache, run
from consultation.extensions import db
from consultation.projects.models import Project
from tests import factories


@contextmanager
def compiled_forms() -> Iterator[list[Any]]:
    """The compiled form of each statement the engine sends inside the block."""
    compiled: list[Any] = []

    def sent(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any,
             _many: Any) -> None:
        compiled.append(context.compiled)

    event.listen(db.engine, "before_cursor_execute", sent)
    try:
        yield compiled
    finally:
        event.remove(db.engine, "before_cursor_execute", sent)


def test_the_engine_keeps_its_statements_there(app) -> None:
    assert isinstance(db.engine.get_execution_options()["compiled_cache"], StatementCache)


def test_a_statement_built_once_is_compiled_once_and_found_again(app) -> None:
    project = factories.project("consultation")
    db.session.commit()
    ident, title = project.id, project.title  # read now: after the commit, a statement
    statement = select(Project.title).where(Project.id == bindparam("ident"))
    with compiled_forms() as compiled:
        titles = [run(statement, {"ident": ident}).scalar_one() for _ in range(3)]
        # Built again: another object of the same structure, found by its whole key.
        again = select(Project.title).where(Project.id == bindparam("ident"))
        titles.append(run(again, {"ident": ident}).scalar_one())
    assert titles == [title] * 4
    # Seen by the identity of its structure (the key SQLAlchemy memoizes on the statement).
    cache = db.engine.get_execution_options()["compiled_cache"]
    made = statement._generate_cache_key()
    assert made is not None
    structure = made.key
    assert cache._seen[id(structure)][0] is structure
    assert len({id(form) for form in compiled}) == 1, compiled


def test_a_key_that_differs_past_the_structure_is_not_taken_for_it() -> None:
    cache = StatementCache(capacity=4)
    structure: tuple[Any, ...] = (("select", "projects"),)
    cache[("sqlite", structure, (), False, False)] = "one"
    cache[("sqlite", structure, ("title",), False, False)] = "two"
    assert cache.get(("sqlite", structure, (), False, False)) == "one"
    assert cache.get(("sqlite", structure, ("title",), False, False)) == "two"
    assert cache.get(("sqlite", structure, (), False, False)) == "one"
    assert cache.get(("postgresql", structure, (), False, False)) is None
    assert cache.get(("sqlite", (("select", "users"),), (), False, False), "none") == "none"


def test_what_it_saw_is_bounded_and_forgotten_with_it() -> None:
    cache = StatementCache(capacity=2)
    structures = [(("select", str(n)),) for n in range(5)]
    for n, structure in enumerate(structures):
        cache[("sqlite", structure, (), False, False)] = n
        assert cache.get(("sqlite", structure, (), False, False)) == n
    assert len(cache._seen) <= 2
    cache.clear()
    assert len(cache) == 0 and not cache._seen
    assert cache.get(("sqlite", structures[0], (), False, False)) is None
