"""The opinion map's page (/projets/<slug>/debat/carte) and its drawing, an SVG made on the server.

What the page shows comes from the stored analysis (jobs.py) made into plain JSON-ready data
(`map_data`): the same data the synthesis block [[opinions]] freezes (blocks.py), so a map in a
synthesis is drawn by the same code from its frozen figures. The map is kept as a shared
fragment under the debate's version; the logged-in person's own dot ("Vous") is put in on top.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from consultation.core import fragments
from consultation.core.http import require
from consultation.core.models import as_utc
from consultation.core.ratelimits import posting
from consultation.core.templating import can
from consultation.core.text import shares
from consultation.extensions import db, login_required
from consultation.opinions import analysis, bp, jobs
from consultation.opinions.models import (
    Debate,
    DebateAnalysis,
    DebateParticipant,
    Statement,
    StatementState,
)
from consultation.projects.views import project_or_404

bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        opinion_map_svg=lambda data, key="": svg(data, key),
        opinion_shape=lambda group: shape_sample(group),
    )
)

# The drawing's box, in SVG units, and the margin left around the dots.
WIDTH, HEIGHT, MARGIN = 600, 400, 24
# One colour and one shape per group, so that no group is told by colour alone; the colours
# (a colour-blind-safe palette, darkened) keep a 3:1 contrast on white.
COLOURS = ("#0b63a5", "#b34700", "#00785a", "#9b3f8f", "#6b5a00")
SHAPES = (_l("ronds"), _l("carrés"), _l("triangles"), _l("losanges"), _l("croix"))
# How many representative statements each group lists.
REPRESENTATIVE = 5
# Where the logged-in person's dot goes in the kept drawing.
YOU = "<!--vous-->"


def letter(label: int) -> str:
    """The name shown for a group label: A, B, C..."""
    return chr(ord("A") + label)


# --- From the stored analysis to what the pages show -------------------------------------------


def _scale(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs = [x for x, _ in points] or [0.0]
    ys = [y for _, y in points] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    # One scale for both axes: distances on the map mean the same sideways and up.
    factor = min((WIDTH - 2 * MARGIN) / span, (HEIGHT - 2 * MARGIN) / span)
    left = (WIDTH - factor * (max(xs) - min(xs))) / 2 - factor * min(xs)
    top = (HEIGHT - factor * (max(ys) - min(ys))) / 2 - factor * min(ys)
    return factor, left, top, span


def hull(points: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The convex hull of points, counter-clockwise (Andrew's monotone chain)."""
    unique = sorted(set(points))
    if len(unique) <= 2:
        return unique

    def cross(o: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> int:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[int, int]] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[int, int]] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _placed(result: analysis.Analysis) -> list[tuple[int, int, int, int]]:
    """(participant, x, y) on the drawing, and group, of those the analysis put in a group."""
    placed = [p for p in result.points if p.group is not None]
    if not result.groups or not placed:
        return []
    factor, left, top, _span = _scale([(p.x, p.y) for p in placed])
    # SVG's y goes down: the second axis is drawn upwards.
    return [
        (p.participant, round(left + factor * p.x), HEIGHT - round(top + factor * p.y), p.group)
        for p in placed
        if p.group is not None
    ]


def padded(corners: list[tuple[int, int]], by: float = 10.0) -> list[tuple[int, int]]:
    """A group's outline moved out from its centre, so that it goes round the shapes rather than
    through the outermost ones."""
    if len(corners) < 3:
        return corners
    cx = sum(x for x, _ in corners) / len(corners)
    cy = sum(y for _, y in corners) / len(corners)
    moved = []
    for x, y in corners:
        length = max(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5, 1e-9)
        moved.append((round(x + by * (x - cx) / length), round(y + by * (y - cy) / length)))
    return moved


def _split(counts: analysis.Counts) -> dict[str, int]:
    agree, disagree, passed = shares([counts.agree, counts.disagree, counts.passes])
    return {"agree": agree, "disagree": disagree, "pass": passed}


