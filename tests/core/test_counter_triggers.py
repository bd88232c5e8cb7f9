"""The database moves the counters (migration 0025): rows written by plain SQL, without any of
the platform's services or signals, are counted exactly as the platform's own writes are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.votes import services as votes
from tests import factories, plain_sql
from tests.recount import assert_counters_exact

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _committed() -> None:
    """The transaction committed (PostgreSQL moves the counters then) and every object read
    again."""
    db.session.commit()
    db.session.expire_all()


def _versions(project_id: int, proposal_id: int) -> tuple[int, int]:
    _committed()
    project, proposal = db.session.get(Project, project_id), db.session.get(Proposal, proposal_id)
    assert project is not None and proposal is not None
    return project.version, proposal.version


def _first_reaction(proposal: Proposal) -> datetime:
    """The proposal's first reaction, in UTC (SQLite keeps no offset: it is UTC)."""
    moment = proposal.first_reaction_at
    assert moment is not None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _insert_comment(project_id: int, proposal_id: int | None, author_id: int, stance: str,
                    moderation: str = "visible") -> int:
    return plain_sql.insert_comment(project_id, proposal_id, author_id, stance, NOW, moderation)


def test_plain_sql_writes_are_counted_at_every_step(app):
    """Each transition of a proposal, comment, support and participant, written by hand,
    leaves every counter equal to a recount of the rows."""
    proposal = factories.proposal()
    other = factories.proposal(proposal.project)
    project_id, proposal_id = proposal.project_id, proposal.id
    people = [factories.user() for _ in range(3)]
    db.session.commit()
    # Participants: each one once (the platform adds them; the trigger counts them).
    for _round in range(2):
        for person in people:
            plain_sql.run("INSERT INTO project_participants (project_id, user_id) "
                 "VALUES (:project, :user) ON CONFLICT DO NOTHING",
                 project=project_id, user=person.id)
        assert_counters_exact()

    # Comments: counted, on the project alone, waiting for approval.
    first = _insert_comment(project_id, proposal_id, people[0].id, "pour")
    _insert_comment(project_id, None, people[1].id, "contre")
    held = _insert_comment(project_id, proposal_id, people[2].id, "neutre", "pending")
    assert_counters_exact()
    _committed()
    assert (proposal.comments_count, proposal.comments_pour, proposal.comments_neutre) == (1, 1, 0)
    assert proposal.project.comments_count == 2
    # Approved, restanced, hidden, shown again, deleted: one statement each.
    steps = [
        ("UPDATE comments SET moderation = 'visible' WHERE id = :id", held),
        ("UPDATE comments SET stance = 'contre' WHERE id = :id", first),
        ("UPDATE comments SET moderation = 'hidden' WHERE id = :id", first),
        ("UPDATE comments SET stance = 'pour' WHERE id = :id", first),  # hidden: no count
        ("UPDATE comments SET moderation = 'visible' WHERE id = :id", first),
        ("UPDATE comments SET deleted_at = :now, stance = 'neutre' WHERE id = :id", held),
        ("UPDATE comments SET body = 'Modifié.' WHERE id = :id", first),  # not counted
    ]
    for statement, ident in steps:
        plain_sql.run(statement, id=ident, now=NOW)
        assert_counters_exact()
    _committed()
    assert (proposal.comments_count, proposal.comments_pour, proposal.comments_contre,
            proposal.comments_neutre) == (1, 1, 0, 0)

    # Supports: given, moved by a merge to another proposal, taken back.
    for person in people:
        plain_sql.insert_support(person.id, proposal_id, project_id, NOW)
    assert_counters_exact()
    plain_sql.run("UPDATE supports SET proposal_id = :other WHERE user_id = :user",
         other=other.id, user=people[0].id)
    assert_counters_exact()
    plain_sql.run("DELETE FROM supports WHERE user_id = :user", user=people[1].id)
    assert_counters_exact()
    _committed()
    assert (proposal.supports_count, other.supports_count) == (1, 1)
    assert proposal.project.supports_count == 2

    # Proposals: withdrawn, hidden, published again; one added waiting for approval.
    for statement in ("UPDATE proposals SET status = 'withdrawn' WHERE id = :id",
                      "UPDATE proposals SET moderation = 'hidden' WHERE id = :id",
                      "UPDATE proposals SET status = 'published' WHERE id = :id",
                      "UPDATE proposals SET moderation = 'visible' WHERE id = :id"):
        plain_sql.run(statement, id=other.id)
        assert_counters_exact()
    # A Core INSERT of the table (its columns' defaults made), no ORM object nor signal.
    db.session.execute(insert(Proposal.__table__).values(
        project_id=project_id, author_id=people[2].id, title="En attente", body="Texte.",
        status="published", moderation="pending", created_at=NOW, updated_at=NOW))
    assert_counters_exact()


