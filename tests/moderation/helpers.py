"""Helpers of the moderation tests: the audit entries as stored, blocking, refusal pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.moderation import services as moderation
from tests import factories
from tests.proposals.helpers import text

BLOCKED_MESSAGE = "Votre compte est bloqué\u00a0: vous pouvez lire mais plus contribuer."
ROLE_MESSAGE = "Cette action est réservée à un rôle que vous n'avez pas."
NOT_SELF = "Vous ne pouvez pas vous bloquer vous-même."
NOT_STAFF = "Seul·e un·e administrateur·rice peut bloquer un compte de l'équipe."


def entries(action: str | None = None) -> list[AuditEntry]:
    """The audit entries the database holds now, oldest first (optionally of one action)."""
    db.session.commit()  # end the test's transaction: read what the requests committed
    statement = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return list(db.session.scalars(statement))


def fresh_user(user_id: int) -> User:
    """The account as the database holds it now."""
    db.session.commit()
    db.session.expire_all()
    return db.session.get_one(User, user_id)


def block(user: User, days: int | None = None, actor: User | None = None,
          reason: str = "Messages injurieux répétés.") -> User:
    """Block `user` through the service (by a new moderator unless `actor`), committed."""
    moderation.block_user(actor or factories.user(roles=("moderator",)), user, reason, days)
    db.session.commit()
    return user


def refused(response: Any, message: str) -> str:
    """Check the French 403 page with its reason; return the page text."""
    assert response.status_code == 403, response.status_code
    page = text(response)
    assert "Action non autorisée" in page
    assert message in page, page
    return page


def sent_to_login(response: Any) -> None:
    """Check a redirect to the login page."""
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/compte/connexion")
