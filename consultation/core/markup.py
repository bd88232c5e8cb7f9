"""The single path for user text: markdown source -> sanitised HTML.

Python-Markdown turns the source into HTML (raw HTML in the source passes through it), then nh3
keeps only the allow-list below. A participant's text (a proposal, a comment) keeps the line
breaks typed inside a paragraph, as people expect of a comment box (Python-Markdown's nl2br);
the texts of moderators and administrators (projects, syntheses, follow-up) follow markdown's
own rule, where one line break is a space, as they always have: published syntheses and their
PDFs stay as they were. Links get rel="nofollow noopener ugc"; only http, https and
mailto URLs survive. bleach is not used: its maintainers ended it in June 2026.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "a", "h2", "h3", "h4", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener ugc"
MAX_CACHED = 4096
# Python-Markdown takes quadratic time on many unclosed "[" (links, "<![") or "<" (raw HTML):
# 5,000 "[a" take seconds. Past these counts the text is shown as plain escaped paragraphs.
MAX_OPENERS = {"[": 500, "<": 1000}


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _as_paragraphs(source: str) -> str:
    """The text without markdown: escaped, with its paragraphs and line breaks kept."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", source) if part.strip()]
    return "\n".join(
        "<p>" + str(escape(part)).replace("\n", "<br>\n") + "</p>" for part in paragraphs
    )


def _markdown(source: str, breaks: bool) -> str:
    if any(source.count(opener) > limit for opener, limit in MAX_OPENERS.items()):
        return _as_paragraphs(source)
    extensions = ["sane_lists", "nl2br"] if breaks else ["sane_lists"]
    try:
        return md.markdown(source, extensions=extensions, output_format="html")
    except RecursionError:  # hundreds of nested list markers: "- - - - ... x"
        return _as_paragraphs(source)


@lru_cache(maxsize=MAX_CACHED)
def _render(source: str, breaks: bool = False) -> str:
    # Headings are shifted down so user text never competes with the page's own h1.
    html = _markdown(source, breaks)
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return _sanitise(html)


def render(source: str | None) -> Markup:
    """Render markdown written by a user as safe HTML (cached by source text)."""
    if not source:
        return Markup("")
    return Markup(_render(source))


def contribution(source: str | None) -> Markup:
    """Render a participant's markdown as safe HTML, each line break typed kept (cached)."""
    if not source:
        return Markup("")
    return Markup(_render(source, True))


def plain(source: str | None, length: int = 200) -> str:
    """A plain-text excerpt of markdown text, for lists and summaries (escaped by Jinja)."""
    if not source:
        return ""
    return _plain(source, length)


# Kept by source text as the rendering is: a page's description is made on every request.
@lru_cache(maxsize=MAX_CACHED)
def _plain(source: str, length: int) -> str:
    text = nh3.clean(_render(source), tags=set()).strip()
    text = " ".join(text.split())
    import html

    text = html.unescape(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
