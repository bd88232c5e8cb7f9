"""The work of a support POST and of a comment POST, counted rather than timed: the same
statements for 10 and for 1,000 proposals or comments, the proposal read with its project and
phases in one statement (no lazy load after it), one permission rule evaluated, the
statements every such POST runs (user loading, counter updates) built once, not per request,
and every write sent by the driver itself, none through SQLAlchemy's execution
(core/drivers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Select, event, func, insert, select
from sqlalchemy.sql.dml import Update
from werkzeug.local import LocalProxy

from consultation.comments.models import Comment
from consultation.core import drivers, permissions
from consultation.core.db import insert_ignore
from consultation.extensions import db
from consultation.notifications.models import Notification
from consultation.projects.models import Project, ProjectParticipant
from consultation.proposals.models import Proposal
from tests import factories
from tests.notifications.helpers import follows_of
from tests.recount import assert_counters_exact

# What a support POST sends: the proposal with its project and phases, and the user with their
# roles, and whether they take part in the project (one statement, read before login_required
# asks for the user); the supports used (the rule's limit); the insert, whose triggers move the
# project's and the proposal's counts (migration 0025) and make the supporter's follow (0026);
# the supports used again (the limit under concurrency). On PostgreSQL the person is locked
# first (SQLite has one writer: no lock to take). Whether the open data is due for a
# rebuild is known without a query within minutes of the last look. A person who takes part
# in the project already is not added again (a first contribution to a project adds them,
# counted by the insert's trigger: PARTICIPANT statement more).
SUPPORT_STATEMENTS = 4
PARTICIPANT = 1
# A comment POST on a proposal: the proposal with its project and phases, and the user, and
# their participation (one statement); the insert, which returns the place of the thread for
# the redirect's page, and whose triggers move the counts and make the follow; its search entry
# (one statement). Nobody else to tell here: no notification.
COMMENT_STATEMENTS = 3
# Telling the proposal's author (no job queue): one INSERT ... SELECT in the same transaction.
FAN_OUT_STATEMENTS = 1
START = datetime(2026, 1, 1, tzinfo=UTC)
# The attributes a POST asks of Flask's proxies (each an AttributeError made and dropped:
# core/context.py), Flask-Limiter's and Flask's own mostly: 23 for a support and 36 for a
# comment on 2026-12-06, when login_required, the CSRF check, the request's size limits and
# the after-request stages stopped asking them (43 and 59 before).
SUPPORT_PROXIED = 26
COMMENT_PROXIED = 40


def bulk_proposals(project: Project, author: Any, count: int) -> list[int]:
    """`count` published proposals in one statement, counted by the database."""
    rows = [
        {"project_id": project.id, "author_id": author.id, "title": f"Proposition {n}",
         "body": f"Le texte numéro {n}.", "status": "published", "supports_count": 0,
         "comments_count": 0, "comments_pour": 0, "comments_contre": 0, "comments_neutre": 0,
         "created_at": START + timedelta(minutes=n), "updated_at": START + timedelta(minutes=n)}
        for n in range(count)
    ]
    db.session.execute(insert(Proposal), rows)  # counted by the database's triggers
    insert_ignore(ProjectParticipant.__table__, project_id=project.id, user_id=author.id)
    return sorted(db.session.scalars(
        Proposal.__table__.select().with_only_columns(Proposal.id)
        .where(Proposal.project_id == project.id)
    ))


def bulk_comments(proposal: Proposal, author: Any, count: int) -> None:
    """`count` visible top-level comments "pour" on the proposal, counted by the database (the
    author of the proposal writes them: the project's participants do not change)."""
    rows = [
        {"project_id": proposal.project_id, "proposal_id": proposal.id, "depth": 0,
         "author_id": author.id, "stance": "pour", "body": f"Avis {n}.",
         "moderation": "visible", "created_at": START + timedelta(minutes=n),
         "updated_at": START + timedelta(minutes=n)}
        for n in range(count)
    ]
    db.session.execute(insert(Comment), rows)  # counted by the database's triggers


class Work:
    """What one request did: its SQL statements, the statement objects it executed (those
    SQLAlchemy's execution ran, and those the driver sent itself: core/drivers.py) and the
    permission rules it evaluated."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.executed: list[Any] = []
        self.by_sqlalchemy: list[Any] = []
        self.rules: list[str] = []
        self.proxied = 0

    def writes_by_sqlalchemy(self) -> list[str]:
        """The statements other than reads that SQLAlchemy's execution ran."""
        return [str(s) for s in self.by_sqlalchemy if not isinstance(s, Select)]


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Count the work of the requests made inside, from a fresh session as in production."""
    work = Work()
    db.session.remove()
    refusal = permissions.Rule.refusal

    def counted_refusal(rule: permissions.Rule, user: Any, obj: Any) -> Any:
        work.rules.append(rule.name)
        return refusal(rule, user, obj)

    def on_cursor(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        work.statements.append(statement)

    # Recorded where each way executes, not by an execution listener: one would send every
    # statement through SQLAlchemy's execution (core/drivers._heard).
    execute, send = Connection.execute, drivers._send

    def by_sqlalchemy(connection: Connection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        work.executed.append(statement)
        work.by_sqlalchemy.append(statement)
        return execute(connection, statement, *args, **kwargs)

    def by_driver(connection: Any, sent: Any, params: Any, fetch: Any = None) -> Any:
        work.executed.append(sent.statement)
        return send(connection, sent, params, fetch)

    forward = LocalProxy.__dict__["__getattr__"]

    def proxied(proxy: Any, name: str) -> Any:  # as tests/work.py counts them
        work.proxied += 1
        return forward.__get__(proxy, LocalProxy)(name)

    with monkeypatch.context() as patch:
        patch.setattr(permissions.Rule, "refusal", counted_refusal)
        patch.setattr(LocalProxy, "__getattr__", proxied)
        patch.setattr(Connection, "execute", by_sqlalchemy)
        patch.setattr(drivers, "_send", by_driver)
        event.listen(db.engine, "before_cursor_execute", on_cursor)
        try:
            yield work
        finally:
            event.remove(db.engine, "before_cursor_execute", on_cursor)


def lazy_loads(statements: list[str]) -> list[str]:
    """The statements that load a project or its phases on their own (after the proposal)."""
    return [s for s in statements if s.startswith(("SELECT projects.", "SELECT phases."))]


def test_a_support_post_does_the_same_work_for_10_and_1000_proposals(as_role, monkeypatch):
    """Supporting a proposal of a 10-proposal project and of a 1,000-proposal one (a limit on
    supports, so the limit is checked) sends the same statements, no lazy load of the project
    or its phases, evaluates the rule once and asks few attributes of Flask's proxies."""
    author = factories.user()
    small, large = (factories.project("consultation", support_limit=3) for _ in range(2))
    small_ids, large_ids = bulk_proposals(small, author, 10), bulk_proposals(large, author, 1000)
    citizen = as_role("citizen")
    for ids in (small_ids, large_ids):  # a participant of both projects already
        assert citizen.post(f"/propositions/{ids[0]}/soutenir").status_code == 302

    counts = []
    for ids in (small_ids, large_ids):
        with counting(monkeypatch) as work:
            response = citizen.post(f"/propositions/{ids[-1]}/soutenir")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/propositions/{ids[-1]}#soutien")
        assert not lazy_loads(work.statements), lazy_loads(work.statements)
        assert work.rules == ["votes.support"]
        assert work.writes_by_sqlalchemy() == []  # the driver sends every write itself
        counts.append(len(work.statements))
        assert work.proxied <= SUPPORT_PROXIED, work.proxied
    expected = SUPPORT_STATEMENTS + (db.engine.dialect.name == "postgresql")  # the lock
    assert counts == [expected, expected], counts
    assert_counters_exact()


def test_taking_a_support_back_loads_no_project_on_its_own(as_role, monkeypatch):
    """The take-back POST reads the proposal with its project and phases in one statement."""
    proposal = factories.proposal(factories.project("consultation"))
    citizen = as_role("citizen")
    factories.support(proposal, citizen.user)
    db.session.commit()
    proposal_id = proposal.id
    with counting(monkeypatch) as work:
        response = citizen.post(f"/propositions/{proposal_id}/retirer-soutien")
    assert response.status_code == 302
    assert not lazy_loads(work.statements), lazy_loads(work.statements)
    assert work.rules == ["votes.withdraw"]
    assert_counters_exact()


def test_a_comment_post_does_the_same_work_for_10_and_1000_comments(as_role, monkeypatch):
    """Commenting a proposal with 10 comments and one with 1,000 (the redirect finds the page
    of the thread) sends the same statements, no lazy load, one rule evaluated, few attributes
    asked of Flask's proxies."""
    citizen = as_role("citizen")
    project = factories.project("consultation")
    # The commenter's own proposals: nobody else to tell, no notification job in the count.
    few, many = (factories.proposal(project, author=citizen.user) for _ in range(2))
    bulk_comments(few, citizen.user, 10)
    bulk_comments(many, citizen.user, 1000)
    db.session.commit()
    targets = [(few.id, 1), (many.id, 21)]  # 1,001 threads at 50 a page: the 21st page

    counts = []
    for proposal_id, page in targets:
        with counting(monkeypatch) as work:
            response = citizen.post(f"/propositions/{proposal_id}/commentaires",
                                    data={"stance": "contre", "body": "Un avis de plus."})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert f"/propositions/{proposal_id}" in location
        assert (f"page={page}" in location) == (page > 1), location
        assert not lazy_loads(work.statements), lazy_loads(work.statements)
        assert work.rules == ["comments.create"]
        assert work.writes_by_sqlalchemy() == []
        counts.append(len(work.statements))
        assert work.proxied <= COMMENT_PROXIED, work.proxied
    assert counts == [COMMENT_STATEMENTS, COMMENT_STATEMENTS], counts
    assert_counters_exact()


def test_a_comment_telling_the_author_adds_one_statement_and_no_transaction(as_role,
                                                                          monkeypatch):
    """Without a job queue, the notification of a comment on someone else's proposal is one
    INSERT ... SELECT in the transaction of the comment: one statement more, one commit, and
    the author is told by the time the redirect is sent."""
    citizen = as_role("citizen")
    project = factories.project("consultation")
    author = factories.user()
    proposal = factories.proposal(project, author=author)
    factories.comment(proposal, author=citizen.user)  # a participant and follower already
    db.session.commit()
    proposal_id = proposal.id

    def told() -> int:
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == author.id, Notification.kind == "comment")) or 0

    before = told()
    commits: list[Any] = []
    on_commit = commits.append
    with counting(monkeypatch) as work:
        event.listen(db.engine, "commit", on_commit)
        try:
            response = citizen.post(f"/propositions/{proposal_id}/commentaires",
                                    data={"stance": "pour", "body": "Un avis de plus."})
        finally:
            event.remove(db.engine, "commit", on_commit)
    assert response.status_code == 302
    assert len(work.statements) == COMMENT_STATEMENTS + FAN_OUT_STATEMENTS, work.statements
    assert len(commits) == 1
    assert work.writes_by_sqlalchemy() == []  # the fan-out too
    assert told() == before + 1
    assert_counters_exact()


