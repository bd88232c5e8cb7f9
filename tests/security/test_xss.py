"""Cross-site scripting: the corpus in every field, every page that shows it stays inert.

Server side, on SQLite and PostgreSQL: the HTML of each page, of each form shown again, of the
e-mails and of the print HTML of the PDFs holds no active content, and shows the payloads as
text. tests/browser/test_xss_browser.py opens the same pages in Chromium.
"""

from __future__ import annotations

import email
import importlib
import inspect
import pkgutil
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, IntegerField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

import consultation
from consultation.core.markup import render
from consultation.syntheses import render as print_render
from tests.conftest import login
from tests.security import inert
from tests.security.xss_payloads import (
    EFFECTS,
    MARK,
    MAX_LENGTH,
    PAYLOADS,
    TEMPLATES,
    marker,
    revealed,
)
from tests.security.xss_seed import (
    EXCLUDED,
    FIELDS,
    KINDS,
    NUMBERS,
    expectations,
    seed,
    whitespace,
)

STAND_IN = b"%PDF-1.7\n% stand-in\n%%EOF\n"


def text_fields_of(form: type[Form], found: set[str]) -> set[str]:
    """Add "Form.field" for each text field of `form` and of the forms nested in it (a
    FormField, or a FieldList of them, is named after its own form class)."""
    for attribute in dir(form):
        unbound = getattr(form, attribute)
        if not isinstance(unbound, UnboundField):
            continue
        while issubclass(unbound.field_class, FieldList):  # the field each entry is made of
            unbound = unbound.args[0] if unbound.args else unbound.kwargs["unbound_field"]
        if issubclass(unbound.field_class, StringField):
            found.add(f"{form.__name__}.{attribute}")
        elif issubclass(unbound.field_class, FormField):
            text_fields_of(unbound.args[0] if unbound.args else unbound.kwargs["form_class"],
                           found)
    return found


