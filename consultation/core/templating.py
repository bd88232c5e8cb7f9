"""What templates may call: the permission registry, markup, dates and labels."""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask.templating import Environment as FlaskEnvironment
from flask_babel import format_date, format_datetime, format_decimal, get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import event

from consultation.core import fragments, kiosk, markup, permissions
from consultation.core.acting import acting_user
from consultation.core.chrome import note_link
from consultation.core.context import here, person
from consultation.core.forms import Form
from consultation.core.language import language
from consultation.core.models import as_utc, today
from consultation.core.text import de, elide, shares, starts_with_vowel_sound, typeset_french
from consultation.extensions import db

PHASE_LABELS = {
    "information": _l("Information"),
    "consultation": _l("Consultation"),
    "synthesis": _l("Synthèse"),
    "follow_up": _l("Suivi"),
}
STANCE_LABELS = {"pour": _l("Pour"), "contre": _l("Contre"), "neutre": _l("Neutre")}
ANSWER_LABELS = {
    "accepted": _l("Acceptée"),
    "rejected": _l("Refusée"),
    "under_study": _l("À l'étude"),
    "none": _l("Sans réponse officielle"),
    "given": _l("Avec une réponse officielle"),  # a filter: any of the three answers
}

DOCUMENT_STATES = {
    "pending": _l("En attente"),
    "running": _l("En cours"),
    "ready": _l("Prêt"),
    "failed": _l("Échec"),
}


def can(name: str, obj: Any = None) -> bool:
    """The permission of the person acted for, as views check it (see core.acting).

    In a request, what does not depend on the object (the person's roles, blocked, confirmed;
    a project's phase) is asked once and remembered until the request writes (a flush) or
    rolls back: a page asking for each of its 200 comments reads the comment only."""
    if not has_request_context():
        return permissions.can(acting_user(), name, obj)
    # The request's globals looked up once per call, not once per fact; the person asked
    # about is resolved again only when the acting or the logged-in person changed.
    store = here()
    acting_now = getattr(store, "acting", None)
    facts = getattr(store, "_permission_facts", None)
    if facts is None or facts[0] is not acting_now or facts[1] is not getattr(
            store, "_login_user", None):
        user = acting_now.person if acting_now is not None else person()
        facts = store._permission_facts = (acting_now, getattr(store, "_login_user", None),
                                           user, {})
    return permissions.rule_named(name).allows(facts[2], obj, facts[3])


def could(name: str) -> bool:
    """True when the person acted for passes what the rule asks of them alone (logged in, a
    role, not blocked): a page loops over its items asking `can(name, item)` only then."""
    return permissions.rule_named(name).could(acting_user())


def forget_permission_facts(*_: Any) -> None:
    """What `can()` remembered is dropped when the request writes or rolls back."""
    if has_app_context():
        g.pop("_permission_facts", None)


def refusal(name: str, obj: Any = None) -> str:
    """Why the person acted for may not do this ("" when allowed), said in place of a button."""
    return permissions.refusal(acting_user(), name, obj) or ""


def kept_breadcrumb(name: str, key: tuple[Any, ...],
                    items: Callable[[], list[tuple[Any, str | None]]]) -> Markup:
    """A page's breadcrumb (`_macros/ui.html`), made once per key (what its labels and links
    depend on) and language, and kept as a shared fragment."""
    return fragments.cached(name, key, lambda: current_app.jinja_env.get_template(
        "_macros/ui.html").module.breadcrumb(items()))  # type: ignore[attr-defined]


def awaits_confirmation() -> bool:
    """True while the person acted for registered with an email and has not confirmed it: the
    page says why they cannot contribute yet, where the button would be."""
    return bool(getattr(acting_user(), "needs_email_confirmation", False))


# How each language writes a date: day and month order, the first of the month, the time.
# French: "1er février 2027 à 11 h 00" (the first day is "1er"; hours as the Imprimerie
# nationale writes them, non-breaking); English: "24 August 2026 at 11:00". The day and its
# month are never split at the end of a line (a non-breaking space): a narrow column, a
# comment's date on a phone, would otherwise show "6" alone above "décembre".
@dataclass(frozen=True)
class _DateStyle:
    first_day: str
    at: str
    time: str


