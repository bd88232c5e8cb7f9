"""Rows written by plain SQL, without the platform's services or signals: what the database's
own triggers (counters, migration 0025; automatic follows, 0026) must handle as the platform's
writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from consultation.extensions import db


def run(statement: str, **params: object) -> None:
    """Execute one statement of plain SQL on the test's session."""
    db.session.execute(text(statement), params)


def insert_support(user_id: int, proposal_id: int, project_id: int, at: datetime) -> None:
    """A support, as a row."""
    run("INSERT INTO supports (user_id, proposal_id, project_id, created_at) "
        "VALUES (:user, :proposal, :project, :at)",
        user=user_id, proposal=proposal_id, project=project_id, at=at)


def insert_comment(project_id: int, proposal_id: int | None, author_id: int, stance: str,
                   at: datetime, moderation: str = "visible") -> int:
    """A top-level comment, as a row; its id."""
    return int(db.session.execute(text(
        "INSERT INTO comments (project_id, proposal_id, depth, author_id, stance, body, "
        "moderation, created_at, updated_at) VALUES (:project, :proposal, 0, :author, :stance, "
        "'Un avis.', :moderation, :at, :at) RETURNING id"),
        {"project": project_id, "proposal": proposal_id, "author": author_id, "stance": stance,
         "moderation": moderation, "at": at}).scalar_one())
