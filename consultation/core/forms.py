"""Form helpers shared by the domains."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

import wtforms
from babel import support
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from consultation.core import fragments
from consultation.core.http import MAX_ID

T = TypeVar("T")


def one_line_ending(value: Any) -> Any:
    """A filter: the CRLF (or lone CR) a browser sends for each line break of a textarea
    becomes LF, the only line break the rest of the code (markdown, markers, limits) expects."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


# WTForms' own messages per locale, loaded once for the process: Flask-WTF reads the .mo file
# from disk again on every request.
_WTFORMS_TRANSLATIONS: dict[str, support.NullTranslations] = {}


def wtforms_translations(locale: str) -> support.NullTranslations:
    """WTForms' catalogue for `locale`, loaded on first use."""
    translations = _WTFORMS_TRANSLATIONS.get(locale)
    if translations is None:
        translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
        _WTFORMS_TRANSLATIONS[locale] = translations
    return translations


class _Meta(DefaultMeta):
    """Every text field's line breaks made LF before its own filters; WTForms' messages from
    the process-wide cache, in the page's language."""

    def bind_field(
        self, form: Any, unbound_field: Any, options: MutableMapping[str, Any]
    ) -> Any:
        if issubclass(unbound_field.field_class, StringField):
            filters = unbound_field.kwargs.get("filters") or ()
            options = {**options, "filters": [one_line_ending, *filters]}
        return super().bind_field(form, unbound_field, options)

    def get_translations(self, form: Any) -> Any:
        if (not has_request_context() or "babel" not in current_app.extensions
                or not current_app.config.get("WTF_I18N_ENABLED", True)):
            return super().get_translations(form)
        locale = get_locale()
        if locale is None:
            return super().get_translations(form)
        return wtforms_translations(str(locale))


class _CSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF field, its token signed once per session and worker
    (`fragments.csrf_token`) when the form uses the app's own secret and field."""

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        config = current_app.config
        if (self.meta.csrf_secret == config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
                and self.meta.csrf_field_name == config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
            return fragments.csrf_token()
        return str(super().generate_csrf_token(csrf_token_field))


class Form(FlaskForm):
    """The base of every form of the platform (see `_Meta`); a form's own `class Meta` keeps
    adding its options (WTForms merges the Meta classes of the bases)."""

    class Meta(_Meta, FlaskForm.Meta):
        csrf_class = _CSRF


class SubForm(wtforms.Form):
    """The base of a form nested in another (FormField): no CSRF token of its own."""

    Meta = _Meta

# C0 control characters and DEL cannot be typed in a form, only forged: a NUL breaks PostgreSQL
# text columns, the others would reach pages, PDFs and exports. Tab and line breaks are text.
CONTROL_CHARACTERS = frozenset(chr(n) for n in (*range(32), 127)) - {"\t", "\n", "\r"}


def refuse_control_characters(value: Any) -> Any:
    """A filter: text holding a control character is a field error (WTForms shows a filter's
    ValueError as one), in French."""
    if isinstance(value, str) and not CONTROL_CHARACTERS.isdisjoint(value):
        raise ValueError(str(_l("Ce champ contient des caractères non autorisés.")))
    return value


# Every text field's filters: control characters refused, then surrounding spaces dropped.
STRIP = [
    refuse_control_characters,
    lambda value: value.strip() if isinstance(value, str) else value,
]

# WTForms reads `data` for a select field; these coerce "" to None for optional choices.


# Longer than any id a select offers: int() of a 100 kB string of digits is slow, then refused.
ID_MAX_LENGTH = 18


def optional_int(value: Any) -> int | None:
    """Coerce a select value to an id, with "" meaning no choice; only the digits a select
    sends count ("+7", "07", " 7" or "٧" are refused, where int() would take them), and only
    an id the database can hold (past MAX_ID, PostgreSQL refuses the query: a 500)."""
    if value in (None, "", "None"):
        return None
    if (isinstance(value, str) and len(value) <= ID_MAX_LENGTH and value.isascii()
            and value.isdigit() and str(int(value)) == value):
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_ID:
        return value
    raise ValueError(str(_l("Choix invalide.")))


class OptionalSelectField(SelectField):
    """A select whose blank choice means None; any other unknown value is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return
        # The views give a list of choices (a dict would be grouped options, never used here).
        assert isinstance(self.choices, list), "OptionalSelectField needs a list of choices"
        values = {value for value, *_ in self.choices}
        if self.data not in values:
            raise ValidationError(str(_l("Choisissez une valeur de la liste.")))


def markdown_field(
    label: Any, max_length: int, required: bool = True, description: Any = ""
) -> TextAreaField:
    """A textarea for markdown text with a length limit and a French message."""
    validators: list[Any] = [
        Length(max=max_length, message=_l("%(max)d caractères au maximum.", max=max_length))
    ]
    if required:
        validators.insert(0, DataRequired(message=_l("Ce champ est obligatoire.")))
    return TextAreaField(label, validators=validators, filters=STRIP, description=description)


def filled(data: T | None) -> T:
    """The data of a field with a required validator, once the form validated: never None
    there (the validator stops a missing value), which this tells the type checker."""
    assert data is not None, "a required field validated without data"
    return data


def required(message: Any = None) -> DataRequired:
    """DataRequired with a French message."""
    return DataRequired(message=message or _l("Ce champ est obligatoire."))


class CheckboxListField(SelectMultipleField):
    """Several choices shown as checkboxes in a list."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Fields never given back in a page: secrets, and the login form's own fields.
_NOT_GIVEN_BACK = ("csrf_token", "email", "password", "remember", "confirm", "current", "code",
                   "token", "kept", "next")


@dataclass(frozen=True)
class GivenBack:
    """A form refused unread (a time limit ended), to give back to the submission that sent it:
    its fields as hidden inputs, what the person wrote to show, and where it was going."""

    kept: list[tuple[str, str]]
    shown: list[str]
    target: str


def given_back() -> GivenBack:
    """What the request's form sent, secrets left out, to be shown and sent again as typed
    (a terminal's idle end in core/kiosk.py, a mediator's acting time in mediation)."""
    kept = [
        (name, value) for name, value in request.form.items(multi=True)
        if not any(word in name.lower() for word in _NOT_GIVEN_BACK) and len(name) <= 100
    ]
    # What a person wrote (not ids nor flags).
    shown = [value for _name, value in kept
             if len(value.strip()) > 1 and any(sign.isalpha() for sign in value)]
    target = request.full_path if request.query_string else request.path
    return GivenBack(kept, shown, target)
