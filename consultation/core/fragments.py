"""Parts of pages made once and reused across people, and the versions they are keyed on.

A comment thread, a list of proposal cards, a synthesis: the same HTML for everyone who reads
it in the same language with the same rights, until something in it changes. `cached()` keeps
such a fragment under a key naming what it shows and the version of the rows it was made
from; the person's own parts (their buttons, their support) are added on top by the caller.

Versions: `projects.version` moves with every change shown on a project's pages (its
proposals, comments, supports, phases, synthesis, follow-up), `proposals.version` with every
change of a proposal and of its debate (its supports are read live). They move in the same
transaction as the change, in the database, so every worker sees a write at once; a key
holding the new version simply misses. The counters' triggers (core/counters.py) move the
version with the counter; every other change is seen at flush time and moved by one UPDATE
per table just before the commit. A change of the reference data (territories, orientations)
moves every version; a change of a person's public name (renamed, blocked, deleted) moves the
versions of the proposals and projects they took part in.

Where: in each worker's memory (FRAGMENT_CACHE_ITEMS and FRAGMENT_CACHE_BYTES bound it, the
least recently used go first) and, with FRAGMENT_CACHE_REDIS on and REDIS_URL set, in Redis as
well, shared by the workers (an unreachable Redis is skipped). Redis keeps a fragment for up to
a day, across a deployment: its keys carry a digest of the code, templates, translations and
libraries that make fragments (`code_release`), so a new release never shows the HTML of the
one before. FRAGMENT_CACHE=0 turns it off: every fragment is made each time.

Time: a fragment may depend on the clock (a block that ends, a phase that closes at midnight).
The caller puts the day in the key; what ends at another moment calls `valid_until(moment)`
while rendering, and the fragment is kept no later than that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, has_app_context
from markupsafe import Markup
from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from consultation.core.context import app, here, this_session
from consultation.core.language import language
from consultation.core.models import utcnow

log = logging.getLogger(__name__)

# Rows whose changes show on no shared page: people's own records, logs, queues.
PRIVATE_TABLES = frozenset({
    "notifications", "notification_settings", "follows", "audit_log", "elected_visits",
    "reports", "users", "assisted_profiles", "documents", "outbox", "search_entries",
    "rencontres_subscribers", "synthesis_subscribers",
})
# Rows every page may show (a territory's name on a card): a change moves every version.
REFERENCE_TABLES = frozenset({"territories", "orientations"})
# What a person's name on a contribution is made of (User.public_name), and their commune,
# counted in the participation table of every project page they took part in.
NAME_COLUMNS = ("display_name", "blocked_at", "blocked_until", "deleted_at", "commune_id",
                "commune")
# Rows that belong to a proposal but are not part of its debate: read live on its page.
NOT_IN_DEBATE = frozenset({"supports"})


# ---------------------------------------------------------------------------------------------
# The store


class Store:
    """One worker's fragments, least recently used first out."""

    def __init__(self, items: int, size: int, redis_url: str | None, timeout: float,
                 release: str = "") -> None:
        self.items = items
        self.size = size
        self.used = 0
        self.pages: OrderedDict[Hashable, tuple[str, datetime | None]] = OrderedDict()
        self.redis_url = redis_url
        self.timeout = timeout
        self.prefix = f"fragment:{release}:" if release else "fragment:"
        self._redis: Any = None

    def get(self, key: Hashable) -> str | None:
        """The fragment kept under `key`, if any and still valid."""
        found = self.pages.get(key)
        if found is None and self.redis_url:
            found = self._redis_get(key)
            if found is not None:
                self._keep(key, found)
        if found is None:
            return None
        html, until = found
        if until is not None and until <= utcnow():
            self._drop(key)
            return None
        self.pages.move_to_end(key)
        return html

    def put(self, key: Hashable, html: str, until: datetime | None) -> None:
        """Keep `html` under `key` (until `until`, if given)."""
        self._keep(key, (html, until))
        if self.redis_url:
            self._redis_put(key, html, until)

    def clear(self) -> None:
        """Forget everything this worker keeps (tests start each from nothing)."""
        self.pages.clear()
        self.used = 0

    def _keep(self, key: Hashable, value: tuple[str, datetime | None]) -> None:
        self._drop(key)
        weight = sys.getsizeof(value[0])
        if weight > self.size // 4:
            return  # one fragment never takes most of the memory
        self.pages[key] = value
        self.used += weight
        while len(self.pages) > self.items or self.used > self.size:
            _, (old, _) = self.pages.popitem(last=False)
            self.used -= sys.getsizeof(old)

    def _drop(self, key: Hashable) -> None:
        old = self.pages.pop(key, None)
        if old is not None:
            self.used -= sys.getsizeof(old[0])

    def _client(self) -> Any:
        if self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(str(self.redis_url), socket_timeout=self.timeout,
                                         socket_connect_timeout=self.timeout)
        return self._redis

    def _redis_key(self, key: Hashable) -> str:
        return self.prefix + hashlib.sha256(repr(key).encode()).hexdigest()

    def _redis_get(self, key: Hashable) -> tuple[str, datetime | None] | None:
        try:
            raw = self._client().get(self._redis_key(key))
        except Exception as error:  # an unreachable Redis: made here instead
            log.warning("fragments: Redis unreachable (%s)", error)
            return None
        if raw is None:
            return None
        # JSON, not pickle: what comes back from Redis is read, never run.
        html, until = json.loads(raw)
        return html, datetime.fromisoformat(until) if until else None

    def _redis_put(self, key: Hashable, html: str, until: datetime | None) -> None:
        seconds = 86_400
        if until is not None:
            seconds = max(1, min(seconds, int((until - utcnow()).total_seconds())))
        try:
            value = json.dumps([html, until.isoformat() if until else None])
            self._client().set(self._redis_key(key), value, ex=seconds)
        except Exception as error:
            log.warning("fragments: Redis unreachable (%s)", error)


