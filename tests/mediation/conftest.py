"""Fixtures of the mediation tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def mediator(as_role):
    """A logged-in digital mediator."""
    return as_role("citizen", "mediator", display_name="Thomas Médiateur")
