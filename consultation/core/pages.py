"""Page sections contributed by the domains above the one that renders the page.

A domain may only import the domains below it, yet a proposal page shows comments and supports,
which live above proposals. So the page's view asks `context("proposal", proposal)` and each
domain above registers what it adds with `@provides("proposal")`. No module imports them all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

# It imports Flask alone; the platform's modules that import this one are imported in the
# functions below instead (at module level they would import each other).
from consultation.core.context import this_request, this_session

Provider = Callable[..., dict[str, Any]]
View = TypeVar("View", bound=Callable[..., Any])
# How many items each section of "Mon espace" (the "account" page) lists, newest first.
ACCOUNT_LIST = 20
_PROVIDERS: dict[str, list[Provider]] = {}


def provides(page: str) -> Callable[[Provider], Provider]:
    """Register a function that returns extra template context for a page."""

    def register(provider: Provider) -> Provider:
        providers = _PROVIDERS.setdefault(page, [])
        if provider not in providers:
            providers.append(provider)
        return provider

    return register


def context(page: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The context every registered provider adds to the page."""
    merged: dict[str, Any] = {}
    for provider in _PROVIDERS.get(page, []):
        merged.update(provider(*args, **kwargs))
    return merged


# ---------------------------------------------------------------------------------------------
# The person's facts about what a page shows (do they support it, follow it, which comments
# are theirs), asked by several domains' providers: one statement for all of them, of scalar
# subqueries bound to :person_id and :target_id, built once per page.

Fact = Callable[[], Any]
# The "page" of a POST's target: a support's or comment's proposal, read with its project and
# the person (proposals.services.for_action). Its facts say which writes would change nothing.
ACTION_PAGE = "for_action"
_FACTS: dict[str, dict[str, Fact]] = {}
_STATEMENTS: dict[str, Any] = {}


def fact(page: str, name: str) -> Callable[[Fact], Fact]:
    """Register a scalar subquery (of bindparams person_id and target_id) the page asks."""

    def register(builder: Fact) -> Fact:
        _FACTS.setdefault(page, {})[name] = builder
        _STATEMENTS.pop(page, None)
        for key in [key for key in _WITH_FACTS if key[0] == page]:
            del _WITH_FACTS[key]
        return builder

    return register


def kept(name: str) -> dict[Any, Any]:
    """A dictionary kept on the request itself (an app context, and its `g`, may outlive one
    request): the facts read (`page_facts`), the person read with them (`page_people`), a
    reader's own results (`for_action`); a new one each time outside a request (a job, a
    command: nothing to keep it for)."""
    from flask import has_request_context

    if not has_request_context():
        return {}
    found: dict[Any, Any] = this_request().__dict__.setdefault(name, {})
    return found


def facts(page: str, person_id: int, target_id: int) -> dict[str, Any]:
    """What the registered facts of `page` say for this person and target: asked once per
    request, in one statement, the first time a provider needs one (unless the page's own
    statement brought them: `read_with_facts`)."""
    from sqlalchemy import select

    from consultation.core.db import run

    known = kept("page_facts")
    key = (page, person_id, target_id)
    if key not in known:
        statement = _STATEMENTS.get(page)
        if statement is None:
            statement = _STATEMENTS[page] = select(*(
                build().label(name) for name, build in _FACTS[page].items()))
        row = run(statement, {"person_id": person_id, "target_id": target_id})
        known[key] = dict(row.one()._mapping)
    return known[key]


# A page whose own statement reads its target can bring the facts of the person the session
# names with it: one statement (on PostgreSQL, one round trip) less for every logged-in view.
_WITH_FACTS: dict[tuple[str, int], Any] = {}
FACT_PREFIX = "fact_"


def _session_person() -> int | None:
    """The id of the account the session names, before its person is loaded (whose check of
    the session's nonce may still end it: facts read for it are then never asked)."""
    from flask import has_request_context

    if not has_request_context():
        return None
    ident, _, _ = str(this_session().get("_user_id") or "").partition(":")
    return int(ident) if ident.isdigit() else None


# How the app's user loader reads a person: their columns (core/db.py Columns) and what it
# reads with them (roles, the header's unread count). Given, `read_with_facts` reads the person
# the session names too, and the loader takes them from there (`person_read`) instead of asking.
_PERSON: tuple[Any, tuple[Any, ...]] | None = None


