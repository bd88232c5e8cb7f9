"""What a notification says (what happened, why the person gets it, where to look): the same
sentences in the site and in the emails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from consultation.notifications.models import NotificationKind as Kind
from consultation.notifications.models import NotificationReason as Reason


@dataclass(frozen=True)
class Told:
    """A notification in words."""

    what: str
    why: str
    link: str | None


def what(item: Any) -> str:
    """What happened, in one sentence (one translation looked up)."""
    kind, title = item.notification.kind, item.title
    if kind == Kind.REPLY:
        return _("Réponse à votre commentaire sur « %(title)s »", title=title)
    if kind == Kind.COMMENT:
        return _("Nouveau commentaire sur votre proposition « %(title)s »", title=title)
    if kind == Kind.ANSWER:
        return _("Réponse officielle de la métropole à la proposition « %(title)s »",
                 title=title)
    if kind == Kind.MERGED:
        return _("Votre proposition « %(title)s » a été fusionnée dans une autre", title=title)
    if kind == Kind.HIDDEN:
        return _("Votre proposition « %(title)s » a été masquée par la modération",
                 title=title)
    if kind == Kind.RESTORED:
        return _("Votre proposition « %(title)s » est de nouveau visible", title=title)
    if kind == Kind.PHASE_OPENED:
        return _("La consultation est ouverte sur le projet « %(title)s »", title=title)
    if kind == Kind.SYNTHESIS:
        return _("Synthèse publiée sur le projet « %(title)s »", title=title)
    if kind == Kind.COMMITMENT:
        return _("Un engagement a été mis à jour sur le projet « %(title)s »", title=title)
    return _("Rencontres %(year)s : le dossier est publié", year=item.edition_year or "")


def why(item: Any) -> str:
    """Why the person gets it."""
    kind, reason = item.notification.kind, item.notification.reason
    if reason == Reason.AUTHOR:
        return _("Vous recevez cette notification parce que vous êtes l'auteur·rice.")
    if reason == Reason.ELECTED:
        return _("Vous recevez cette notification parce que vous êtes élu·e.")
    if reason == Reason.FOLLOWER and kind == Kind.ANSWER:
        return _("Vous recevez cette notification parce que vous suivez cette proposition.")
    if reason == Reason.FOLLOWER and kind == Kind.COMMITMENT:
        return _("Vous recevez cette notification parce que vous suivez ce projet ou une "
                 "proposition concernée.")
    if reason == Reason.FOLLOWER:
        return _("Vous recevez cette notification parce que vous suivez ce projet.")
    if kind == Kind.EDITION:
        return _("Vous recevez cette notification parce que vous êtes abonné·e aux Rencontres.")
    return _("Vous recevez cette notification parce que vous êtes abonné·e aux synthèses de "
             "ce projet.")


def link(item: Any, external: bool = False) -> str | None:
    """Where the thing is (an absolute address in emails)."""
    n, slug = item.notification, item.project_slug
    if n.kind in (Kind.REPLY, Kind.COMMENT) and n.comment_id:
        anchor = f"commentaire-{n.comment_id}"
        if n.proposal_id:
            return url_for("proposals.show", proposal_id=n.proposal_id, _anchor=anchor,
                           _external=external)
        return url_for("projects.show", slug=slug, _anchor=anchor, _external=external)
    if n.kind == Kind.ANSWER:
        return url_for("proposals.show", proposal_id=n.proposal_id, _anchor="reponse",
                       _external=external)
    if n.proposal_id:
        return url_for("proposals.show", proposal_id=n.proposal_id, _external=external)
    if n.kind == Kind.SYNTHESIS and item.version_number and slug:
        return url_for("syntheses.show_version", slug=slug, number=item.version_number,
                       _external=external)
    if n.kind == Kind.EDITION and item.edition_year:
        return url_for("rencontres.show", year=item.edition_year, _external=external)
    if n.kind == Kind.COMMITMENT and slug:
        return url_for("followup.project", slug=slug, _external=external)
    if slug:
        return url_for("projects.show", slug=slug, _external=external)
    return None


def tell(item: Any, external: bool = False) -> Told:
    """The notification in words."""
    return Told(what(item), why(item), link(item, external))
