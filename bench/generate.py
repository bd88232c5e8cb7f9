"""A deterministic data generator for benchmarks, written with bulk INSERTs (the services would
take hours at city scale).

    .venv/bin/python -m bench.generate [--quick] [--growth N] [--force]

`city("full")` is the city-scale dataset of issue 5: 20 projects, 20,000 proposals (one project
of 10,000), 100,000 comments, 400,000 supports, 20,000 users; `city("quick")` a tenth of it;
`growth(n)` one project of n proposals. Every dataset has, in its featured project, a proposal
with exactly 200 comments (threads three levels deep), and the city datasets a published
synthesis of the featured project and benchmark accounts with a known password.

Every counter is computed as the rows are made, so the data is what the services would have
produced: `tests/recount.py` finds nothing to correct. The database's counting triggers
(migration 0025) are set aside while a project's rows are loaded, and put back as they were:
firing once per row they would count the same, in several times the time (a million UPDATEs
for the city, run by PL/pgSQL on PostgreSQL). The same spec gives the same rows (the
dates follow the day it is built). A dataset is reused when its `bench_meta` row says it was
built by this generator version from the same spec.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.security import generate_password_hash

from bench import databases

VERSION = 4  # bump when the rows made from a spec change: datasets are then rebuilt
PASSWORD = "bench-password-2026"
BENCH_ACCOUNTS = 33  # 32 share the writes under load, one measures a single request
BATCH = 5_000

STANCES = ("pour", "contre", "neutre")
WORDS = (
    "numérique", "inclusion", "médiation", "données", "ouverture", "mairie", "quartier",
    "commune", "tiers-lieu", "atelier", "réseau", "fibre", "accès", "sobriété", "énergie",
    "école", "bibliothèque", "formation", "accompagnement", "services", "publics", "démarches",
    "papier", "guichet", "habitants", "associations", "jeunes", "aînés", "transport",
    "Recouvrance", "Bellevue", "Lambézellec", "Saint-Marc", "Plouzané", "Guipavas", "Gouesnou",
    "permanence", "ordinateurs", "réemploi", "Wi-Fi", "cartographie", "logiciels", "libres",
)
FIRST_NAMES = (
    "Anne", "Yann", "Gwenaëlle", "Erwan", "Maëlle", "Loïc", "Soizic", "Ronan", "Nolwenn",
    "Tanguy", "Morgane", "Gaël", "Katell", "Brieuc", "Enora", "Mathis", "Inès", "Karim",
    "Fatou", "Léa", "Hugo", "Chloé", "Youssef", "Camille", "Malo", "Rozenn", "Jean", "Marie",
)
TITLES = (
    "Budget participatif : vos idées pour le numérique à Brest",
    "Wi-Fi public gratuit dans les quartiers",
    "Des tiers-lieux numériques dans chaque commune",
    "Médiateurs numériques dans les mairies de quartier",
    "Données ouvertes de la métropole",
    "Reconditionner les ordinateurs des services publics",
    "La fibre dans les zones rurales du Pays de Brest",
    "Démarches en ligne accessibles à toutes et tous",
    "Logiciels libres dans les écoles",
    "Sobriété numérique des bâtiments publics",
    "Un guichet unique pour l'aide numérique",
    "Cartographie participative des lieux d'accès",
    "Ateliers numériques pour les aînés",
    "Les jeunes et la citoyenneté numérique",
    "Transports : l'information voyageurs en temps réel",
    "Bibliothèques, lieux de formation au numérique",
    "Protection des données personnelles des habitants",
    "Réemploi du matériel informatique des entreprises",
    "Rencontres des numériques : le programme",
    "Un réseau de permanences numériques associatives",
)
NARRATIVE = """## Ce que la consultation a montré

Les habitantes et habitants de la métropole ont répondu nombreux. Les propositions portent
d'abord sur l'accès : lieux ouverts, accompagnement humain, matériel reconditionné.

[[participation]]

## D'où viennent les contributions

