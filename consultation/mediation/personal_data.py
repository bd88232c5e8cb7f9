"""What mediation holds about a person, for the download: their assisted profile, their acts."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.mediation.models import AGE_BRACKETS, AssistedProfile, Workshop
from consultation.proposals.models import Proposal
from consultation.votes.models import Support


def _forget_profile(user: User) -> None:
    db.session.execute(delete(AssistedProfile).where(AssistedProfile.user_id == user.id))


@part("accompagnement.json", "profil", ("assisted_profiles.user_id",),
      _l("si un·e médiateur·rice vous a inscrit·e : votre tranche d'âge, la référence du "
         "formulaire de consentement signé et sa date ; supprimés avec votre compte"),
      erase=_forget_profile)
def assisted_profile(user: User) -> dict[str, Any] | None:
    """The person's profile as an assisted participant, if a mediator registered them."""
    profile = db.session.get(AssistedProfile, user.id)
    if profile is None:
        return None
    return {
        "tranche_d_age": str(AGE_BRACKETS[profile.age_bracket]) if profile.age_bracket else None,
        "reference_du_consentement": profile.consent_reference,
        "consentement_du": moment(profile.consented_on),
        "inscrit_e_le": moment(profile.created_at),
        "compte_recupere_le": moment(profile.claimed_at),
    }


def _count(model: Any, user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.mediator_id == user.id)
    ) or 0


# The acts stay attached to the account's tombstone after a deletion: the journal keeps them.
@part("mediation.json", "actes", ("assisted_profiles.registered_by_id", "workshops.mediator_id",
                                  "proposals.mediator_id", "comments.mediator_id",
                                  "supports.mediator_id"),
      _l("ce que vous avez fait comme médiateur·rice numérique : personnes inscrites, ateliers "
         "saisis, contributions déposées pour autrui (en nombre : les personnes accompagnées "
         "ne sont pas nommées)"))
def mediator_acts(user: User) -> dict[str, Any]:
    """What the person did as a mediator, counted; the people they helped are not named."""
    registered = db.session.scalar(
        select(func.count()).select_from(AssistedProfile)
        .where(AssistedProfile.registered_by_id == user.id)
    ) or 0
    workshops = db.session.execute(
        select(Workshop.id, Workshop.place, Workshop.held_on)
        .where(Workshop.mediator_id == user.id).order_by(Workshop.id)
    )
    return {
        "personnes_inscrites": registered,
        "ateliers": [{"numero": number, "lieu": place, "date": moment(held_on)}
                     for number, place, held_on in workshops],
        "propositions_deposees_pour_autrui": _count(Proposal, user),
        "commentaires_deposes_pour_autrui": _count(Comment, user),
        "soutiens_donnes_pour_autrui": _count(Support, user),
    }
