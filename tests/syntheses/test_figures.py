"""figures.compute: every figure of a synthesis equals a recount of the rows by plain SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text as sql
from sqlalchemy import update

from consultation.comments import services as comment_services
from consultation.comments.models import Comment
from consultation.core.models import today
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.projects.models import Project
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal
from consultation.syntheses import figures
from consultation.votes.models import Support
from tests import factories
from tests.recount import assert_counters_exact

COUNTED = "p.project_id = :p AND p.status = 'published' AND p.moderation = 'visible'"
COUNTED_COMMENT = "c.project_id = :p AND c.deleted_at IS NULL AND c.moderation = 'visible'"


@dataclass
class Busy:
    """A project with every kind of contribution, and the ids a test needs to look at."""

    project: Project
    other: Project
    ids: dict[str, int]


def busy_project(title: str = "Mobilités douces dans la métropole") -> Busy:
    """A committed project with proposals in several territories, a withdrawn, a hidden and a
    merged one, comments of each stance (on proposals and on the project), a deleted and a
    hidden comment, supports from several communes, reports, official answers; and another
    project whose activity must not count."""
    brest, guipavas, plouzane = (
        factories.territory(name) for name in ("Brest", "Guipavas", "Plouzané")
    )
    moderator = factories.user(roles=("moderator",))
    admin = factories.user(roles=("admin",))
    p = [
        factories.user(commune=brest),
        factories.user(commune=brest),
        factories.user(commune=guipavas),
        factories.user(commune=plouzane),
        factories.user(),  # no commune given
    ]
    project = factories.project(title=title)
    a = factories.proposal(project, p[0], title="Des pistes cyclables continues",
                           territory=brest)
    b = factories.proposal(project, p[2], title="Un tram jusqu'à Guipavas", territory=guipavas)
    c = factories.proposal(project, p[4], title="Des bancs le long des quais")
    d = factories.proposal(project, p[3], title="Un bac vers Plouzané", territory=plouzane)
    withdrawn = factories.proposal(project, p[1], title="Une proposition retirée",
                                   territory=brest)
    hidden = factories.proposal(project, p[1], title="Une proposition masquée",
                                territory=guipavas)
    duplicate = factories.proposal(project, p[3], title="Pistes cyclables (doublon)",
                                   territory=brest)
    for target, supporters in (
        (a, (p[1], p[2], p[3])),
        (b, (p[0], p[3])),
        (d, (p[4],)),
        (hidden, (p[0],)),
        (withdrawn, (p[2],)),
        (duplicate, (p[1], p[4])),  # p[1] supports both: one support goes at the merge
    ):
        for supporter in supporters:
            factories.support(target, supporter)
    for target, author, stance in (
        (a, p[1], "pour"), (a, p[2], "contre"), (a, p[3], "neutre"), (a, p[4], "pour"),
        (b, p[0], "contre"), (b, p[3], "pour"), (c, p[2], "neutre"),
        (hidden, p[2], "pour"),
    ):
        factories.comment(target, author, stance)
    for author, stance in ((p[3], "pour"), (p[4], "contre"), (p[0], "neutre")):
        factories.comment(project, author, stance)
    deleted = factories.comment(b, p[1], "contre")
    comment_services.delete_comment(p[1], deleted)
    rude = factories.comment(d, p[0], "contre", body="Un commentaire injurieux.")
    off_topic = factories.comment(c, p[3], "neutre", body="Hors sujet.")
    moderation.report(p[4], "proposal", b, "spam", "")
    moderation.report(p[2], "proposal", hidden, "offensive", "")
    moderation.report(p[1], "comment", off_topic, "off_topic", "")
    moderation.report(p[3], "comment", rude, "offensive", "")
    proposal_services.withdraw_proposal(p[1], withdrawn)
    moderation.hide(moderator, "proposal", hidden, "Propos injurieux.")
    moderation.hide(moderator, "comment", rude, "Propos injurieux.")
    moderation.dismiss(moderator, "comment", off_topic, "Le commentaire est dans le sujet.")
    moderation.merge(moderator, duplicate, a, "Doublon")
    proposal_services.give_answer(admin, b, "under_study", "Une étude est lancée.")
    proposal_services.give_answer(admin, a, "accepted", "Le schéma cyclable le prévoit.")
    other = factories.project(title="Un autre projet")
    elsewhere = factories.proposal(other, p[0], territory=brest)
    factories.support(elsewhere, p[1])
    factories.comment(elsewhere, p[2], "contre")
    factories.comment(other, p[3], "pour")
    db.session.commit()
    ids = {"a": a.id, "b": b.id, "c": c.id, "d": d.id, "withdrawn": withdrawn.id,
           "hidden": hidden.id, "duplicate": duplicate.id}
    return Busy(project, other, ids)


def scalar(query: str, project_id: int) -> int:
    """One number counted by plain SQL for a project."""
    return db.session.execute(sql(query), {"p": project_id}).scalar_one()


def recount_participation(project_id: int) -> dict[str, int]:
    """Participants (whoever proposed, commented or supported), counted proposals, counted
    comments and supports, from the rows."""
    return {
        "participants": scalar(
            "SELECT COUNT(*) FROM ("
            " SELECT author_id AS who FROM proposals WHERE project_id = :p"
            " UNION SELECT author_id FROM comments WHERE project_id = :p"
            " UNION SELECT user_id FROM supports WHERE project_id = :p) AS everyone",
            project_id,
        ),
        "proposals": scalar(f"SELECT COUNT(*) FROM proposals p WHERE {COUNTED}", project_id),
        "comments": scalar(f"SELECT COUNT(*) FROM comments c WHERE {COUNTED_COMMENT}",
                           project_id),
        "supports": scalar("SELECT COUNT(*) FROM supports WHERE project_id = :p", project_id),
    }


ANNEX = f"""
SELECT p.id, p.title, t.name,
       (SELECT COUNT(*) FROM supports s WHERE s.proposal_id = p.id) AS supports,
       (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id AND c.deleted_at IS NULL
        AND c.moderation = 'visible') AS comments,
       (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id AND c.deleted_at IS NULL
        AND c.moderation = 'visible' AND c.stance = 'pour') AS pour,
       (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id AND c.deleted_at IS NULL
        AND c.moderation = 'visible' AND c.stance = 'contre') AS contre,
       (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id AND c.deleted_at IS NULL
        AND c.moderation = 'visible' AND c.stance = 'neutre') AS neutre,
       p.answer_status
