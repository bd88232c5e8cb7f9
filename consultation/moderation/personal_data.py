"""Reports a person made or decided, and their acts in the journal, for the download."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core.audit import AuditEntry
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.moderation.models import Report


def _report(report: Report) -> dict[str, Any]:
    return {
        "numero": report.id,
        "sur": report.target_kind,
        "numero_de_l_element": report.target_id,
        "motif": report.reason,
        "precisions": report.details,
        "etat": report.status,
        "signale_le": moment(report.created_at),
        "tranche_le": moment(report.decided_at),
    }


@part("signalements.json", "signalements_faits", ("reports.reporter_id",),
      _l("les signalements que vous avez faits et leur suite"))
def reports_made(user: User) -> list[dict[str, Any]]:
    """The reports the person made (what was reported is named by its number only)."""
    rows = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    )
    return [_report(report) for report in rows]


@part("signalements.json", "signalements_tranches", ("reports.decided_by_id",),
      _l("les signalements que vous avez tranchés en tant que modérateur·rice (sans le nom "
         "des personnes qui les ont faits)"))
def reports_decided(user: User) -> list[dict[str, Any]]:
    """The reports the person decided as a moderator; the reporters are not named."""
    rows = db.session.scalars(
        select(Report).where(Report.decided_by_id == user.id).order_by(Report.id)
    )
    return [{k: v for k, v in _report(report).items() if k != "precisions"} for report in rows]


# The journal cannot be changed: its entries keep pointing at the tombstone after a deletion.
@part("journal.json", "actes", ("audit_entries.actor_id",),
      _l("vos actes de modération ou d'administration consignés au journal, qui doit être "
         "conservé et ne peut être effacé"))
def acts(user: User) -> list[dict[str, Any]]:
    """The person's entries in the journal; what names someone else is left out."""
    rows = db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
    )
    return [
        {
            "numero": entry.id,
            "date": moment(entry.created_at),
            "action": entry.action,
            "sur": entry.target_kind,
            "numero_de_l_element": entry.target_id,
            # Acts on accounts name another person in their label and reason: left out.
            "motif": entry.reason if entry.target_kind != "user" else None,
        }
        for entry in rows
    ]
