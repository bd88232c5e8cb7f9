"""What templates may call: the permission registry, markup, dates and labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from consultation.core import kiosk, markup, permissions
from consultation.core.acting import acting_user
from consultation.core.models import today

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
}

DOCUMENT_STATES = {
    "pending": _l("En attente"),
    "running": _l("En cours"),
    "ready": _l("Prêt"),
    "failed": _l("Échec"),
}


def can(name: str, obj: Any = None) -> bool:
    """The permission of the person acted for, as views check it (see core.acting)."""
    return permissions.can(acting_user(), name, obj)


def refusal(name: str, obj: Any = None) -> str:
    """Why the person acted for may not do this ("" when allowed), said in place of a button."""
    return permissions.refusal(acting_user(), name, obj) or ""


def awaits_confirmation() -> bool:
    """True while the person acted for registered with an email and has not confirmed it: the
    page says why they cannot contribute yet, where the button would be."""
    return bool(getattr(acting_user(), "needs_email_confirmation", False))


def date_fr(value: date | datetime | str | None, fmt: str = "long") -> str:
    """A date in the visitor's language (French by default); ISO strings (snapshots) too."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, "d MMMM yyyy 'à' HH:mm" if fmt == "long" else fmt)
    return format_date(value, fmt)


def number(value: int | float | None) -> str:
    """A number as the visitor's language writes it (1 234 in French)."""
    return format_decimal(value or 0)


def percent(part: int | float, whole: int | float) -> str:
    """`part` as a rounded share of `whole`, written as a percentage ("" when whole is 0)."""
    if not whole:
        return ""
    return f"{format_decimal(round(100 * part / whole))} %"


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
    return Markup("") if str(get_locale() or "fr") == "fr" else Markup(' lang="fr"')


def _translations() -> Any:
    """The current locale's catalogue, looked up once per request and locale.

    Flask-Babel finds it again for every string (a page asks for a few hundred); the memo is
    keyed on the locale object, which force_locale() replaces, so a mail rendered in another
    language within the same context gets its own catalogue.
    """
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    memo = g.get("_translations_memo")
    if memo is not None and locale is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    g._translations_memo = (getattr(g.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def init_app(app: Flask) -> None:
    """Register globals and filters, and keep whitespace out of the pages."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        can=can,
        refusal=refusal,
        awaits_confirmation=awaits_confirmation,
        current_locale=lambda: str(get_locale() or "fr"),
        lang_fr=lang_fr,
        today=today,
        url_with=url_with,
        PHASE_LABELS=PHASE_LABELS,
        STANCE_LABELS=STANCE_LABELS,
        ANSWER_LABELS=ANSWER_LABELS,
        DOCUMENT_STATES=DOCUMENT_STATES,
    )
    app.jinja_env.globals.update(percent=percent)
    # For macros too, which see no context: a shared terminal's pages and forms.
    app.jinja_env.globals.update(is_kiosk=kiosk.is_kiosk, no_autofill=kiosk.no_autofill)
    app.jinja_env.filters.update(
        markdown=markup.render, excerpt=markup.plain, date_fr=date_fr, num=number
    )
