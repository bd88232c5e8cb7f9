"""The figures of a synthesis, computed from the live data of a project.

The result is plain JSON-ready data: publishing stores it as the version's snapshot, so a
published synthesis never changes under its readers. Every total is a count of rows with the
same definitions as the project's counters (a proposal counts when published and visible, a
comment when not deleted and visible, every support counts), and every breakdown (by territory,
by week) adds up to its total.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Literal, NotRequired, TypedDict

from sqlalchemy import Date, cast, func, select

from consultation.comments.models import Comment
from consultation.core.models import PARIS, as_utc, utcnow
from consultation.extensions import db
from consultation.moderation.models import Report
from consultation.projects.models import Project, ProjectParticipant
from consultation.projects.services import participants_by_territory
from consultation.proposals.models import Proposal
from consultation.reference.services import participation_per_thousand, territories
from consultation.syntheses import blocks
from consultation.votes.models import Support

TOP = 10
ANSWER_BODY_MAX = 600

# The figure blocks a narrative can place with a line "[[name]]", in their default order.
BLOCKS = (
    "participation",
    "territoires",
    "semaines",
    "plus-soutenues",
    "equilibre",
    "plus-debattues",
    "reponses",
    "moderation",
)


def _counted_proposals(project_id: int) -> Any:
    return (Proposal.project_id == project_id, Proposal.status == "published",
            Proposal.moderation == "visible")


def _counted_comments(project_id: int) -> Any:
    return (Comment.project_id == project_id, Comment.deleted_at.is_(None),
            Comment.moderation == "visible")


def _day(column: Any) -> Any:
    # Days are taken in UTC on both databases, so the breakdown is the same everywhere.
    if db.engine.dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _per_day(model: Any, conditions: tuple[Any, ...]) -> Counter[date]:
    day = _day(model.created_at)
    rows = db.session.execute(select(day, func.count()).where(*conditions).group_by(day))
    found: Counter[date] = Counter()
    for value, count in rows:
        found[value if isinstance(value, date) else date.fromisoformat(value)] += count
    return found

# What a bucket of the weekly chart counts.
Count = Literal["proposals", "comments", "supports"]
COUNTS: tuple[Count, ...] = ("proposals", "comments", "supports")


class Bucket(TypedDict):
    """A bar of the weekly chart: a week of the consultation, or what came before or after."""

    label: str
    number: NotRequired[int]  # weeks only, from 1
    starts_on: str | None
    ends_on: str | None
    proposals: int
    comments: int
    supports: int


def _weeks(project: Project, proposals: Counter[date], comments: Counter[date],
           supports: Counter[date]) -> list[Bucket]:
    """Activity per week from the start of the consultation, plus what came before or after."""
    phase = project.phase("consultation")
    days = set(proposals) | set(comments) | set(supports)
    if phase is not None:
        start, end = phase.starts_on, phase.ends_on
    elif days:
        start, end = min(days), max(days)
    else:
        return []
    last_active = max(days) if days else start
    # Weeks up to the end of the phase, or to the last activity if the phase still runs.
    last = min(end, max(last_active, start))
    buckets: list[Bucket] = []
    before: Bucket = {"label": "before", "starts_on": None, "ends_on": None,
                      "proposals": 0, "comments": 0, "supports": 0}
    after: Bucket = {"label": "after", "starts_on": None, "ends_on": None,
                     "proposals": 0, "comments": 0, "supports": 0}
    weeks: list[Bucket] = []
    week_start = start
    while week_start <= last:
        weeks.append({"label": "week", "number": len(weeks) + 1,
                      "starts_on": week_start.isoformat(),
                      "ends_on": min(week_start + timedelta(days=6), end).isoformat(),
                      "proposals": 0, "comments": 0, "supports": 0})
        week_start += timedelta(days=7)
    series: tuple[tuple[Count, Counter[date]], ...] = (
        ("proposals", proposals), ("comments", comments), ("supports", supports)
    )
    for name, per_day in series:
        for day, count in per_day.items():
            if day < start:
                before[name] += count
            elif day > last:
                after[name] += count
            else:
                weeks[(day - start).days // 7][name] += count
    if any(before[n] for n in COUNTS):
        buckets.append(before)
    buckets.extend(weeks)
    if any(after[n] for n in COUNTS):
        buckets.append(after)
    return buckets


def _territories(project_id: int, participants_total: int) -> dict[str, list[dict[str, Any]]]:
    """Participants by commune of residence and per 1,000 inhabitants, proposals by territory
    aimed at; the last row counts those who gave no commune and proposals aimed at none."""
    per_thousand = participation_per_thousand(participants_by_territory(project_id))
    proposals = dict(
        db.session.execute(
            select(Proposal.territory_id, func.count())
            .where(*_counted_proposals(project_id))
            .group_by(Proposal.territory_id)
        ).all()
    )
    rows = [
        {**row, "proposals": proposals.get(row["id"], 0)} for row in per_thousand["territories"]
    ]
    known = sum(row["participants"] for row in rows)
    rows.append({"id": None, "name": None, "kind": "unknown",
                 "participants": participants_total - known, "proposals": proposals.get(None, 0),
                 "population": None, "per_thousand": None})
    return {"territories": rows, "groups": per_thousand["groups"]}


def _proposal_row(proposal: Any, territory_names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "title": proposal.title,
        "territory": territory_names.get(proposal.territory_id),
        "supports": proposal.supports_count,
        "comments": proposal.comments_count,
        "pour": proposal.comments_pour,
        "contre": proposal.comments_contre,
        "neutre": proposal.comments_neutre,
        "answer_status": proposal.answer_status,
    }


def compute(project: Project, at: datetime | None = None) -> dict[str, Any]:
    """Every figure of the synthesis of `project`, from the data as it is now."""
    pid = project.id
    territory_names = {t.id: t.name for t in territories()}
    columns = (
        Proposal.id, Proposal.title, Proposal.territory_id, Proposal.supports_count,
        Proposal.comments_count, Proposal.comments_pour, Proposal.comments_contre,
        Proposal.comments_neutre, Proposal.answer_status,
    )
    rows = db.session.execute(
        select(*columns)
        .where(*_counted_proposals(pid))
        .order_by(Proposal.supports_count.desc(), Proposal.id)
    ).all()
    proposals = [_proposal_row(row, territory_names) for row in rows]
    answered = db.session.execute(
        select(Proposal.id, Proposal.title, Proposal.answer_status, Proposal.answer_body,
               Proposal.answered_at)
        .where(*_counted_proposals(pid), Proposal.answer_status.is_not(None))
        .order_by(Proposal.answered_at, Proposal.id)
    ).all()
    project_debate = Counter(dict(
        db.session.execute(
            select(Comment.stance, func.count())
            .where(*_counted_comments(pid), Comment.proposal_id.is_(None))
            .group_by(Comment.stance)
        ).all()
    ))
    supports_total = db.session.scalar(
        select(func.count()).select_from(Support).where(Support.project_id == pid)
    ) or 0
    participants = db.session.scalar(
        select(func.count()).select_from(ProjectParticipant)
        .where(ProjectParticipant.project_id == pid)
    ) or 0
    by_state = Counter(dict(
        db.session.execute(
            select(Proposal.moderation, func.count())
            .where(Proposal.project_id == pid, Proposal.status == "published")
            .group_by(Proposal.moderation)
        ).all()
    ))
    comments_by_state = Counter(dict(
        db.session.execute(
            select(Comment.moderation, func.count())
            .where(Comment.project_id == pid, Comment.deleted_at.is_(None))
            .group_by(Comment.moderation)
        ).all()
    ))
    statuses = Counter(dict(
        db.session.execute(
            select(Proposal.status, func.count())
            .where(Proposal.project_id == pid)
            .group_by(Proposal.status)
        ).all()
    ))
    reports = Counter(dict(
        db.session.execute(
            select(Report.status, func.count())
            .where(Report.project_id == pid)
            .group_by(Report.status)
        ).all()
    ))
    # Every counted comment, on proposals (counted or not) and on the project itself.
    stances = Counter(dict(
        db.session.execute(
            select(Comment.stance, func.count())
            .where(*_counted_comments(pid))
            .group_by(Comment.stance)
        ).all()
    ))
    phase = project.phase("consultation")
    by_territory = _territories(pid, participants)
    return {
        "computed_at": (at or utcnow()).isoformat(),
        "project": {
            "title": project.title,
            "slug": project.slug,
            "summary": project.summary,
            "consultation": {
                "starts_on": phase.starts_on.isoformat(),
                "ends_on": phase.ends_on.isoformat(),
            } if phase else None,
        },
        "participation": {
            "participants": participants,
            "proposals": len(proposals),
            "comments": sum(stances.values()),
            "supports": supports_total,
        },
        "territories": by_territory["territories"],
        # Brest, the other communes of the métropole, the rest of the Pays de Brest, per 1,000
        # inhabitants (absent from versions published before it existed).
        "territory_groups": by_territory["groups"],
        "weeks": _weeks(
            project,
            _per_day(Proposal, _counted_proposals(pid)),
            _per_day(Comment, _counted_comments(pid)),
            _per_day(Support, (Support.project_id == pid,)),
        ),
        "stances": {
            "pour": stances.get("pour", 0), "contre": stances.get("contre", 0),
            "neutre": stances.get("neutre", 0),
            "project_debate": {s: project_debate.get(s, 0) for s in ("pour", "contre", "neutre")},
        },
        "top_supported": [row for row in proposals if row["supports"] > 0][:TOP],
        "most_debated": sorted(
            (row for row in proposals if row["comments"] > 0),
            key=lambda row: (-row["comments"], row["id"]),
        )[:TOP],
        "answers": [
            {"id": a.id, "title": a.title, "status": a.answer_status,
             "body": (a.answer_body or "")[:ANSWER_BODY_MAX],
             # The day in Brest, as the proposal page shows it.
             "answered_on": as_utc(a.answered_at).astimezone(PARIS).date().isoformat()
             if a.answered_at else None}
            for a in answered
        ],
        "moderation": {
            "reports": sum(reports.values()),
            "reports_upheld": reports.get("upheld", 0),
            "reports_dismissed": reports.get("dismissed", 0),
            "proposals_hidden": by_state.get("hidden", 0),
            "proposals_held": by_state.get("held", 0),
            "proposals_pending": by_state.get("pending", 0),
            "comments_hidden": comments_by_state.get("hidden", 0),
            "comments_held": comments_by_state.get("held", 0),
            "comments_pending": comments_by_state.get("pending", 0),
            "proposals_merged": statuses.get("merged", 0),
            "proposals_withdrawn": statuses.get("withdrawn", 0),
        },
        "proposals": proposals,
        # The blocks domains above syntheses registered (syntheses/blocks.py), by name.
        "extra": blocks.compute_all(project),
    }