def test_the_statements_of_every_post_are_built_once(as_role, monkeypatch):
    """A support runs the very same statement objects from one request to the next:
    SQLAlchemy finds them in its cache by their constant shape instead of building and keying
    new ones per request. It sends no UPDATE: the counters are moved by the support's own
    trigger (migration 0025)."""
    project = factories.project("consultation")
    primer, first, second = (factories.proposal(project) for _ in range(3))
    citizen = as_role("citizen")
    factories.support(primer, citizen.user)  # a participant already: the same work each time
    db.session.commit()
    ids = (first.id, second.id)

    runs = []
    for proposal_id in ids:
        with counting(monkeypatch) as work:
            assert citizen.post(f"/propositions/{proposal_id}/soutenir").status_code == 302
        runs.append(work.executed)
    before, after = runs
    assert len(after) == len(before) >= 2, [str(s) for s in after]
    for rank, statement in enumerate(after):
        assert statement is before[rank], (str(statement), str(before[rank]))
    assert not [s for s in after if isinstance(s, Update)]


def test_a_post_expires_nothing_at_its_boundary(as_role, monkeypatch):
    """The request's commit expires none of the objects it loaded: nothing of the request
    reads them after it, and the session ends with the request (expiring them was 3 % of a
    support's work). What was written is in the database for the next request."""
    proposal = factories.proposal(factories.project("consultation"))
    citizen = as_role("citizen")
    db.session.commit()
    proposal_id = proposal.id
    expired: list[str] = []

    def on_expire(target: Any, attrs: Any) -> None:
        if attrs is None:  # the whole object (a counter's stamp alone may be, by design)
            expired.append(type(target).__name__)

    event.listen(db.Model, "expire", on_expire, propagate=True)
    try:
        with counting(monkeypatch):
            response = citizen.post(f"/propositions/{proposal_id}/soutenir")
    finally:
        event.remove(db.Model, "expire", on_expire)
    assert response.status_code == 302 and expired == [], expired
    db.session.remove()
    assert db.session.get_one(Proposal, proposal_id).supports_count == 1