def map_data(
    debate: Debate, stored: DebateAnalysis | None, texts: Mapping[int, str]
) -> dict[str, Any]:
    """What a map shows, JSON-ready (the synthesis block freezes it): the dots by group, the
    groups with their representative statements and the consensus, with the statements'
    texts; no participant number."""
    data: dict[str, Any] = {
        "question": debate.question,
        "participants": debate.participants_count,
        "needed": analysis.MIN_PARTICIPANTS,
        "analysed": 0,
        "groups": [],
        "points": [],
        "consensus": [],
        "computed_at": None,
        "reason": None,
    }
    if stored is None or not stored.result:
        return data
    result = analysis.Analysis.from_json(stored.result)
    data["computed_at"] = as_utc(stored.computed_at).isoformat()
    data["analysed"] = result.participants_counted
    data["reason"] = result.reason
    placed = _placed(result)
    if not placed:
        return data
    points = sorted((x, y, group) for _number, x, y, group in placed)
    data["points"] = [list(point) for point in points]
    stats = {s.statement: s for s in result.statements}
    percents = shares([group.size for group in result.groups])
    for group, percent in zip(result.groups, percents, strict=True):
        own = [(x, y) for x, y, g in points if g == group.label]
        statements = [
            {
                "text": texts[item.statement],
                "direction": item.direction,
                "group": round(100 * item.share),
                "rest": round(100 * item.share_rest),
                **_split(stats[item.statement].groups[group.label]),
            }
            for item in group.representatives[:REPRESENTATIVE]
            if item.statement in texts and item.statement in stats
        ]
        data["groups"].append(
            {
                "label": group.label,
                "letter": letter(group.label),
                "size": group.size,
                "share": percent,
                "hull": [list(p) for p in padded(hull(own))],
                "statements": statements,
            }
        )
    for item in (*result.consensus_agree, *result.consensus_disagree):
        if item.statement not in texts or item.statement not in stats:
            continue
        data["consensus"].append(
            {
                "text": texts[item.statement],
                "direction": item.direction,
                "groups": [
                    {
                        "letter": letter(group.label),
                        **_split(stats[item.statement].groups[group.label]),
                    }
                    for group in result.groups
                ],
            }
        )
    return data


def positions(stored: DebateAnalysis | None) -> dict[int, list[int]]:
    """Participant number -> [x, y, group] on the drawing, to mark a person's own dot."""
    if stored is None or not stored.result:
        return {}
    return {
        number: [x, y, group]
        for number, x, y, group in _placed(analysis.Analysis.from_json(stored.result))
    }


# --- The drawing ------------------------------------------------------------------------------


def _shape(group: int, x: int, y: int) -> str:
    kind = group % len(SHAPES)
    if kind == 0:
        return f"M{x} {y}h0"  # a dot, by the line's round cap
    if kind == 1:
        # Drawn, not made by a square cap: WeasyPrint (the PDF) draws no cap on a line of
        # length zero.
        return f"M{x - 4} {y - 4}h8v8h-8z"
    if kind == 2:
        return f"M{x} {y - 5}l5 9h-10z"
    if kind == 3:
        return f"M{x} {y - 6}l6 6-6 6-6-6z"
    return f"M{x - 4} {y}h8M{x} {y - 4}v8"


def _paths(group: int, d: str, colour: str) -> str:
    kind = group % len(SHAPES)
    if kind == 0:
        return f'<path d="{d}" stroke="{colour}" stroke-width="9" stroke-linecap="round"/>'
    if kind == 4:
        return f'<path d="{d}" stroke="{colour}" stroke-width="3" fill="none"/>'
    return f'<path d="{d}" fill="{colour}"/>'


def colour(group: int) -> str:
    """A group's colour on the map."""
    return COLOURS[group % len(COLOURS)]


def svg(data: Mapping[str, Any], key: str = "") -> Markup:
    """The map as inline SVG: one shape per participant, coloured and shaped by group, each
    group's outline and name; a text title and description (its tables follow it)."""
    groups = data["groups"]
    title = _(
        "Carte des opinions : %(n)d participant·es en %(k)d groupes",
        n=len(data["points"]),
        k=len(groups),
    )
    description = " ".join(
        [
            _(
                "Chaque forme est un·e participant·e ; deux personnes proches ont répondu de façon "
                "proche."
            ),
            *(
                _(
                    "Groupe %(letter)s : %(shape)s.",
                    letter=g["letter"],
                    shape=SHAPES[g["label"] % len(SHAPES)],
                )
                for g in groups
            ),
            _("Les tableaux qui suivent donnent les mêmes informations."),
        ]
    )
    parts = [
        f'<svg class="chart opinion-map" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="carte-titre{key} carte-desc{key}" '
        'font-family="DejaVu Sans, Verdana, sans-serif">',
        f'<title id="carte-titre{key}">{escape(title)}</title>',
        f'<desc id="carte-desc{key}">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#5b6470"/>',
    ]
    for group in groups:
        corners = " ".join(f"{x},{y}" for x, y in group["hull"])
        if len(group["hull"]) >= 3:
            parts.append(
                f'<polygon points="{corners}" fill="{colour(group["label"])}" '
                'fill-opacity=".08" stroke="#5b6470" stroke-dasharray="4 3"/>'
            )
    for group in groups:
        d = "".join(
            _shape(group["label"], x, y) for x, y, g in data["points"] if g == group["label"]
        )
        parts.append(_paths(group["label"], d, colour(group["label"])))
    for group in groups:
        own = [(x, y) for x, y, g in data["points"] if g == group["label"]]
        if not own:
            continue
        x = round(sum(p[0] for p in own) / len(own))
        # The name above the group, or below it when the group touches the top.
        y = min(p[1] for p in own) - 12
        if y < 18:
            y = min(max(p[1] for p in own) + 24, HEIGHT - 4)
        name = escape(_("Groupe %(letter)s", letter=group["letter"]))
        # A white halo under the name, then the name: two texts, since WeasyPrint (the PDF)
        # does not know paint-order and would cover the letters with their own halo.
        parts.append(
            f'<text x="{x}" y="{y}" text-anchor="middle" font-size="16" font-weight="bold" '
            f'fill="#fff" stroke="#fff" stroke-width="4" aria-hidden="true">{name}</text>'
            f'<text x="{x}" y="{y}" text-anchor="middle" font-size="16" font-weight="bold" '
            f'fill="#1a1a1a">{name}</text>'
        )
    parts.append(YOU)
    parts.append("</svg>")
    return Markup("".join(parts))


