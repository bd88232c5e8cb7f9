"""The comments a person wrote, for the download (commentaires.json)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.personal_data import moment, part
from consultation.extensions import db


@part("commentaires.json", "commentaires", ("comments.author_id",),
      _l("vos commentaires et réponses, avec leur position (pour, contre, neutre) ; ils "
         "restent publiés si vous supprimez votre compte"))
def comments(user: User) -> list[dict[str, Any]]:
    """Every comment the person wrote (a deleted one keeps its place, not its text)."""
    rows = db.session.scalars(
        select(Comment).options(joinedload(Comment.project))
        .where(Comment.author_id == user.id).order_by(Comment.id)
    )
    return [
        {
            "numero": c.id,
            "projet": c.project.title,
            "proposition": c.proposal_id,
            "en_reponse_au_commentaire": c.parent_id,
            "position": c.stance,
            "texte": c.body,
            "moderation": c.moderation,
            "motif_de_moderation": c.moderation_reason,
            "ecrit_le": moment(c.created_at),
            "modifie_le": moment(c.updated_at),
            "supprime_le": moment(c.deleted_at),
        }
        for c in rows
    ]
