"""Moderation services: block and unblock accounts, read the audit log."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core import audit
from consultation.core.audit import AuditEntry
from consultation.core.errors import DomainError
from consultation.core.models import PARIS, utcnow
from consultation.extensions import db

log = logging.getLogger(__name__)


def block_user(actor: User, user: User, reason: str, days: int | None) -> None:
    """Block an account for `days` days, or for good when days is None."""
    if not reason.strip():
        raise DomainError(_("Indiquez le motif du blocage."))
    now = utcnow()
    user.blocked_at = now
    user.blocked_until = now + timedelta(days=days) if days else None
    user.blocked_reason = reason
    audit.record(actor, "user.block", "user", user.id, user.display_name, reason,
                 until=user.blocked_until.isoformat() if user.blocked_until else "définitif")
    db.session.flush()
    log.info("user %s blocked user %s", actor.id, user.id)


def unblock_user(actor: User, user: User, reason: str) -> None:
    """Lift the block of an account."""
    if user.blocked_at is None:
        raise DomainError(_("Ce compte n'est pas bloqué."))
    user.blocked_at = user.blocked_until = user.blocked_reason = None
    audit.record(actor, "user.unblock", "user", user.id, user.display_name, reason)
    db.session.flush()
    log.info("user %s unblocked user %s", actor.id, user.id)


def audit_query(
    action: str = "", actor: str = "", since: date | None = None, until: date | None = None
) -> Select[Any]:
    """Audit entries, newest first, filtered by action prefix, actor name and dates (Brest)."""
    statement = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if action:
        statement = statement.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        statement = statement.join(User, AuditEntry.actor_id == User.id).where(
            User.display_name.icontains(actor, autoescape=True)
        )
    if since:
        start = datetime.combine(since, datetime.min.time(), PARIS)
        statement = statement.where(AuditEntry.created_at >= start)
    if until:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), PARIS)
        statement = statement.where(AuditEntry.created_at < end)
    return statement.order_by(AuditEntry.id.desc())