def form_text_fields() -> set[str]:
    """"Form.field" for every text field (StringField and its kinds) of consultation's forms,
    nested forms included."""
    found: set[str] = set()
    for info in pkgutil.iter_modules(consultation.__path__):
        try:
            module = importlib.import_module(f"consultation.{info.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, form in inspect.getmembers(module, inspect.isclass):
            # FlaskForm is untyped: the check on Form tells the type checker what it is.
            if not issubclass(form, FlaskForm) or not issubclass(form, Form) \
                    or form.__module__ != module.__name__:
                continue
            text_fields_of(form, found)
    return found


# --- The corpus -------------------------------------------------------------------------------


def test_corpus_has_over_a_hundred_distinct_payloads():
    """At least 100 payloads, all different, each short enough for a display name."""
    assert len(PAYLOADS) >= 100
    assert len(set(TEMPLATES)) == len(TEMPLATES)
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert all(len(p) <= MAX_LENGTH for p in PAYLOADS)
    assert all(MARK not in p for p in PAYLOADS)


@pytest.mark.parametrize("number", NUMBERS)
def test_every_payload_has_an_observable_effect(number):
    """Each payload, were it to run, opens a dialog, logs, retitles or marks its number."""
    text = revealed(PAYLOADS[number - 1])
    assert any(effect in text for effect in (*EFFECTS, "\\u0061lert")), text
    assert marker(number) in text or f"data-xss={number}" in text \
        or f'data-xss="{number}"' in text, text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_renders_every_payload_inert(payload):
    """Alone and inside ordinary markdown, the markdown path leaves nothing active."""
    for source in (payload, f"# Titre\n\nDu **texte**.\n\n{payload}\n\n- un\n- deux\n"):
        html = str(render(source))
        assert inert.parse(html).problems == [], html
        assert "<script" not in html.lower()


def test_every_text_field_of_every_form_is_covered():
    """A text field added to a form must be listed with where its payloads go (or why none)."""
    fields = form_text_fields()
    assert fields, "no form found"
    missing = fields - set(FIELDS) - EXCLUDED
    assert not missing, f"text fields not covered by the XSS tests: {sorted(missing)}"
    assert not (set(FIELDS) | EXCLUDED) - fields, "listed fields that no longer exist"
    for name in EXCLUDED:
        form, attribute = name.split(".")
        assert "Password" in f"{form}.{attribute}" or attribute in ("password", "confirm",
                                                                    "current")
    stored = {kind.removeprefix("stored:") for kinds in FIELDS.values() for kind in kinds
              if kind.startswith("stored:")}
    assert stored == set(KINDS)


def test_field_coverage_sees_the_fields_of_nested_forms():
    """The text fields of a form nested in another (FormField, FieldList of FormField, a list
    of text fields) are found, under the nested form's name; other fields are not."""

    class Row(Form):
        title = StringField()
        body = TextAreaField()
        count = IntegerField()

    class Address(Form):
        street = StringField()

    class Outer(FlaskForm):
        name = StringField()
        rows = FieldList(FormField(Row), min_entries=2)
        address = FormField(Address)
        tags = FieldList(StringField())
        number = IntegerField()

    assert text_fields_of(Outer, set()) == {"Outer.name", "Row.title", "Row.body",
                                            "Address.street", "Outer.tags"}
    assert {"WorkshopRowForm.title", "WorkshopRowForm.body"} <= form_text_fields()


# --- Stored payloads: the pages that show them -----------------------------------------------


@pytest.fixture
def printed(monkeypatch) -> list[str]:
    """PDFs replaced by a stand-in; the print HTML they would be laid out from is kept."""
    pages: list[str] = []

    def stand_in(html: str) -> bytes:
        pages.append(html)
        return STAND_IN

    monkeypatch.setattr(print_render, "write_pdf", stand_in)
    return pages


def client_for(app, seeded, who: str):
    """A test client, logged in as `who` unless anonymous; for a session of
    `seeded.sessions` (acting for someone, a kiosk), logged in as its person and started."""
    client = app.test_client()
    session = seeded.sessions.get(who)
    person = session.person if session else None if who == "anonymous" else who
    if person is not None:
        login(client, seeded.people[person])
    if session is not None:
        response = client.open(session.start, method=session.method.upper())
        assert response.status_code == 302, (who, response.status_code)
    return client


def test_pages_mails_and_pdfs_stay_inert_and_show_the_corpus(app, printed):
    """Each page is free of active content and shows every payload placed in its fields; so
    are the e-mails and the print HTML of the PDFs; a PDF's file name holds no user text."""
    seeded = seed()
    pages_show_the_corpus_as_inert_text(app, seeded)
    script_text_reaches_pages_escaped(app, seeded)
    emails_and_print_html_are_inert(app, printed)
    pdf_file_names_carry_no_user_text(app, seeded)


def pages_show_the_corpus_as_inert_text(app, seeded) -> None:
    """Each page is free of active content and shows every payload placed in its fields."""
    shown: dict[str, list[str]] = {}
    clients: dict[str, Any] = {}
    for page in seeded.pages:
        client = clients.setdefault(page.who, client_for(app, seeded, page.who))
        response = client.get(page.path)
        assert response.status_code == 200, page.path
        parsed = inert.parse(response.get_data(as_text=True))
        assert parsed.problems == [], (page.path, parsed.problems[:10])
        for kind in page.kinds:
            shown.setdefault(kind, []).append(parsed.text)
        if page.who == "acting":
            assert seeded.banner in parsed.text, page.path
    checked: dict[str, set[int]] = {}
    for kind in seeded.placements:
        texts = " ".join(shown[kind])
        for text, numbers in expectations(seeded, kind):
            assert text in texts, (kind, numbers, text[:200])
            checked.setdefault(kind, set()).update(numbers)
    assert set(checked) == set(KINDS)
    assert all(numbers == set(NUMBERS) for numbers in checked.values())


def script_text_reaches_pages_escaped(app, seeded) -> None:
    """A payload in a code span shows as the literal text `<script>...`, escaped."""
    number = TEMPLATES.index("`<script>alert('XSS-§')</script>`") + 1
    client = client_for(app, seeded, "anonymous")
    pages = [p.path for p in seeded.pages if p.path.startswith("/propositions/")]
    html = "".join(client.get(path).get_data(as_text=True) for path in pages)
    assert f"<code>&lt;script&gt;alert('XSS-{number}')&lt;/script&gt;</code>" in html
    assert f"<script>alert('XSS-{number}')" not in html


def emails_and_print_html_are_inert(app, printed: list[str]) -> None:
    """The e-mails sent about the data (HTML part) and the HTML laid out as PDFs are inert."""
    outbox = Path(app.config["OUTBOX_DIR"])
    messages = sorted(outbox.glob("*.eml"))
    assert messages, "no e-mail was sent"
    htmls = 0
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                htmls += 1
                parsed = inert.parse(part.get_content())
                assert parsed.problems == [], (path.name, parsed.problems[:5])
    assert htmls
    assert len(printed) >= 2  # the synthesis versions and the Rencontres dossier
    for html in printed:
        parsed = inert.parse(html)
        assert parsed.problems == [], parsed.problems[:5]
    assert "«narrative 1»" in printed[0]


def pdf_file_names_carry_no_user_text(app, seeded) -> None:
    """A PDF's Content-Disposition name is built from the slug, never from a raw title."""
    from consultation.core.documents import Document
    from consultation.extensions import db

    names = [d.filename for d in db.session.scalars(db.select(Document))]
    assert names
    for name in names:
        assert all(c.isascii() and (c.isalnum() or c in "-._") for c in name), name
    slug = next(p.path for p in seeded.pages if p.path.endswith("/synthese")).split("/")[2]
    response = app.test_client().get(f"/projets/{slug}/synthese/v1/pdf")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'inline; filename="synthese-{slug}-v1.pdf"'
    assert "<" not in disposition and "'" not in disposition


# --- Reflected payloads: forms refused and shown again ----------------------------------------


def test_refused_forms_show_the_typed_corpus_as_inert_text(app, printed):
    """Every form, sent with the corpus in its text fields, is refused and shows it back; pages
    asked for with the corpus in their query parameters or path stay inert."""
    seeded = seed(run_jobs=False)
    for spec in seeded.reflected:
        client = client_for(app, seeded, spec.who)
        if spec.method == "get":
            response = client.get(f"{spec.post_to}?{urlencode(spec.values)}")
        else:
            response = client.post(spec.post_to, data=spec.values)
        assert response.status_code in (200, 400, 422), (spec.form, response.status_code)
        html = response.get_data(as_text=True)
        parsed = inert.parse(html)
        assert parsed.problems == [], (spec.form, parsed.problems[:10])
        assert "Le formulaire n'a pas été enregistré" in html or spec.method == "get", spec.form
        areas = inert.textarea_values(html)
        for name, value in spec.values.items():
            shown = [*parsed.values.get(name, []), areas.get(name, "")]
            assert any(whitespace(value) == whitespace(v) for v in shown), (spec.form, name)
    for page in seeded.queries:
        response = client_for(app, seeded, page.who).get(page.path)
        assert response.status_code in (200, 404), (page.path[:80], response.status_code)
        parsed = inert.parse(response.get_data(as_text=True))
        assert parsed.problems == [], (page.path[:80], parsed.problems[:10])
    assert {spec.form for spec in seeded.reflected} == {
        kind.removeprefix("reflected:") for kinds in FIELDS.values() for kind in kinds
        if kind.startswith("reflected:")}


def test_chart_labels_are_escaped_inside_svg(app):
    """Proposal titles drawn as SVG chart labels (and the chart's name) stay text."""
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string(
            '{% from "_macros/charts.html" import bars %}'
            "{{ bars('graphique', title, labels, [('supports', 'Soutiens', values)]) }}",
            title=PAYLOADS[0], labels=PAYLOADS, values=list(range(len(PAYLOADS))),
        )
    parsed = inert.parse(html)
    assert parsed.problems == []
    assert html.count("<text ") == 2 * len(PAYLOADS)
    assert "&lt;script&gt;alert(&#39;XSS-1&#39;)" in html


def test_only_the_sites_own_refresh_is_allowed():
    """A refresh in the head to a page of the site passes; to another host, to a script, or
    outside the head, it is reported."""
    allowed = ('<meta http-equiv="refresh" content="5">',
               '<meta http-equiv="refresh" content="605;url=/borne/fin">')
    refused = ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
               '<meta http-equiv="refresh" content="0;url=//exemple.com/">',
               '<meta http-equiv="refresh" content="0;url=/\\exemple.com/">',
               '<meta http-equiv="refresh" content="0;url=https://exemple.com/">')
    for meta in allowed:
        assert inert.parse(f"<html><head>{meta}</head><body></body></html>").problems == []
        assert inert.parse(f"<html><head></head><body>{meta}</body></html>").problems
    for meta in refused:
        assert inert.parse(f"<html><head>{meta}</head><body></body></html>").problems, meta