Brest rassemble la plupart des contributions, mais chaque commune a pris part au débat.

[[territoires]]

[[semaines]]

## Les propositions les plus soutenues

[[plus-soutenues]]

## Le débat

[[equilibre]]

[[plus-debattues]]

## Les suites données

[[reponses]]

[[moderation]]
"""


@dataclass(frozen=True)
class ProjectSpec:
    """One project: its state today and how much it holds."""

    title: str
    state: str  # open | synthesis | follow_up | information
    proposals: int
    comments: int
    supports: int
    featured: bool = False  # holds the 200-comment proposal (and the synthesis, if any)


@dataclass(frozen=True)
class DatasetSpec:
    """A whole dataset."""

    name: str
    users: int  # every account, benchmark accounts included
    projects: tuple[ProjectSpec, ...]
    synthesis: bool = True
    accounts: int = BENCH_ACCOUNTS

    def digest(self) -> str:
        """What identifies the rows this spec gives."""
        raw = json.dumps({"version": VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class Built:
    """What the runs need to know about a built dataset (kept in bench_meta)."""

    name: str
    digest: str
    version: int
    schema: str = ""  # the Alembic head it was built at: a new migration means a rebuild
    featured_slug: str = ""
    featured_proposal_ids: list[int] = field(default_factory=list)
    commented_proposal_id: int = 0  # the one with exactly 200 comments
    accounts: list[str] = field(default_factory=list)  # emails; password PASSWORD
    projects: dict[str, str] = field(default_factory=dict)  # slug -> state
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    built_on: str = ""


def _split(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, largest remainders first: the sum is exact."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    rest = sorted((i for i in range(len(weights)) if weights[i]),
                  key=lambda i: -(total * weights[i] % whole))
    for i in rest[: total - sum(shares)]:
        shares[i] += 1
    return shares


def city(scale: str = "full") -> DatasetSpec:
    """The city: 20 projects, one of them with half the proposals; "quick" is a tenth."""
    factor = 1 if scale == "full" else 10
    big = ProjectSpec(TITLES[0], "open", 10_000 // factor, 50_000 // factor,
                      200_000 // factor, featured=True)
    states = ["open"] * 6 + ["synthesis"] * 6 + ["follow_up"] * 5 + ["information"] * 2
    weights = [5, 3, 8, 2, 4, 6, 1, 3, 7, 2, 5, 4, 3, 6, 2, 4, 3, 0, 0]
    shares = {
        kind: _split(amount // factor, weights)
        for kind, amount in (("proposals", 10_000), ("comments", 50_000), ("supports", 200_000))
    }
    others = tuple(
        ProjectSpec(TITLES[i + 1], states[i], shares["proposals"][i], shares["comments"][i],
                    shares["supports"][i])
        for i in range(19)
    )
    return DatasetSpec(scale, 20_000 // factor, (big, *others))


def growth(proposals: int) -> DatasetSpec:
    """One open project of `proposals` proposals (2 comments and 4 supports each)."""
    users = min(20_000, max(1_000, proposals // 5))
    spec = ProjectSpec(f"Projet de {proposals} propositions", "open", proposals,
                       2 * proposals, 4 * proposals, featured=True)
    return DatasetSpec(f"growth_{proposals}", users, (spec,), synthesis=False, accounts=1)


# ---------------------------------------------------------------------------------------------
# Dates


def phases_for(state: str, index: int, day: date) -> dict[str, tuple[date, date]]:
    """The four phases of a project in `state` today, shifted a little per project."""
    shift = index % 7
    starts = {  # consultation start and end, relative to today
        "open": (-60 - shift, 20 + shift),
        "synthesis": (-150 - shift, -31 - shift),
        "follow_up": (-450 - shift, -331 - shift),
        "information": (21 + shift, 100 + shift),
    }[state]
    opens, closes = day + timedelta(days=starts[0]), day + timedelta(days=starts[1])
    synthesis_end = max(closes + timedelta(days=60), day + timedelta(days=30)) \
        if state != "follow_up" else closes + timedelta(days=120)
    return {
        "information": (opens - timedelta(days=30), opens - timedelta(days=1)),
        "consultation": (opens, closes),
        "synthesis": (closes + timedelta(days=1), synthesis_end),
        "follow_up": (synthesis_end + timedelta(days=1), synthesis_end + timedelta(days=400)),
    }


def redate(url: str) -> None:
    """Set every project's phases from today (a dataset built days ago keeps its states)."""
    from consultation.core.models import today
    from consultation.projects.models import Phase, Project

    with _app(url).app_context():
        db = _db()
        meta = read_meta()
        if meta is None:
            raise RuntimeError(f"no benchmark dataset at {url}")
        day = today()
        slugs = list(meta.projects)
        for slug, project_id in db.session.execute(select(Project.slug, Project.id)):
            if slug not in meta.projects:
                continue
            for kind, (start, end) in phases_for(meta.projects[slug], slugs.index(slug),
                                                 day).items():
                db.session.execute(
                    db.update(Phase).where(Phase.project_id == project_id, Phase.kind == kind)
                    .values(starts_on=start, ends_on=end)
                )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------------------------------------
