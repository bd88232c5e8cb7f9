"""Moderation services: reports, hiding and restoring, blocking accounts, the audit log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select, tuple_, update
from sqlalchemy.orm import joinedload

from consultation.accounts.models import User
from consultation.core import audit, jobs, signals, similar
from consultation.core.audit import AuditEntry
from consultation.core.db import insert_ignore
from consultation.core.errors import DomainError, IllegalTransition
from consultation.core.models import PARIS, ModerationState, utcnow
from consultation.extensions import db
from consultation.moderation import jobs as moderation_jobs
from consultation.moderation.models import Report, ReportKind, ReportReason, ReportStatus
from consultation.votes.models import Support

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
    start = _brest_midnight(since) if since else None
    if start is not None:
        statement = statement.where(AuditEntry.created_at >= start)
    end = _brest_midnight(until + timedelta(days=1)) if until and until < date.max else None
    if end is not None:
        statement = statement.where(AuditEntry.created_at < end)
    return statement.order_by(AuditEntry.id.desc())


def _brest_midnight(day: date) -> datetime | None:
    """The start of a day in Brest, as a UTC time (None for a day at the edge of the calendar,
    which bounds nothing). UTC, not Brest's offset: SQLite compares the times as they are
    written, and the log is written in UTC."""
    try:
        return datetime.combine(day, datetime.min.time(), PARIS).astimezone(UTC)
    except OverflowError:
        return None


# --- Reports and hiding ----------------------------------------------------------------------

TARGETS: dict[str, type[Any]] = {}


def _targets() -> dict[str, type[Any]]:
    if not TARGETS:
        from consultation.comments.models import Comment
        from consultation.proposals.models import Proposal

        TARGETS.update({ReportKind.PROPOSAL: Proposal, ReportKind.COMMENT: Comment,
                        ReportKind.USER: User})
    return TARGETS


def target_of(kind: str, target_id: int) -> Any:
    """The reported proposal, comment or account, or None."""
    model = _targets().get(kind)
    return db.session.get(model, target_id) if model else None


def label_of(kind: str, target: Any) -> str:
    """A short text naming the target in the log and the queue."""
    if kind == ReportKind.PROPOSAL:
        return target.title
    if kind == ReportKind.COMMENT:
        return f"Commentaire n° {target.id}"
    return target.account_name


def _shift(kind: str, target: Any, delta: int) -> None:
    """Tell the counters an item starts (+1) or stops (-1) counting."""
    if kind == ReportKind.PROPOSAL:
        signals.proposal_counted.send(target, delta=delta)
    elif kind == ReportKind.COMMENT:
        signals.comment_counted.send(target, delta=delta)


def _moderate(kind: str, target: Any, transition: Callable[[], None]) -> None:
    """Apply a moderation transition of the item (its model checks it and refuses an illegal
    one); counters follow whether the item still counts."""
    was_counted = target.is_counted
    transition()
    if was_counted != target.is_counted:
        _shift(kind, target, 1 if target.is_counted else -1)


def _hold(kind: str, target: Any) -> bool:
    """Hold the item until a decision; False if someone moderated it meanwhile."""
    try:
        _moderate(kind, target, target.hold)
    except IllegalTransition:
        return False
    return True


def open_reports(kind: str, target_id: int) -> list[Report]:
    """The undecided reports of an item."""
    return list(db.session.scalars(
        select(Report).where(Report.target_kind == kind, Report.target_id == target_id,
                             Report.status == ReportStatus.OPEN).order_by(Report.id)
    ))


def _decide(actor: User, kind: str, target_id: int, status: str) -> list[int]:
    """Close the open reports of an item; the reporters' ids, to tell them."""
    reports = open_reports(kind, target_id)
    for report in reports:
        report.status, report.decided_at, report.decided_by_id = status, utcnow(), actor.id
    return [report.id for report in reports]


