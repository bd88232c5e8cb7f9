"""Fixtures of this test package: quick password hashing and a fresh `g` for each request."""

from tests.proposals.helpers import fresh_request_globals, quick_passwords  # noqa: F401