# Building


def _app(url: str):
    from consultation import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "QUERY_COUNT_HEADER": False,
        "OUTBOX_DIR": str(databases.DATA / "outbox"),
    })


def _db():
    from consultation.extensions import db

    return db


def read_meta() -> Built | None:
    """The bench_meta row of the current app's database, if a build finished there."""
    db = _db()
    try:
        raw = db.session.execute(
            text("SELECT value FROM bench_meta WHERE key = 'dataset'")
        ).scalar()
    except Exception:  # no table: not built, or a build that did not finish
        db.session.rollback()
        return None
    return Built(**json.loads(raw)) if raw else None


# The tables whose rows move counters by trigger (migration 0025); the first three also make
# their authors' follows (0026).
COUNTED_TABLES = ("proposals", "supports", "comments", "project_participants")


@contextlib.contextmanager
def counted_here() -> Iterator[None]:
    """The triggers of the counted tables off while the block loads rows whose counts it
    writes itself, on again after it, in the same transaction. The automatic follows are off
    with them: the generated people follow nothing, as in every dataset built before."""
    db = _db()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for table in COUNTED_TABLES:
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield
        for table in COUNTED_TABLES:
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return
    # SQLite cannot turn a trigger off: each is dropped and made again from its own SQL.
    names = ", ".join(f"'{table}'" for table in COUNTED_TABLES)
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        f"AND tbl_name IN ({names})").all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    yield
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    db = _db()
    for start in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[start:start + BATCH])


