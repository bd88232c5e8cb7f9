"""Writing, publishing and following syntheses."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from consultation.accounts.models import User, UserRole
from consultation.core import audit, documents, markup
from consultation.core.db import insert_ignore
from consultation.core.errors import DomainError
from consultation.core.models import utcnow
from consultation.core.signals import synthesis_published
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.syntheses import figures
from consultation.syntheses.models import SynthesisDraft, SynthesisSubscriber, SynthesisVersion

NARRATIVE_MAX = 60_000


def draft_of(project: Project) -> SynthesisDraft | None:
    """The project's draft, if someone started one."""
    return db.session.scalar(select(SynthesisDraft).where(SynthesisDraft.project_id == project.id))


def save_draft(project: Project, user: User, narrative: str, change_note: str) -> SynthesisDraft:
    """Keep the narrative being written (and the note on what a new version changes)."""
    draft = draft_of(project)
    if draft is None:
        draft = SynthesisDraft(project_id=project.id)
        db.session.add(draft)
    draft.narrative = narrative
    draft.change_note = change_note
    draft.updated_by_id = user.id
    db.session.flush()
    return draft


def latest(project: Project) -> SynthesisVersion | None:
    """The most recent published version."""
    return db.session.scalar(
        select(SynthesisVersion)
        .where(SynthesisVersion.project_id == project.id)
        .order_by(SynthesisVersion.number.desc())
        .limit(1)
    )


def versions(project: Project) -> list[SynthesisVersion]:
    """Every published version, newest first."""
    return list(
        db.session.scalars(
            select(SynthesisVersion)
            .where(SynthesisVersion.project_id == project.id)
            .order_by(SynthesisVersion.number.desc())
        )
    )


def version(project: Project, number: int) -> SynthesisVersion | None:
    """One published version by its number."""
    return db.session.scalar(
        select(SynthesisVersion).where(
            SynthesisVersion.project_id == project.id, SynthesisVersion.number == number
        )
    )


def _previous_number(project: Project) -> int:
    return db.session.scalar(
        select(func.max(SynthesisVersion.number)).where(SynthesisVersion.project_id == project.id)
    ) or 0


def _publishable(project: Project) -> None:
    if not project.is_published:
        raise DomainError(_("Publiez d'abord le projet\u00a0: sa synthèse ne peut pas être "
                            "publique avant lui."))


def _reachable() -> ColumnElement[bool]:
    # The accounts the notifications tell (notifications.services.reachable, which sits above).
    return and_(User.deleted_at.is_(None), User.email.is_not(None),
                or_(User.blocked_at.is_(None),
                    and_(User.blocked_until.is_not(None), User.blocked_until <= utcnow())))


@dataclass(frozen=True)
class Preview:
    """What publishing would freeze, and who would be told, for the confirmation page."""

    number: int
    opening: str
    participation: dict[str, Any]
    elected: int
    subscribers: int


OPENING_LINES = 3
BLOCK_LINE = re.compile(r"\[\[[a-z-]+\]\]")


def preview(project: Project, user: User, narrative: str, change_note: str) -> Preview:
    """The version a text would become and who would hear of it; refuses in French what
    publish() would refuse, and changes nothing."""
    _publishable(project)
    number = SynthesisDraft.next_number(narrative, change_note, _previous_number(project))
    # The first lines of text, without the figure blocks placed among them.
    lines = [line for line in narrative.strip().splitlines()
             if line.strip() and not BLOCK_LINE.fullmatch(line.strip())]
    elected = select(UserRole.user_id).where(UserRole.role == "elected")
    told = (_reachable(), User.id != user.id)
    return Preview(
        number=number,
        opening=markup.plain("\n\n".join(lines[:OPENING_LINES]), 400),
        participation=figures.compute(project)["participation"],
        elected=db.session.scalar(
            select(func.count(User.id)).where(User.id.in_(elected), *told)) or 0,
        subscribers=db.session.scalar(
            select(func.count(User.id))
            .join(SynthesisSubscriber, SynthesisSubscriber.user_id == User.id)
            .where(SynthesisSubscriber.project_id == project.id, User.id.not_in(elected), *told)
        ) or 0,
    )


def publish(project: Project, user: User, narrative: str, change_note: str,
            at: datetime | None = None) -> SynthesisVersion:
    """Freeze the figures with the narrative as a new version; build its PDF and tell readers.

    A version after the first one must say what changed. `at` dates the version and its
    figures together (the demo's past publications); by default, now.
    """
    from consultation.syntheses import jobs as synthesis_jobs

    _publishable(project)
    narrative = narrative.strip()
    change_note = change_note.strip()
    moment = at or utcnow()
    number = save_draft(project, user, narrative, change_note).publish(_previous_number(project))
    db.session.flush()
    document = documents.request_document("synthesis", f"synthese-{project.slug}-v{number}.pdf")
    computed = figures.compute(project, at=moment)
    annex = computed.pop("proposals")
    created = SynthesisVersion(
        project_id=project.id,
        number=number,
        narrative=narrative,
        change_note=change_note,
        figures_json=json.dumps(computed, ensure_ascii=False),
        annex_json=json.dumps(annex, ensure_ascii=False),
        published_by_id=user.id,
        published_at=moment,
        document_id=document.id,
    )
    db.session.add(created)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # another moderator published the same number meanwhile
        raise DomainError(
            _("Une autre version vient d'être publiée : relisez-la avant de publier la vôtre.")
        ) from error
    audit.record(user, "synthesis.publish", "project", project.id, project.title,
                 version=number)
    documents.enqueue_build(synthesis_jobs.build_pdf, document)
    # Followers, elected officials and subscribers are told by the notifications.
    synthesis_published.send(created)
    return created


def retry_pdf(version_: SynthesisVersion, user: User) -> None:
    """Ask again for a PDF whose build failed (or whose worker died)."""
    from consultation.syntheses import jobs as synthesis_jobs

    document = version_.document
    if document is None or not documents.reset_for_retry(document):
        raise DomainError(_("Ce PDF n'est pas en échec : il n'y a rien à relancer."))
    audit.record(user, "synthesis.retry_pdf", "project", version_.project_id,
                 version_.project.title, version=version_.number)
    documents.enqueue_build(synthesis_jobs.build_pdf, document)


def subscribe(project: Project, user: User) -> None:
    """Tell this user by email when a synthesis of the project is published (idempotent)."""
    if not user.email:
        raise DomainError(_("Ajoutez une adresse électronique à votre profil pour être prévenu·e."))
    insert_ignore(SynthesisSubscriber.__table__, project_id=project.id, user_id=user.id)


def unsubscribe(project: Project, user: User) -> None:
    """Stop telling this user (idempotent)."""
    row = db.session.get(SynthesisSubscriber, (project.id, user.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()

