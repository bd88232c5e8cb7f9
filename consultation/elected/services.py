"""What the reading space lists, and marking it as seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from consultation.accounts.models import User
from consultation.core.documents import Document
from consultation.core.models import as_utc, utcnow
from consultation.core.pagination import Page, paginate
from consultation.elected.models import ElectedVisit
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.rencontres.models import Edition, EditionState
from consultation.syntheses.models import SynthesisVersion

LISTED = 30  # the newest syntheses and dossiers each list shows


def last_seen(user: User) -> datetime | None:
    """When the person last marked the space as seen (None: never)."""
    moment = db.session.scalar(select(ElectedVisit.seen_at).where(ElectedVisit.user_id == user.id))
    return as_utc(moment) if moment is not None else None


def mark_seen(user: User) -> datetime:
    """Everything published until now is no longer new for the person."""
    now = utcnow()
    visit = db.session.get(ElectedVisit, user.id)
    if visit is None:
        db.session.add(ElectedVisit(user_id=user.id, seen_at=now))
    else:
        visit.seen_at = now
    db.session.flush()
    return now


def latest_syntheses() -> Page[tuple[SynthesisVersion, Project, str | None]]:
    """The latest published version of each project's synthesis, newest first, with its project
    and the state of its PDF (one statement)."""
    latest = (
        select(SynthesisVersion.project_id, func.max(SynthesisVersion.number).label("number"))
        .group_by(SynthesisVersion.project_id)
        .subquery()
    )
    statement: Any = (
        select(SynthesisVersion, Project, Document.state)
        .join(latest, and_(latest.c.project_id == SynthesisVersion.project_id,
                           latest.c.number == SynthesisVersion.number))
        .join(Project, Project.id == SynthesisVersion.project_id)
        .outerjoin(Document, Document.id == SynthesisVersion.document_id)
        .order_by(SynthesisVersion.published_at.desc(), SynthesisVersion.id.desc())
    )
    return paginate(statement, 1, LISTED)


def published_editions() -> Page[tuple[Edition, str | None]]:
    """The published Rencontres editions, newest first, with the state of their dossier."""
    statement: Any = (
        select(Edition, Document.state)
        .outerjoin(Document, Document.id == Edition.document_id)
        .where(Edition.state == EditionState.PUBLISHED)
        .order_by(Edition.published_at.desc(), Edition.id.desc())
    )
    return paginate(statement, 1, LISTED)


def is_new(published_at: datetime | None, seen: datetime | None) -> bool:
    """Published after the person last marked the space as seen (everything, if never)."""
    if published_at is None:
        return False
    return seen is None or as_utc(published_at) > seen


@dataclass
class ReadingSpace:
    """What the reading space shows one person."""

    seen: datetime | None  # when they last marked it as seen (None: never)
    syntheses: Page[tuple[SynthesisVersion, Project, str | None]]
    editions: Page[tuple[Edition, str | None]]

    @property
    def new_count(self) -> int:
        """How many of the listed publications are new for the person."""
        return sum(is_new(version.published_at, self.seen)
                   for version, _project, _state in self.syntheses.items) + sum(
            is_new(edition.published_at, self.seen) for edition, _state in self.editions.items)


def reading_space(user: User) -> ReadingSpace:
    """The syntheses and dossiers to read, and when the person last marked them as seen."""
    return ReadingSpace(last_seen(user), latest_syntheses(), published_editions())
