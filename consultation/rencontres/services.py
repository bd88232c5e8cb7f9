"""Running the yearly edition: write it, attach syntheses, publish it with its dossier."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core import audit, documents
from consultation.core.db import insert_ignore
from consultation.core.errors import DomainError
from consultation.core.signals import edition_published
from consultation.extensions import db
from consultation.rencontres.models import Edition, EditionState, RencontresSubscriber
from consultation.syntheses.models import SynthesisVersion

FIGURE_NAMES = ("participants", "proposals", "comments", "supports")


def editions(include_drafts: bool = False) -> list[Edition]:
    """Editions, newest year first; drafts only for those who run them."""
    statement = select(Edition).order_by(Edition.year.desc())
    if not include_drafts:
        statement = statement.where(Edition.state == EditionState.PUBLISHED)
    return list(db.session.scalars(statement))


def _with_syntheses() -> Any:
    # The edition's pages and dossier read every attached version's project and figures.
    return (
        joinedload(Edition.syntheses).joinedload(SynthesisVersion.project),
        joinedload(Edition.syntheses).undefer(SynthesisVersion.figures_json),
        joinedload(Edition.document),
    )


def by_year(year: int) -> Edition | None:
    """The edition of a year, with its syntheses."""
    return db.session.scalar(
        select(Edition).options(*_with_syntheses()).where(Edition.year == year)
    )


def by_id(edition_id: int) -> Edition | None:
    """An edition with its syntheses and their projects."""
    return db.session.scalar(
        select(Edition).options(*_with_syntheses()).where(Edition.id == edition_id)
    )


def attachable_versions() -> list[SynthesisVersion]:
    """The latest published version of every project's synthesis, most recent first."""
    newest = (
        select(SynthesisVersion.project_id, func.max(SynthesisVersion.number).label("number"))
        .group_by(SynthesisVersion.project_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(SynthesisVersion)
            .join(newest, (newest.c.project_id == SynthesisVersion.project_id)
                  & (newest.c.number == SynthesisVersion.number))
            .options(joinedload(SynthesisVersion.project))
            .order_by(SynthesisVersion.published_at.desc(), SynthesisVersion.id)
        )
    )


def _versions(ids: list[int]) -> list[SynthesisVersion]:
    if not ids:
        return []
    found = list(db.session.scalars(select(SynthesisVersion).where(SynthesisVersion.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise DomainError(_("Une des synthèses choisies n'existe plus."))
    return found


def save(edition: Edition | None, user: User, *, year: int, title: str, held_on: date,
         venue: str, programme: str, version_ids: list[int]) -> Edition:
    """Create an edition, or change one; a year has one edition."""
    taken = db.session.scalar(select(Edition.id).where(Edition.year == year))
    if taken is not None and (edition is None or taken != edition.id):
        raise DomainError(_("L'édition %(year)d existe déjà.", year=year))
    if edition is not None and edition.is_published and not version_ids:
        raise DomainError(_("Une édition publiée rassemble au moins une synthèse."))
    created = edition is None
    if edition is None:
        edition = Edition(state=EditionState.DRAFT)
        db.session.add(edition)
    edition.year = year
    edition.title = title.strip()
    edition.held_on = held_on
    edition.venue = venue.strip()
    edition.programme = programme
    edition.syntheses = _versions(version_ids)
    db.session.flush()
    audit.record(user, "edition.create" if created else "edition.update", "edition",
                 edition.id, edition.title)
    return edition


def publish(edition: Edition, user: User) -> Edition:
    """Make the edition's page public and build its dossier; a later publish rebuilds it."""
    from consultation.rencontres import jobs as rencontres_jobs

    first = not edition.is_published
    if first:
        edition.publish()
    else:
        edition.republish()
    previous = edition.document
    document = documents.request_document("dossier", edition.filename)
    edition.document = document
    db.session.flush()
    if previous is not None:
        # The former dossier goes: its job, if still queued, finds no edition and stops.
        db.session.delete(previous)
        db.session.flush()
    audit.record(user, "edition.publish" if first else "edition.republish", "edition",
                 edition.id, edition.title)
    documents.enqueue_build(rencontres_jobs.build_dossier, document)
    # Subscribers and elected officials are told by the notifications (once per edition: the
    # event's key is the edition's, so a new dossier tells nobody again).
    edition_published.send(edition, actor=user)
    return edition


def retry_dossier(edition: Edition, user: User) -> None:
    """Ask again for a dossier whose build failed (or whose worker died)."""
    from consultation.rencontres import jobs as rencontres_jobs

    if edition.document is None or not documents.reset_for_retry(edition.document):
        raise DomainError(_("Ce dossier n'est pas en échec : il n'y a rien à relancer."))
    audit.record(user, "edition.retry_dossier", "edition", edition.id, edition.title)
    documents.enqueue_build(rencontres_jobs.build_dossier, edition.document)


def year_figures(edition: Edition) -> dict[str, Any]:
    """Participation in each attached synthesis (as published) and over the year."""
    rows = []
    for version in edition.syntheses:
        participation = version.figures["participation"]
        rows.append({"title": version.project.title, "slug": version.project.slug,
                     "number": version.number,
                     **{name: participation[name] for name in FIGURE_NAMES}})
    totals = {name: sum(row[name] for row in rows) for name in FIGURE_NAMES}
    return {"rows": rows, "totals": totals}


def is_subscribed(user: User) -> bool:
    """True when the user asked to be told of the editions."""
    return db.session.get(RencontresSubscriber, user.id) is not None


def subscribe(user: User) -> None:
    """Tell this user by email when an edition is published (idempotent)."""
    if not user.email:
        raise DomainError(_("Ajoutez une adresse électronique à votre profil pour être prévenu·e."))
    insert_ignore(RencontresSubscriber.__table__, user_id=user.id)


def unsubscribe(user: User) -> None:
    """Stop telling this user (idempotent)."""
    row = db.session.get(RencontresSubscriber, user.id)
    if row is not None:
        db.session.delete(row)
        db.session.flush()

