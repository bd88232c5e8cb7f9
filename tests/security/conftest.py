"""What the security tests share: a world per acting role (tests/routes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import update

from consultation.extensions import db
from consultation.reference.data import POPULATIONS
from consultation.reference.models import Territory
from tests.routes import World


@pytest.fixture
def world_of(app, monkeypatch) -> Iterator[Callable[[str], World]]:
    """`world_of("citizen")`: the factory data of every route, seen by that role. The walks
    post the territories' populations, reference rows the tests share: the migration's figures
    are put back afterwards."""
    yield lambda role: World(role, monkeypatch)
    db.session.rollback()
    for code, value in POPULATIONS.items():
        db.session.execute(update(Territory).where(Territory.code == code)
                           .values(population=value))
    db.session.commit()
