"""Fixtures shared by the tests of comments, votes, pages and languages.

`isolated_requests`: the shared `app` fixture keeps one application context pushed for the
whole test, and Flask reuses a pushed context for every request of the same app, so all the
requests of a test (and all its clients) would share one `g` (Flask-Login's cached user, the
request boundary's `rolled_back` flag, per-request caches) and one database session. Each
request here runs in an empty `contextvars` context, so it pushes its own application context,
`g` and session, as under a WSGI server. Tests read what requests wrote after
`db.session.expire_all()` or with plain SQL.

`fast_passwords`: hashing a password with the production method takes over 0.1 s and the
factories make several users per test; these tests are not about passwords, so they hash cheaply.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from consultation.accounts import models as account_models


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context."""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> Iterator[None]:
    """Make app.test_client() (so `client`, `as_role` and the role clients) isolate requests."""
    previous = app.test_client_class
    app.test_client_class = IsolatedClient
    yield
    app.test_client_class = previous


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with a cheap method (checking still works: the method is in the hash)."""
    monkeypatch.setattr(
        account_models,
        "generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )
