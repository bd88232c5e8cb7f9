"""Page sections contributed by the domains above the one that renders the page.

A domain may only import the domains below it, yet a proposal page shows comments and supports,
which live above proposals. So the page's view asks `context("proposal", proposal)` and each
domain above registers what it adds with `@provides("proposal")`. No module imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[..., dict[str, Any]]
# How many items each section of "Mon espace" (the "account" page) lists, newest first.
ACCOUNT_LIST = 20
_PROVIDERS: dict[str, list[Provider]] = {}


def provides(page: str) -> Callable[[Provider], Provider]:
    """Register a function that returns extra template context for a page."""

    def register(provider: Provider) -> Provider:
        providers = _PROVIDERS.setdefault(page, [])
        if provider not in providers:
            providers.append(provider)
        return provider

    return register


def context(page: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The context every registered provider adds to the page."""
    merged: dict[str, Any] = {}
    for provider in _PROVIDERS.get(page, []):
        merged.update(provider(*args, **kwargs))
    return merged
