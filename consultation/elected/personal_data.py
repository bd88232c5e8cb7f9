"""What the reading space keeps about a person: the last time they marked it as seen."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.elected.models import ElectedVisit
from consultation.extensions import db


def _forget_visit(user: User) -> None:
    db.session.execute(delete(ElectedVisit).where(ElectedVisit.user_id == user.id))


@part("elus.json", "derniere_visite", ("elected_visits.user_id",),
      _l("pour les élu·es, le moment où vous avez marqué l'espace des élu·es comme vu ; "
         "supprimé avec votre compte"),
      erase=_forget_visit)
def last_visit(user: User) -> dict[str, Any] | None:
    """When the person last marked the elected officials' space as seen, if ever."""
    row = db.session.get(ElectedVisit, user.id)
    return None if row is None else {"vu_le": moment(row.seen_at)}
