"""The commitment updates an admin wrote, for the download."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentUpdate


@part("suivi.json", "points_d_etape", ("commitment_updates.author_id",),
      _l("les points d'étape des engagements que vous avez publiés en tant "
         "qu'administrateur·rice ; ils restent publiés si vous supprimez votre compte"))
def updates(user: User) -> list[dict[str, Any]]:
    """The updates of commitments the person wrote (admins)."""
    rows = db.session.execute(
        select(CommitmentUpdate, Commitment.title)
        .join(Commitment, Commitment.id == CommitmentUpdate.commitment_id)
        .where(CommitmentUpdate.author_id == user.id)
        .order_by(CommitmentUpdate.id)
    ).all()
    return [
        {"engagement": title, "date": moment(update.happened_on),
         "enregistre_le": moment(update.created_at), "texte": update.text,
         "statut": update.status, "avancement": update.progress, "motif": update.reason}
        for update, title in rows
    ]
