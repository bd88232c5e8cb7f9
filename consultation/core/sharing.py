"""What a page says of itself when shared: its description, its address, a mail to send it.

No third-party script or button: Open Graph tags in the page's head (base.html) give link
previews, and the share box (`_macros/share.html`) is a read-only field holding the address and
a `mailto:` link; both work without JavaScript and load nothing from another host.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Flask, current_app, request

from consultation.core import markup

DESCRIPTION_LENGTH = 160  # what search engines and link previews show
# A synthesis places its figure blocks with a line "[[name]]": not words to describe it with.
_BLOCK_MARKER = re.compile(r"^[ \t]*\[\[[\w-]+\]\][ \t]*\r?$", re.MULTILINE)


def describe(source: str | None, length: int = DESCRIPTION_LENGTH) -> str:
    """A plain-text description of markdown text, at most `length` characters."""
    return markup.plain(_BLOCK_MARKER.sub("", source or ""), length)


def public_url(path: str | None = None) -> str:
    """The address of a page (this request's, by default) on the public site (PUBLIC_URL)."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return base + (request.path if path is None else path)


def mailto(subject: str, body: str) -> str:
    """A `mailto:` address with no recipient, its subject and body encoded (RFC 6068)."""
    return f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def init_app(app: Flask) -> None:
    """Give templates the description filter, the public address and the mail link."""
    app.jinja_env.filters.update(describe=describe)
    app.jinja_env.globals.update(public_url=public_url, mailto=mailto)