def _inserts(work: Work, table: str) -> int:
    return sum(statement.startswith(f"INSERT INTO {table} ") for statement in work.statements)


def test_a_participant_is_not_added_again_and_a_follow_is_no_statement(as_role, monkeypatch):
    """A first contribution to a project adds its author to the participants; the next ones,
    whose proposal was read with the facts saying so, send no INSERT for it, and the figures
    stay exact. No contribution sends an INSERT of a follow: the row's trigger makes it."""
    citizen = as_role("citizen")
    project = factories.project("consultation", support_limit=3)
    author = factories.user()
    first, second = (factories.proposal(project, author=author).id for _ in range(2))
    db.session.commit()
    project_id, citizen_id = project.id, citizen.user.id

    def participants() -> int:
        return db.session.get_one(Project, project_id).participants_count

    before = participants()
    with counting(monkeypatch) as work:
        assert citizen.post(f"/propositions/{first}/soutenir").status_code == 302
    assert (_inserts(work, "project_participants"), _inserts(work, "follows")) == (1, 0)
    assert len(work.statements) == SUPPORT_STATEMENTS + PARTICIPANT + (
        db.engine.dialect.name == "postgresql")
    assert participants() == before + 1

    with counting(monkeypatch) as work:  # a participant now
        assert citizen.post(f"/propositions/{second}/soutenir").status_code == 302
    assert (_inserts(work, "project_participants"), _inserts(work, "follows")) == (0, 0)
    with counting(monkeypatch) as work:
        response = citizen.post(f"/propositions/{first}/commentaires",
                                data={"stance": "pour", "body": "Et un avis."})
    assert response.status_code == 302
    assert (_inserts(work, "project_participants"), _inserts(work, "follows")) == (0, 0)
    assert len(work.statements) == COMMENT_STATEMENTS + FAN_OUT_STATEMENTS
    assert participants() == before + 1
    assert follows_of(citizen_id) == {("proposal", first), ("proposal", second)}
    assert_counters_exact()