_DATE_STYLES = {
    "fr": _DateStyle(first_day="1er", at=" à ", time="{h}\u00a0h\u00a0{m:02d}"),
    "en": _DateStyle(first_day="1", at=" at ", time="{h:02d}:{m:02d}"),
}
# The patterns the templates ask for, by the Babel name they were written with.
_PATTERNS = {
    "long": "{d}\u00a0{MMMM} {y}",
    "d MMMM yyyy": "{d}\u00a0{MMMM} {y}",
    "d MMM yyyy": "{d}\u00a0{MMM} {y}",
    "d MMM": "{d}\u00a0{MMM}",
}


@lru_cache(maxsize=8)
def _months(locale: str) -> tuple[dict[int, str], dict[int, str]]:
    """The wide and abbreviated month names of a language, read from Babel once per process
    (format_datetime looks them up again on every call)."""
    names = Locale.parse(locale).months["format"]
    return dict(names["wide"]), dict(names["abbreviated"])


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _as_local(moment: datetime) -> datetime:
    """A stored time (naive ones are UTC, as SQLite gives them back) in the site's time zone
    (BABEL_DEFAULT_TIMEZONE, Europe/Paris: winter and summer time alike)."""
    zone = _zone(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Paris")
    return as_utc(moment).astimezone(zone)


def date_fr(value: date | datetime | str | None, fmt: str = "long") -> str:
    """A date in the visitor's language: "1er février 2027" or "1 February 2027"; a time also
    gets its hour ("à 11 h 00", "at 11:00") with the default format. ISO strings (snapshots)
    too. Times are shown in the site's time zone."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    with_time = isinstance(value, datetime) and fmt == "long"
    if isinstance(value, datetime):
        value = _as_local(value)
    pattern = _PATTERNS.get(fmt)
    if pattern is None:  # any other Babel pattern, the slow way
        if isinstance(value, datetime):
            return format_datetime(value, fmt, rebase=False)
        return format_date(value, fmt)
    locale = language()
    style = _DATE_STYLES.get(locale.split("_")[0], _DATE_STYLES["en"])
    wide, short = _months(locale)
    day = style.first_day if value.day == 1 else str(value.day)
    text = pattern.format(d=day, MMMM=wide[value.month], MMM=short[value.month], y=value.year)
    if with_time:
        assert isinstance(value, datetime)
        text += style.at + style.time.format(h=value.hour, m=value.minute)
    return text


def number(value: int | float | None) -> str:
    """A number as the visitor's language writes it (1 234 in French)."""
    return format_decimal(value or 0)


def percent(part: int | float, whole: int | float) -> str:
    """`part` as a rounded share of `whole`, written as a percentage ("" when whole is 0).
    Shares shown side by side go through `shares()`, which makes them add up to 100."""
    if not whole:
        return ""
    return percent_of(round(100 * part / whole))


def percent_of(value: int) -> str:
    """A whole percentage as the visitor's language writes it: "42\u00a0%", "42%"."""
    if language().startswith("fr"):
        return f"{format_decimal(value)}\u00a0%"
    return f"{format_decimal(value)}%"


def colon() -> str:
    """A colon as the visitor's language writes it after a word: "\u00a0:" in French (never
    alone at the start of a line), ":" in English. For colons outside a translated string."""
    return "\u00a0:" if language().startswith("fr") else ":"


def quoted(text: str) -> str:
    """A title quoted as the visitor's language quotes: « title » (non-breaking) or “title”."""
    if language().startswith("fr"):
        return f"«\u00a0{text}\u00a0»"
    return f"“{text}”"


def filesize(size: int | None) -> str:
    """A file size in kilobytes, rounded up, in the visitor's language: "85 Ko", "85 KB"."""
    kilobytes = format_decimal(math.ceil((size or 0) / 1024))
    if language().startswith("fr"):
        return f"{kilobytes}\u00a0Ko"
    return f"{kilobytes} KB"


@pass_context
def form_refused(context: Any) -> bool:
    """True when a form sent (POST) comes back refused (a message on a field or on the whole
    form): the page's title then starts with "Erreur :" and its error summary takes the focus.
    A list's filters (GET) that ignore a wrong value are not a refusal."""
    if request.method in ("GET", "HEAD"):
        return False
    return any(isinstance(value, Form) and (value.form_errors or any(f.errors for f in value))
               for value in context.get_all().values())


def aria_current(href: str, section: str | None = None) -> Markup:
    """A menu entry's aria-current: "page" on the link to the page shown (its path, the query
    aside), "true" on the entry of the section the page is in (`section`: a path prefix)."""
    path = request.path
    target = urlsplit(href).path
    note_link(target, section)
    if target == path:
        return Markup(' aria-current="page"')
    if section and path.startswith(section):
        return Markup(' aria-current="true"')
    return Markup("")


def url_with(**changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


def lang_fr() -> Markup:
    """` lang="fr"` on content written in French (projects, proposals, comments) when the
    interface is in another language, so that screen readers read it in French (RGAA 8.7)."""
    return Markup("") if language() == "fr" else Markup(' lang="fr"')


def _translations() -> Any:
    """The current locale's catalogue, looked up once per request and locale.

    Flask-Babel finds it again for every string (a page asks for a few hundred); the memo is
    keyed on the locale object, which force_locale() replaces, so a mail rendered in another
    language within the same context gets its own catalogue.
    """
    flask_g = here()
    locale = getattr(flask_g.get("_flask_babel"), "babel_locale", None)
    memo = flask_g.get("_translations_memo")
    if memo is not None and locale is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    flask_g._translations_memo = (getattr(flask_g.get("_flask_babel"), "babel_locale", None),
                                  translations)
    return translations


class _FrenchTypesetting:
    """A French catalogue whose every string gets its non-breaking spaces (typeset_french):
    before ; : ! ? and inside « », as French is written, once per string for the process.
    The string is typeset before its variables are put in: what people wrote is left as is."""

    def __init__(self, translations: Any) -> None:
        self._translations = translations
        self._typeset: dict[str, str] = {}

    def _set(self, text: str) -> str:
        done = self._typeset.get(text)
        if done is None:
            done = self._typeset[text] = typeset_french(text)
        return done

    def gettext(self, message: str) -> str:
        return self._set(self._translations.ugettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._set(self._translations.ungettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return self._set(self._translations.upgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._set(self._translations.unpgettext(context, singular, plural, n))

    ugettext, ungettext, upgettext, unpgettext = gettext, ngettext, pgettext, npgettext

    def __getattr__(self, name: str) -> Any:
        return getattr(self._translations, name)


def _typeset_catalogues(app: Flask) -> None:
    """Every French string, of templates and of code (flashes, form errors), typeset: the
    catalogues Flask-Babel loads are handed out wrapped, one wrapper per catalogue. The domain
    belongs to the Babel extension, shared by every app of the process: wrapped once."""
    with app.app_context():
        domain = app.extensions["babel"].instance.domain_instance
    if getattr(domain, "typesets_french", False):
        return
    load = domain.get_translations
    wrapped: dict[int, tuple[Any, _FrenchTypesetting]] = {}

    def get_translations() -> Any:
        translations = load()
        if not language().startswith("fr"):
            return translations
        kept = wrapped.get(id(translations))
        if kept is None or kept[0] is not translations:
            kept = wrapped[id(translations)] = (translations, _FrenchTypesetting(translations))
        return kept[1]

    domain.get_translations = get_translations
    domain.typesets_french = True


class _Globals(ChainMap[str, Any]):
    """A template's globals over the environment's, whose keys compare in C."""

    def keys(self) -> Any:
        # Every `{% from ... import %}` asks Jinja for the render's globals not in the
        # imported template's (to reuse its module): a ChainMap answers that one key at a time
        # in Python (about 300 calls for our 50 globals, per import); a dict's keys in C.
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class Environment(FlaskEnvironment):
    """Flask's template environment, with globals Jinja compares quickly (`_Globals`), and
    every template it loaded kept in a plain dictionary."""

    def __init__(self, app: Any, **options: Any) -> None:
        # Jinja's default cache (400 templates, least recently used first out) takes a lock
        # and moves the template's name in a queue at each lookup, a page making one for each
        # extends, import and include (0.3 to 0.4 % of a page's instructions, counted). The
        # app's templates are a fixed set of about 130, kept all (-1: a dict).
        options.setdefault("cache_size", -1)
        super().__init__(app, **options)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> Any:
        """The globals of one template, over the environment's (as Jinja's own)."""
        return _Globals(d or {}, self.globals)


# A template's fixed strings as shown, per catalogue (in its own __dict__: the French wrapper
# forwards unknown attributes to the catalogue it wraps) and autoescaping: a page shows a few
# dozen, and Jinja's gettext looks each up, wraps it in Markup and formats it at every call.
_SHOWN = "_platform_shown_strings"
_SHOWN_KEPT = 4096


def _eliding(translate: Callable[..., Any], fixed: bool = False) -> Callable[..., Any]:
    """A template's gettext that elides "de" and "que" before the names and titles it is given,
    in French: _("le commentaire de %(name)s", name="Anne") gives "le commentaire d'Anne".
    `fixed` (gettext): a string without variables is looked up once per catalogue."""

    @pass_context
    def call(context: Any, *args: Any, **variables: Any) -> Any:
        if fixed and not variables and len(args) == 1:
            catalogue = _translations()
            shown = vars(catalogue).get(_SHOWN)
            if shown is None:
                shown = vars(catalogue)[_SHOWN] = {}
            key = (args[0], context.eval_ctx.autoescape)
            found = shown.get(key)
            if found is None:
                found = translate(context, *args)
                if len(shown) < _SHOWN_KEPT:
                    shown[key] = found
            return found
        text = translate(context, *args, **variables)
        # Only a word French elides before can change the text: most names and dates do not,
        # and the language is then not even asked.
        words = [value for value in variables.values()
                 if isinstance(value, str) and value and starts_with_vowel_sound(value)]
        if not words or not language().startswith("fr"):
            return text
        if isinstance(text, Markup):  # the names were escaped into it: look for them so
            return Markup(elide(str(text), *(str(escape(word)) for word in words)))
        return elide(text, *words)

    return call


def init_app(app: Flask) -> None:
    """Register globals and filters, and keep whitespace out of the pages."""
    _typeset_catalogues(app)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    for name in ("gettext", "_", "ngettext", "pgettext", "npgettext"):
        translate = app.jinja_env.globals[name]
        assert callable(translate)  # installed just above
        app.jinja_env.globals[name] = _eliding(translate, fixed=name in ("gettext", "_"))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    sessions = db.session.session_factory
    for moment in ("after_flush", "after_soft_rollback"):
        if not event.contains(sessions, moment, forget_permission_facts):
            event.listen(sessions, moment, forget_permission_facts)
    app.jinja_env.globals.update(
        can=can,
        could=could,
        refusal=refusal,
        awaits_confirmation=awaits_confirmation,
        current_locale=lambda: language(),
        lang_fr=lang_fr,
        today=today,
        url_with=url_with,
        form_refused=form_refused,
        aria_current=aria_current,
        PHASE_LABELS=PHASE_LABELS,
        STANCE_LABELS=STANCE_LABELS,
        ANSWER_LABELS=ANSWER_LABELS,
        DOCUMENT_STATES=DOCUMENT_STATES,
    )
    app.jinja_env.globals.update(percent=percent, percent_of=percent_of, shares=shares, de=de,
                                colon=colon, quoted=quoted)
    # For macros too, which see no context: a shared terminal's pages and forms.
    app.jinja_env.globals.update(is_kiosk=kiosk.is_kiosk, no_autofill=kiosk.no_autofill)
    app.jinja_env.filters.update(
        markdown=markup.render, contribution=markup.contribution, excerpt=markup.plain,
        date_fr=date_fr, num=number, filesize=filesize, de=de,
    )
