"""Every stored counter compared with a recount of the rows, by plain SQL.

Call `assert_counters_exact()` after any change that moves counters: it checks every proposal
and every project, so a test cannot forget the one counter it did not think of.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from consultation.extensions import db

PROPOSALS = """
SELECT p.id,
       p.supports_count, (SELECT COUNT(*) FROM supports s WHERE s.proposal_id = p.id),
       p.comments_count, (SELECT COUNT(*) FROM comments c
                          WHERE c.proposal_id = p.id AND c.deleted_at IS NULL
                          AND c.moderation = 'visible'),
       p.comments_pour, (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id
                         AND c.deleted_at IS NULL
                         AND c.moderation = 'visible' AND c.stance = 'pour'),
       p.comments_contre, (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id
                           AND c.deleted_at IS NULL
                         AND c.moderation = 'visible' AND c.stance = 'contre'),
       p.comments_neutre, (SELECT COUNT(*) FROM comments c WHERE c.proposal_id = p.id
                           AND c.deleted_at IS NULL
                         AND c.moderation = 'visible' AND c.stance = 'neutre')
FROM proposals p
"""

PROJECTS = """
SELECT j.id,
       j.proposals_count, (SELECT COUNT(*) FROM proposals p
                           WHERE p.project_id = j.id AND p.status = 'published'
                           AND p.moderation = 'visible'),
       j.comments_count, (SELECT COUNT(*) FROM comments c
                          WHERE c.project_id = j.id AND c.deleted_at IS NULL
                          AND c.moderation = 'visible'),
       j.supports_count, (SELECT COUNT(*) FROM supports s WHERE s.project_id = j.id),
       j.participants_count, (SELECT COUNT(*) FROM project_participants pp
                              WHERE pp.project_id = j.id)
FROM projects j
"""

# Everyone who has a proposal, comment or support in a project is one of its participants
# (someone who took a support back stays one: they took part).
MISSING_PARTICIPANTS = """
SELECT COUNT(*) FROM (
  SELECT project_id, author_id AS user_id FROM proposals
  UNION SELECT project_id, author_id FROM comments
  UNION SELECT project_id, user_id FROM supports
) AS contributors
WHERE NOT EXISTS (SELECT 1 FROM project_participants pp
                  WHERE pp.project_id = contributors.project_id
                  AND pp.user_id = contributors.user_id)
"""

PROPOSAL_NAMES = ("supports", "comments", "pour", "contre", "neutre")
PROJECT_NAMES = ("proposals", "comments", "supports", "participants")


def differences(connection: Any = None) -> list[str]:
    """Every stored counter that differs from a recount, read on `connection` (the session's
    by default), and the contributors missing from the participants."""
    found = [f"proposal {d}" for d in _differences(PROPOSALS, PROPOSAL_NAMES, connection)]
    found += [f"project {d}" for d in _differences(PROJECTS, PROJECT_NAMES, connection)]
    missing = (connection or db.session).execute(text(MISSING_PARTICIPANTS)).scalar_one()
    return found + ([f"{missing} participants missing"] if missing else [])


def _differences(sql: str, names: tuple[str, ...], connection: Any = None) -> list[str]:
    found = []
    for row in (connection or db.session).execute(text(sql)):
        for i, name in enumerate(names):
            stored, recounted = row[1 + 2 * i], row[2 + 2 * i]
            if stored != recounted:
                found.append(f"#{row[0]} {name}: stored {stored}, recounted {recounted}")
    return found


def assert_counters_exact() -> None:
    """Every proposal's and project's counters equal a recount of the rows they count."""
    db.session.commit()  # end the test's transaction: read what the requests committed
    wrong = differences()
    assert wrong == [], wrong
