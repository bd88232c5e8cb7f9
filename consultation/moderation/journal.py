"""What the journal says of each entry's object: a link and a short excerpt, loaded with one
query per kind of object on the page (never one per row).

The journal names objects of every domain, those above moderation included (syntheses,
Rencontres editions, commitments): their models are imported when a page of the journal is
drawn, not when moderation is imported, so that no domain below depends on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.core.audit import AuditEntry
from consultation.core.markup import plain
from consultation.core.templating import can
from consultation.extensions import db

EXCERPT = 80

# What each kind of object is called in the journal's "Sur" column.
KIND_LABELS = {
    "user": _l("Compte"),
    "project": _l("Projet"),
    "synthesis": _l("Synthèse"),
    "proposal": _l("Proposition"),
    "comment": _l("Commentaire"),
    "territory": _l("Territoire"),
    "edition": _l("Rencontres"),
    "commitment": _l("Engagement"),
    "workshop": _l("Atelier papier"),
    "statement": _l("Affirmation"),
    "sheet": _l("Fiche papier"),
}


@dataclass(frozen=True)
class Target:
    """An entry's object as the journal shows it."""

    kind: str  # a key of KIND_LABELS
    number: int | None
    url: str | None
    excerpt: str


def _short(value: str | None) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= EXCERPT else value[: EXCERPT - 1].rstrip() + "…"


def _ids(entries: Iterable[AuditEntry], kind: str) -> set[int]:
    return {e.target_id for e in entries if e.target_kind == kind and e.target_id is not None}


def targets(entries: list[AuditEntry]) -> dict[int, Target]:
    """{entry id: its object}, for the entries of one page of the journal."""
    from consultation.comments.models import Comment
    from consultation.followup.models import Commitment
    from consultation.projects.models import Project
    from consultation.proposals.models import Proposal
    from consultation.rencontres.models import Edition, EditionState

    found: dict[int, Target] = {}
    comments: dict[int, str] = {}
    if ids := _ids(entries, "comment"):
        comments = {id_: body for id_, body in db.session.execute(
            select(Comment.id, Comment.body).where(Comment.id.in_(ids)))}
    proposals: dict[int, str] = {}
    if ids := _ids(entries, "proposal"):
        proposals = {id_: title for id_, title in db.session.execute(
            select(Proposal.id, Proposal.title).where(Proposal.id.in_(ids)))}
    projects: dict[int, tuple[str, str]] = {}
    if ids := _ids(entries, "project"):
        projects = {id_: (slug, title) for id_, slug, title in db.session.execute(
            select(Project.id, Project.slug, Project.title).where(Project.id.in_(ids)))}
    editions: dict[int, tuple[int, str, bool]] = {}
    if ids := _ids(entries, "edition"):
        editions = {id_: (year, title, state == EditionState.PUBLISHED)
                    for id_, year, title, state in db.session.execute(
                        select(Edition.id, Edition.year, Edition.title, Edition.state)
                        .where(Edition.id.in_(ids)))}
    # Links only where the reader may go: a draft edition and the territories are the admins'.
    manages_editions = can("rencontres.manage")
    commitments: dict[int, tuple[str, str]] = {}
    if ids := _ids(entries, "commitment"):
        commitments = {id_: (slug, title) for id_, slug, title in db.session.execute(
            select(Commitment.id, Project.slug, Commitment.title)
            .join(Project, Project.id == Commitment.project_id)
            .where(Commitment.id.in_(ids)))}

    for entry in entries:
        number, label = entry.target_id, entry.target_label
        target: Target | None = None
        if number is None:
            pass
        elif entry.target_kind == "comment":
            target = Target("comment", number, url_for("comments.show", comment_id=number),
                            plain(comments[number], EXCERPT) if number in comments
                            else _short(label))
        elif entry.target_kind == "proposal":
            target = Target("proposal", number,
                            url_for("proposals.show", proposal_id=number),
                            _short(proposals.get(number, label)))
        elif entry.target_kind == "project" and number in projects:
            slug, title = projects[number]
            version = entry.data.get("version")
            if entry.action.startswith("synthesis.") and isinstance(version, int):
                target = Target("synthesis", version,
                                url_for("syntheses.show_version", slug=slug, number=version),
                                _short(title))
            else:
                target = Target("project", number, url_for("projects.show", slug=slug),
                                _short(title))
        elif entry.target_kind == "user":
            target = Target("user", number, url_for("moderation.account", user_id=number),
                            _short(label))
        elif entry.target_kind == "edition" and number in editions:
            year, title, published = editions[number]
            target = Target("edition", year,
                            url_for("rencontres.show", year=year)
                            if published or manages_editions else None, _short(title))
        elif entry.target_kind == "commitment" and number in commitments:
            slug, title = commitments[number]
            target = Target("commitment", number,
                            url_for("followup.project", slug=slug,
                                    _anchor=f"engagement-{number}"),
                            _short(title))
        elif entry.target_kind == "territory":
            target = Target("territory", number,
                            url_for("reference.territories")
                            if can("territories.manage") else None, _short(label))
        # A workshop has no page of its own; an object since deleted has none any more; a kind
        # unknown here is shown by its label alone.
        known = entry.target_kind in KIND_LABELS
        found[entry.id] = target or Target(entry.target_kind if known else "",
                                           number if known else None, None, _short(label))
    return found


def kind_label(kind: str) -> Any:
    """What a kind of object is called (the code itself for a kind unknown here)."""
    return KIND_LABELS.get(kind, kind)
