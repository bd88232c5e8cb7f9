"""The projects a person took part in or created, for the download (projets.json)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.projects.models import Project, ProjectParticipant


# Kept on deletion: the participant count of each project stays exact, and so does the count
# of participants by commune of residence in the syntheses (figures.py), hence `retains`.
@part("projets.json", "participation", ("project_participants.user_id",),
      _l("les projets auxquels vous avez participé (ils vous comptent parmi leurs "
         "participant·es, compte supprimé ou non)"),
      retains=("commune_id",))
def participation(user: User) -> list[dict[str, Any]]:
    """The projects that count the person among their participants."""
    rows = db.session.execute(
        select(Project.slug, Project.title)
        .join(ProjectParticipant, ProjectParticipant.project_id == Project.id)
        .where(ProjectParticipant.user_id == user.id).order_by(Project.id)
    )
    return [{"projet": slug, "titre": title} for slug, title in rows]


@part("projets.json", "projets_crees", ("projects.created_by_id",),
      _l("les projets que vous avez créés en tant qu'administrateur·rice"))
def created(user: User) -> list[dict[str, Any]]:
    """The projects the person created (admins)."""
    rows = db.session.execute(
        select(Project.slug, Project.title, Project.created_at)
        .where(Project.created_by_id == user.id).order_by(Project.id)
    )
    return [{"projet": slug, "titre": title, "cree_le": moment(when)}
            for slug, title, when in rows]
