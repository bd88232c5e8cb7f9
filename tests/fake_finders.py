"""A stand-in for the search domain's finders in core/similar.py, until the index exists.

`fake_finders` registers two plain SQL finders: similar proposals share a word of four letters
or more with the text (title or body), found ones hold every word or carry the number. The
tests that use it write titles sharing plain, whole words with what is typed, so that they pass
the same with the full-text engine once it is registered instead (then this module goes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import and_, or_, select

from consultation.core import similar
from consultation.core.models import ModerationState
from consultation.extensions import db
from consultation.proposals.models import Proposal, ProposalStatus

NUMBER = re.compile(r"\s*(?:n°\s*)?(\d{1,9})\s*")


def _words(text: str) -> list[str]:
    # Letters and digits only: no LIKE wildcard reaches the pattern.
    return sorted({word.lower() for word in re.findall(r"[^\W_]{4,}", text)})


def _matches(word: str) -> Any:
    return or_(Proposal.title.ilike(f"%{word}%"), Proposal.body.ilike(f"%{word}%"))


def _visible(project_id: int, limit: int, exclude_id: int | None, *where: Any) -> list[Any]:
    statement = select(Proposal).where(
        Proposal.project_id == project_id, Proposal.status == ProposalStatus.PUBLISHED,
        Proposal.moderation == ModerationState.VISIBLE, *where,
    )
    if exclude_id is not None:
        statement = statement.where(Proposal.id != exclude_id)
    return list(db.session.scalars(statement.order_by(Proposal.id).limit(limit)))


def fake_similar(project_id: int, text: str, *, limit: int, exclude_id: int | None) -> list[Any]:
    """Proposals sharing any word of the text."""
    words = _words(text)
    return _visible(project_id, limit, exclude_id, or_(*map(_matches, words))) if words else []


def fake_find(project_id: int, query: str, *, limit: int, exclude_id: int | None) -> list[Any]:
    """The proposal of that number, or those holding every word."""
    number = NUMBER.fullmatch(query)
    if number:
        return _visible(project_id, limit, exclude_id, Proposal.id == int(number.group(1)))
    words = _words(query)
    return _visible(project_id, limit, exclude_id, and_(*map(_matches, words))) if words else []


@pytest.fixture
def fake_finders() -> Iterator[None]:
    """The fake finders registered for one test; the previous registration put back after."""
    saved = similar._similar[:], similar._find[:]
    similar.register(fake_similar, fake_find)
    try:
        yield
    finally:
        similar._similar[:], similar._find[:] = saved
