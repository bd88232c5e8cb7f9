"""The audit log: who did what, on what, why and when. Append-only.

Services call `record()` in the same transaction as the act, so an act and its entry commit or
roll back together. The ORM refuses to change or delete an entry, and database triggers
(created by the migration, SQL below) refuse it too, whatever code tries.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.core.models import utcnow
from consultation.core.text import elide
from consultation.extensions import Model, db

APPEND_ONLY_MESSAGE = "audit entries are append-only"

# SQL of the triggers, per dialect; the migration that made the table holds a frozen copy.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
]


class AuditEntry(Model):
    """One act of moderation or administration."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON

    actor = relationship("User")

    @property
    def data(self) -> dict[str, Any]:
        """The details as a dict."""
        return json.loads(self.details or "{}")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse(*_: Any) -> None:
    raise ValueError(APPEND_ONLY_MESSAGE)


def record(
    actor: Any,
    action: str,
    target_kind: str,
    target_id: int | None = None,
    target_label: str = "",
    reason: str = "",
    **details: Any,
) -> AuditEntry:
    """Append an entry for an act; `actor` is a user, or None for the platform itself."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        target_label=target_label[:200],
        reason=reason or "",
        details=json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
    )
    db.session.add(entry)
    return entry


def record_assisted(
    mediator: Any, person: Any, action: str, target_kind: str, target_id: int | None,
    target_label: str = "",
) -> AuditEntry:
    """Append an act a mediator did on behalf of an assisted participant: the mediator is the
    actor, and both names are kept as they were at the time."""
    from flask_babel import gettext as _

    return record(
        mediator, action, target_kind, target_id, target_label,
        reason=elide(_("Pour le compte de %(name)s", name=person.display_name),
                     person.display_name),
        mediator=mediator.display_name, person=person.display_name, person_id=person.id,
    )