FROM proposals p LEFT JOIN territories t ON t.id = p.territory_id
WHERE {COUNTED}
"""


def recount_annex(project_id: int, order: str = "supports DESC, p.id") -> list[dict[str, Any]]:
    """Every counted proposal of the project with its counters recounted, in `order`."""
    rows = db.session.execute(sql(f"{ANNEX} ORDER BY {order}"), {"p": project_id}).mappings()
    return [
        {"id": r["id"], "title": r["title"], "territory": r["name"], "supports": r["supports"],
         "comments": r["comments"], "pour": r["pour"], "contre": r["contre"],
         "neutre": r["neutre"], "answer_status": r["answer_status"]}
        for r in rows
    ]


def recount_by_territory(project_id: int) -> tuple[dict[Any, int], dict[Any, int]]:
    """Participants by declared commune and counted proposals by territory (None: unknown)."""
    participants: dict[Any, int] = dict(db.session.execute(sql(
        "SELECT u.commune_id, COUNT(*) FROM users u WHERE u.id IN ("
        " SELECT author_id FROM proposals WHERE project_id = :p"
        " UNION SELECT author_id FROM comments WHERE project_id = :p"
        " UNION SELECT user_id FROM supports WHERE project_id = :p) GROUP BY u.commune_id"
    ), {"p": project_id}).all())
    proposals: dict[Any, int] = dict(db.session.execute(sql(
        f"SELECT p.territory_id, COUNT(*) FROM proposals p WHERE {COUNTED}"
        " GROUP BY p.territory_id"
    ), {"p": project_id}).all())
    return participants, proposals


def by_stance(where: str, project_id: int) -> dict[str, int]:
    """Counted comments of the project by stance, with an extra condition."""
    found: dict[str, int] = dict(db.session.execute(sql(
        f"SELECT c.stance, COUNT(*) FROM comments c WHERE {COUNTED_COMMENT} AND {where}"
        " GROUP BY c.stance"
    ), {"p": project_id}).all())
    return {stance: found.get(stance, 0) for stance in ("pour", "contre", "neutre")}


def utc_day(value: Any) -> date:
    """The UTC day of a timestamp read by plain SQL (SQLite gives text, PostgreSQL datetimes)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date()


