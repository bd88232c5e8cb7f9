"""Who a contribution is made for: the logged-in person, or the person a mediator acts for.

A digital mediator may act, for a limited time, on behalf of an assisted participant. The
domain that manages this (mediation) checks its session on every request and, while it holds,
calls `act_for()`; core imports no domain. Contribution views take their author from
`acting_user()` and the mediator to credit from `acting_mediator()`; the permission checks of
`core.http.require()` and of the templates' `can()` ask about `acting_user()`, so a page shows
what the assisted person may do, and refuses what they may not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context

from consultation.core.context import here, person


@dataclass(frozen=True)
class Acting:
    """A mediator acting for an assisted participant during this request."""

    person: Any
    mediator: Any


def act_for(person: Any, mediator: Any) -> None:
    """Make `person` the author of this request's contributions, credited to `mediator`."""
    g.acting = Acting(person, mediator)


def acting() -> Acting | None:
    """The acting of this request, if a mediator acts for someone."""
    return here().get("acting") if has_request_context() else None


def acting_user() -> Any:
    """The person this request's contributions are made for (the logged-in one by default)."""
    current = acting()
    if current is not None:
        return current.person
    # The person, not the proxy: what is asked of them next is asked once, not through it.
    return person()


def acting_mediator() -> Any:
    """The mediator who acts for `acting_user()`, or None when people act for themselves."""
    current = acting()
    return current.mediator if current is not None else None
