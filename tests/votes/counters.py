"""Support counters read from their rows and recounted by SQL, for the votes tests."""

from __future__ import annotations

from sqlalchemy import text

from consultation.extensions import db


def scalar(sql: str, **params: int) -> int:
    """One integer from a SQL query."""
    return int(db.session.execute(text(sql), params).scalar_one())


def support_rows(proposal_id: int) -> int:
    """Support rows of a proposal."""
    return scalar("SELECT COUNT(*) FROM supports WHERE proposal_id = :id", id=proposal_id)


def assert_support_counters_exact(proposal_ids: list[int], project_id: int) -> None:
    """Every proposal's and the project's counters equal a recount of the rows."""
    db.session.commit()  # end any earlier transaction: read what the requests committed
    for proposal_id in proposal_ids:
        stored = scalar("SELECT supports_count FROM proposals WHERE id = :id", id=proposal_id)
        assert stored == support_rows(proposal_id), f"proposal {proposal_id}"
    stored = scalar("SELECT supports_count FROM projects WHERE id = :id", id=project_id)
    assert stored == scalar(
        "SELECT COUNT(*) FROM supports WHERE project_id = :id", id=project_id
    )
    participants = scalar(
        "SELECT participants_count FROM projects WHERE id = :id", id=project_id
    )
    assert participants == scalar(
        "SELECT COUNT(*) FROM project_participants WHERE project_id = :id", id=project_id
    )
    # Everyone who contributes now is a participant (a support taken back leaves its giver
    # among the participants: they took part).
    missing = scalar(
        "SELECT COUNT(*) FROM ("
        " SELECT author_id AS user_id FROM proposals WHERE project_id = :id"
        " UNION SELECT author_id FROM comments WHERE project_id = :id"
        " UNION SELECT user_id FROM supports WHERE project_id = :id"
        ") AS contributors WHERE user_id NOT IN"
        " (SELECT user_id FROM project_participants WHERE project_id = :id)",
        id=project_id,
    )
    assert missing == 0


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
