"""What the security tests share: a world per acting role (tests/routes.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.routes import World


@pytest.fixture
def world_of(app, monkeypatch) -> Callable[[str], World]:
    """`world_of("citizen")`: the factory data of every route, seen by that role."""
    return lambda role: World(role, monkeypatch)
