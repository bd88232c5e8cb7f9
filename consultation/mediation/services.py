"""Mediation services: register assisted participants, act for them for a limited time, enter
a paper workshop's contributions, and let a participant take their account over.

They change the model and flush, never commit. The acting state lives in the signed session
cookie (nothing is kept on one machine); `check_acting()` checks it on every request. The
cookie's state carries a random token that the participant's profile holds too
(AssistedProfile.acting_token): "Arrêter" clears it, so a copy of the cookie taken before no
longer acts for anyone (it ends every acting session for that person, as logging out ends
every session of an account).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.comments.services import add_comment
from consultation.core import audit, permissions
from consultation.core.errors import DomainError
from consultation.core.models import utcnow
from consultation.core.text import elide
from consultation.extensions import db
from consultation.mediation.models import ANONYMOUS_NAME, AssistedProfile, Workshop
from consultation.projects.models import Project
from consultation.proposals.models import Proposal, Stance
from consultation.proposals.services import create_proposal
from consultation.reference.models import Territory

log = logging.getLogger(__name__)

ACTING_MINUTES = 30
# Renewals add 30 minutes, but the end is never more than an hour away.
ACTING_MAX_MINUTES = 60
SESSION_KEY = "mediation_acting"
CLAIM_DAYS = 30
# Codes read aloud or copied from paper: no 0/O, 1/I/L. 12 of 31 signs: about 59 bits.
CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CLAIM_LENGTH = 12


# --- Assisted participants ------------------------------------------------------------------


def register_participant(
    mediator: User,
    display_name: str,
    commune: Territory | None,
    age_bracket: str | None,
    consent_reference: str,
    consented_on: date | None,
    *,
    charter_accepted: bool = False,
) -> AssistedProfile:
    """Register a person without email or account, on the reference of their signed consent;
    `charter_accepted`: the mediator confirms the person accepted the participation charter."""
    reference = (consent_reference or "").strip()
    if not reference or consented_on is None:
        raise DomainError(_("Sans consentement enregistré (référence du formulaire signé et "
                            "date), la personne ne peut pas être inscrite."))
    user = User(email=None, password_hash=None, display_name=display_name.strip(),
                commune=commune)
    if charter_accepted:
        user.accept_charter()
    profile = AssistedProfile(
        user=user, registered_by=mediator, age_bracket=age_bracket or None,
        consent_reference=reference, consented_on=consented_on,
    )
    db.session.add_all([user, profile])
    db.session.flush()
    audit.record(mediator, "mediation.register", "user", user.id, user.display_name,
                 consent_reference=reference, consented_on=consented_on.isoformat(),
                 mediator=mediator.display_name)
    log.info("mediator %s registered assisted participant %s", mediator.id, user.id)
    return profile


def profile_of(user_id: int) -> AssistedProfile | None:
    """The assisted profile of a user, with the user, or None."""
    return db.session.scalar(
        select(AssistedProfile).join(AssistedProfile.user).where(AssistedProfile.user_id == user_id)
    )


def participants(query: str = "", registered_by: User | None = None) -> Select[Any]:
    """Named assisted participants (those with a recorded consent), by name; only those one
    mediator registered when `registered_by` is given; `query` searched in the name."""
    statement = (
        select(AssistedProfile)
        .join(AssistedProfile.user)
        .where(AssistedProfile.consent_reference.is_not(None))
        .order_by(User.display_name, User.id)
    )
    if registered_by is not None:
        statement = statement.where(AssistedProfile.registered_by_id == registered_by.id)
    if query:
        statement = statement.where(User.display_name.icontains(query, autoescape=True))
    return statement


def participant_choices() -> list[tuple[int, str]]:
    """(user id, name) of the participants a mediator may enter contributions for."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .join(AssistedProfile, AssistedProfile.user_id == User.id)
        .where(AssistedProfile.consent_reference.is_not(None),
               AssistedProfile.claimed_at.is_(None))
        .order_by(User.display_name, User.id)
    )
    return [(row.id, row.display_name) for row in rows]


