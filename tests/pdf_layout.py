"""Reading a laid-out PDF as a person does, page by page: where its text lines sit, whether a
table row or a list item was cut by a page break, whether a page is nearly empty, whether two
chart labels read alike, and what the cover holds. Shared by the PDF tests."""

from __future__ import annotations

import html as html_lib
import io
import re
from dataclasses import dataclass

import pypdf

MM = 72 / 25.4  # PDF points in a millimetre
# static/print.css: A4, body between 20 mm from the top and 22 mm from the bottom.
PAGE_HEIGHT = 297 * MM
BODY_TOP = PAGE_HEIGHT - 20 * MM
BODY_BOTTOM = 22 * MM
FOOTER_TOP = 16 * MM  # the running footer (title, page number) is centred in the bottom margin


@dataclass(frozen=True)
class Line:
    """A line of text on a page: the baseline's height from the page's bottom, in points."""

    y: float
    text: str


@dataclass(frozen=True)
class Page:
    """A page's lines from top to bottom (page footer excluded) and its whole text, with
    whitespace (French no-break spaces included) collapsed to single spaces."""

    number: int
    lines: tuple[Line, ...]
    text: str


def plain(text: str) -> str:
    """Text with every run of whitespace (no-break and narrow no-break spaces too) as one space."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def read(content: bytes) -> list[Page]:
    """The pages of a PDF, their lines placed by pypdf's text visitor."""
    pages = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(content)).pages, start=1):
        pieces: dict[float, list[tuple[float, str]]] = {}

        def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object,
                  pieces: dict[float, list[tuple[float, str]]] = pieces) -> None:
            if not text.strip():
                return
            # The text matrix's origin, placed on the page by the current transformation.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.setdefault(round(y), []).append((x, text))

        text = page.extract_text(visitor_text=visit)
        lines = tuple(
            Line(y, plain(" ".join(piece for _x, piece in sorted(pieces[y]))))
            for y in sorted(pieces, reverse=True)
            if y > FOOTER_TOP
        )
        pages.append(Page(number, lines, plain(text)))
    return pages


def filled(page: Page) -> float:
    """How far down the body the page's text reaches, from 0 (empty) to 1 (full)."""
    if not page.lines:
        return 0.0
    return (BODY_TOP - min(line.y for line in page.lines)) / (BODY_TOP - BODY_BOTTOM)


def nearly_empty(pages: list[Page], least: float = 1 / 3) -> list[int]:
    """The pages, between the contents (page 2) and the last, whose text stops before `least`
    of the body's height: a page holding an orphan row or a lone short section."""
    return [page.number for page in pages[2:-1] if filled(page) < least]


_TAG = re.compile(r"<[^>]+>")


def _cell_text(fragment: str) -> str:
    """The words of an HTML fragment, as a PDF reader extracts them (drawings carry none)."""
    fragment = re.sub(r"<svg\b.*?</svg>", " ", fragment, flags=re.DOTALL)
    return plain(html_lib.unescape(_TAG.sub(" ", fragment)))


def rows(print_html: str) -> list[str]:
    """The text of every table body row and of every annex item of a print document."""
    found = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", print_html, flags=re.DOTALL):
        found += [_cell_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]
    for annex in re.findall(r'<ul class="annex-list">(.*?)</ul>', print_html, re.DOTALL):
        found += [_cell_text(item) for item in re.findall(r"<li>(.*?)</li>", annex, re.DOTALL)]
    return [row for row in found if row]


def tables(print_html: str) -> list[tuple[str, list[str]]]:
    """Each table of a print document that has a header row: its header's text, its rows'."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", print_html, flags=re.DOTALL):
        head = re.search(r"<thead>(.*?)</thead>", table, flags=re.DOTALL)
        if head:
            body = re.findall(r"<tbody>.*?</tbody>", table, flags=re.DOTALL)
            found.append((_cell_text(head.group(1)),
                          [_cell_text(row) for row in re.findall(r"<tr>(.*?)</tr>",
                                                                 "".join(body), re.DOTALL)]))
    return found


def prints(page: Page, text: str) -> bool:
    """Whether the page prints these words in a row, as whole words ("Plouzané 1 1" is not
    in "Plouzané 1 13 473")."""
    return f" {text} " in f" {page.text} "


def split_rows(print_html: str, pages: list[Page]) -> list[str]:
    """The rows of the document that no single page prints whole (a page break cut them)."""
    return [row for row in rows(print_html) if not any(prints(page, row) for page in pages)]


def alike_cut_labels(page: Page) -> list[str]:
    """Lines of the page that end with "…" and are printed more than once on it: labels cut
    so short that two of them read the same."""
    cut = [line.text for line in page.lines if line.text.endswith("…")]
    return sorted({text for text in cut if cut.count(text) > 1})


def lowest(page: Page) -> float:
    """The height from the page's bottom of its lowest line of text, in millimetres."""
    return min(line.y for line in page.lines) / MM


def highest(page: Page) -> float:
    """The height from the page's bottom of its highest line of text, in millimetres."""
    return max(line.y for line in page.lines) / MM
