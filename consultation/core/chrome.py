"""The chrome of every page, made once and reused: the head's fixed lines, the site header with
its search form and menu, the footer with its links and the language switch.

Every page pays for it, and it shows nothing of the data: only the language, the terminal (its
class, its idle delay and timer), the person-level facts its menu asks (logged in or not, their
roles, blocked, confirmed), which menu and footer entries lead to the page shown or to its
section, and the app's settings and static files. templates/_chrome.html makes it for such a
key (`key()`) with a slot where each visitor's own part goes; it is kept in the worker's
fragment store (core/fragments.py; FRAGMENT_CACHE=0 makes it each time) and served with the
slots filled: the session's CSRF token, the person's name and unread count, the page to come
back to (`Chrome`). base.html keeps live what belongs to the page (its title and description,
a refused form, flashed messages) and the rare banners (acting for someone, an email to
confirm).

Which entries are current: aria_current() compares the request's path with each link; the
links and sections the chrome has shown are remembered per app (`Links`), so the key holds the
path only when a link leads to it, and the sections the path is in: a proposal's page and the
next share their chrome. A chrome is kept under the key computed once it is made (its links
then known), with a digest of the links known: a key never names a chrome made with links it
did not know.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from flask_babel import ngettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from consultation.core import fragments, permissions
from consultation.core.acting import acting
from consultation.core.assets import fingerprint
from consultation.core.context import app, person, this_request
from consultation.core.language import language

KEY = "chrome"  # the first item of every key in the fragment store
# The rules the menu asks (templates/_chrome.html): each must depend on the person-level facts
# of `_person()` alone (tests/core/test_chrome.py checks the registry).
MENU_RULES = ("users.manage", "territories.manage", "moderation.decide", "users.block",
              "audit.read", "projects.create", "elected.read", "mediation.register")
PERSON_PREDICATES = (permissions.is_authenticated, permissions.not_blocked,
                     permissions.email_confirmed)
STATIC = ("style.css", "brand/mark.svg")  # the static files the chrome names (fingerprinted)

PART = Markup("\x1e")  # between two parts of the chrome
TOKEN = Markup("\x00token\x00")
NAME = Markup("\x00name\x00")
UNREAD = Markup("\x00unread\x00")
NEXT = Markup("\x00next\x00")
_PARTS = ("head", "error", "site_name", "description", "head_end", "body", "header", "footer")
_UNREAD_KEPT = 100  # unread counts whose words are kept per language (more: said each time)


@dataclass(frozen=True)
class Links:
    """The paths the chrome's links lead to and the sections they stand for, as seen so far,
    and a digest of them: a chrome found under a key made with fewer links (by another worker,
    through Redis) could miss the entry current for this path."""

    paths: frozenset[str] = frozenset()
    sections: tuple[str, ...] = ()
    digest: str = ""

    @classmethod
    def of(cls, paths: frozenset[str], sections: tuple[str, ...]) -> Links:
        """The links and their digest."""
        seen = repr((sorted(paths), sections)).encode()
        return cls(paths, sections, hashlib.sha256(seen).hexdigest()[:16])


class State:
    """What an app keeps for its chrome besides the fragments: the links, the unread words."""

    def __init__(self, unread: Callable[[], int]) -> None:
        self.links = Links()
        self.unread = unread
        self.unread_words: dict[tuple[str, int], Markup] = {}
        self.static: tuple[float, tuple[str | None, ...]] = (0.0, ())

    def fingerprints(self) -> tuple[str | None, ...]:
        """The fingerprints of the static files the chrome names, looked at again after a
        second (a file changed in place shows at once enough; a stat per page costs more)."""
        until, found = self.static
        now = time.monotonic()
        if now >= until:
            found = tuple(fingerprint(name) for name in STATIC)
            self.static = (now + 1.0, found)
        return found


def _state() -> State:
    state: State = app().extensions["chrome"]
    return state


def _person(user: Any) -> tuple[Any, ...] | None:
    """What the rules of the menu may read of a person (PERSON_PREDICATES, has_role)."""
    if not user.is_authenticated:
        return None
    return (tuple(sorted(user.roles)), user.is_blocked, user.needs_email_confirmation)


def key(context: Any) -> tuple[Hashable, ...]:
    """Everything the chrome depends on, for this request (see the module's docstring)."""
    this = this_request()
    path = this.path
    state = _state()
    links = state.links
    logged_in = person()
    acting_now = acting()
    config = app().config
    return (
        KEY, language(), this.script_root, links.digest,
        context.get("kiosk"), context.get("kiosk_timer"), context.get("kiosk_idle_minutes"),
        _person(logged_in),
        _person(acting_now.person) if acting_now is not None else None,
        path if path in links.paths else None,
        tuple(section for section in links.sections if path.startswith(section)),
        config.get("LEGAL_PUBLISHER"), state.fingerprints(),
    )


def note_link(path: str, section: str | None) -> None:
    """While the chrome is made: one of its links (aria_current() tells)."""
    seen = g.get("_chrome_links")
    if seen is not None:
        seen.append((path, section))


def _make(context: Any) -> str:
    """The chrome for this request, its slots empty; the links it shows remembered."""
    g._chrome_links = []
    try:
        html = current_app.jinja_env.get_template("_chrome.html").render({
            **context.get_all(),
            "mediation_menu": permissions.can(current_user, "mediation.register"),
            "PART": PART, "TOKEN": TOKEN, "NAME": NAME, "UNREAD": UNREAD, "NEXT": NEXT,
        })
        shown = g._chrome_links
    finally:
        g.pop("_chrome_links", None)
    state = _state()
    links = state.links
    paths = {path for path, _ in shown}
    sections = {section for _, section in shown if section}
    if not paths <= links.paths or not sections <= set(links.sections):
        state.links = Links.of(links.paths | paths, tuple(sorted({*links.sections, *sections})))
    return html


class Chrome:
    """The parts of one page's chrome; header() and footer() fill the visitor's slots."""

    def __init__(self, html: str) -> None:
        parts = html.split(PART)
        assert len(parts) == len(_PARTS), "templates/_chrome.html: one PART between parts"
        (self.head, self.error, self.site_name, self.description, self.head_end,
         self.body) = (Markup(part) for part in parts[:6])
        self._header, self._footer = parts[6], parts[7]
        self._token: str | None = None

    def token(self) -> str:
        """The session's CSRF token (asked of Flask-WTF once for the page)."""
        if self._token is None:
            self._token = fragments.csrf_token()
        return self._token

    def header(self) -> Markup:
        """The site header, with the session's token, the person's name and unread count."""
        html = self._header
        if TOKEN in html:  # a form of the header: a terminal's or a logged-in person's
            html = html.replace(TOKEN, self.token())
        if UNREAD in html:  # a logged-in person's: their count, then their name (last: it is
            # theirs to write, the slots must not be looked for in it)
            html = html.replace(UNREAD, _unread_words())
            html = html.replace(NAME, escape(person().display_name))
        return Markup(html)

    def footer(self) -> Markup:
        """The footer, with the session's token and this page to come back to."""
        this = this_request()
        back = this.full_path if this.query_string else this.path
        html = self._footer
        if TOKEN in html:  # a logged-in person's language form
            html = html.replace(TOKEN, self.token())
        return Markup(html.replace(NEXT, escape(back)))


def _unread_words() -> Markup:
    """' (2 non lues)' after "Notifications" for a person with unread notifications."""
    state = _state()
    count = state.unread()
    if not count:
        return Markup("")
    locale = language()
    found = state.unread_words.get((locale, count))
    if found is None:
        # A translation is markup of the site's own, as the templates' ngettext takes it.
        words = Markup(' <span class="count">({})</span>').format(
            Markup(ngettext("%(num)d non lue", "%(num)d non lues", count)))
        if count < _UNREAD_KEPT:
            state.unread_words[locale, count] = words
        return words
    return found


@pass_context
def page_chrome(context: Any) -> Chrome:
    """The chrome of the page being rendered (base.html): kept, or made and kept."""
    kept_in = fragments.store()
    if kept_in is None:
        return Chrome(_make(context))
    wanted = key(context)
    html = kept_in.get(wanted)
    if html is None:
        html = _make(context)
        # Under the key as it is now that the links shown are known (see Links).
        kept_in.put(key(context), html, None)
    return Chrome(html)


def init_app(app: Flask, unread: Callable[[], int]) -> None:
    """Give templates page_chrome(); `unread`: the logged-in person's unread count."""
    app.extensions["chrome"] = State(unread)
    app.jinja_env.globals.update(page_chrome=page_chrome)
