"""Moderation services: reports, hiding and restoring, blocking accounts, the audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core import audit, jobs, signals
from consultation.core.audit import AuditEntry
from consultation.core.db import insert_ignore
from consultation.core.errors import DomainError
from consultation.core.models import PARIS, utcnow
from consultation.extensions import db
from consultation.moderation import jobs as moderation_jobs
from consultation.moderation.models import KINDS, REASONS, Report

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


# --- Reports and hiding ----------------------------------------------------------------------

TARGETS: dict[str, type[Any]] = {}


def _targets() -> dict[str, type[Any]]:
    if not TARGETS:
        from consultation.comments.models import Comment
        from consultation.proposals.models import Proposal

        TARGETS.update(proposal=Proposal, comment=Comment, user=User)
    return TARGETS


def target_of(kind: str, target_id: int) -> Any:
    """The reported proposal, comment or account, or None."""
    model = _targets().get(kind)
    return db.session.get(model, target_id) if model else None


def label_of(kind: str, target: Any) -> str:
    """A short text naming the target in the log and the queue."""
    if kind == "proposal":
        return target.title
    if kind == "comment":
        return f"Commentaire n° {target.id}"
    return target.display_name


def _shift(kind: str, target: Any, delta: int) -> None:
    from consultation.comments.services import count_on_proposal

    if kind == "proposal":
        signals.proposal_counted.send(target, delta=delta)
    elif kind == "comment":
        count_on_proposal(target.proposal_id, target.stance, delta)
        signals.comment_counted.send(target, delta=delta)


def _set_state(kind: str, target: Any, state: str, reason: str | None) -> None:
    """Change the moderation state; counters follow whether the item still counts."""
    was_counted = target.is_counted
    target.moderation = state
    target.moderation_reason = reason
    target.moderated_at = utcnow()
    db.session.flush()
    if was_counted != target.is_counted:
        _shift(kind, target, 1 if target.is_counted else -1)


def open_reports(kind: str, target_id: int) -> list[Report]:
    """The undecided reports of an item."""
    return list(db.session.scalars(
        select(Report).where(Report.target_kind == kind, Report.target_id == target_id,
                             Report.status == "open").order_by(Report.id)
    ))


def _decide(actor: User, kind: str, target_id: int, status: str) -> list[int]:
    """Close the open reports of an item; the reporters' ids, to tell them."""
    reports = open_reports(kind, target_id)
    for report in reports:
        report.status, report.decided_at, report.decided_by_id = status, utcnow(), actor.id
    return [report.id for report in reports]


def report(reporter: User, kind: str, target: Any, reason: str, details: str) -> Report:
    """Report an item once; enough distinct reports hold it until a moderator decides."""
    if kind not in KINDS or reason not in REASONS:
        raise DomainError(_("Signalement invalide."))
    if reason == "other" and not details.strip():
        raise DomainError(_("Précisez le motif du signalement."))
    project_id = getattr(target, "project_id", None)
    inserted = insert_ignore(
        Report.__table__, reporter_id=reporter.id, target_kind=kind, target_id=target.id,
        project_id=project_id, reason=reason, details=details, status="open",
        created_at=utcnow(),
    )
    if not inserted:
        raise DomainError(_("Vous avez déjà signalé ce contenu : il sera examiné."))
    log.info("user %s reported %s %s", reporter.id, kind, target.id)
    threshold = current_app.config["REPORT_THRESHOLD"]
    if kind != "user" and target.is_visible and len(open_reports(kind, target.id)) >= threshold:
        _set_state(kind, target, "held", None)
        audit.record(None, f"{kind}.hold", kind, target.id, label_of(kind, target),
                     str(_("Masqué à titre provisoire après %(n)d signalements.", n=threshold)))
    return db.session.scalars(
        select(Report).where(Report.reporter_id == reporter.id, Report.target_kind == kind,
                             Report.target_id == target.id)
    ).one()


def hide(actor: User, kind: str, target: Any, reason: str) -> None:
    """Hide an item with a public reason; its reports are upheld; author and reporters told."""
    if kind == "user":
        raise DomainError(_("Un compte se bloque, il ne se masque pas."))
    if target.moderation == "hidden":
        raise DomainError(_("Ce contenu est déjà masqué."))
    if not reason.strip():
        raise DomainError(_("Indiquez le motif, il sera affiché à la place du contenu."))
    _set_state(kind, target, "hidden", reason)
    decided = _decide(actor, kind, target.id, "upheld")
    audit.record(actor, f"{kind}.hide", kind, target.id, label_of(kind, target), reason,
                 reports=decided)
    jobs.enqueue(moderation_jobs.tell_author_hidden, kind, target.id)
    if decided:
        jobs.enqueue(moderation_jobs.tell_reporters, decided)


def restore(actor: User, kind: str, target: Any, reason: str) -> None:
    """Show a hidden or held item again; open reports are dismissed."""
    if kind == "user" or target.moderation == "visible":
        raise DomainError(_("Ce contenu n'est pas masqué."))
    _set_state(kind, target, "visible", None)
    decided = _decide(actor, kind, target.id, "dismissed")
    audit.record(actor, f"{kind}.restore", kind, target.id, label_of(kind, target), reason,
                 reports=decided)
    if decided:
        jobs.enqueue(moderation_jobs.tell_reporters, decided)


def dismiss(actor: User, kind: str, target: Any, reason: str) -> None:
    """Dismiss the open reports of an item; a held item is shown again."""
    if not open_reports(kind, target.id):
        raise DomainError(_("Aucun signalement en attente sur ce contenu."))
    if kind != "user" and target.moderation == "held":
        _set_state(kind, target, "visible", None)
    decided = _decide(actor, kind, target.id, "dismissed")
    audit.record(actor, f"{kind}.dismiss", kind, target.id, label_of(kind, target), reason,
                 reports=decided)
    jobs.enqueue(moderation_jobs.tell_reporters, decided)


@dataclass
class QueueRow:
    """One reported item in the queue."""

    kind: str
    target_id: int
    reports: int
    reasons: list[str]
    target: Any = None


def queue_query(
    status: str = "open", kind: str = "", reason: str = "", project_id: int | None = None
) -> Select[Any]:
    """Reported items grouped, most reported first, filtered."""
    statement = select(
        Report.target_kind, Report.target_id, func.count().label("n"),
        func.min(Report.created_at).label("first"),
    ).where(Report.status == status)
    if kind in KINDS:
        statement = statement.where(Report.target_kind == kind)
    if reason in REASONS:
        statement = statement.where(Report.reason == reason)
    if project_id:
        statement = statement.where(Report.project_id == project_id)
    return statement.group_by(Report.target_kind, Report.target_id).order_by(
        func.count().desc(), func.min(Report.created_at), Report.target_id
    )


def queue_rows(rows: list[tuple[Any, ...]], status: str) -> list[QueueRow]:
    """The queue's page with each item and its reasons loaded (one query per kind)."""
    result = [QueueRow(kind, target_id, n, []) for kind, target_id, n, _first in rows]
    for kind, model in _targets().items():
        ids = [row.target_id for row in result if row.kind == kind]
        if ids:
            found = {t.id: t for t in db.session.scalars(select(model).where(model.id.in_(ids)))}
            for row in result:
                if row.kind == kind:
                    row.target = found.get(row.target_id)
    keys = [(row.kind, row.target_id) for row in result]
    if keys:
        reasons = db.session.execute(
            select(Report.target_kind, Report.target_id, Report.reason).where(
                Report.status == status,
                tuple_(Report.target_kind, Report.target_id).in_(keys),
            ).distinct()
        )
        by_key: dict[tuple[str, int], list[str]] = {}
        for kind, target_id, reason in reasons:
            by_key.setdefault((kind, target_id), []).append(reason)
        for row in result:
            row.reasons = sorted(by_key.get((row.kind, row.target_id), []))
    return result