def report(reporter: User, kind: str, target: Any, reason: str, details: str) -> Report:
    """Report an item once; enough distinct reports hold it until a moderator decides."""
    if not ReportKind.has(kind) or not ReportReason.has(reason):
        raise DomainError(_("Signalement invalide."))
    if reason == ReportReason.OTHER and not details.strip():
        raise DomainError(_("Précisez le motif du signalement."))
    project_id = getattr(target, "project_id", None)
    if kind != ReportKind.USER:
        # Reports of one item are counted one at a time (PostgreSQL row lock; SQLite has a
        # single writer), so a burst of reports cannot cross the threshold unseen.
        model = type(target)
        db.session.execute(select(model.id).where(model.id == target.id).with_for_update())
    inserted = insert_ignore(
        Report.__table__, reporter_id=reporter.id, target_kind=kind, target_id=target.id,
        project_id=project_id, reason=reason, details=details, status=ReportStatus.OPEN,
        created_at=utcnow(),
    )
    if not inserted:
        raise DomainError(_("Vous avez déjà signalé ce contenu : il sera examiné."))
    log.info("user %s reported %s %s", reporter.id, kind, target.id)
    threshold = current_app.config["REPORT_THRESHOLD"]
    if (
        kind != ReportKind.USER
        and target.is_visible
        and len(open_reports(kind, target.id)) >= threshold
        # A crossing report may have held it already: then there is nothing more to do.
        and _hold(kind, target)
    ):
        audit.record(None, f"{kind}.hold", kind, target.id, label_of(kind, target),
                     str(_("Masqué à titre provisoire après %(n)d signalements.", n=threshold)))
    return db.session.scalars(
        select(Report).where(Report.reporter_id == reporter.id, Report.target_kind == kind,
                             Report.target_id == target.id)
    ).one()


def hide(actor: User, kind: str, target: Any, reason: str) -> None:
    """Hide an item with a public reason; its reports are upheld; author and reporters told."""
    if kind == ReportKind.USER:
        raise DomainError(_("Un compte se bloque, il ne se masque pas."))
    _moderate(kind, target, lambda: target.hide(reason))
    decided = _decide(actor, kind, target.id, ReportStatus.UPHELD)
    audit.record(actor, f"{kind}.hide", kind, target.id, label_of(kind, target), reason,
                 reports=decided)
    if kind == ReportKind.PROPOSAL:
        # The author's notification (and its email) come from the notifications.
        signals.proposal_moderated.send(target, action="hidden", actor=actor)
    else:
        jobs.enqueue(moderation_jobs.tell_author_hidden, kind, target.id)
    if decided:
        jobs.enqueue(moderation_jobs.tell_reporters, decided)


def restore(actor: User, kind: str, target: Any, reason: str) -> None:
    """Show a hidden or held item again; open reports are dismissed."""
    if kind == ReportKind.USER:
        raise DomainError(_("Ce contenu n'est pas masqué."))
    was_hidden = target.moderation == ModerationState.HIDDEN
    _moderate(kind, target, target.restore)
    decided = _decide(actor, kind, target.id, ReportStatus.DISMISSED)
    audit.record(actor, f"{kind}.restore", kind, target.id, label_of(kind, target), reason,
                 reports=decided)
    # Only a proposal hidden by a decision was announced to its author: one held by reports
    # until a decision was not, so its restoring is not either.
    if kind == ReportKind.PROPOSAL and was_hidden:
        signals.proposal_moderated.send(target, action="restored", actor=actor)
    if decided:
        jobs.enqueue(moderation_jobs.tell_reporters, decided)


def approve(actor: User, kind: str, target: Any) -> None:
    """Publish a proposal or comment that waited for approval (pre-moderated project)."""
    if kind == ReportKind.USER:
        raise DomainError(_("Ce contenu n'attend pas d'approbation."))
    _moderate(kind, target, target.approve)
    audit.record(actor, f"{kind}.approve", kind, target.id, label_of(kind, target))


def pending_query(project_id: int | None = None) -> dict[str, Select[Any]]:
    """Proposals and comments waiting for approval, oldest first."""
    from consultation.comments.models import Comment
    from consultation.proposals.models import Proposal

    queries: dict[str, Select[Any]] = {}
    for kind, model in ((ReportKind.PROPOSAL, Proposal), (ReportKind.COMMENT, Comment)):
        # Author and project are shown for each item: loaded with it, not one query per row.
        statement = (
            select(model)
            .options(joinedload(model.author), joinedload(model.project))
            .where(model.moderation == ModerationState.PENDING)
        )
        if project_id:
            statement = statement.where(model.project_id == project_id)
        queries[kind] = statement.order_by(model.id).limit(200)
    return queries


def dismiss(actor: User, kind: str, target: Any, reason: str) -> None:
    """Dismiss the open reports of an item; a held item is shown again."""
    if not open_reports(kind, target.id):
        raise DomainError(_("Aucun signalement en attente sur ce contenu."))
    if kind != ReportKind.USER and target.moderation == ModerationState.HELD:
        _moderate(kind, target, target.restore)
    decided = _decide(actor, kind, target.id, ReportStatus.DISMISSED)
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
    status: str = ReportStatus.OPEN, kind: str = "", reason: str = "",
    project_id: int | None = None,
) -> Select[str, int, int, datetime]:
    """Reported items grouped, most reported first, filtered."""
    statement = select(
        Report.target_kind, Report.target_id, func.count().label("n"),
        func.min(Report.created_at).label("first"),
    ).where(Report.status == status)
    if ReportKind.has(kind):
        statement = statement.where(Report.target_kind == kind)
    if ReportReason.has(reason):
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


