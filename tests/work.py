"""Counting the work a request does besides its SQL: permission rules and predicates evaluated,
translation lookups, date formatting calls, ORM objects loaded (and of which class), SQL
statements sent, objects expired by a commit, signatures made (CSRF tokens, session cookies),
attributes asked of Flask's proxies.

Times belong to the benchmarks (bench/); these counts are exact, so a page that starts doing
per-item work it did once per page fails a test instead of hiding in a benchmark's noise.

    with counting_work(app) as work:
        client.get(url)
    work.predicates, work.translations, ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import babel.dates
import itsdangerous.signer
import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from consultation.core import permissions, templating
from consultation.extensions import db

# The catalogue methods every French lookup goes through: the templates' _() and ngettext(),
# flask_babel's gettext() from the code, and lazy strings when they are shown.
_LOOKUPS = ("gettext", "ngettext", "pgettext", "npgettext",
            "ugettext", "ungettext", "upgettext", "unpgettext")
_BABEL_DATES = ("format_datetime", "format_date", "format_time", "parse_pattern")


@dataclass
class Work:
    """What was counted while `counting_work` was active."""

    rules: int = 0
    predicates: int = 0
    translations: int = 0
    dates: int = 0
    babel_dates: int = 0
    orm_loads: int = 0
    statements: int = 0
    commits: int = 0
    expired_by_commit: int = 0
    signatures: int = 0
    proxied: int = 0
    rules_by_name: dict[str, int] = field(default_factory=dict)
    loads_by_class: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        """The counts, for a failing assertion's message and for comparing two pages."""
        return {name: value for name, value in vars(self).items() if isinstance(value, int)}


def _counted(function: Callable[..., Any], bump: Callable[..., None]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        bump(*args)
        return function(*args, **kwargs)

    return call


@contextmanager
def counting_work(app: Flask) -> Iterator[Work]:
    """Count the work of the requests made inside the block (and of anything else it runs)."""
    work = Work()
    patch = pytest.MonkeyPatch()

    def rule(rule_: permissions.Rule, *_: Any) -> None:
        work.rules += 1
        work.rules_by_name[rule_.name] = work.rules_by_name.get(rule_.name, 0) + 1

    def predicate(*_: Any) -> None:
        work.predicates += 1

    def translation(*_: Any) -> None:
        work.translations += 1

    def date(*_: Any) -> None:
        work.dates += 1

    def babel_date(*_: Any) -> None:
        work.babel_dates += 1

    def loaded(target: Any, *_: Any) -> None:
        work.orm_loads += 1
        name = type(target).__name__
        work.loads_by_class[name] = work.loads_by_class.get(name, 0) + 1

    def statement(*_: Any) -> None:
        work.statements += 1

    def signature(*_: Any) -> None:
        work.signatures += 1

    forward = LocalProxy.__dict__["__getattr__"]

    def proxied(proxy: Any, name: str) -> Any:
        # An attribute asked of a proxy (g, request, session, current_app, current_user)
        # that the proxy itself lacks: Python wrote out an AttributeError first
        # (core/context.py).
        work.proxied += 1
        return forward.__get__(proxy, LocalProxy)(name)

    def committing(session: Session) -> None:
        work.commits += 1
        # What the commit will expire: every object the session holds (expire_on_commit).
        if session.expire_on_commit:
            work.expired_by_commit += len(session.identity_map)

    try:
        for name in ("refusal", "allows", "could"):  # every way a rule is asked
            if hasattr(permissions.Rule, name):
                asked = getattr(permissions.Rule, name)
                patch.setattr(permissions.Rule, name, _counted(asked, rule))
        patch.setattr(permissions.Predicate, "__call__",
                      _counted(permissions.Predicate.__call__, predicate))
        typesetting = templating._FrenchTypesetting
        for name in _LOOKUPS:
            patch.setattr(typesetting, name, _counted(getattr(typesetting, name), translation))
        filters = app.jinja_env.filters
        patch.setitem(filters, "date_fr", _counted(filters["date_fr"], date))
        patch.setattr(templating, "date_fr", _counted(templating.date_fr, date))
        for name in _BABEL_DATES:
            patch.setattr(babel.dates, name, _counted(getattr(babel.dates, name), babel_date))
        patch.setattr(itsdangerous.signer.Signer, "get_signature",
                      _counted(itsdangerous.signer.Signer.get_signature, signature))
        patch.setattr(LocalProxy, "__getattr__", proxied)
        event.listen(db.Model, "load", loaded, propagate=True)
        event.listen(db.Model, "refresh", loaded, propagate=True)
        event.listen(db.engine, "before_cursor_execute", statement)
        sessions = db.session.session_factory
        event.listen(sessions, "before_commit", committing)
        yield work
    finally:
        patch.undo()
        if event.contains(db.Model, "load", loaded):
            event.remove(db.Model, "load", loaded)
            event.remove(db.Model, "refresh", loaded)
        if event.contains(db.engine, "before_cursor_execute", statement):
            event.remove(db.engine, "before_cursor_execute", statement)
        if event.contains(db.session.session_factory, "before_commit", committing):
            event.remove(db.session.session_factory, "before_commit", committing)