# --- Acting for a participant ---------------------------------------------------------------


def _now() -> float:
    return utcnow().timestamp()


def start_acting(state: MutableMapping[str, Any], mediator: User,
                 profile: AssistedProfile) -> None:
    """Start acting for the participant for 30 minutes (the caller checked mediation.act).
    The session carries the person's acting token: a new one when nobody acts for them, else
    the running one (two mediators may act for the same person at once)."""
    db.session.execute(
        update(AssistedProfile)
        .where(AssistedProfile.user_id == profile.user_id, AssistedProfile.acting_token.is_(None))
        .values(acting_token=secrets.token_hex(16))
        .execution_options(synchronize_session=False)
    )
    # Read back: a mediator starting at the same moment may have set it first.
    token = db.session.scalar(select(AssistedProfile.acting_token)
                              .where(AssistedProfile.user_id == profile.user_id))
    state[SESSION_KEY] = {
        "person": profile.user_id,
        "mediator": mediator.id,
        "until": _now() + ACTING_MINUTES * 60,
        "token": token,
    }
    db.session.expire(profile, ["acting_token"])
    log.info("mediator %s acts for assisted participant %s", mediator.id, profile.user_id)


def extend_acting(state: MutableMapping[str, Any]) -> None:
    """Add 30 minutes to the acting session, up to an hour from now."""
    acting = dict(state[SESSION_KEY])
    now = _now()
    acting["until"] = min(acting["until"] + ACTING_MINUTES * 60, now + ACTING_MAX_MINUTES * 60)
    state[SESSION_KEY] = acting


def stop_acting(state: MutableMapping[str, Any]) -> bool:
    """Stop acting for anyone, on the server too: the person's acting token is cleared, so no
    copy of the cookie acts for them any more (nor another mediator's acting session for the
    same person, who is told so at their next page); True if an acting session was running."""
    acting = state.pop(SESSION_KEY, None)
    if isinstance(acting, dict) and isinstance(acting.get("person"), int):
        profile = db.session.get(AssistedProfile, acting["person"])
        if profile is not None and _same_token(profile, acting):
            profile.acting_token = None
            db.session.flush()
    return acting is not None


def _same_token(profile: AssistedProfile, acting: dict[str, Any]) -> bool:
    token = acting.get("token")
    return (isinstance(token, str) and profile.acting_token is not None
            and secrets.compare_digest(token, profile.acting_token))


