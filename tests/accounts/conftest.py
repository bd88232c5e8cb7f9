"""Requests as production runs them: each in its own application context.

The shared `app` fixture keeps an application context pushed for the whole test. Flask reuses
a pushed context for every request of the same app, so without this module all requests of a
test (and all its clients) share one `g` (Flask-Login's cached `g._login_user`, the boundary's
`g.rolled_back`, pending jobs) and one database session with its identity map. That hides
real bugs: a session ended elsewhere still looks logged in, and an object kept alive by the
test is found without SQL. Here each request runs in an empty `contextvars` context, so it
pushes a fresh application context, `g` and session, exactly as under a WSGI server.
Tests read the database afterwards after a rollback (see helpers.fresh).

Password hashing is made cheap here (one PBKDF2 round) to keep the suite fast; a test marked
`real_hashing` keeps the production method.
"""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from consultation.accounts import models as account_models


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_hashing: keep the production password hashing")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context."""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Make app.test_client() (and so `client` and `as_role`) use isolated requests."""
    previous = app.test_client_class
    app.test_client_class = IsolatedClient
    yield
    app.test_client_class = previous



@pytest.fixture(autouse=True)
def fast_hashing(request, monkeypatch):
    """One PBKDF2 round instead of scrypt, unless the test is marked real_hashing."""
    if request.node.get_closest_marker("real_hashing") is None:
        monkeypatch.setattr(
            account_models,
            "generate_password_hash",
            lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
        )
