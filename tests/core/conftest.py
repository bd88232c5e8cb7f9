"""Cheap password hashing for the core tests, which only need users as rows."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from consultation.accounts import models as account_models


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """One PBKDF2 round instead of scrypt: the core tests do not test hashing."""
    monkeypatch.setattr(
        account_models,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )
