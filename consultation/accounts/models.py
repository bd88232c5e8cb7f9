"""Users and their roles. A user's identity is its id: the email is optional (assisted people)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    Text,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from consultation.accounts.emails import email_key
from consultation.core import fragments
from consultation.core.db import comma_values
from consultation.core.models import TimestampMixin, as_utc, utcnow
from consultation.extensions import Model
from consultation.reference.models import Territory

ROLES = ("citizen", "mediator", "moderator", "admin", "elected")
ROLE_LABELS = {
    "citizen": _l("Citoyen·ne"),
    "mediator": _l("Médiateur·rice numérique"),
    "moderator": _l("Modérateur·rice"),
    "admin": _l("Administrateur·rice"),
    "elected": _l("Élu·e"),
}


# Shown wherever the name of someone who deleted their account would have been.
DELETED_LABEL = _l("Participant·e supprimé·e")


def new_nonce() -> str:
    """A random value that, once changed, ends every session of the user."""
    return secrets.token_hex(8)


# A hash of a random password, made on first use by the hasher real passwords use, kept per
# hasher (tests swap it for a cheap one): checked when there is no account, or no password,
# so that a wrong password costs the same whoever the email belongs to.
_DUMMY_HASHES: dict[object, str] = {}


def dummy_hash() -> str:
    """A real password hash that no typed password matches, made once per process."""
    hasher = generate_password_hash
    if hasher not in _DUMMY_HASHES:
        _DUMMY_HASHES[hasher] = hasher(secrets.token_urlsafe(32))
    return _DUMMY_HASHES[hasher]


class UserRole(Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('citizen', 'mediator', 'moderator', 'admin', 'elected')", name="role"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, TimestampMixin, Model):
    """A person who takes part; emails are stored lower-case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # The address as compared (accounts/emails.py), set with the email: unique, so that a
    # look-alike of an address cannot open a second account. None without an email, and for
    # the accounts migration 0018 found sharing a key with an older one (`flask users
    # email-collisions` lists them): they still log in with their exact address.
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    locale: Mapped[str | None] = mapped_column(String(5))
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_nonce)
    # Blocking: set by a moderator; blocked_until None with blocked_at set means for good.
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    # Set when the person deleted their account: the row stays as a tombstone (see
    # accounts.services.delete_account) so their contributions and supports keep counting.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the current email was confirmed by its link; None until then, and again after the
    # email changes (see set_email).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # True for an account its owner registered with an email: until that email is confirmed it
    # reads and follows but cannot contribute. False for accounts a mediator registered with a
    # recorded consent (they may take the account over with an email, and still contribute).
    confirmation_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # When the person accepted the participation charter (/charte): at registration, or when a
    # mediator registered them and confirmed they accepted it. None for accounts made before
    # the charter was asked for, and for those made on the command line.
    charter_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    commune: Mapped[Territory | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", order_by=UserRole.role
    )

    # Flask-Login: the session holds id and nonce, so a new nonce logs every session out.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def roles(self) -> set[str]:
        """The names of the roles held (as loaded with the person, see `knows_roles`, until
        role_rows is loaded or changed)."""
        if "role_rows" not in self.__dict__:
            names = self.__dict__.get("_role_names")
            if names is not None:
                return set(names)
        return {row.role for row in self.role_rows}

    def knows_roles(self, names: str | None) -> None:
        """The names of the roles held, read with the person (comma-separated): every page of
        a logged-in person asks for them, and building role_rows costs more than reading them."""
        self.__dict__["_role_names"] = frozenset(comma_values(names))

    def has_role(self, role: str) -> bool:
        """True when the user holds this role."""
        return role in self.roles

    def grant(self, role: str) -> None:
        """Give a role (idempotent)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if role not in self.roles:
            self.role_rows.append(UserRole(role=role))

    def revoke(self, role: str) -> None:
        """Take a role back (idempotent)."""
        self.role_rows = [row for row in self.role_rows if row.role != role]

    def accept_charter(self) -> None:
        """Record that the person accepted the participation charter (the first time counts)."""
        if self.charter_accepted_at is None:
            self.charter_accepted_at = utcnow()

    @property
    def is_blocked(self) -> bool:
        """True while a block is in force: the account reads but cannot contribute."""
        if self.blocked_at is None:
            return False
        return self.blocked_until is None or as_utc(self.blocked_until) > utcnow()

    @property
    def is_deleted(self) -> bool:
        """True once the person deleted their account: nothing of them is left but the id."""
        return self.deleted_at is not None

    @property
    def email_confirmed(self) -> bool:
        """True when the account has an email and its link was used."""
        return self.email is not None and self.email_confirmed_at is not None

    @property
    def needs_email_confirmation(self) -> bool:
        """True while the person registered themselves with an email and has not confirmed
        it: the account reads and follows, but cannot propose, comment, support or report."""
        return self.confirmation_required and self.email is not None and not self.email_confirmed

    @validates("email")
    def _keep_key(self, _key: str, email: str | None) -> str | None:
        self.email_key = email_key(email) if email else None
        return email

    def end_sessions(self) -> None:
        """End every session of the account, on every browser (logging out, a terminal)."""
        self.session_nonce = new_nonce()

    def set_email(self, email: str | None) -> None:
        """Change the email (already normalised): a new address is unconfirmed, and the links
        sent to the old one die with it."""
        if email != self.email:
            self.email = email
            self.email_confirmed_at = None

    def confirm_email(self) -> bool:
        """Mark the current email as confirmed; False when it already was (nothing changes)."""
        if self.email is None or self.email_confirmed_at is not None:
            return False
        self.email_confirmed_at = utcnow()
        return True

    @property
    def public_name(self) -> str:
        """The name shown beside contributions ("Compte bloqué" while blocked)."""
        if self.is_deleted:
            return str(DELETED_LABEL)
        if not self.is_blocked:
            return self.display_name
        if self.blocked_until is not None:
            # A page kept as a shared fragment shows the name again once the block ends.
            fragments.valid_until(as_utc(self.blocked_until))
        return str(_l("Compte bloqué"))

    @property
    def account_name(self) -> str:
        """The name the staff see (even while blocked), or the deleted label."""
        return str(DELETED_LABEL) if self.is_deleted else self.display_name

    def set_password(self, password: str) -> None:
        """Hash and store a password; other sessions end."""
        self.password_hash = generate_password_hash(password)
        self.session_nonce = new_nonce()

    def check_password(self, password: str) -> bool:
        """True when the password matches (always False for accounts without one, after the
        same work as a check: the time taken does not tell which accounts have a password)."""
        if not self.password_hash:
            check_password_hash(dummy_hash(), password)
            return False
        return check_password_hash(self.password_hash, password)


# What a page needs to show someone beside their contributions (see User.public_name).
PUBLIC_COLUMNS = (
    User.id, User.display_name, User.blocked_at, User.blocked_until, User.deleted_at
)


def _forget_role_names(target: User, *_args: Any) -> None:
    target.__dict__.pop("_role_names", None)


for _change in ("append", "remove", "bulk_replace"):
    event.listen(User.role_rows, _change, _forget_role_names)
