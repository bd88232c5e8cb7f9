"""Publishing commitments and their updates; the lists the follow-up pages read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from consultation.accounts.models import User
from consultation.core import audit, signals
from consultation.core.errors import DomainError
from consultation.extensions import db
from consultation.followup.models import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    commitment_proposals,
)
from consultation.projects.models import Project, project_territories
from consultation.proposals.models import Proposal

# The text of the first update of a commitment: it says when it was published.
PUBLISHED_TEXT = "Engagement publié."
LATEST_UPDATES = 5


@dataclass
class CommitmentData:
    """What the commitment form gives: the description of the commitment."""

    title: str
    description: str = ""
    service: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    proposal_ids: list[int] = field(default_factory=list)


def linkable_proposals(project: Project, commitment: Commitment | None = None) -> list[Proposal]:
    """The proposals a commitment of this project may answer: its published visible ones, and
    those the commitment already answers."""
    found = list(db.session.scalars(
        select(Proposal)
        .where(Proposal.project_id == project.id, Proposal.status == "published",
               Proposal.moderation == "visible")
        .order_by(Proposal.supports_count.desc(), Proposal.id)
    ))
    if commitment is not None:
        known = {p.id for p in found}
        found.extend(p for p in commitment.proposals if p.id not in known)
    return found


def _proposals(project: Project, ids: list[int]) -> list[Proposal]:
    if not ids:
        return []
    found = list(db.session.scalars(select(Proposal).where(Proposal.id.in_(set(ids)))))
    if len(found) != len(set(ids)) or any(p.project_id != project.id for p in found):
        raise DomainError(_("Choisissez uniquement des propositions de ce projet."))
    return found


def _check_dates(data: CommitmentData) -> None:
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise DomainError(_("La fin prévue ne peut pas précéder le début prévu."))


def _describe(commitment: Commitment, data: CommitmentData) -> None:
    _check_dates(data)
    commitment.title = data.title.strip()
    commitment.description = data.description
    commitment.service = data.service.strip()
    commitment.starts_on, commitment.ends_on = data.starts_on, data.ends_on
    commitment.proposals = _proposals(commitment.project, data.proposal_ids)


def _record_update(actor: User, commitment: Commitment, text: str) -> CommitmentUpdate:
    update = CommitmentUpdate(
        commitment=commitment, text=text, status=commitment.status,
        progress=commitment.progress, reason=commitment.abandon_reason, author_id=actor.id,
    )
    db.session.add(update)
    db.session.flush()
    return update


def create_commitment(actor: User, project: Project, data: CommitmentData, *,
                      status: str = CommitmentStatus.PREVU, progress: int = 0,
                      reason: str = "", text: str = "") -> Commitment:
    """Publish a commitment on a project, with its first dated update."""
    commitment = Commitment(project=project, status=CommitmentStatus.PREVU, progress=0,
                            abandon_reason="")
    _describe(commitment, data)
    commitment.move(status, progress, reason)
    db.session.add(commitment)
    db.session.flush()
    update = _record_update(actor, commitment, text.strip() or PUBLISHED_TEXT)
    audit.record(actor, "commitment.create", "commitment", commitment.id, commitment.title,
                 reason=commitment.abandon_reason, project=project.title,
                 status=commitment.status, progress=commitment.progress)
    signals.commitment_updated.send(update)
    return commitment


def edit_commitment(actor: User, commitment: Commitment, data: CommitmentData) -> Commitment:
    """Correct what a commitment says (title, description, service, dates, proposals); its
    status and progress change only through an update."""
    before = {"titre": commitment.title, "service": commitment.service,
              "debut": commitment.starts_on, "fin": commitment.ends_on,
              "propositions": [p.id for p in commitment.proposals]}
    _describe(commitment, data)
    db.session.flush()
    after = {"titre": commitment.title, "service": commitment.service,
             "debut": commitment.starts_on, "fin": commitment.ends_on,
             "propositions": [p.id for p in commitment.proposals]}
    changed = {key: after[key] for key in after if after[key] != before[key]}
    audit.record(actor, "commitment.update", "commitment", commitment.id, commitment.title,
                 project=commitment.project.title, changes=changed)
    return commitment


def add_update(actor: User, commitment: Commitment, text: str, status: str, progress: int,
               reason: str = "") -> CommitmentUpdate:
    """Record a dated step of the timeline: what happened, the new status and progress (a
    reason when abandoning)."""
    if not text.strip():
        raise DomainError(_("Dites ce qui s'est passé : le texte du point d'étape est public."))
    previous = commitment.move(status, progress, reason)
    update = _record_update(actor, commitment, text.strip())
    action = ("commitment.abandon" if status == CommitmentStatus.ABANDONNE
              else "commitment.reopen" if commitment.status != previous and previous in (
                  CommitmentStatus.REALISE, CommitmentStatus.ABANDONNE)
              else "commitment.progress")
    audit.record(actor, action, "commitment", commitment.id, commitment.title,
                 reason=commitment.abandon_reason, project=commitment.project.title,
                 previous=previous, status=commitment.status, progress=commitment.progress)
    signals.commitment_updated.send(update)
    return update


# --- Reading --------------------------------------------------------------------------------


def by_id(commitment_id: int) -> Commitment | None:
    """A commitment with its project and proposals."""
    return db.session.scalar(
        select(Commitment)
        .options(selectinload(Commitment.proposals), selectinload(Commitment.project))
        .where(Commitment.id == commitment_id)
    )


def of_project(project: Project) -> list[Commitment]:
    """A project's commitments, in the order they were published, with their proposals."""
    return list(db.session.scalars(
        select(Commitment)
        .options(selectinload(Commitment.proposals))
        .where(Commitment.project_id == project.id)
        .order_by(Commitment.id)
    ))


