"""A deterministic data generator for benchmarks: projects with many proposals, comments and
supports, written with bulk INSERTs (the services would take hours at city scale).

Every counter is computed as the rows are made, so the data is what the services would have
produced: `tests/recount.py` finds nothing to correct. Not part of `make test`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from consultation.accounts.models import User, UserRole
from consultation.comments.models import Comment
from consultation.core.models import today
from consultation.extensions import db
from consultation.projects.models import Phase, Project, ProjectParticipant
from consultation.proposals.models import Proposal
from consultation.reference.models import Territory
from consultation.votes.models import Support

STANCES = ("pour", "contre", "neutre")
WORDS = (
    "numérique", "inclusion", "médiation", "données", "ouverture", "mairie", "quartier",
    "commune", "tiers-lieu", "atelier", "réseau", "fibre", "accès", "sobriété", "énergie",
    "école", "bibliothèque", "formation", "accompagnement", "services", "publics", "démarches",
    "papier", "guichet", "habitants", "associations", "jeunes", "aînés", "transport",
)
BATCH = 5_000


@dataclass
class Scale:
    """How much to generate for one project."""

    proposals: int
    comments: int
    supports: int


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start:start + BATCH])


def users(count: int, seed: int = 2026) -> list[int]:
    """Create `count` citizens spread over the territories; returns their ids."""
    rng = random.Random(seed)
    territory_ids = list(db.session.scalars(select(Territory.id).order_by(Territory.position)))
    # Brest holds most of the population: most participants live there.
    weights = [8 if i == 0 else 1 for i in range(len(territory_ids))]
    password = generate_password_hash("bench-password-2026", method="pbkdf2:sha256:1")
    first = (db.session.scalar(select(db.func.max(User.id))) or 0) + 1
    now = datetime.now(UTC)
    rows = [
        {"id": first + i, "email": f"bench{first + i}@bench.example", "display_name":
         f"Habitant·e {first + i}", "password_hash": password,
         "commune_id": rng.choices(territory_ids, weights)[0], "session_nonce": f"{i:016x}",
         "created_at": now, "updated_at": now}
        for i in range(count)
    ]
    _insert(User, rows)
    _insert(UserRole, [{"user_id": row["id"], "role": "citizen"} for row in rows])
    return [row["id"] for row in rows]


def project(title: str, scale: Scale, people: list[int], seed: int = 2026) -> int:
    """One project in its synthesis phase with `scale` contributions from `people`."""
    rng = random.Random(f"{seed}-{title}")
    day = today()
    opens, closes = day - timedelta(days=90), day - timedelta(days=10)
    project_id = db.session.execute(
        insert(Project).returning(Project.id),
        {"slug": f"bench-{abs(hash(title)) % 10**8}-{rng.randrange(10**6)}", "title": title,
         "summary": "Projet généré pour les mesures de performance.", "plain_summary": "",
         "body": "", "support_limit": None, "premoderation": False},
    ).scalar_one()
    for kind, (start, end) in {
        "information": (opens - timedelta(days=30), opens - timedelta(days=1)),
        "consultation": (opens, closes),
        "synthesis": (closes + timedelta(days=1), day + timedelta(days=30)),
        "follow_up": (day + timedelta(days=31), day + timedelta(days=400)),
    }.items():
        db.session.execute(insert(Phase), {"project_id": project_id, "kind": kind,
                                           "starts_on": start, "ends_on": end})
    territory_ids = list(db.session.scalars(select(Territory.id)))
    span = (closes - opens).days * 86_400

    def moment() -> datetime:
        start = datetime.combine(opens, datetime.min.time(), tzinfo=UTC)
        return start + timedelta(seconds=rng.randrange(span))

    first_proposal = (db.session.scalar(select(db.func.max(Proposal.id))) or 0) + 1
    proposals = []
    for i in range(scale.proposals):
        created = moment()
        proposals.append({
            "id": first_proposal + i, "project_id": project_id, "author_id": rng.choice(people),
            "territory_id": rng.choice(territory_ids + [None]),
            "title": _sentence(rng, rng.randint(4, 9))[:200],
            "body": _sentence(rng, rng.randint(30, 80)), "status": "published",
            "supports_count": 0, "comments_count": 0, "comments_pour": 0,
            "comments_contre": 0, "comments_neutre": 0, "created_at": created,
            "updated_at": created,
            "answer_status": rng.choice(("accepted", "rejected", "under_study"))
            if rng.random() < 0.05 else None,
        })
    for row in proposals:
        if row["answer_status"]:
            row["answer_body"] = _sentence(rng, 25)
            row["answered_at"] = datetime.combine(closes, datetime.min.time(), tzinfo=UTC)
    # Popularity follows a long tail: a few proposals gather most supports and comments.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(proposals))]
    participants: set[int] = {row["author_id"] for row in proposals}

    supports: set[tuple[int, int]] = set()
    while len(supports) < scale.supports:
        target = rng.choices(proposals, weights)[0]
        supports.add((rng.choice(people), target["id"]))
    by_id = {row["id"]: row for row in proposals}
    support_rows = []
    for user_id, proposal_id in supports:
        by_id[proposal_id]["supports_count"] += 1
        participants.add(user_id)
        support_rows.append({"user_id": user_id, "proposal_id": proposal_id,
                             "project_id": project_id, "created_at": moment()})

    comment_rows = []
    first_comment = (db.session.scalar(select(db.func.max(Comment.id))) or 0) + 1
    for i in range(scale.comments):
        target = rng.choices(proposals, weights)[0]
        stance = rng.choices(STANCES, (5, 3, 2))[0]
        target["comments_count"] += 1
        target[f"comments_{stance}"] += 1
        author = rng.choice(people)
        participants.add(author)
        created = moment()
        comment_rows.append({
            "id": first_comment + i, "project_id": project_id, "proposal_id": target["id"],
            "parent_id": None, "root_id": None, "depth": 0, "author_id": author,
            "stance": stance, "body": _sentence(rng, rng.randint(10, 40)),
            "created_at": created, "updated_at": created,
        })
    _insert(Proposal, proposals)
    _insert(Support, support_rows)
    _insert(Comment, comment_rows)
    _insert(ProjectParticipant, [{"project_id": project_id, "user_id": u} for u in participants])
    db.session.execute(
        db.update(Project).where(Project.id == project_id).values(
            proposals_count=len(proposals), comments_count=len(comment_rows),
            supports_count=len(support_rows), participants_count=len(participants),
        )
    )
    return project_id


def days_ago(days: int) -> date:
    """A date in the past, for callers that date their own rows."""
    return today() - timedelta(days=days)