def minutes_left(state: MutableMapping[str, Any]) -> int:
    """Whole minutes (rounded up) before the acting session ends, 0 when none runs."""
    acting = state.get(SESSION_KEY)
    if not acting:
        return 0
    seconds = acting["until"] - _now()
    return max(0, -int(-seconds // 60))


def seconds_left(state: MutableMapping[str, Any]) -> int:
    """Whole seconds before the acting session ends, 0 when none runs."""
    acting = state.get(SESSION_KEY)
    return max(0, int(acting["until"] - _now())) if acting else 0


@dataclass(frozen=True)
class ActingCheck:
    """The acting session of a request: the person acted for, or why it ended."""

    person: User | None
    refusal: str | None


def check_acting(state: MutableMapping[str, Any], mediator: Any) -> ActingCheck | None:
    """None when no acting session runs; else the person acted for, or the French reason the
    session ended (it expired, or the mediator or the person may no longer take part)."""
    acting = state.get(SESSION_KEY)
    if not acting:
        return None
    valid_shape = isinstance(acting, dict) and isinstance(acting.get("person"), int) \
        and isinstance(acting.get("until"), int | float)
    profile = profile_of(acting["person"]) if valid_shape else None
    if (profile is None or not getattr(mediator, "is_authenticated", False)
            or acting.get("mediator") != mediator.id or not _same_token(profile, acting)):
        return ActingCheck(None, _("Vous n'agissez plus pour le compte d'une autre personne."))
    name = profile.user.display_name
    if acting["until"] <= _now():
        return ActingCheck(None, _(
            "Les %(minutes)d minutes pendant lesquelles vous agissiez pour le compte de "
            "%(name)s sont écoulées : cette action n'a pas été enregistrée. Vous agissez de "
            "nouveau en votre nom ; relancez « Agir pour » pour continuer.",
            minutes=ACTING_MINUTES, name=name,
        ))
    reason = permissions.refusal(mediator, "mediation.act", profile)
    if reason is not None:
        return ActingCheck(None, elide(_("Vous n'agissez plus pour le compte de %(name)s : "
                                         "%(reason)s", name=name, reason=reason), name))
    return ActingCheck(profile.user, None)


# --- Paper workshops ------------------------------------------------------------------------


@dataclass
class WorkshopRow:
    """One contribution written at a paper workshop; author None: anonymous but counted."""

    index: int
    kind: str  # "proposition" or "commentaire"
    project_id: int | None
    proposal_id: int | None
    title: str
    body: str
    stance: str | None
    author_id: int | None


class RowsRefused(DomainError):
    """Some rows of a workshop entry are refused: (row index, field name) -> French message."""

    def __init__(self, errors: dict[tuple[int, str], str]) -> None:
        super().__init__(_("Aucune contribution n'a été enregistrée : corrigez les lignes "
                           "signalées puis envoyez à nouveau."))
        self.errors = errors


def _row_targets(
    mediator: User, row: WorkshopRow, errors: dict[tuple[int, str], str]
) -> tuple[User | None, Project | None, Proposal | None]:
    """The author, project and proposal of a row, or errors on its fields."""
    author: User | None = None
    if row.author_id is not None:
        profile = profile_of(row.author_id)
        if profile is None:
            errors[(row.index, "author")] = _("Choisissez une personne de la liste.")
        else:
            reason = permissions.refusal(mediator, "mediation.act", profile)
            if reason is not None:
                errors[(row.index, "author")] = reason
            author = profile.user
    project = db.session.get(Project, row.project_id) if row.project_id else None
    if project is None:
        errors[(row.index, "project")] = _("Choisissez un projet de la liste.")
        return author, None, None
    # The rules are those of the person, as if they had written it online; an anonymous
    # participant is a new, unblocked person.
    who = author or User(display_name=ANONYMOUS_NAME)
    if row.kind == "proposition":
        reason = permissions.refusal(who, "proposals.create", project)
        if reason is not None:
            errors[(row.index, "project")] = reason
        return author, project, None
    proposal = db.session.get(Proposal, row.proposal_id) if row.proposal_id else None
    if proposal is None or proposal.project_id != project.id:
        errors[(row.index, "proposal")] = _(
            "Aucune proposition n° %(number)s dans ce projet.", number=row.proposal_id or "?"
        )
        return author, project, None
    reason = permissions.refusal(who, "comments.create", proposal)
    if reason is not None:
        errors[(row.index, "proposal")] = reason
    return author, project, proposal


def enter_workshop(
    mediator: User, place: str, held_on: date, rows: list[WorkshopRow]
) -> Workshop:
    """Record a paper workshop and all its contributions, or none: every row is checked
    first (RowsRefused names each refused field). Each anonymous row gets a participant of
    its own, so the participation figures count each contribution's writer once."""
    if not rows:
        raise DomainError(_("Saisissez au moins une contribution."))
    errors: dict[tuple[int, str], str] = {}
    checked = [(row, *_row_targets(mediator, row, errors)) for row in rows]
    if errors:
        raise RowsRefused(errors)
    workshop = Workshop(place=place.strip(), held_on=held_on, mediator=mediator)
    db.session.add(workshop)
    db.session.flush()
    for row, author, project, proposal in checked:
        if author is None:
            author = _anonymous_participant(mediator, workshop)
        if row.kind == "proposition":
            create_proposal(author, project, row.title, row.body, None,  # type: ignore[arg-type]
                            mediator=mediator, workshop_id=workshop.id)
        else:
            add_comment(author, project, row.stance or Stance.NEUTRE, row.body,  # type: ignore[arg-type]
                        proposal=proposal, mediator=mediator, workshop_id=workshop.id)
    audit.record(mediator, "mediation.workshop", "workshop", workshop.id,
                 f"{workshop.place}, {held_on.isoformat()}", contributions=len(rows),
                 mediator=mediator.display_name)
    log.info("mediator %s entered workshop %s (%s rows)", mediator.id, workshop.id, len(rows))
    return workshop


def _anonymous_participant(mediator: User, workshop: Workshop) -> User:
    user = User(email=None, password_hash=None, display_name=ANONYMOUS_NAME)
    db.session.add_all([user, AssistedProfile(user=user, registered_by=mediator,
                                              workshop=workshop)])
    db.session.flush()
    return user


def workshop_of(workshop_id: int | None) -> Workshop | None:
    """A workshop by id (from the session's identity map after the first time)."""
    return db.session.get(Workshop, workshop_id) if workshop_id else None


# --- Taking an account over -----------------------------------------------------------------


def normalise_code(code: str) -> str:
    """A typed code as stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_claim_code(mediator: User, profile: AssistedProfile) -> str:
    """A one-time code the person uses to take the account over, valid 30 days; it replaces
    any earlier code. Only its hash is kept: the code is shown once."""
    raw = "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_LENGTH))
    profile.claim_code_hash = _hash(raw)
    profile.claim_expires_at = utcnow() + timedelta(days=CLAIM_DAYS)
    audit.record(mediator, "mediation.claim_code", "user", profile.user_id,
                 profile.user.display_name, mediator=mediator.display_name)
    db.session.flush()
    log.info("mediator %s made a claim code for participant %s", mediator.id, profile.user_id)
    return "-".join(raw[i:i + 4] for i in range(0, CLAIM_LENGTH, 4))


def claim(code: str, email: str, password: str, display_name: str | None,
          *, charter_accepted: bool = False) -> User:
    """Turn an assisted participant into a citizen account with the one-time code: same user,
    so everything they contributed stays theirs; a link to confirm the email is sent. The code
    is spent in one UPDATE, so two requests with the same code cannot both succeed.
    `charter_accepted`: the person ticked the participation charter themselves."""
    if len(normalise_code(code)) != CLAIM_LENGTH:
        raise DomainError(_("Code invalide ou expiré."))
    now = utcnow()
    user_id = db.session.execute(
        update(AssistedProfile)
        .where(AssistedProfile.claim_code_hash == _hash(code),
               AssistedProfile.claimed_at.is_(None),
               AssistedProfile.claim_expires_at > now)
        .values(claim_code_hash=None, claim_expires_at=None, claimed_at=now)
        .returning(AssistedProfile.user_id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if user_id is None:
        raise DomainError(_("Code invalide ou expiré."))
    if accounts.find_by_email(email) is not None:
        raise DomainError(_("Un compte existe déjà avec cette adresse électronique."))
    user = db.session.get(User, user_id)
    assert user is not None
    # The account was opened with a recorded consent: it keeps contributing while its new
    # email waits for confirmation (confirmation_required stays False); the link only marks
    # the address confirmed.
    user.set_email(accounts.normalise_email(email))
    if display_name and display_name.strip():
        user.display_name = display_name.strip()
    user.set_password(password)
    user.grant("citizen")
    if charter_accepted:
        user.accept_charter()
    audit.record(user, "mediation.claimed", "user", user.id, user.display_name)
    db.session.flush()
    accounts.send_confirmation(user)
    log.info("assisted participant %s took their account over", user.id)
    return user
