"""Helpers: reading forms back from rendered pages, and reading rows fresh from the database."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from consultation.extensions import db


class FormReader(HTMLParser):
    """Collects input values, selected options, field errors and summary errors of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str | None] = {}
        self.types: dict[str, str] = {}
        self.field_errors: dict[str, str] = {}
        self.summary: list[str] = []
        self._select: str | None = None
        self._error_id: str | None = None
        self._in_summary = 0
        self._in_li = False
        self._li_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        name = attr.get("name")
        if tag == "input" and name:
            self.types[name] = attr.get("type") or "text"
            if attr.get("type") in ("checkbox", "radio"):
                if "checked" in attr:
                    self.values[name] = attr.get("value") or "y"
                else:
                    self.values.setdefault(name, None)
            else:
                self.values[name] = attr.get("value")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, None)
        elif tag == "option" and self._select and "selected" in attr:
            self.values[self._select] = attr.get("value")
        elif tag == "p" and "field-error" in (attr.get("class") or ""):
            self._error_id = (attr.get("id") or "").removesuffix("-erreur")
            self.field_errors[self._error_id] = ""
        elif tag == "div" and "error-summary" in (attr.get("class") or ""):
            self._in_summary += 1
        elif tag == "li" and self._in_summary:
            self._in_li, self._li_text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "p":
            self._error_id = None
        elif tag == "li" and self._in_li:
            self.summary.append(" ".join(self._li_text.split()))
            self._in_li = False
        elif tag == "div" and self._in_summary:
            self._in_summary -= 1

    def handle_data(self, data: str) -> None:
        if self._error_id is not None:
            self.field_errors[self._error_id] += data
        if self._in_li:
            self._li_text += data


def read(html: str | bytes) -> FormReader:
    """Parse a page (text or the bytes of a response)."""
    reader = FormReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    reader.close()
    return reader


def fresh(model: type, ident: Any) -> Any:
    """The row as the database has it now (the test's session may hold an old snapshot)."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, ident)