def shape_sample(group: int) -> Markup:
    """A group's shape and colour, small, with its name: the legend in the groups' table."""
    d = _shape(group, 8, 8)
    name = escape(SHAPES[group % len(SHAPES)])
    return Markup(
        f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
        f"{_paths(group, d, colour(group))}</svg> {name}"
    )


def you_mark(x: int, y: int) -> str:
    """The person's own dot: a ring around it and the word "Vous"."""
    word = escape(_("Vous"))
    above = y - 14 if y > 40 else y + 24
    return (
        f'<circle cx="{x}" cy="{y}" r="11" fill="none" stroke="#1a1a1a" stroke-width="2.5"/>'
        f'<text x="{x}" y="{above}" text-anchor="middle" font-size="14" font-weight="bold" '
        f'fill="#1a1a1a" stroke="#fff" stroke-width="4" paint-order="stroke">{word}</text>'
    )


# --- The page ---------------------------------------------------------------------------------


def _debate_of(project_id: int) -> Debate | None:
    return db.session.scalar(select(Debate).where(Debate.project_id == project_id))


def load(debate: Debate) -> tuple[DebateAnalysis | None, dict[int, str]]:
    """The stored analysis and the debate's published statements' texts (two statements)."""
    stored = db.session.get(DebateAnalysis, debate.id)
    texts = {
        key: value
        for key, value in db.session.execute(
            select(Statement.id, Statement.text).where(
                Statement.debate_id == debate.id, Statement.state == StatementState.PUBLISHED
            )
        )
    }
    return stored, texts


@bp.route("/projets/<slug>/debat/carte")
def map_page(slug: str):
    """The opinion map of a project's debate: groups, their statements, the consensus."""
    project = project_or_404(slug)
    debate = _debate_of(project.id)
    if debate is None:
        abort(404)
    key = (debate.id, debate.version)

    def render() -> str:
        stored, texts = load(debate)
        return render_template(
            "opinions/_map.html", data=map_data(debate, stored, texts), debate=debate
        )

    shared = fragments.cached("opinions-map", key, render)
    you: str | None = None
    if current_user.is_authenticated and YOU in shared:
        number = db.session.scalar(
            select(DebateParticipant.number).where(
                DebateParticipant.debate_id == debate.id,
                DebateParticipant.user_id == current_user.id,
            )
        )
        if number is not None:
            kept = fragments.cached(
                "opinions-map-positions", key, lambda: json.dumps(positions(load(debate)[0]))
            )
            found = json.loads(str(kept)).get(str(number))
            if found is not None:
                x, y, group = found
                shared = Markup(str(shared).replace(YOU, you_mark(x, y), 1))
                you = letter(group)
    return render_template(
        "opinions/map.html",
        project=project,
        debate=debate,
        shared=shared,
        you=you,
        may_recompute=can("opinions.recompute"),
    )


@bp.route("/projets/<slug>/debat/carte/recalculer", methods=["POST"])
@login_required
@posting
def recompute(slug: str):
    """Compute the map again now (moderators and admins), after the commit."""
    project = project_or_404(slug)
    debate = _debate_of(project.id)
    if debate is None:
        abort(404)
    require("opinions.recompute", debate)
    jobs.recompute(debate)
    flash(
        _(
            "Le calcul de la carte est demandé : elle tiendra compte de toutes les réponses "
            "dans un instant."
        ),
        "success",
    )
    return redirect(url_for("opinions.map_page", slug=project.slug))
