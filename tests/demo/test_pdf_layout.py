"""The demo's PDFs read as a publication for elected officials, checked on the PDF itself, page
by page: a cover filling the first page, no table row cut by a page break, no page nearly empty
or holding an orphan row, no two chart labels cut to the same words.

The demo is loaded once for the module, and the PDFs it builds (its synthesis and the Rencontres
dossier) are the ones read: no PDF is laid out twice. SQLite only: the layout does not depend on
the database, and the load costs seconds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from consultation.extensions import db
from consultation.syntheses import render
from tests import pdf_layout
from tests.conftest import data_for_module, on_module_data

WORDMARK = Path(__file__).resolve().parents[2] / "static" / "brand" / "wordmark.svg"

pytestmark = [
    pytest.mark.xdist_group("demo"),
    pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True),
]


@dataclass(frozen=True)
class Printed:
    """A PDF the demo load built, with the print HTML it was laid out from."""

    html: str
    pages: list[pdf_layout.Page]


@pytest.fixture(scope="module")
def loaded(database_uri: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Flask, dict[str, Printed]]]:
    """The demo loaded once; its last synthesis version's PDF and its dossier, as built."""
    built: list[tuple[str, bytes]] = []
    lay_out = render.write_pdf

    def keep(print_html: str) -> bytes:
        """Lay out as usual, and keep the HTML with the PDF."""
        content = lay_out(print_html)
        built.append((print_html, content))
        return content

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "write_pdf", keep)
        with data_for_module(database_uri, tmp_path_factory) as application:
            result = application.test_cli_runner().invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
    syntheses = [pair for pair in built if "<title>Synthèse de la consultation" in pair[0]]
    dossiers = [pair for pair in built if "— dossier</title>" in pair[0]]
    assert syntheses and len(dossiers) == 1
    documents = {name: Printed(source, pdf_layout.read(content))
                 for name, (source, content) in (("synthesis", syntheses[-1]),
                                                 ("dossier", dossiers[0]))}
    yield application, documents


@pytest.fixture
def app(loaded: tuple[Flask, dict[str, Printed]]) -> Iterator[Flask]:
    """The application on the loaded demo (overrides the clean-database `app`)."""
    with on_module_data(loaded[0]) as application:
        yield application


@pytest.fixture(params=["synthesis", "dossier"])
def printed(request: pytest.FixtureRequest, loaded: tuple[Flask, dict[str, Printed]]) -> Printed:
    """Each of the two PDFs in turn."""
    return loaded[1][request.param]


def test_no_table_row_or_annex_item_is_cut_by_a_page_break(printed: Printed) -> None:
    """Every row of every table, and every proposal of the annex, is printed whole on one
    page: a proposal's title and its numbers are read together."""
    assert len(pdf_layout.rows(printed.html)) > 50
    assert pdf_layout.split_rows(printed.html, printed.pages) == []


def test_table_headers_are_repeated_on_every_page_a_table_runs_onto(printed: Printed) -> None:
    """Every page that prints rows of a table prints its header row too."""
    ran_on = 0
    for header, body in pdf_layout.tables(printed.html):
        pages = [page for page in printed.pages
                 if any(pdf_layout.prints(page, row) for row in body)]
        assert all(pdf_layout.prints(page, header) for page in pages), (
            header, [page.number for page in pages])
        ran_on += len(pages) > 1
    assert ran_on >= 1  # at least one table of the demo runs onto a second page


def test_no_page_is_nearly_empty_between_the_contents_and_the_end(printed: Printed) -> None:
    """No page holds only an orphan row or a lone short section: each page between the
    contents and the last is filled at least a third of the way down."""
    assert len(printed.pages) >= 6
    assert pdf_layout.nearly_empty(printed.pages) == []


def test_no_two_chart_labels_on_a_page_are_cut_to_the_same_words(printed: Printed) -> None:
    """Long territory names wrap instead of all reading "Communauté de communes du Pays …"."""
    assert "Communauté de communes du Pays" in " ".join(
        page.text for page in printed.pages)
    assert [(page.number, pdf_layout.alike_cut_labels(page)) for page in printed.pages
            if pdf_layout.alike_cut_labels(page)] == []


def test_the_cover_fills_the_first_page_with_the_platforms_identity(printed: Printed) -> None:
    """Page 1 is a cover and only a cover: the wordmark at the top, the title, the date and
    whom the document is for, down to the foot of the page; the contents begin on page 2."""
    cover, contents = printed.pages[0], printed.pages[1]
    title = re.search(r'<span class="project">(.*?)</span>', printed.html)
    assert title is not None
    assert pdf_layout.plain(html.unescape(title.group(1))) in cover.text
    # The wordmark's own words, drawn from static/brand/wordmark.svg, come first.
    words = re.findall(r"<text[^>]*>(.*?)</text>", WORDMARK.read_text(encoding="utf-8"))
    assert words and [line.text for line in cover.lines[:len(words)]] == words
    # The first of a month is "1er" (demo data is dated from today).
    assert re.search(r"(publiée|publié) le (1er|\d{1,2}) \w+ 20\d\d", cover.text)
    assert "Document destiné aux élu·es de Brest métropole" in cover.text
    assert "Sommaire" not in cover.text and "La participation" not in cover.text
    assert re.search(r"\d+ / \d+", cover.text) is None
    assert pdf_layout.highest(cover) > 297 - 40  # the wordmark near the top edge
    assert pdf_layout.lowest(cover) < 35  # the foot near the bottom edge
    assert contents.lines[0].text == "Sommaire"


def test_html_chart_labels_are_never_cut_to_the_same_words(app: Flask) -> None:
    """The same charts on the synthesis web page: every label of a chart reads differently."""
    from consultation.syntheses.models import SynthesisVersion

    version = db.session.scalars(
        select(SynthesisVersion).order_by(SynthesisVersion.number.desc())).first()
    assert version is not None
    page = app.test_client().get(f"/projets/{version.project.slug}/synthese")
    assert page.status_code == 200
    charts = re.findall(r'<svg class="chart".*?</svg>', page.get_data(as_text=True), re.DOTALL)
    assert len(charts) >= 3
    seen_long = False
    for chart in charts:
        labels = [pdf_layout.plain(html.unescape(re.sub(r"<[^>]+>", " ", label)))
                  for label in re.findall(r'<text [^>]*text-anchor="end"[^>]*>(.*?)</text>',
                                          chart, re.DOTALL)]
        assert len(labels) == len(set(labels)), labels
        seen_long = seen_long or any(label.startswith("Communauté de communes du Pays")
                                     for label in labels)
    assert seen_long
