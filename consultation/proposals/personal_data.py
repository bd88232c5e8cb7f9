"""The proposals a person wrote, for the download (propositions.json)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.proposals.models import Proposal


@part("propositions.json", "propositions", ("proposals.author_id",),
      _l("les propositions que vous avez déposées, avec leur état, leurs compteurs et la "
         "réponse officielle ; elles restent publiées si vous supprimez votre compte"))
def proposals(user: User) -> list[dict[str, Any]]:
    """Every proposal the person wrote, withdrawn, hidden and merged ones included."""
    rows = db.session.scalars(
        select(Proposal).options(joinedload(Proposal.project), joinedload(Proposal.territory))
        .where(Proposal.author_id == user.id).order_by(Proposal.id)
    )
    return [
        {
            "numero": p.id,
            "projet": p.project.title,
            "titre": p.title,
            "texte": p.body,
            "territoire": p.territory.name if p.territory else None,
            "etat": p.status,
            "moderation": p.moderation,
            "motif_de_moderation": p.moderation_reason,
            "fusionnee_dans": p.merged_into_id,
            "soutiens": p.supports_count,
            "commentaires": p.comments_count,
            "reponse_officielle": p.answer_status,
            "texte_de_la_reponse": p.answer_body,
            "deposee_le": moment(p.created_at),
            "modifiee_le": moment(p.updated_at),
            "retiree_le": moment(p.withdrawn_at),
        }
        for p in rows
    ]
