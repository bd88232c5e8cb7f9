"""Assisted participants and paper workshops.

An assisted participant is a `User` row without email or password, so every contribution keeps
its `author_id`; its profile says who registered it and on what consent. A participant counted
anonymously at a paper workshop has a profile tied to that workshop and no consent (no personal
data is kept about them).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.models import as_utc, utcnow
from consultation.extensions import Model

AGE_BRACKETS = {
    "moins_18": _l("Moins de 18 ans"),
    "18_29": _l("18 à 29 ans"),
    "30_44": _l("30 à 44 ans"),
    "45_59": _l("45 à 59 ans"),
    "60_74": _l("60 à 74 ans"),
    "75_plus": _l("75 ans et plus"),
}
ANONYMOUS_NAME = "Participant·e d'un atelier"


class Workshop(Model):
    """A paper workshop whose contributions a mediator entered."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    place: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date] = mapped_column(Date)
    mediator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    mediator: Mapped[User] = relationship()


class AssistedProfile(Model):
    """What makes a user an assisted participant: who registered them, and their consent."""

    __tablename__ = "assisted_profiles"
    __table_args__ = (
        CheckConstraint(
            "age_bracket IS NULL OR age_bracket IN "
            "('moins_18', '18_29', '30_44', '45_59', '60_74', '75_plus')",
            name="age_bracket",
        ),
        # A named participant exists only with a recorded consent (a signed paper form);
        # only a participant counted anonymously at a workshop has none.
        CheckConstraint(
            "workshop_id IS NOT NULL OR (consent_reference IS NOT NULL"
            " AND consent_reference <> '' AND consented_on IS NOT NULL)",
            name="consent",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The mediator who registered the person and recorded their consent.
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    age_bracket: Mapped[str | None] = mapped_column(String(10))
    consent_reference: Mapped[str | None] = mapped_column(String(80))
    consented_on: Mapped[date | None] = mapped_column(Date)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"), index=True)
    # A one-time code lets the person take the account over (sha256, never the code itself).
    claim_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The token of the acting sessions running for the person, also in their cookies
    # (mediation/services.py): cleared by "Arrêter", so a copy of the cookie acts no more.
    acting_token: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    workshop: Mapped[Workshop | None] = relationship()

    @property
    def has_consent(self) -> bool:
        """True when the person's consent is recorded (a reference to the signed form)."""
        return bool(self.consent_reference) and self.consented_on is not None

    @property
    def is_claimed(self) -> bool:
        """True once the person took the account over: they act for themselves now."""
        return self.claimed_at is not None

    @property
    def can_be_acted_for(self) -> bool:
        """A mediator may act for the person: consent recorded and account not taken over."""
        return self.has_consent and not self.is_claimed

    @property
    def claim_code_valid(self) -> bool:
        """True while a claim code waits, unexpired."""
        return (
            self.claim_code_hash is not None
            and self.claim_expires_at is not None
            and as_utc(self.claim_expires_at) > utcnow()
        )