def init_app(app: Flask) -> None:
    """Give the app its fragment store (none when FRAGMENT_CACHE is off)."""
    if not app.config.get("FRAGMENT_CACHE", True):
        return
    redis_url = app.config.get("REDIS_URL") if app.config.get("FRAGMENT_CACHE_REDIS") else None
    app.extensions["fragments"] = Store(
        int(app.config.get("FRAGMENT_CACHE_ITEMS", 20_000)),
        int(app.config.get("FRAGMENT_CACHE_BYTES", 64 * 1024 * 1024)),
        redis_url, float(app.config.get("REDIS_TIMEOUT", 2)),
        code_release(app) if redis_url else "",
    )


def code_release(app: Flask) -> str:
    """A digest of what fragments are made with: the package's code, its templates, its
    compiled translations and the versions of the libraries that turn user text into HTML
    (read once, when the app is made)."""
    from importlib import metadata

    root = Path(app.root_path)
    folders = [(root, "*.py")]
    for translations in str(app.config.get("BABEL_TRANSLATION_DIRECTORIES", "")).split(";"):
        if translations:
            folders.append((root / translations, "*.mo"))
    if app.template_folder:
        folders.append((root / app.template_folder, "*.html"))
    digest = hashlib.sha256(" ".join(
        metadata.version(library) for library in ("markdown", "nh3", "jinja2")).encode())
    for folder, pattern in folders:
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def store() -> Store | None:
    """The current app's store, or None when fragments are off."""
    return app().extensions.get("fragments")


def _count(name: str) -> None:
    counts = here().setdefault("fragment_counts", {"hits": 0, "misses": 0})
    counts[name] += 1


def cached(name: str, key: tuple[Hashable, ...], render: Callable[[], str]) -> Markup:
    """The fragment `name` for `key` (the language is added to it): kept, or made by `render`
    and kept. `key` must name everything the HTML depends on, versions and day included."""
    found_in = store()
    full_key = (name, language(), *key)
    if found_in is not None:
        html = found_in.get(full_key)
        if html is not None:
            _count("hits")
            return Markup(html)
    _count("misses")
    outer = g.pop("fragment_until", None)
    try:
        html = str(render())
        until = g.get("fragment_until")
    finally:
        g.pop("fragment_until", None)
        if outer is not None:
            g.fragment_until = outer
    if outer is not None and until is not None:
        g.fragment_until = min(outer, until)
    elif until is not None:
        g.fragment_until = until
    if found_in is not None:
        found_in.put(full_key, html, until)
    return Markup(html)


