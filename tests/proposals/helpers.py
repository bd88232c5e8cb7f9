"""Helpers shared by the project, proposal and permission tests: page text, ids, quick users."""

from __future__ import annotations

import html
import re
from functools import partial
from typing import Any

import pytest
from flask import Flask, g
from werkzeug.security import generate_password_hash

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


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords cheaply: these tests log in through the session, never by password."""
    monkeypatch.setattr(
        "consultation.accounts.models.generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1"),
        raising=False,
    )


@pytest.fixture(autouse=True)
def fresh_request_globals(app: Flask) -> None:
    """Empty `g` before each request, as a served request starts with an empty `g`.

    The shared `app` fixture keeps one application context pushed for the whole test and Flask
    reuses it for the test client's requests, so without this the logged-in user cached by
    Flask-Login, the `rolled_back` flag and per-request caches would leak between requests.
    """

    def clear() -> None:
        for name in list(g):
            g.pop(name)

    app.before_request_funcs.setdefault(None, []).insert(0, clear)