def days_of(query: str, project_id: int) -> list[date]:
    """The UTC day of each row a `SELECT created_at ...` query returns."""
    return [utc_day(row[0]) for row in db.session.execute(sql(query), {"p": project_id})]


def test_figures_equal_a_recount_by_sql(app):
    """Totals, breakdowns, rankings, answers, moderation and annex all match the rows."""
    busy = busy_project()
    assert_counters_exact()
    pid = busy.project.id
    result = figures.compute(busy.project)
    json.dumps(result)  # the snapshot is stored as JSON

    participation = recount_participation(pid)
    assert result["participation"] == participation
    # The scenario is what it says: withdrawn, hidden and merged proposals are left out,
    # the deleted and the hidden comment too, the other project's activity does not count.
    assert participation == {"participants": 5, "proposals": 4, "comments": 12, "supports": 9}

    participants, proposals = recount_by_territory(pid)
    rows = result["territories"]
    assert [row["id"] for row in rows[:-1]] == list(range(1, 15))  # every territory, in order
    assert rows[-1]["kind"] == "unknown" and rows[-1]["id"] is None
    assert {row["id"]: row["participants"] for row in rows if row["participants"]} == (
        participants)
    assert {row["id"]: row["proposals"] for row in rows if row["proposals"]} == proposals
    assert sum(row["participants"] for row in rows) == participation["participants"]
    assert sum(row["proposals"] for row in rows) == participation["proposals"]
    assert len([row for row in rows if row["participants"]]) == 4  # 3 communes and unknown

    weeks = result["weeks"]
    for name in ("proposals", "comments", "supports"):
        assert sum(week[name] for week in weeks) == participation[name], name

    stances = result["stances"]
    assert {s: stances[s] for s in ("pour", "contre", "neutre")} == by_stance("1 = 1", pid)
    assert stances["pour"] + stances["contre"] + stances["neutre"] == participation["comments"]
    assert stances["project_debate"] == by_stance("c.proposal_id IS NULL", pid)
    assert stances["project_debate"] == {"pour": 1, "contre": 1, "neutre": 1}

    annex = recount_annex(pid)
    assert result["proposals"] == annex
    assert {row["id"] for row in annex} == {busy.ids[k] for k in "abcd"}
    assert result["top_supported"] == [row for row in annex if row["supports"]][:10]
    assert [row["id"] for row in result["top_supported"]] == [
        busy.ids["a"], busy.ids["b"], busy.ids["d"]]
    assert next(row for row in annex if row["id"] == busy.ids["a"])["supports"] == 4
    debated = recount_annex(pid, "comments DESC, p.id")
    assert result["most_debated"] == [row for row in debated if row["comments"]][:10]
    assert [row["id"] for row in result["most_debated"]] == [
        busy.ids["a"], busy.ids["b"], busy.ids["c"]]

    answers = db.session.execute(sql(
        f"SELECT p.id, p.title, p.answer_status FROM proposals p WHERE {COUNTED}"
        " AND p.answer_status IS NOT NULL ORDER BY p.answered_at, p.id"
    ), {"p": pid}).all()
    assert [(a["id"], a["title"], a["status"]) for a in result["answers"]] == [
        tuple(row) for row in answers]
    assert [a["status"] for a in result["answers"]] == ["under_study", "accepted"]
    assert result["answers"][0]["body"] == "Une étude est lancée."
    assert all(a["answered_on"] for a in result["answers"])

    def reports(status: str | None) -> int:
        """Reports on the project's content (of one status)."""
        condition = "" if status is None else f" AND status = '{status}'"
        return scalar(f"SELECT COUNT(*) FROM reports WHERE project_id = :p{condition}", pid)

    def proposals_where(condition: str) -> int:
        """The project's proposals meeting a condition."""
        return scalar(f"SELECT COUNT(*) FROM proposals WHERE project_id = :p AND {condition}",
                      pid)

    def comments_where(condition: str) -> int:
        """The project's comments not deleted and meeting a condition."""
        return scalar(
            "SELECT COUNT(*) FROM comments WHERE project_id = :p AND deleted_at IS NULL"
            f" AND {condition}", pid)

    expected = {
        "reports": reports(None),
        "reports_upheld": reports("upheld"),
        "reports_dismissed": reports("dismissed"),
        "proposals_hidden": proposals_where("status = 'published' AND moderation = 'hidden'"),
        "proposals_held": proposals_where("status = 'published' AND moderation = 'held'"),
        "proposals_pending": proposals_where("status = 'published' AND moderation = 'pending'"),
        "comments_hidden": comments_where("moderation = 'hidden'"),
        "comments_held": comments_where("moderation = 'held'"),
        "comments_pending": comments_where("moderation = 'pending'"),
        "proposals_merged": proposals_where("status = 'merged'"),
        "proposals_withdrawn": proposals_where("status = 'withdrawn'"),
    }
    assert result["moderation"] == expected
    assert expected == {
        "reports": 4, "reports_upheld": 2, "reports_dismissed": 1, "proposals_hidden": 1,
        "proposals_held": 0, "proposals_pending": 0, "comments_hidden": 1, "comments_held": 0,
        "comments_pending": 0, "proposals_merged": 1, "proposals_withdrawn": 1,
    }
    assert result["project"]["title"] == busy.project.title
    consultation = busy.project.phase("consultation")
    assert consultation is not None
    assert result["project"]["consultation"] == {
        "starts_on": consultation.starts_on.isoformat(),
        "ends_on": consultation.ends_on.isoformat(),
    }