class _Words:
    """Sentences of the benchmark vocabulary, from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self, low: int, high: int) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        return " ".join(words).capitalize()

    def paragraphs(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        parts = [self.sentence(12, 30) + "." for _ in range(max(1, count // 20))]
        return "\n\n".join(parts)


def _users(spec: DatasetSpec, built: Built, rng: random.Random) -> tuple[list[int], int]:
    """Citizens (cheap hashes), benchmark accounts (the app's hash) and one moderator."""
    from consultation.accounts.models import User, UserRole
    from consultation.reference.models import Territory

    db = _db()
    territory_ids = list(db.session.scalars(select(Territory.id).order_by(Territory.position)))
    weights = [8 if i == 0 else 1 for i in range(len(territory_ids))]  # Brest holds the most
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    real = generate_password_hash(PASSWORD)  # what register() stores: logins cost as in life
    now = datetime.now(UTC)
    rows = []
    citizens = spec.users - spec.accounts - 1
    for i in range(spec.users):
        user_id = i + 1
        if i < citizens:
            email, name, password = (f"habitant{user_id}@bench.example",
                                     f"{rng.choice(FIRST_NAMES)} {chr(65 + rng.randrange(26))}.",
                                     cheap)
        elif i < citizens + spec.accounts:
            number = i - citizens
            email, name, password = f"bench-{number}@bench.example", f"Banc {number}", real
            built.accounts.append(email)
        else:
            email, name, password = "moderation@bench.example", "Modération du banc", real
        rows.append({
            "id": user_id, "email": email, "display_name": name, "password_hash": password,
            "commune_id": rng.choices(territory_ids, weights)[0], "locale": None,
            "session_nonce": f"{user_id:016x}", "created_at": now, "updated_at": now,
        })
    _insert(User.__table__, rows)
    _insert(UserRole.__table__, [{"user_id": r["id"], "role": "citizen"} for r in rows])
    db.session.execute(UserRole.__table__.insert(), {"user_id": spec.users, "role": "moderator"})
    return [r["id"] for r in rows[:citizens]], spec.users


@dataclass
class _Ids:
    proposal: int = 0
    comment: int = 0


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    # One draw whatever the span: the stream, hence the rows, do not depend on the hour.
    return start + max(end - start, timedelta(0)) * rng.random()


def _project(spec: ProjectSpec, index: int, people: list[int], ids: _Ids, built: Built,
             day: date) -> dict[str, Any]:
    """One project, its phases and contributions; returns what the caller needs of it."""
    from consultation.comments.models import Comment
    from consultation.core.text import slugify
    from consultation.projects.models import Phase, Project, ProjectParticipant, project_territories
    from consultation.proposals.models import Proposal
    from consultation.reference.models import Orientation, Territory
    from consultation.votes.models import Support

    db = _db()
    rng = random.Random(f"bench-{VERSION}-{index}-{spec.title}")
    words = _Words(rng)
    territory_ids = list(db.session.scalars(select(Territory.id).order_by(Territory.position)))
    orientation_ids = list(db.session.scalars(select(Orientation.id).order_by(Orientation.id)))
    phases = phases_for(spec.state, index, day)
    now = datetime.now(UTC) - timedelta(minutes=5)
    opens = datetime.combine(phases["consultation"][0], datetime.min.time(), tzinfo=UTC)
    closes = min(now, datetime.combine(phases["consultation"][1], datetime.max.time(),
                                       tzinfo=UTC))
    slug = slugify(spec.title)
    created = opens - timedelta(days=40)
    project_id = db.session.execute(
        Project.__table__.insert().returning(Project.__table__.c.id),
        {"slug": slug, "title": spec.title,
         "summary": words.sentence(15, 30) + ".", "plain_summary": words.sentence(20, 40) + ".",
         "body": words.paragraphs(80, 200), "support_limit": None, "premoderation": False,
         "orientation_id": orientation_ids[index % len(orientation_ids)],
         "created_by_id": None, "proposals_count": 0, "comments_count": 0,
         "supports_count": 0, "participants_count": 0, "created_at": created,
         "updated_at": created, "published_at": created},
    ).scalar_one()
    built.projects[slug] = spec.state
    db.session.execute(project_territories.insert(), [
        {"project_id": project_id, "territory_id": t}
        for t in sorted(rng.sample(territory_ids, rng.randint(1, 3)))
    ])
    db.session.execute(Phase.__table__.insert(), [
        {"project_id": project_id, "kind": kind, "starts_on": start, "ends_on": end}
        for kind, (start, end) in phases.items()
    ])
    if spec.proposals == 0:
        return {"id": project_id, "slug": slug, "proposal_ids": []}

    # Columns added by later migrations get their values from a generator of their own, so
    # the rows above do not change with the schema.
    extra_rng = random.Random(f"bench-{VERSION}-{index}-extra")
    shuffled = "shuffle_key" in Proposal.__table__.c
    proposals = []
    for i in range(spec.proposals):
        moment = _between(rng, opens, closes - (closes - opens) / 10)
        answer = (rng.choice(("accepted", "rejected", "under_study"))
                  if rng.random() < (0.01 if spec.state == "open" else 0.05) else None)
        proposals.append({
            "id": ids.proposal + i + 1, "project_id": project_id,
            "author_id": rng.choice(people),
            "territory_id": rng.choice(territory_ids + [None]),
            "title": words.sentence(4, 9)[:200], "body": words.paragraphs(30, 80),
            "status": "published", "withdrawn_at": None, "merged_into_id": None,
            "first_reaction_at": None, "supports_count": 0, "comments_count": 0,
            "comments_pour": 0, "comments_contre": 0, "comments_neutre": 0,
            "answer_status": answer, "answer_body": words.sentence(20, 40) if answer else None,
            "answered_at": closes if answer else None, "moderation": "visible",
            "moderation_reason": None, "moderated_at": None, "created_at": moment,
            "updated_at": moment,
        })
        if shuffled:
            proposals[-1]["shuffle_key"] = extra_rng.randrange(2**31 - 1)
    ids.proposal += spec.proposals
    participants: dict[int, None] = {row["author_id"]: None for row in proposals}

    # Popularity follows a long tail, in an order unrelated to the ids.
    ranks = list(range(spec.proposals))
    rng.shuffle(ranks)
    weights = [1 / (rank + 1) ** 0.8 for rank in ranks]
    commented = None
    if spec.featured and spec.proposals > 1:
        # The 200-comment proposal is a popular one (third most supported in expectation),
        # commented only by its own 200 below.
        commented = ranks.index(2)
    support_cum = list(itertools.accumulate(weights))

    def react(row: dict[str, Any], moment: datetime) -> None:
        if row["first_reaction_at"] is None or moment < row["first_reaction_at"]:
            row["first_reaction_at"] = moment

    pairs: dict[tuple[int, int], None] = {}
    while len(pairs) < spec.supports:
        missing = spec.supports - len(pairs)
        targets = rng.choices(range(spec.proposals), cum_weights=support_cum, k=missing)
        for target, user in zip(targets, rng.choices(people, k=missing), strict=True):
            pairs[(user, target)] = None
            if len(pairs) == spec.supports:
                break
    support_rows = []
    for user, target in pairs:
        row = proposals[target]
        moment = _between(rng, row["created_at"], closes)
        row["supports_count"] += 1
        react(row, moment)
        participants[user] = None
        support_rows.append({"user_id": user, "proposal_id": row["id"],
                             "project_id": project_id, "created_at": moment})

    # Comments: about one in fifty on the project itself, a third of them replies.
    comment_weights = list(weights)
    if commented is not None:
        comment_weights[commented] = 0.0
    comment_cum = list(itertools.accumulate(comment_weights))
    random_comments = spec.comments - (200 if commented is not None else 0)
    comments: list[dict[str, Any]] = []
    open_threads: dict[int | None, list[int]] = {}  # target -> comments that may get replies

    def add(target: int | None, parent: int | None, stance: str) -> None:
        if parent is not None:
            above = comments[parent]
            moment = _between(rng, above["created_at"], closes) + timedelta(seconds=1)
            depth, root = above["depth"] + 1, above["_root"] if above["depth"] else parent
        else:
            start = proposals[target]["created_at"] if target is not None else opens
            moment, depth, root = _between(rng, start, closes), 0, None
        comments.append({
            "_target": target, "_parent": parent, "_root": root, "depth": depth,
            "author_id": rng.choice(people), "stance": stance,
            "body": words.sentence(10, 40) + ".", "created_at": moment,
        })
        if depth < 2:
            open_threads.setdefault(target, []).append(len(comments) - 1)

    targets = rng.choices(range(spec.proposals), cum_weights=comment_cum, k=random_comments)
    for target in targets:
        chosen: int | None = None if rng.random() < 0.02 else target
        stance = rng.choices(STANCES, (5, 3, 2))[0]
        threads = open_threads.get(chosen)
        parent = rng.choice(threads) if threads and rng.random() < 0.33 else None
        add(chosen, parent, stance)
    if commented is not None:
        # Exactly 200: 80 threads, 80 replies, 40 replies to replies.
        roots, replies = [], []
        for _ in range(80):
            add(commented, None, rng.choices(STANCES, (5, 3, 2))[0])
            roots.append(len(comments) - 1)
        for _ in range(80):
            add(commented, rng.choice(roots), rng.choices(STANCES, (5, 3, 2))[0])
            replies.append(len(comments) - 1)
        for _ in range(40):
            add(commented, rng.choice(replies), rng.choices(STANCES, (5, 3, 2))[0])

    # Ids follow time, so a reply always comes after what it answers, as in life.
    order = sorted(range(len(comments)), key=lambda k: (comments[k]["created_at"], k))
    comment_id = {k: ids.comment + n + 1 for n, k in enumerate(order)}
    ids.comment += len(comments)
    comment_rows = []
    for k in order:
        c = comments[k]
        target = c["_target"]
        proposal_id = None
        if target is not None:
            row = proposals[target]
            proposal_id = row["id"]
            row["comments_count"] += 1
            row[f"comments_{c['stance']}"] += 1
            react(row, c["created_at"])
        participants[c["author_id"]] = None
        comment_rows.append({
            "id": comment_id[k], "project_id": project_id, "proposal_id": proposal_id,
            "parent_id": comment_id[c["_parent"]] if c["_parent"] is not None else None,
            "root_id": comment_id[c["_root"]] if c["_root"] is not None else None,
            "depth": c["depth"], "author_id": c["author_id"], "stance": c["stance"],
            "body": c["body"], "deleted_at": None, "moderation": "visible",
            "moderation_reason": None, "moderated_at": None, "created_at": c["created_at"],
            "updated_at": c["created_at"],
        })

    with counted_here():
        _insert(Proposal.__table__, proposals)
        _insert(Support.__table__, support_rows)
        _insert(Comment.__table__, comment_rows)
        _insert(ProjectParticipant.__table__,
                [{"project_id": project_id, "user_id": u} for u in participants])
    db.session.execute(
        db.update(Project).where(Project.id == project_id).values(
            proposals_count=len(proposals), comments_count=len(comment_rows),
            supports_count=len(support_rows), participants_count=len(participants),
        )
    )
    if spec.featured:
        built.featured_slug = slug
        built.featured_proposal_ids = [row["id"] for row in proposals]
        if commented is not None:
            built.commented_proposal_id = proposals[commented]["id"]
    return {"id": project_id, "slug": slug}


def _publish_synthesis(project_id: int, moderator_id: int) -> None:
    """Publish the featured project's synthesis; its PDF is a stand-in (measured elsewhere)."""
    from flask import g

    from consultation.accounts.models import User
    from consultation.core.documents import Document
    from consultation.projects.models import Project
    from consultation.syntheses import services

    db = _db()
    version = services.publish(db.session.get(Project, project_id),
                               db.session.get(User, moderator_id), NARRATIVE, "")
    # The page shows a ready PDF's link, as it would once the worker built it.
    stand_in = b"%PDF-1.7\n% stand-in: the bench measures the real build separately\n%%EOF\n"
    db.session.execute(
        db.update(Document).where(Document.id == version.document_id).values(
            state="ready", content=stand_in, size=len(stand_in), build_seconds=0.0,
            started_at=func.now(), finished_at=func.now(), attempts=1,
        )
    )
    db.session.commit()
    # Held back: no PDF build nor email from the generator.
    g.pop("committed_jobs", None)
    g.pop("pending_jobs", None)


def _finish(url: str) -> None:
    db = _db()
    if databases.is_sqlite(url):
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return
    # Explicit ids leave the sequences behind: the app's own inserts must not collide.
    for table in ("users", "proposals", "comments"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))
    db.session.commit()
    # What autovacuum would have done within minutes of such a load.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        # The load's pages written out now, not by the checkpointer during the first measures
        # (a role without pg_checkpoint leaves it to the server).
        with contextlib.suppress(DBAPIError):
            connection.execute(text("CHECKPOINT"))