def test_versions_move_with_what_the_fragments_show(app):
    """A comment moves its project's and its proposal's versions; a support its project's
    only (a proposal's supports are read live on its page)."""
    proposal = factories.proposal()
    person = factories.user()
    db.session.commit()
    project_id, proposal_id = proposal.project_id, proposal.id
    before = _versions(project_id, proposal_id)
    plain_sql.insert_support(person.id, proposal_id, project_id, NOW)
    after_support = _versions(project_id, proposal_id)
    assert after_support[0] > before[0] and after_support[1] == before[1]
    _insert_comment(project_id, proposal_id, person.id, "pour")
    after_comment = _versions(project_id, proposal_id)
    assert after_comment[0] > after_support[0] and after_comment[1] > after_support[1]


def test_the_first_reaction_is_the_time_of_the_first_counted_one(app):
    """The first counted reaction sets first_reaction_at to its own time (the application's
    clock, not the database's), and a later one leaves it; a comment waiting for approval
    is not a reaction until moderation shows it."""
    proposal = factories.proposal()
    person = factories.user()
    db.session.commit()
    assert proposal.first_reaction_at is None
    held = _insert_comment(proposal.project_id, proposal.id, person.id, "contre", "pending")
    _committed()
    assert proposal.first_reaction_at is None
    shown = NOW + timedelta(hours=2)
    plain_sql.run("UPDATE comments SET moderation = 'visible', moderated_at = :at WHERE id = :id",
         at=shown, id=held)
    _committed()
    assert _first_reaction(proposal) == shown
    plain_sql.insert_support(factories.user().id, proposal.id, proposal.project_id,
                    NOW - timedelta(days=1))
    _committed()
    assert _first_reaction(proposal) == shown

    other = factories.proposal(proposal.project)
    db.session.commit()
    plain_sql.insert_support(person.id, other.id, other.project_id, NOW)
    _committed()
    assert _first_reaction(other) == NOW


def test_the_session_follows_without_reading_again(app, count_queries):
    """A proposal and project loaded before a support see its counts at once, with no SELECT
    to read them again."""
    proposal = factories.proposal()
    person = factories.user()
    db.session.commit()
    project = proposal.project
    counts = (proposal.supports_count, project.supports_count, project.participants_count)
    with count_queries() as counter:
        assert votes.add_support(person, proposal)
        assert (proposal.supports_count, project.supports_count,
                project.participants_count) == (counts[0] + 1, counts[1] + 1, counts[2] + 1)
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")
                and "FROM proposals" in s and "supports_count" in s]
    assert_counters_exact()


def test_within_a_transaction_settle_moves_them_at_once(app):
    """SQLite moves the counters with the statement; PostgreSQL at the commit, or at once
    after `counters.settle()` (a merge reads them back so)."""
    from consultation.core import counters

    proposal = factories.proposal()
    person = factories.user()
    plain_sql.run("INSERT INTO project_participants (project_id, user_id) VALUES (:project, :user)",
         project=proposal.project_id, user=person.id)
    db.session.commit()
    before = proposal.supports_count

    def stored() -> int:
        return db.session.execute(text("SELECT supports_count FROM proposals WHERE id = :id"),
                                  {"id": proposal.id}).scalar_one()

    plain_sql.insert_support(person.id, proposal.id, proposal.project_id, NOW)
    deferred = db.engine.dialect.name == "postgresql"
    assert stored() == (before if deferred else before + 1)
    counters.settle()
    assert stored() == before + 1
    db.session.commit()
    assert stored() == before + 1
    assert_counters_exact()