def timeline(project: Project) -> list[tuple[CommitmentUpdate, str]]:
    """Every update of a project's commitments, newest first, with its commitment's title."""
    return list(db.session.execute(
        select(CommitmentUpdate, Commitment.title)
        .join(Commitment, Commitment.id == CommitmentUpdate.commitment_id)
        .where(Commitment.project_id == project.id)
        .order_by(CommitmentUpdate.happened_on.desc(), CommitmentUpdate.id.desc())
    ).all())


def list_query(status: str | None, orientation_id: int | None,
               territory_id: int | None) -> Select[Any]:
    """Commitments of every project, filtered, newest project first: for /suivi."""
    statement = (
        select(Commitment)
        .join(Project, Project.id == Commitment.project_id)
        .options(selectinload(Commitment.proposals), selectinload(Commitment.project))
        .order_by(Project.id.desc(), Commitment.id)
    )
    if status:
        statement = statement.where(Commitment.status == status)
    if orientation_id:
        statement = statement.where(Project.orientation_id == orientation_id)
    if territory_id:
        statement = statement.where(exists().where(
            project_territories.c.project_id == Project.id,
            project_territories.c.territory_id == territory_id,
        ))
    return statement


def has_commitments(project: Project) -> bool:
    """True when the project has at least one commitment."""
    return bool(db.session.scalar(
        select(exists().where(Commitment.project_id == project.id))
    ))


def answering(proposal: Proposal) -> list[Commitment]:
    """The commitments that answer a proposal."""
    return list(db.session.scalars(
        select(Commitment)
        .join(commitment_proposals, commitment_proposals.c.commitment_id == Commitment.id)
        .where(commitment_proposals.c.proposal_id == proposal.id)
        .order_by(Commitment.id)
    ))


def answering_authored_by(user: User) -> dict[int, list[Commitment]]:
    """The commitments answering each proposal the person wrote, by proposal id (one query)."""
    found: dict[int, list[Commitment]] = {}
    rows = db.session.execute(
        select(commitment_proposals.c.proposal_id, Commitment)
        .join(Commitment, Commitment.id == commitment_proposals.c.commitment_id)
        .join(Proposal, Proposal.id == commitment_proposals.c.proposal_id)
        .where(Proposal.author_id == user.id)
        .order_by(commitment_proposals.c.proposal_id, Commitment.id)
    )
    for proposal_id, commitment in rows:
        found.setdefault(proposal_id, []).append(commitment)
    return found


def rows_of(project_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The commitments of these projects as plain data (for snapshots and print), by project."""
    found: dict[int, list[dict[str, Any]]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return found
    last = (
        select(CommitmentUpdate.commitment_id, func.max(CommitmentUpdate.happened_on)
               .label("on"))
        .group_by(CommitmentUpdate.commitment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Commitment, last.c.on)
        .outerjoin(last, last.c.commitment_id == Commitment.id)
        .where(Commitment.project_id.in_(project_ids))
        .order_by(Commitment.project_id, Commitment.id)
    ).all()
    for commitment, on in rows:
        found[commitment.project_id].append({
            "id": commitment.id, "title": commitment.title, "service": commitment.service,
            "status": commitment.status, "progress": commitment.progress,
            "reason": commitment.abandon_reason,
            "starts_on": commitment.starts_on.isoformat() if commitment.starts_on else None,
            "ends_on": commitment.ends_on.isoformat() if commitment.ends_on else None,
            "updated_on": (on if isinstance(on, date) else date.fromisoformat(on)).isoformat()
            if on else None,
        })
    return found


def dashboard() -> dict[str, Any]:
    """Commitments per status across projects, and the latest updates (elected officials)."""
    counts = Counter(dict(db.session.execute(
        select(Commitment.status, func.count()).group_by(Commitment.status)
    ).all()))
    latest = db.session.execute(
        select(CommitmentUpdate, Commitment.title, Project.title, Project.slug)
        .join(Commitment, Commitment.id == CommitmentUpdate.commitment_id)
        .join(Project, Project.id == Commitment.project_id)
        .order_by(CommitmentUpdate.happened_on.desc(), CommitmentUpdate.id.desc())
        .limit(LATEST_UPDATES)
    ).all()
    return {
        "counts": {status: counts.get(status, 0) for status in CommitmentStatus},
        "total": sum(counts.values()),
        "latest": [
            {"step": update, "commitment": title, "project": project, "slug": slug}
            for update, title, project, slug in latest
        ],
    }