# Where a person's CSRF token goes in HTML kept for many (a kept form, an anonymous page).
TOKEN = "csrf-token-of-this-person"


# Signed CSRF tokens by (secret, session token), per worker; bounded by clearing when full.
_SIGNED: dict[tuple[str, str], str] = {}
_SIGNED_KEPT = 4096


def csrf_token() -> str:
    """This session's CSRF token as forms carry it, signed once per session in each worker.

    Flask-WTF signs the session's token again on every page (as long as the rest of a logged-in
    person's page work); with WTF_CSRF_TIME_LIMIT unset a signed token never expires, so the one
    signed for this session stays valid as long as the session's own token does. With a time
    limit, every page signs anew (a kept token would expire before its page said)."""
    from flask_wtf.csrf import generate_csrf

    flask_app, flask_g = app(), here()
    config = flask_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    made = flask_g.get(field)
    if made is not None:
        return str(made)
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return str(generate_csrf())
    session = this_session()
    secret = str(config.get("WTF_CSRF_SECRET_KEY", flask_app.secret_key))
    raw = session.get(field)
    signed = _SIGNED.get((secret, str(raw))) if raw is not None else None
    if signed is None:
        # Signed now, and kept under the session's token, which Flask-WTF makes first if the
        # session had none: its next pages carry this same signed token (signed again a
        # second later, it would differ by its timestamp).
        signed = str(generate_csrf())
        if len(_SIGNED) >= _SIGNED_KEPT:
            _SIGNED.clear()
        _SIGNED[(secret, str(session[field]))] = signed
    else:
        setattr(flask_g, field, signed)  # what Flask-WTF's own forms then carry too
    return signed


def with_token(html: str) -> Markup:
    """Kept HTML with this person's CSRF token in place of TOKEN."""
    return Markup(html.replace(TOKEN, csrf_token()))


def cached_form(name: str, key: tuple[Hashable, ...], render: Callable[[], str]) -> Markup:
    """A fragment holding forms (`cached`): kept with TOKEN in place of the CSRF token it was
    made with, served with this person's (a visitor's login link asks for none); a terminal's
    apart (its forms turn autofill off)."""
    from consultation.core.kiosk import is_kiosk

    def made() -> str:
        html = str(render())
        token = here().get("csrf_token")  # the one Flask-WTF made for the forms, if it made one
        return html.replace(token, TOKEN) if token else html

    html = cached(name, (*key, is_kiosk()), made)
    return with_token(html) if TOKEN in html else html


def valid_until(moment: datetime) -> None:
    """The fragment being made shows something that changes at `moment` (a block's end)."""
    if not has_app_context():
        return
    current = g.get("fragment_until")
    if current is None or moment < current:
        g.fragment_until = moment


# ---------------------------------------------------------------------------------------------
# Versions

_TOUCHED = "fragments_touched"  # session.info: (projects, proposals, everything)
_BUMPED = "fragments_bumped"  # session.info: (table, id) moved by a counter's trigger already


def _touched(session: Session) -> tuple[set[int], set[int], list[bool]]:
    found = session.info.get(_TOUCHED)
    if found is None:
        found = session.info[_TOUCHED] = (set(), set(), [False])
    return found


def bumped(session: Session, table: str, ident: int) -> None:
    """Note that a counter's trigger moved the version of this row (core/counters.py)."""
    session.info.setdefault(_BUMPED, set()).add((table, ident))


def _name_changed(instance: Any) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in NAME_COLUMNS
               if name in state.attrs)


def changed(session: Session, instance: Any) -> None:
    """Note a row changed by a statement the flush does not see (the compare-and-set UPDATE of
    a moderation decision): its versions move before the commit as a flushed row's do."""
    _note_rows(session, [instance])


def _note(session: Session, flush_context: Any) -> None:
    """After a flush: note which versions the flushed rows move."""
    _note_rows(session, [*session.new, *session.deleted,
                         *(o for o in session.dirty if session.is_modified(o))])


def _merge_targets(instance: Any) -> set[int]:
    history = inspect(instance).attrs["merged_into_id"].history
    return {ident for ident in (*history.sum(), instance.merged_into_id) if ident is not None}