def test_top_supported_keeps_ten_by_supports_then_age(app):
    """Twelve supported proposals: the ten with most supports, ties in order of submission."""
    project = factories.project()
    supporters = [factories.user() for _ in range(6)]
    wanted = [3, 1, 5, 2, 2, 6, 1, 4, 2, 3, 1, 5]
    made = [factories.proposal(project) for _ in wanted]
    for proposal, n in zip(made, wanted, strict=True):
        for supporter in supporters[:n]:
            factories.support(proposal, supporter)
    factories.proposal(project)  # no support: never ranked
    for proposal, n in zip(made, [0, 2, 1, 0, 3, 0, 2, 0, 0, 1, 4, 0], strict=True):
        for i in range(n):
            factories.comment(proposal, supporters[i], ("pour", "contre", "neutre")[i % 3])
    db.session.commit()
    result = figures.compute(project)
    ranked = db.session.execute(sql(
        f"SELECT p.id FROM proposals p WHERE {COUNTED} ORDER BY"
        " (SELECT COUNT(*) FROM supports s WHERE s.proposal_id = p.id) DESC, p.id LIMIT 10"
    ), {"p": project.id}).scalars().all()
    assert [row["id"] for row in result["top_supported"]] == ranked
    assert [row["supports"] for row in result["top_supported"]] == [6, 5, 5, 4, 3, 3, 2, 2, 2, 1]
    debated = db.session.execute(sql(
        f"SELECT p.id FROM proposals p WHERE {COUNTED} AND EXISTS (SELECT 1 FROM comments c"
        " WHERE c.proposal_id = p.id) ORDER BY"
        " (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id) DESC, p.id"
    ), {"p": project.id}).scalars().all()
    assert [row["id"] for row in result["most_debated"]] == debated
    assert [row["comments"] for row in result["most_debated"]] == [4, 3, 2, 2, 1, 1]
    assert len(result["proposals"]) == 13


def _backdate(model: Any, row_id: int, moment: datetime) -> None:
    """Give a row another creation time, as if it had come in then."""
    db.session.execute(update(model).where(model.id == row_id).values(created_at=moment))