# --- Merging duplicate proposals ---------------------------------------------------------------

def duplicates(proposal: Any) -> list[Any]:
    """A proposal's possible duplicates: the visible published proposals of its project most
    like its title and text, best first (the search domain finds them)."""
    return similar.similar_proposals(
        proposal.project_id, f"{proposal.title}\n\n{proposal.body}", exclude_id=proposal.id
    )


def merge_candidates(source: Any, query: str, chosen_id: int | None = None) -> list[Any]:
    """The proposals offered as the target of merging `source`: those found by `query` (title
    words or a number), else its possible duplicates; the one already chosen stays listed,
    first, when it may take the merge (found by its number, so by the same rules)."""
    found = (similar.find_proposals(source.project_id, query, exclude_id=source.id)
             if query.strip() else duplicates(source))
    if chosen_id is not None and chosen_id not in {proposal.id for proposal in found}:
        chosen = similar.find_proposals(source.project_id, str(chosen_id), limit=1,
                                        exclude_id=source.id)
        found = [*(p for p in chosen if p.id == chosen_id), *found]
    return found


def merge(actor: User, source: Any, target: Any, reason: str) -> AuditEntry:
    """Merge proposal `source` into `target`: each supporter of either supports the target once.

    The source keeps its comments and says where it went; the entry in the log holds who was
    moved and who supported both, so that the merge can be undone exactly. The target's author,
    whose voice it already is, counts as supporting both: their support of the source is not
    moved onto their own proposal.
    """
    was_counted = source.is_counted
    source.merge_into(target)
    both = set(db.session.scalars(
        select(Support.user_id).where(Support.proposal_id == source.id)
        .where(Support.user_id.in_(select(Support.user_id)
                                   .where(Support.proposal_id == target.id))
               | (Support.user_id == target.author_id))
    ))
    moved = sorted(set(db.session.scalars(
        select(Support.user_id).where(Support.proposal_id == source.id)
    )) - both)
    db.session.execute(
        delete(Support).where(Support.proposal_id == source.id, Support.user_id.in_(both))
    )
    db.session.execute(
        update(Support).where(Support.proposal_id == source.id).values(proposal_id=target.id)
    )
    db.session.flush()
    signals.supports_moved.send(source, to=target, removed=len(both))
    if was_counted:
        signals.proposal_counted.send(source, delta=-1)
    entry = audit.record(actor, "proposal.merge", "proposal", source.id, source.title, reason,
                         into=target.id, into_title=target.title, moved=moved,
                         supported_both=sorted(both))
    db.session.flush()
    signals.proposal_moderated.send(source, action="merged", actor=actor, into=target)
    log.info("user %s merged proposal %s into %s", actor.id, source.id, target.id)
    return entry


def unmerge(actor: User, entry: AuditEntry, reason: str) -> None:
    """Undo a merge recorded in the log: supports go back where they were."""
    from consultation.proposals.models import Proposal

    data = entry.data
    source = db.session.get(Proposal, entry.target_id) if entry.action == "proposal.merge" \
        else None
    target = db.session.get(Proposal, data.get("into")) if source else None
    if source is None or target is None:
        raise DomainError(_("Cette fusion a déjà été annulée ou ne peut plus l'être."))
    source.unmerge(target)
    db.session.execute(
        update(Support)
        .where(Support.proposal_id == target.id, Support.user_id.in_(data.get("moved", [])))
        .values(proposal_id=source.id)
    )
    restored = 0
    for user_id in data.get("supported_both", []):
        restored += insert_ignore(Support.__table__, user_id=user_id, proposal_id=source.id,
                                  project_id=source.project_id, created_at=utcnow())
    db.session.flush()
    signals.supports_moved.send(target, to=source, removed=-restored)
    if source.is_counted:
        signals.proposal_counted.send(source, delta=1)
    audit.record(actor, "proposal.unmerge", "proposal", source.id, source.title, reason,
                 merge_entry=entry.id, into=target.id)
    db.session.flush()
    log.info("user %s undid merge entry %s", actor.id, entry.id)


def undoable_merges(entries: list[AuditEntry]) -> set[int]:
    """The ids of the merge entries among these that can still be undone (one query)."""
    from consultation.proposals.models import Proposal, ProposalStatus

    merges = {e.id: e for e in entries if e.action == "proposal.merge"}
    if not merges:
        return set()
    state: dict[int | None, int | None] = dict(db.session.execute(
        select(Proposal.id, Proposal.merged_into_id).where(
            Proposal.id.in_([e.target_id for e in merges.values()]),
            Proposal.status == ProposalStatus.MERGED,
        )
    ).all())
    return {i for i, e in merges.items() if state.get(e.target_id) == e.data.get("into")}
