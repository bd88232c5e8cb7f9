"""Forms sent as a browser sends them: every control of the clicked button's form as the page
shows it (hidden fields, selected options, ticked boxes only), line breaks as CRLF, the button's
own name and value. Tests that post what a person would post use `submit`."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    """The forms of a page as a browser sees them: action, method, controls and buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._button: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"action": attr.get("action", ""), "method": attr.get("method", "get"),
                          "fields": [], "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attr.get("type") == "submit":
            # A submit input is a button whose text is its value, sent only when clicked.
            self._form["buttons"].append({"name": attr.get("name", ""),
                                          "value": attr.get("value", ""),
                                          "text": attr.get("value", "")})
        elif tag == "input" and attr.get("name"):
            kind = attr.get("type", "text")
            if kind in ("button", "reset", "image"):
                return
            if kind not in ("radio", "checkbox") or "checked" in attr:
                self._form["fields"].append([attr["name"], attr.get("value", ""), kind])
        elif tag == "textarea":
            self._textarea = attr["name"]
            self._form["fields"].append([attr["name"], "", "textarea"])
        elif tag == "select":
            self._select = attr["name"]
            self._form["fields"].append([attr["name"], None, "select"])
        elif tag == "option" and self._select:
            field = self._form["fields"][-1]
            if field[1] is None or "selected" in attr:
                field[1] = attr.get("value", "")
        elif tag == "button":
            self._button = {"name": attr.get("name", ""), "value": attr.get("value", ""),
                            "text": ""}
            self._form["buttons"].append(self._button)

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form:
            self._form["fields"][-1][1] += data
        elif self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "button":
            self._button = None


def _as_sent(value: str, kind: str) -> str:
    # The parser of the page drops the newline that opens a textarea and reads every line break
    # as LF; the form sends each line break as CRLF.
    if kind == "textarea":
        value = value.removeprefix("\r\n").removeprefix("\n")
    return re.sub(r"\r\n|\r|\n", "\r\n", value)


def form_of(page: Any, button: str, changes: dict[str, str] | None = None
            ) -> tuple[str | None, str, dict[str, str]]:
    """The form of the button labelled `button` on `page` (a response): its action (None: the
    page's own address), its method and what a browser sends when the button is clicked, with
    `changes` typed over it. A browser sends the same body again after a 307."""
    parser = _Forms()
    parser.feed(page.get_data(as_text=True))
    for form in parser.forms:
        for clicked in form["buttons"]:
            if re.sub(r"[ \t\r\n]+", " ", clicked["text"]).strip() == button:
                data = {name: _as_sent(value or "", kind) for name, value, kind in form["fields"]}
                data.update(changes or {})
                if clicked["name"]:
                    data[clicked["name"]] = clicked["value"]
                return form["action"] or None, form["method"].lower(), data
    raise AssertionError(f"no button {button!r} on the page")


def submit(client: Any, url: str, page: Any, button: str,
           changes: dict[str, str] | None = None) -> Any:
    """Click the button labelled `button` on `page` (a response of `url`) as a browser would:
    every control of its form sent as shown, with `changes` typed over them."""
    action, method, data = form_of(page, button, changes)
    if method == "post":
        return client.post(action or url, data=data)
    return client.get(action or url, query_string=data)
