"""Support rows and contributors counted by SQL, for the votes tests."""

from __future__ import annotations

from sqlalchemy import text

from consultation.extensions import db


def scalar(sql: str, **params: int) -> int:
    """One integer from a SQL query."""
    return int(db.session.execute(text(sql), params).scalar_one())


def support_rows(proposal_id: int) -> int:
    """Support rows of a proposal."""
    return scalar("SELECT COUNT(*) FROM supports WHERE proposal_id = :id", id=proposal_id)


def contributors(project_id: int) -> int:
    """Distinct people who currently have a proposal, comment or support in the project."""
    return scalar(
        "SELECT COUNT(*) FROM ("
        " SELECT author_id AS user_id FROM proposals WHERE project_id = :id"
        " UNION SELECT author_id FROM comments WHERE project_id = :id"
        " UNION SELECT user_id FROM supports WHERE project_id = :id"
        ") AS contributors",
        id=project_id,
    )
