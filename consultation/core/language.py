"""The language of what is being made (a page, a mail), as its identifier: "fr" or "en"."""

from __future__ import annotations

from flask import has_app_context
from flask_babel import get_locale

from consultation.core.context import here

# The identifier of each Locale object met, with the object (its id is then its own).
_NAMES: dict[int, tuple[object, str]] = {}


def language() -> str:
    """str(get_locale()), "fr" outside an app context, at the cost of two lookups once the
    request's language is chosen.

    A page asks for its language dozens of times (each date, each cached fragment, each
    string that elides): Flask-Babel's get_locale() looks its context up through three
    proxies each time, and Babel writes the identifier anew. The Locale is read where
    Flask-Babel keeps it (its choice, or force_locale()'s for a mail in another language),
    and its identifier is written once per Locale object."""
    if not has_app_context():
        return "fr"
    state = getattr(here(), "_flask_babel", None)
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        locale = get_locale()
        if locale is None:
            return "fr"
    found = _NAMES.get(id(locale))
    if found is None or found[0] is not locale:
        found = _NAMES[id(locale)] = (locale, str(locale))
        if len(_NAMES) > 64:  # force_locale() parses a new Locale each time: keep a few
            _NAMES.clear()
            _NAMES[id(locale)] = found
    return found[1]
