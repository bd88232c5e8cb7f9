"""Is an HTML page inert? What a page of the site may hold, checked on its server-side HTML.

The browser test checks the live DOM (tests/browser/test_xss_browser.py); this parses the HTML
the server sends (html.parser, as a browser would tokenise it), so the same pages are also
checked on PostgreSQL and in the e-mails and print (PDF) HTML, which no browser opens.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Elements the site never writes: one of them in a page came from user text. (`<details>` is
# the site's own, for the territorial table; one from user text is caught by its `on*` handler
# and by the sanitiser's allow-list, which has no `details`.)
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "img",
    "image", "video", "audio", "source", "picture", "math", "style", "template", "noscript",
    "xmp", "plaintext", "marquee", "isindex", "keygen", "foreignobject", "animate",
    "set", "use", "x",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc",
                  "background", "poster", "srcset"}
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# The site's own refresh: a document being built reloads itself.
OWN_SCRIPTS = ({"src": "/static/kiosk.js", "defer": ""},
               # what gives a refused form's error summary the focus
               {"src": "/static/forms.js", "defer": ""})
# The PDFs' cover: the platform's wordmark, a file of its own (user text has no <img>: the
# sanitiser's allow-list has none).
OWN_IMAGE = {"class": "wordmark", "src": "brand/wordmark.svg"}
SITE_REFRESH = re.compile(r"^\d+(;url=/(?![/\\])[\w/.-]*)?$")


def scheme_of(url: str) -> str | None:
    """The URL's scheme as a browser reads it (WHATWG URL parsing: leading and trailing C0
    controls and spaces stripped, tabs and newlines removed anywhere), or None if relative."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    found = _SCHEME.match(cleaned)
    return found.group(1).lower() if found else None


class Page(HTMLParser):
    """Every problem found in a document, and its text (as `textContent` would give it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.chunks: list[str] = []
        self.values: dict[str, list[str]] = {}
        self._in_head = False
        self._in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag == "svg":
            self._in_svg -= 1

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data[:60]}-->")

    def _own_script(self, tag: str, found: dict[str, str]) -> bool:
        # The site's scripts, files of its own in the head: a terminal's idle timer, and the
        # focus of a refused form's error summary.
        return ((tag == "script" and self._in_head and found in OWN_SCRIPTS)
                or (tag == "img" and {k: found.get(k) for k in OWN_IMAGE} == OWN_IMAGE
                    and set(found) == {"class", "src", "alt"}))

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "head":
            self._in_head = True
        if tag == "svg":
            self._in_svg += 1
            if self._in_svg > 1:
                self.problems.append("svg inside svg")
        if tag in FORBIDDEN_TAGS and not self._own_script(tag, found):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in found and not (
                self._in_head and SITE_REFRESH.match(found.get("content", ""))):
            self.problems.append(f"<meta http-equiv={found['http-equiv']!r}>")
        if tag == "link" and not (self._in_head and found.get("rel") in ("stylesheet", "icon")):
            self.problems.append("<link> outside the head")
        if tag == "a" and self._in_svg:
            self.problems.append("<a> inside svg")
        for name, value in found.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("style", "data-xss", "autofocus", "contenteditable", "srcdoc"):
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES:
                scheme = scheme_of(value)
                icon = tag == "link" and found.get("rel") == "icon" and value == "data:,"
                if scheme is not None and scheme not in SAFE_SCHEMES and not icon:
                    self.problems.append(f"<{tag} {name}={value[:60]!r}>")
        if tag in ("input", "textarea") and found.get("name"):
            self.values.setdefault(found["name"], []).append(found.get("value", ""))

    @property
    def text(self) -> str:
        """The document's text with whitespace runs made one space."""
        return " ".join("".join(self.chunks).split())


def parse(html: str) -> Page:
    """The page parsed and checked."""
    page = Page()
    page.feed(html)
    page.close()
    return page


def textarea_values(html: str) -> dict[str, str]:
    """The text of each named textarea of a page (what the form shows back)."""
    return {
        name: unescape(content)
        for name, content in re.findall(
            r'<textarea[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', html, re.DOTALL
        )
    }