def test_weeks_follow_the_consultation_and_add_up(app):
    """Activity is counted in the week of its UTC day, before the start in its own bucket."""
    day = today()
    start = day - timedelta(days=20)
    phases = {"information": (start - timedelta(days=30), start - timedelta(days=1)),
              "consultation": (start, day + timedelta(days=9))}
    project = factories.project(phases=phases)
    early, first, second = (factories.proposal(project) for _ in range(3))
    factories.proposal(project)  # today
    noon = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    _backdate(Proposal, early.id, noon - timedelta(days=4))
    _backdate(Proposal, first.id, noon + timedelta(days=1))
    _backdate(Proposal, second.id, noon + timedelta(days=9))
    comment = factories.comment(first, stance="contre")
    _backdate(Comment, comment.id, noon + timedelta(days=2))
    factories.comment(project, stance="pour")
    factories.support(first)
    factories.support(second)
    support_id = db.session.execute(sql(
        "SELECT MAX(id) FROM supports WHERE project_id = :p"), {"p": project.id}).scalar_one()
    _backdate(Support, support_id, noon + timedelta(days=13))
    db.session.commit()

    weeks = figures.compute(project)["weeks"]
    assert weeks[0]["label"] == "before"
    numbered = weeks[1:]
    assert [w["number"] for w in numbered] == list(range(1, len(numbered) + 1))
    assert numbered[0]["starts_on"] == start.isoformat()
    for previous, week in zip(numbered, numbered[1:], strict=False):
        assert date.fromisoformat(week["starts_on"]) == (
            date.fromisoformat(previous["starts_on"]) + timedelta(days=7))
    queries = {
        "proposals": f"SELECT p.created_at FROM proposals p WHERE {COUNTED}",
        "comments": f"SELECT c.created_at FROM comments c WHERE {COUNTED_COMMENT}",
        "supports": "SELECT created_at FROM supports WHERE project_id = :p",
    }
    for name, query in queries.items():
        days = days_of(query, project.id)
        assert weeks[0][name] == sum(1 for d in days if d < start), name
        for week in numbered:
            begin, end = (date.fromisoformat(week[k]) for k in ("starts_on", "ends_on"))
            assert week[name] == sum(1 for d in days if begin <= d <= end), (name, week)
        assert sum(w[name] for w in weeks) == len(days), name
    assert [w["proposals"] for w in weeks][:3] == [1, 1, 1]


def test_answer_is_dated_by_the_day_in_brest(app):
    """An answer given at 00:30 in Brest (23:30 UTC the day before) is dated that day."""
    project = factories.project()
    proposal = factories.proposal(project)
    proposal_services.give_answer(factories.user(roles=("admin",)), proposal, "accepted", "Oui.")
    moment = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)  # 15 January, 00:30 in Brest
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id)
                       .values(answered_at=moment))
    db.session.commit()
    assert figures.compute(project)["answers"][0]["answered_on"] == "2026-01-15"


def _assert_empty(result: dict[str, Any]) -> None:
    """Figures of a project nobody took part in: zeros and empty lists, nothing missing."""
    assert result["participation"] == {
        "participants": 0, "proposals": 0, "comments": 0, "supports": 0}
    assert all(row["participants"] == 0 and row["proposals"] == 0
               for row in result["territories"])
    assert len(result["territories"]) == 15
    assert all(w["proposals"] == w["comments"] == w["supports"] == 0 for w in result["weeks"])
    assert result["stances"] == {"pour": 0, "contre": 0, "neutre": 0,
                                 "project_debate": {"pour": 0, "contre": 0, "neutre": 0}}
    for name in ("top_supported", "most_debated", "answers", "proposals"):
        assert result[name] == [], name
    assert set(result["moderation"].values()) == {0}
    json.dumps(result)


def test_project_without_activity(app):
    """No contribution yet: zeros, one empty week from the start of the consultation."""
    project = factories.project()
    db.session.commit()
    result = figures.compute(project)
    _assert_empty(result)
    consultation = project.phase("consultation")
    assert consultation is not None
    start = consultation.starts_on
    assert [(w["label"], w["starts_on"]) for w in result["weeks"]] == [
        ("week", start.isoformat())]


def test_project_without_consultation_phase(app, as_role):
    """No consultation phase: weeks span the activity, no dates of consultation, no crash."""
    day = today()
    phases = {"information": (day - timedelta(days=10), day + timedelta(days=10))}
    quiet = factories.project(phases=phases)
    busy = factories.project(phases=phases)
    proposal = factories.proposal(busy)
    factories.support(proposal)
    factories.comment(proposal, stance="neutre")
    db.session.commit()

    empty = figures.compute(quiet)
    _assert_empty(empty)
    assert empty["weeks"] == []
    assert empty["project"]["consultation"] is None

    result = figures.compute(busy)
    assert result["project"]["consultation"] is None
    assert result["participation"] == recount_participation(busy.id)
    assert [w["label"] for w in result["weeks"]] == ["week"]
    assert result["weeks"][0]["proposals"] == 1 and result["weeks"][0]["supports"] == 1

    moderator = as_role("moderator")
    for project in (quiet, busy):
        page = moderator.get(f"/projets/{project.slug}/synthese/brouillon")
        assert page.status_code == 200
        assert "La participation" in page.get_data(as_text=True)