def _note_rows(session: Session, rows: list[Any]) -> None:
    projects, proposals, everything = _touched(session)
    for instance in rows:
        table = getattr(instance, "__tablename__", None)
        if table is None:
            continue
        if table == "users":
            if instance in session.dirty and _name_changed(instance):
                session.info.setdefault("fragments_people", set()).add(instance.id)
            continue
        if table in PRIVATE_TABLES:
            continue
        if table in REFERENCE_TABLES:
            everything[0] = True
        elif table == "projects":
            projects.add(instance.id)
        elif table == "proposals":
            proposals.add(instance.id)
            projects.add(instance.project_id)
            # A merged proposal is listed (title and link) in the head of the one it went
            # into: a merge, its undoing or a change of it moves that one's version too.
            proposals.update(_merge_targets(instance))
        else:
            project_id = getattr(instance, "project_id", None)
            proposal_id = getattr(instance, "proposal_id", None)
            if project_id is not None:
                projects.add(project_id)
            if proposal_id is not None and table not in NOT_IN_DEBATE:
                proposals.add(proposal_id)


# The UPDATEs that move versions, built on first use (core cannot import the domains' models
# at load time) and kept: a support or a comment reaches `_move` on every commit, and building
# `version + 1` anew cost more than the rest of it (its compiled form is then found in
# SQLAlchemy's cache too).
_BUMPS: dict[str, Any] = {}


def _bumps() -> dict[str, Any]:
    if not _BUMPS:
        from sqlalchemy import bindparam, or_, select

        from consultation.comments.models import Comment
        from consultation.projects.models import Project
        from consultation.proposals.models import Proposal

        for name, model in (("projects", Project), ("proposals", Proposal)):
            every = update(model).values({
                model.version: model.version + 1, model.updated_at: model.updated_at,
            }).execution_options(synchronize_session=False)
            _BUMPS[name] = every
            _BUMPS[name + "_listed"] = every.where(
                model.id.in_(bindparam("ids", expanding=True)))
        # A person's name is on their proposals and comments.
        people: Any = bindparam("people", expanding=True)
        _BUMPS["proposals_of_people"] = _BUMPS["proposals"].where(or_(
            Proposal.author_id.in_(people),
            Proposal.id.in_(select(Comment.proposal_id).where(Comment.author_id.in_(people))),
        ))
    return _BUMPS


def _move(session: Session) -> None:
    """Before the commit: move the versions noted, in one UPDATE per table."""
    from consultation.projects.models import Project
    from consultation.proposals.models import Proposal

    session.flush()  # the commit's own flush comes after this event
    if session.info.get(_TOUCHED) is None and not session.info.get("fragments_people"):
        return
    projects, proposals, everything = _touched(session)
    people = session.info.pop("fragments_people", set())
    done = session.info.pop(_BUMPED, set())
    session.info.pop(_TOUCHED, None)
    if everything[0]:
        session.execute(_bumps()["projects"])
        session.execute(_bumps()["proposals"])
        return
    if people:
        # Their name is on their proposals and comments, and on the project pages listing them.
        session.execute(_bumps()["proposals_of_people"], {"people": sorted(people)})
        session.execute(_bumps()["projects"])
        projects = set()
    projects -= {ident for table, ident in done if table == "projects"}
    proposals -= {ident for table, ident in done if table == "proposals"}
    if proposals:
        session.execute(_bumps()["proposals_listed"], {"ids": sorted(proposals)})
    if projects:
        session.execute(_bumps()["projects_listed"], {"ids": sorted(projects)})
    for model, idents in ((Project, projects), (Proposal, proposals)):
        for ident in idents:
            loaded = session.identity_map.get(session.identity_key(model, ident))
            if loaded is not None:
                session.expire(loaded, ["version"])


def _forget(session: Session, transaction: Any) -> None:
    # Only when the outermost transaction ends: a savepoint rolled back keeps what the rest
    # of the transaction noted (a version moved for nothing costs a fragment, not a stale one).
    if transaction.parent is None:
        for key in (_TOUCHED, _BUMPED, "fragments_people"):
            session.info.pop(key, None)


_LISTENING = False


def listen() -> None:
    """Follow every session's flushes and commits (once per process)."""
    global _LISTENING
    if _LISTENING:
        return
    event.listen(Session, "after_flush", _note)
    event.listen(Session, "before_commit", _move)
    event.listen(Session, "after_transaction_end", _forget)
    _LISTENING = True
