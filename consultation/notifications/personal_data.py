"""What a person follows, what they were told and their settings: the download and deletion."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.notifications.models import Follow, Notification, NotificationSettings
from consultation.projects.models import Project
from consultation.proposals.models import Proposal


def _unfollow_all(user: User) -> None:
    db.session.execute(delete(Follow).where(Follow.user_id == user.id))


@part("notifications.json", "suivis", ("follows.user_id",),
      _l("les projets et les propositions que vous suivez ; supprimés avec votre compte"),
      erase=_unfollow_all)
def follows(user: User) -> list[dict[str, Any]]:
    """The projects and proposals the person follows."""
    rows = db.session.execute(
        select(Follow.project_id, Project.slug, Follow.proposal_id, Follow.created_at)
        .outerjoin(Project, Project.id == Follow.project_id)
        .where(Follow.user_id == user.id).order_by(Follow.id)
    )
    return [{"projet": slug, "proposition": proposal_id, "depuis_le": moment(when)}
            for _project_id, slug, proposal_id, when in rows]


def _forget_notifications(user: User) -> None:
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))


@part("notifications.json", "notifications", ("notifications.user_id",),
      _l("les notifications que la plateforme vous a adressées, lues ou non, et leur envoi par "
         "courriel ; supprimées avec votre compte"),
      erase=_forget_notifications)
def notifications(user: User) -> list[dict[str, Any]]:
    """Every notification made for the person, with what it was about (titles joined)."""
    # A proposal hidden since is named only to its author, as in the site.
    proposal_title = select(Proposal.title).where(
        Proposal.id == Notification.proposal_id,
        or_(Proposal.moderation == "visible", Proposal.author_id == user.id),
    ).scalar_subquery()
    rows = db.session.execute(
        select(Notification, Project.title, proposal_title)
        .outerjoin(Project, Project.id == Notification.project_id)
        .where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return [
        {
            "quoi": row.kind,
            "pourquoi": row.reason,
            "evenement": row.event,
            "projet": row.project_id,
            "titre_du_projet": project_title,
            "proposition": row.proposal_id,
            "titre_de_la_proposition": title,
            "commentaire": row.comment_id,
            "creee_le": moment(row.created_at),
            "lue_le": moment(row.read_at),
            "envoyee_par_courriel_le": moment(row.emailed_at),
        }
        for row, project_title, title in rows
    ]


def _forget_settings(user: User) -> None:
    db.session.execute(delete(NotificationSettings).where(NotificationSettings.user_id == user.id))


@part("notifications.json", "reglages", ("notification_settings.user_id",),
      _l("vos réglages de notification (fréquence des courriels, suivi automatique) ; "
         "supprimés avec votre compte"),
      erase=_forget_settings)
def settings(user: User) -> dict[str, Any] | None:
    """The person's notification settings, if they changed the defaults."""
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        return None
    return {"frequence_des_courriels": row.email_frequency, "suivi_automatique": row.auto_follow,
            "dernier_resume_le": moment(row.digest_sent_at)}
