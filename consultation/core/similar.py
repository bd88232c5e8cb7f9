"""Proposals found by their words, for the domains below the search domain.

Submitting a proposal shows the project's most similar ones, and moderators pick a merge target
by title or number: both live in domains below `search/`, which owns the full-text index. So
core offers this registry, the search domain fills it at import time, and the callers ask it
without importing search. With no finder registered (never in the app), nothing is found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# similar(project_id, text, *, limit, exclude_id) -> visible published proposals, best first,
# matching ANY of the text's words (a whole proposal's text is the query).
Similar = Callable[..., list[Any]]
# find(project_id, query, *, limit, exclude_id) -> visible published proposals of the project
# whose number is the query ("42", "n° 42") or whose title and text match ALL its words.
Find = Callable[..., list[Any]]

SIMILAR_LIMIT = 5
FIND_LIMIT = 10
_similar: list[Similar] = []
_find: list[Find] = []


def register(similar: Similar, find: Find) -> None:
    """The search domain's two finders (a later registration replaces an earlier one)."""
    _similar[:] = [similar]
    _find[:] = [find]


def similar_proposals(
    project_id: int, text: str, *, limit: int = SIMILAR_LIMIT, exclude_id: int | None = None
) -> list[Any]:
    """The project's visible published proposals most like `text` (at most `limit`)."""
    if not _similar or not text.strip():
        return []
    return _similar[0](project_id, text, limit=limit, exclude_id=exclude_id)


def find_proposals(
    project_id: int, query: str, *, limit: int = FIND_LIMIT, exclude_id: int | None = None
) -> list[Any]:
    """The project's visible published proposals found by number or by words."""
    if not _find or not query.strip():
        return []
    return _find[0](project_id, query, limit=limit, exclude_id=exclude_id)
