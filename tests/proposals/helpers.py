"""Helpers shared by the project, proposal and permission tests: page text, ids, quick users."""

from __future__ import annotations

import html
import re
from typing import Any

PROPOSAL_LINK = re.compile(r'<h2><a href="/propositions/(\d+)">')


def text(response: Any) -> str:
    """The page as text with HTML entities decoded (French apostrophes are escaped by Jinja)."""
    return html.unescape(response.get_data(as_text=True))


def listed_proposal_ids(response: Any) -> list[int]:
    """The ids of the proposals listed on a proposal list page, in page order."""
    return [int(found) for found in PROPOSAL_LINK.findall(response.get_data(as_text=True))]


def section(page: str, start: str, end: str) -> str:
    """The part of `page` from the first `start` to the next `end` after it."""
    begin = page.index(start)
    return page[begin : page.index(end, begin)]