def read_person_with(person: Any, *columns: Any) -> None:
    """Say how the user loader reads a person (see _PERSON): `person` is their Columns."""
    global _PERSON
    _PERSON = (person, columns)
    _WITH_FACTS.clear()


def _with_facts(page: str, statement: Any, target: Any) -> Any:
    """`statement` (which reads the page's target: `target` is its Columns) with the facts of
    `page` as more columns, for the person bound as :person_id, and that person as the user
    loader reads them (read_person_with; NULLs when the account is gone); built once."""
    from sqlalchemy import ColumnElement, Integer, bindparam
    from sqlalchemy.sql.elements import BindParameter
    from sqlalchemy.sql.visitors import replacement_traverse

    key = (page, id(statement))
    joined = _WITH_FACTS.get(key)
    if joined is None:
        def on_target(element: Any, **_: Any) -> Any:
            if isinstance(element, BindParameter) and element.key == "target_id":
                return target.ident
            return None

        joined = statement.add_columns(*(
            replacement_traverse(cast(ColumnElement[Any], build()), {}, on_target)
            .label(FACT_PREFIX + name)
            for name, build in _FACTS.get(page, {}).items()))
        if _PERSON is not None:
            person, columns = _PERSON
            joined = joined.add_columns(*person.columns, *columns).outerjoin(
                person.mapper.local_table,
                person.ident == bindparam("person_id", type_=Integer))
        _WITH_FACTS[key] = joined
    return joined


def read_with_facts(page: str, statement: Any, target: Any, params: dict[str, Any]
                    ) -> tuple[Any, Any] | None:
    """The page's target and the first row of `statement`, a Core statement whose first
    columns are the target's (`target`, its core/db.py Columns) made into the target as if
    loaded; with, for the account the session names, that person and their facts about the
    target (those registered for `page`) read in the same statement and kept for the request
    (`facts`, `known_fact`, `person_read`). None when there is no such row.

    Plain columns rather than the ORM's entities: the ORM's loading is set up again at every
    execution, a third of this statement's cost for a proposal, its project and the person
    (about 85 µs of 290, timed). Read by the driver itself (`core/db.run_first`): SQLAlchemy's
    execution and result cost more than the driver's work for this one row (2 % of a page)."""
    from consultation.core.db import run_first
    from consultation.extensions import db

    person = _session_person()
    if person is None:
        row = run_first(statement, params)
    else:
        row = run_first(_with_facts(page, statement, target), {**params, "person_id": person})
    if row is None:
        return None
    session = db.session()
    made = target.made(session, row)
    if person is not None:
        # Read by position, as `_with_facts` adds them: the facts after the statement's own
        # columns, then the person.
        names = _FACTS.get(page, {})
        start = len(statement.selected_columns)  # memoized by the statement, built once
        kept("page_facts")[(page, person, made.id)] = dict(
            zip(names, row[start:start + len(names)], strict=True))
        if _PERSON is not None:
            columns = _PERSON[0]
            tail = row[start + len(names):]
            kept("page_people")[person] = (columns.made(session, tail),
                                           *tail[len(columns.columns):])
    return made, row


def read_first(reader: Callable[..., Any]) -> Callable[[View], View]:
    """Have a view's target read by `reader` (called with the view's arguments; it reads with
    `read_with_facts` and keeps what it read for the request) before the view's other
    decorators ask for the person: `login_required` then finds the person that statement read,
    and a POST sends one statement for its target and its author instead of two."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def target_first(*args: Any, **kwargs: Any) -> Any:
            if _session_person() is not None:  # a visitor is only sent to the login page
                reader(**kwargs)
            return view(*args, **kwargs)

        return cast(View, target_first)

    return decorate


def known_fact(page: str, person_id: int, target_id: int, name: str) -> Any:
    """The fact `name` of `page` for this person and target if this request read it already
    (with the page's statement, or `facts`); None otherwise: nothing is asked. A write that
    would change nothing (a row the person already has) is then not sent."""
    return kept("page_facts").get((page, person_id, target_id), {}).get(name)


def person_read(person_id: int) -> tuple[Any, ...] | None:
    """The person (None when the account is gone) and what the user loader reads with them, if
    this request's page statement read them already; None otherwise."""
    return kept("page_people").get(person_id)
