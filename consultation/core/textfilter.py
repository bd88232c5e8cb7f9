"""A project's proposal list filtered by words, without the proposals domain importing search.

The search domain registers at import time a function giving the ids of a project's proposals
that match a query (a subquery, so the list stays one statement); with none registered (never
in the app), the words filter nothing. A query with nothing to find raises a DomainError whose
French message the list shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# matcher(project_id, query) -> Select of proposal ids; raises DomainError for an empty query.
Matcher = Callable[[int, str], Any]
_matcher: list[Matcher] = []


def register(matcher: Matcher) -> None:
    """The search domain's matcher (a later registration replaces an earlier one)."""
    _matcher[:] = [matcher]


def matching_proposal_ids(project_id: int, query: str) -> Any | None:
    """The ids of the project's proposals matching `query`, as a subquery; None: no filter."""
    if not _matcher or not query.strip():
        return None
    return _matcher[0](project_id, query)
