"""The base of every form: a browser's line breaks stored as LF, WTForms' messages loaded once
per language; "(obligatoire)" read as part of each required field's label."""

from __future__ import annotations

import importlib
import pkgutil
import re
from html.parser import HTMLParser
from typing import Any

import flask_wtf
import pytest
import wtforms
from babel import support
from flask import session
from flask_babel import refresh
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, PasswordField, StringField, TextAreaField

import consultation
from consultation.core import forms as core_forms
from consultation.core.forms import STRIP, Form, SubForm
from consultation.extensions import db
from tests import factories

REQUIRED = "(obligatoire)"


def all_form_classes() -> list[type]:
    """Every form class defined in a domain's forms.py."""
    found: list[type] = []
    for module_info in pkgutil.iter_modules(consultation.__path__):
        try:
            module = importlib.import_module(f"consultation.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        found.extend(value for value in vars(module).values()
                     if isinstance(value, type) and issubclass(value, wtforms.Form)
                     and value.__module__ == module.__name__)
    return found


def test_every_form_has_the_shared_base():
    """No form of a domain skips the base (it would keep the browser's CRLF)."""
    classes = all_form_classes()
    assert len(classes) > 30
    for form_class in classes:
        if issubclass(form_class, flask_wtf.FlaskForm):
            assert issubclass(form_class, Form), form_class
        else:
            assert issubclass(form_class, SubForm), form_class


class Sample(Form):
    """Every kind of text field, one with its own filters, and a nested row."""

    class Row(SubForm):
        note = TextAreaField()

    line = StringField(filters=STRIP)
    text = TextAreaField(filters=STRIP)
    password = PasswordField()
    number = IntegerField()
    rows = wtforms.FieldList(wtforms.FormField(Row), min_entries=1)


def test_text_fields_store_line_breaks_as_lf(app):
    """CRLF and lone CR become LF in every text field (nested rows too), before the field's own
    filters; other fields are left alone."""
    with app.test_request_context(method="POST"):
        form = Sample(formdata=MultiDict({
            "line": "  Un\r\ndeux\rtrois  ", "text": "Un.\r\n\r\n[[participation]]\r\n",
            "password": "a\r\nb", "number": "12", "rows-0-note": "x\r\ny"}), meta={"csrf": False})
        assert form.line.data == "Un\ndeux\ntrois"
        assert form.text.data == "Un.\n\n[[participation]]"
        assert form.password.data == "a\nb"
        assert form.number.data == 12
        assert form.rows[0].form.note.data == "x\ny"
        # Text given to the form as data (an edit form of an old row) is made LF too.
        assert Sample(formdata=None, data={"text": "a\r\nb"}).text.data == "a\nb"


def test_wtforms_messages_are_loaded_once_per_language(app, monkeypatch):
    """WTForms' own messages come in the page's language, read from disk once per language for
    the process (Flask-WTF would read them again on every request)."""
    loads: list[list[str]] = []
    real_load = support.Translations.load

    def counting_load(dirname: Any, locales: list[str], domain: str) -> Any:
        loads.append([str(locale) for locale in locales])
        return real_load(dirname, locales, domain)

    monkeypatch.setattr(core_forms, "_WTFORMS_TRANSLATIONS", {})
    monkeypatch.setattr(support.Translations, "load", counting_load)
    messages = []
    for language in ("fr", "fr", "en", "fr", "en"):
        with app.test_request_context(method="POST"):
            session["lang"] = language
            refresh()  # the test's app context outlives each request: its locale is cached
            form = Sample(formdata=MultiDict({"number": "douze"}), meta={"csrf": False})
            form.validate()
            messages.append(form.number.process_errors[0])
    assert loads == [["fr"], ["en"]]
    assert messages[0] == messages[1] == messages[3] != messages[2] == messages[4]
    assert messages[2] == "Not a valid integer value."

    monkeypatch.setitem(app.config, "WTF_I18N_ENABLED", False)
    with app.test_request_context(method="POST"):
        session["lang"] = "fr"
        refresh()
        form = Sample(formdata=MultiDict({"number": "douze"}), meta={"csrf": False})
        assert form.number.process_errors == ["Not a valid integer value."]
    assert len(loads) == 2


