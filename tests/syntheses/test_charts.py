"""The bar charts' labels (templates/_macros/charts.html), on the web pages and in the PDFs:
long labels wrap on two lines and are cut only where the cut form stays unlike any other."""

from __future__ import annotations

import html
import re

from flask import Flask, render_template_string

CHART = ('{% from "_macros/charts.html" import bars %}'
         '{{ bars("graphique", "Un graphique", labels,'
         ' [("participants", "Participant·es", values)]) }}')


def drawn(app: Flask, labels: list[str]) -> list[list[str]]:
    """The lines each label of a one-series chart is drawn on, read from its SVG."""
    with app.test_request_context():
        svg = render_template_string(CHART, labels=labels, values=list(range(1, len(labels) + 1)))
    texts = re.findall(r'<text [^>]*text-anchor="end"[^>]*>(.*?)</text>', svg, re.DOTALL)
    return [[html.unescape(line)
             for line in re.split(r"<tspan [^>]*>", text.replace("</tspan>", ""))]
            for text in texts]


def test_short_labels_take_one_line_and_long_ones_two(app: Flask) -> None:
    """A short label on one line; a long one wraps on two lines, whole words, nothing lost."""
    shown = drawn(app, ["Brest", "Communauté de communes du Pays des Abers"])
    assert shown == [["Brest"], ["Communauté de communes du Pays des", "Abers"]]


def test_a_label_too_long_for_two_lines_is_cut_when_the_cut_stays_unique(app: Flask) -> None:
    """Beyond two lines, the label ends with "…" if no other label reads the same."""
    title = ("Des bancs avec une prise USB et un abri contre la pluie dans chaque quartier de "
             "la métropole")
    shown = drawn(app, [title, "Brest"])
    assert len(shown[0]) == 2 and shown[0][1].endswith("…")
    assert " ".join(shown[0]).rstrip("…") in title


def test_labels_cut_alike_are_written_in_full(app: Flask) -> None:
    """Two labels whose first two lines are the same are both drawn whole: the chart never
    shows two labels reading "Communauté de communes du Pays …"."""
    first = "Communauté de communes du Pays de Landerneau-Daoulas, secteur nord, littoral"
    second = "Communauté de communes du Pays de Landerneau-Daoulas, secteur nord, intérieur"
    shown = drawn(app, [first, second, "Brest"])
    assert [" ".join(lines) for lines in shown[:2]] == [first, second]
    assert all(not line.endswith("…") for lines in shown for line in lines)


def test_a_cut_label_never_reads_as_another_label(app: Flask) -> None:
    """A label whose cut form would be another label's whole text is written in full."""
    whole = "Communauté de communes du Pays de Landerneau-Daoulas, secteur nord et ouest"
    cut = "Communauté de communes du Pays de Landerneau-Daoulas, secteur nord et…"
    shown = drawn(app, [whole, cut])
    assert " ".join(shown[0]) == whole


def test_labels_are_escaped_once(app: Flask) -> None:
    """Markup in a label is text; an apostrophe is drawn as an apostrophe."""
    shown = drawn(app, ["Pays d'Iroise <b>&</b>"])
    assert shown == [["Pays d'Iroise <b>&</b>"]]