def build(url: str, spec: DatasetSpec, log: Any = print) -> Built:
    """Build `spec` into an empty database at `url` and return what the runs need."""
    from flask_migrate import upgrade

    from consultation.core.models import today

    started = time.perf_counter()
    app = _app(url)
    with app.app_context():
        db = _db()
        upgrade()
        db.session.commit()
        built = Built(spec.name, spec.digest(), VERSION, schema_head(),
                      built_on=today().isoformat())
        rng = random.Random(f"bench-{VERSION}-{spec.name}-users")
        people, moderator_id = _users(spec, built, rng)
        day = today()
        ids = _Ids()
        featured_id = None
        for index, project_spec in enumerate(spec.projects):
            made = _project(project_spec, index, people, ids, built, day)
            if project_spec.featured:
                featured_id = made["id"]
            log(f"  {index + 1}/{len(spec.projects)} {project_spec.title[:50]} : "
                f"{project_spec.proposals} propositions ({time.perf_counter() - started:.0f} s)")
        db.session.commit()
        if spec.synthesis and featured_id is not None:
            _publish_synthesis(featured_id, moderator_id)
        built.counts = {
            name: db.session.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
            for name in ("users", "projects", "proposals", "comments", "supports",
                         "project_participants")
        }
        built.seconds = round(time.perf_counter() - started, 1)
        db.session.execute(text(
            "CREATE TABLE IF NOT EXISTS bench_meta (key VARCHAR(40) PRIMARY KEY, value TEXT)"
        ))
        db.session.execute(text("DELETE FROM bench_meta"))
        db.session.execute(text("INSERT INTO bench_meta (key, value) VALUES ('dataset', :v)"),
                           {"v": json.dumps(asdict(built))})
        db.session.commit()
        _finish(url)
        db.session.remove()
        db.engine.dispose()
    return built


