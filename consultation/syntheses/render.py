"""Turning a synthesis into pages: the narrative around its figures, and the PDF.

A moderator places a figure block in the narrative with a line of its own, such as
`[[plus-soutenues]]`; the blocks not placed follow the narrative in their default order. The
blocks other domains register (syntheses/blocks.py, e.g. `[[suivi]]`) show only where placed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from consultation.core import markup
from consultation.syntheses import blocks
from consultation.syntheses.figures import BLOCKS

_MARKER = re.compile(r"^[ \t]*\[\[([a-z-]+)\]\][ \t]*$", re.MULTILINE)
PRINT_CSS = Path(__file__).resolve().parent.parent.parent / "static" / "print.css"


_HEADING = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Part:
    """A piece of the synthesis body: rendered narrative, or the name of a figure block.

    `headings`: the (id, text) of the narrative's own sections, for the PDF's contents.
    """

    html: Markup | None = None
    block: str | None = None
    headings: tuple[tuple[str, str], ...] = ()


def _narrative(source: str, key: str, counter: list[int]) -> Part:
    headings: list[tuple[str, str]] = []

    def anchor(match: re.Match[str]) -> str:
        counter[0] += 1
        anchor_id = f"texte{key}-{counter[0]}"
        # The heading's text is already sanitised HTML; the contents only need its words.
        headings.append((anchor_id, Markup(_TAG.sub("", match.group(1))).unescape()))
        return f'<h2 id="{anchor_id}">{match.group(1)}</h2>'

    html = _HEADING.sub(anchor, str(markup.render(source)))
    return Part(html=Markup(html), headings=tuple(headings))


def parts(narrative: str, key: str = "") -> list[Part]:
    """The narrative cut at its block markers, then every block it did not place.

    `key` keeps heading ids unique when several syntheses share one document.
    """
    # Versions published before the forms made line breaks LF hold the browser's CRLF, frozen:
    # `$` would not match before a CR and their markers would show as text.
    narrative = narrative.replace("\r\n", "\n").replace("\r", "\n")
    found: list[Part] = []
    placed: set[str] = set()
    counter = [0]
    position = 0
    for match in _MARKER.finditer(narrative):
        name = match.group(1)
        if (name not in BLOCKS and name not in blocks.registered()) or name in placed:
            continue  # an unknown or repeated marker stays in the text as written
        before = narrative[position:match.start()]
        if before.strip():
            found.append(_narrative(before, key, counter))
        found.append(Part(block=name))
        placed.add(name)
        position = match.end()
    rest = narrative[position:]
    if rest.strip():
        found.append(_narrative(rest, key, counter))
    # The built-in blocks not placed follow; a registered block shows only where placed.
    found.extend(Part(block=name) for name in BLOCKS if name not in placed)
    return found


def write_pdf(html: str) -> bytes:
    """Lay out print HTML as a tagged A4 PDF (PDF/UA); title, language and author come from
    the HTML's <title>, lang and <meta name="author">."""
    # Imported here: WeasyPrint loads Pango at import, which web requests never need.
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=str(PRINT_CSS.parent))
    return document.write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))],
        pdf_variant="pdf/ua-1",
    )


def render_print(template: str, **context: Any) -> str:
    """Render a print template in French, with links pointing at the public site."""
    with force_locale("fr"), current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"]
    ):
        return render_template(template, **context)


def synthesis_pdf(project: Any, figures: dict[str, Any], narrative: str, *, number: int | None,
                  published_at: Any, change_note: str = "") -> bytes:
    """The PDF of a synthesis: cover, contents, narrative and figures, annex of proposals."""
    html = render_print(
        "syntheses/pdf.html",
        project=project,
        figures=figures,
        parts=parts(narrative),
        number=number,
        published_at=published_at,
        change_note=change_note,
    )
    return write_pdf(html)
