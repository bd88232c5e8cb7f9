"""What an account holds about its person, for the download (compte.json)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from consultation.accounts.models import User
from consultation.core.mail import SentNotice
from consultation.core.personal_data import moment, part
from consultation.extensions import db


# user_roles rows go with the account: deleting it revokes every role (see services).
@part("compte.json", "compte", ("user_roles.user_id",),
      _l("votre compte : adresse électronique, nom affiché, commune, langue, rôles, dates, "
         "état de blocage (ni le mot de passe ni les jetons de session, jamais exportés)"))
def account(user: User) -> dict[str, Any]:
    """The account itself; never the password hash nor the session nonce."""
    return {
        "numero": user.id,
        "adresse_electronique": user.email,
        "nom_affiche": user.display_name,
        "commune": user.commune.name if user.commune else None,
        "langue": user.locale,
        "roles": sorted(user.roles),
        "cree_le": moment(user.created_at),
        "adresse_confirmee_le": moment(user.email_confirmed_at),
        "charte_acceptee_le": moment(user.charter_accepted_at),
        "modifie_le": moment(user.updated_at),
        "bloque_le": moment(user.blocked_at),
        "bloque_jusqu_au": moment(user.blocked_until),
        "motif_du_blocage": user.blocked_reason,
    }


def _forget_notices(user: User) -> None:
    db.session.execute(delete(SentNotice).where(SentNotice.user_id == user.id))


@part("compte.json", "courriels_envoyes", ("sent_notices.user_id",),
      _l("les avis de publication envoyés à votre adresse (quelle synthèse ou quelle édition, "
         "et quand) ; supprimés avec votre compte"),
      erase=_forget_notices)
def notices(user: User) -> list[dict[str, Any]]:
    """The publication emails sent to the person, so a retried mailing tells nobody twice."""
    rows = db.session.execute(
        select(SentNotice.key, SentNotice.sent_at)
        .where(SentNotice.user_id == user.id).order_by(SentNotice.sent_at, SentNotice.key)
    )
    return [{"avis": key, "envoye_le": moment(when)} for key, when in rows]