def ensure(url: str, spec: DatasetSpec, force: bool = False, log: Any = print) -> Built:
    """The dataset at `url`, built first unless a finished build of the same spec is there."""
    if not force:
        found = _existing(url)
        if (found is not None and found.digest == spec.digest() and found.version == VERSION
                and found.schema == schema_head()):
            return found
    log(f"Génération du jeu de données « {spec.name} » ({_where(url)})...")
    databases.drop(url)
    databases.create(url)
    built = build(url, spec, log)
    log(f"  fait en {built.seconds:.0f} s : " + ", ".join(f"{v} {k}"
                                                         for k, v in built.counts.items()))
    return built


def schema_head() -> str:
    """The newest migration of the code as it is now."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(databases.HERE.parent / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def _where(url: str) -> str:
    return url.removeprefix("sqlite:///") if databases.is_sqlite(url) else url.rsplit("/", 1)[-1]


def _existing(url: str) -> Built | None:
    if databases.is_sqlite(url):
        if not os.path.exists(url.removeprefix("sqlite:///")):
            return None
    else:
        try:
            databases.create(url)
        except Exception:
            return None
    app = _app(url)
    with app.app_context():
        found = read_meta()
        _db().session.remove()
        _db().engine.dispose()
    return found


def main(argv: list[str] | None = None) -> None:
    """Build (or find) a dataset from the command line."""
    parser = argparse.ArgumentParser(description="Jeux de données des mesures de performance")
    parser.add_argument("--quick", action="store_true", help="un dixième de la ville")
    parser.add_argument("--growth", type=int, help="un seul projet de N propositions")
    parser.add_argument("--force", action="store_true", help="reconstruire même s'il existe")
    parser.add_argument("--database", help="URL de base (défaut : BENCH_DATABASE_URL, sinon "
                        "SQLite sous bench/data/)")
    args = parser.parse_args(argv)
    spec = growth(args.growth) if args.growth else city("quick" if args.quick else "full")
    backend = args.database or os.environ.get("BENCH_DATABASE_URL") or None
    built = ensure(databases.url_for(backend, spec.name), spec, args.force)
    json.dump({k: v for k, v in asdict(built).items() if k != "featured_proposal_ids"},
              sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