# --- "(obligatoire)" in the label -----------------------------------------------------------

class _Labels(HTMLParser):
    """The text of each label (by its `for`) and legend, the ids of the required controls, and
    any "(obligatoire)" written outside a label or legend."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.labels: dict[str, str] = {}
        self.legends: list[str] = []
        self.required: list[str] = []
        self.stray = 0
        self._open: list[str] = []  # label `for` values or "legend", innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "input" and attr.get("type") == "radio" and "required" in attr:
            # A choice's own label is the option: the group's legend carries the mark.
            assert self.legends and self.legends[-1].split()[-1:] == [REQUIRED], self.legends
        elif tag in ("input", "textarea", "select") and "required" in attr:
            self.required.append(attr.get("id", ""))
        if tag == "label":
            self._open.append(attr.get("for", ""))
            self.labels.setdefault(attr.get("for", ""), "")
        elif tag == "legend":
            self._open.append("legend")
            self.legends.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("label", "legend") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._open:
            self.stray += data.count(REQUIRED)
        elif self._open[-1] == "legend":
            self.legends[-1] += data
        else:
            self.labels[self._open[-1]] += data


def labels_of(response: Any) -> _Labels:
    """The page's labels, checked: each required control's label holds "(obligatoire)", and
    the word stands nowhere else."""
    assert response.status_code == 200
    parser = _Labels()
    parser.feed(response.get_data(as_text=True))
    assert parser.stray == 0
    for control in parser.required:
        label = " ".join(parser.labels[control].split())
        assert label.endswith(REQUIRED), (control, label)
    return parser


def test_required_mark_is_part_of_the_label(client, as_role, app):
    """Registration, login, a proposal, the comment box, a report, an answer, a moderation
    reason, and the same forms on a shared terminal: "(obligatoire)" is in the label (or the
    legend of a group of choices), as one text with the field's name."""
    assert " ".join(labels_of(client.get("/compte/inscription")).labels["email"].split()) == (
        "Adresse électronique (obligatoire)")
    labels_of(client.get("/compte/connexion"))
    labels_of(client.get("/compte/mot-de-passe-oublie"))

    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    citizen = as_role("citizen")
    new = labels_of(citizen.get(f"/projets/{proposal.project.slug}/propositions/nouvelle"))
    assert len(new.required) >= 2
    box = labels_of(citizen.get(f"/propositions/{proposal.id}"))
    assert any(re.sub(r"\s+", " ", legend).strip() == f"Votre position {REQUIRED}"
               for legend in box.legends)
    assert box.required
    report = labels_of(citizen.get(f"/signaler/proposal/{proposal.id}"))
    assert any(legend.split() and legend.split()[-1] == REQUIRED for legend in report.legends)
    labels_of(as_role("citizen", "admin").get(f"/propositions/{proposal.id}/reponse"))
    labels_of(as_role("moderator").get(f"/moderation/comptes/{proposal.author_id}"))

    kiosk = app.test_client()
    kiosk.get("/borne")
    labels_of(kiosk.get("/compte/inscription"))
    labels_of(kiosk.get("/compte/connexion"))


@pytest.mark.parametrize("url", ["/compte/connexion"])
def test_a_refused_form_keeps_the_mark_in_its_label(client, url):
    """Sent empty, the form comes back with its errors and the mark still in each label."""
    refused = client.post(url, data={})
    assert refused.status_code in (200, 422)
    parser = _Labels()
    parser.feed(refused.get_data(as_text=True))
    assert parser.stray == 0
    assert all(parser.labels[control].split()[-1] == REQUIRED for control in parser.required)
