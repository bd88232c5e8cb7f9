"""Fixtures of the comments tests (see tests/comments/harness.py for the shared ones)."""

from tests.comments.harness import fast_passwords, isolated_requests

__all__ = ["fast_passwords", "isolated_requests"]
