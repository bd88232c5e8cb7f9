"""A person's subscription to the Rencontres des numériques, for the download."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.rencontres.models import RencontresSubscriber


def _unsubscribe(user: User) -> None:
    db.session.execute(
        delete(RencontresSubscriber).where(RencontresSubscriber.user_id == user.id)
    )


@part("abonnements.json", "rencontres", ("rencontres_subscribers.user_id",),
      _l("si vous voulez être prévenu·e de la publication des Rencontres des numériques ; "
         "supprimé avec votre compte"),
      erase=_unsubscribe)
def subscription(user: User) -> dict[str, Any]:
    """Whether, and since when, the person asked to be told of the editions."""
    row = db.session.get(RencontresSubscriber, user.id)
    return {"abonne": row is not None, "depuis_le": moment(row.created_at) if row else None}
