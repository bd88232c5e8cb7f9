"""Synthesis subscriptions, drafts and publications of a person, for the download."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.syntheses.models import SynthesisDraft, SynthesisSubscriber, SynthesisVersion


def _unsubscribe(user: User) -> None:
    db.session.execute(delete(SynthesisSubscriber).where(SynthesisSubscriber.user_id == user.id))


@part("abonnements.json", "syntheses", ("synthesis_subscribers.user_id",),
      _l("les projets dont vous voulez recevoir la synthèse par courriel ; supprimés avec "
         "votre compte"),
      erase=_unsubscribe)
def subscriptions(user: User) -> list[dict[str, Any]]:
    """The projects whose syntheses the person asked to be emailed."""
    rows = db.session.execute(
        select(Project.slug, Project.title, SynthesisSubscriber.created_at)
        .join(SynthesisSubscriber, SynthesisSubscriber.project_id == Project.id)
        .where(SynthesisSubscriber.user_id == user.id).order_by(Project.id)
    )
    return [{"projet": slug, "titre": title, "depuis_le": moment(when)}
            for slug, title, when in rows]


@part("syntheses.json", "brouillons", ("synthesis_drafts.updated_by_id",),
      _l("les brouillons de synthèse que vous avez modifiés en dernier (modérateur·rices)"))
def drafts(user: User) -> list[dict[str, Any]]:
    """The drafts the person saved last."""
    rows = db.session.execute(
        select(Project.slug, SynthesisDraft.updated_at)
        .join(Project, Project.id == SynthesisDraft.project_id)
        .where(SynthesisDraft.updated_by_id == user.id).order_by(Project.id)
    )
    return [{"projet": slug, "modifie_le": moment(when)} for slug, when in rows]


@part("syntheses.json", "publications", ("synthesis_versions.published_by_id",),
      _l("les versions de synthèse que vous avez publiées (modérateur·rices)"))
def publications(user: User) -> list[dict[str, Any]]:
    """The synthesis versions the person published."""
    rows = db.session.execute(
        select(Project.slug, SynthesisVersion.number, SynthesisVersion.published_at)
        .join(Project, Project.id == SynthesisVersion.project_id)
        .where(SynthesisVersion.published_by_id == user.id).order_by(SynthesisVersion.id)
    )
    return [{"projet": slug, "version": number, "publiee_le": moment(when)}
            for slug, number, when in rows]
