"""The demo content, as plain data loaded by consultation/demo/cli.py.

It is drawn from the opinion of the Conseil de développement de la Métropole et du Pays de
Brest on the digital strategy "Brest Horizon Digital" (Wi-Fi in town centres, tiers-lieux,
digital mediators, open data, responsible digital services, the yearly Rencontres).

The text lives in the TOML files of content/ (people, one file per project, mediation,
moderation, syntheses and the edition); this module reads them once and gives them the shapes
cli.py reads.

Conventions:
- people are named by a key of STAFF or CITIZENS;
- territories by their name in consultation/reference/data.py, orientations by slug;
- phase dates are offsets in days from today, inclusive;
- a comment is (author, stance, text) or (author, stance, text, [replies]), replies nesting
  the same way (two levels of replies at most);
- a proposal may carry "popularity" (0 to 1, how often citizens support it), "withdrawn"
  (its author withdraws it) and "answer" (status, markdown text, days after the synthesis
  phase started).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

_CONTENT = Path(__file__).parent / "content"


def _read(name: str) -> dict[str, Any]:
    """One TOML file of content/, by its name without the extension."""
    with (_CONTENT / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def _comment(raw: dict[str, Any]) -> tuple[Any, ...]:
    """A comment table as a tuple: (author, stance, text) or (author, stance, text, replies)."""
    comment = (raw["author"], raw["stance"], raw["text"])
    if "replies" in raw:
        return (*comment, [_comment(reply) for reply in raw["replies"]])
    return comment


def _proposal(raw: dict[str, Any]) -> dict[str, Any]:
    """A proposal table; a missing territory is None (the whole territory)."""
    proposal = {key: raw[key] for key in ("author", "title", "body")}
    proposal["territory"] = raw.get("territory")
    proposal["popularity"] = raw["popularity"]
    if "answer" in raw:
        answer = raw["answer"]
        proposal["answer"] = (answer["status"], answer["text"], answer["after"])
    if "withdrawn" in raw:
        proposal["withdrawn"] = raw["withdrawn"]
    proposal["comments"] = [_comment(comment) for comment in raw["comments"]]
    return proposal


def _project(name: str) -> dict[str, Any]:
    """A project file of content/projects/; a missing support limit is None (no limit)."""
    raw = _read(f"projects/{name}")
    texts = ("title", "summary", "plain_summary", "body", "orientation")
    project = {key: raw[key] for key in texts}
    # "communes" stands for the eight communes of the métropole (people.toml).
    project["territories"] = COMMUNES if raw["territories"] == "communes" else raw["territories"]
    project["support_limit"] = raw.get("support_limit")
    project["phases"] = {kind: tuple(days) for kind, days in raw["phases"].items()}
    project["comments"] = [_comment(comment) for comment in raw["comments"]]
    project["proposals"] = [_proposal(proposal) for proposal in raw["proposals"]]
    return project


_people = _read("people")
PASSWORD: str = _people["password"]
# The accounts shown by `flask demo load`, one per role (label: the role as printed).
STAFF: list[dict[str, Any]] = _people["staff"]
# The other citizens who write the content: (key, email, display name, commune).
CITIZENS: list[tuple[str, str, str, str]] = [
    (citizen["key"], citizen["email"], citizen["name"], citizen["commune"])
    for citizen in _people["citizens"]
]
COMMUNES: list[str] = _people["communes"]

WIFI = _project("wifi")
MEDIATEURS = _project("mediateurs")
RENCONTRES = _project("rencontres")
TIERS_LIEUX = _project("tiers_lieux")
SOBRIETE = _project("sobriete")
# In order of creation: the newest project comes last.
PROJECTS: list[dict[str, Any]] = [
    _project("open_data"), TIERS_LIEUX, WIFI, MEDIATEURS, RENCONTRES, SOBRIETE
]

_mediation = _read("mediation")
# Digital mediation on the mediators project (an author None is "anonymous but counted").
MEDIATION: dict[str, Any] = {
    "project": _mediation["project"],
    "assisted": _mediation["assisted"],
    "proposals": _mediation["proposals"],
    # (author, title of the proposal commented, stance, text)
    "comments": [
        (comment["author"], comment["proposal"], comment["stance"], comment["text"])
        for comment in _mediation["comments"]
    ],
    # (author, title of the proposal supported)
    "supports": [(support["author"], support["proposal"]) for support in _mediation["supports"]],
    "workshop": {
        "place": _mediation["workshop"]["place"],
        "held": _mediation["workshop"]["held"],
        "rows": [
            {"kind": row["kind"], "author": row.get("author")}
            | {key: value for key, value in row.items() if key not in ("kind", "author")}
            for row in _mediation["workshop"]["rows"]
        ],
    },
}

# Moderation on the main consultation project: a duplicate merged, a spam proposal hidden and
# its author blocked, a comment held after three reports, and one report still open.
MODERATION: dict[str, Any] = _read("moderation")

_syntheses = _read("syntheses")
_texts: dict[str, str] = _syntheses["texts"]
OPEN_DATA_FINDINGS = _texts["open_data_findings"]
OPEN_DATA_ANSWERS = _texts["open_data_answers"]
# The open data project has two published versions; version 2 adds the answers to version 1.
SYNTHESES: list[dict[str, Any]] = [
    {**synthesis, "narrative": "\n\n".join(_texts[name] for name in synthesis["narrative"])}
    for synthesis in _syntheses["syntheses"]
]
# The titles of the projects with a synthesis (OPEN_DATA is a title, not a project's data).
OPEN_DATA: str = SYNTHESES[0]["project"]
# The third-place project, in its synthesis phase, has a draft being written.
SYNTHESIS_DRAFT: dict[str, Any] = _syntheses["draft"]
THIRD_PLACES: str = SYNTHESIS_DRAFT["project"]
EDITION: dict[str, Any] = _syntheses["edition"]

# The follow-up project's commitments: each with the proposals it answers (titles) and the
# dated updates of its timeline (days from today), the first one its publication.
FOLLOW_UP: dict[str, Any] = _read("followup")

# The Wi-Fi project's debate by statements: its statements and the planted opinion groups its
# answers follow (the opinion map shows them).
DEBATE: dict[str, Any] = _read("debate")
