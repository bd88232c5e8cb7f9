"""The benchmark's data (bench/generate.py): loaded with the database's triggers set aside
(counters, automatic follows), its counters are exact all the same, and the triggers are back
for the runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from bench import generate
from tests.recount import differences

SMALL = generate.DatasetSpec(
    "generate_test", 200, (generate.ProjectSpec(generate.TITLES[0], "open", 60, 150, 240,
                                                featured=True),
                           generate.ProjectSpec(generate.TITLES[1], "synthesis", 30, 50, 90)),
    accounts=3)


def test_the_generated_counters_are_exact_and_the_triggers_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'generated.db'}"
    built = generate.build(url, SMALL, log=lambda *_: None)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            assert differences(connection) == []
            triggers = set(connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('proposals', 'supports', 'comments', 'project_participants')"
            )).scalars())
            assert len(triggers) == 8 + 3, triggers  # migrations 0025 and 0026
            # The generated people follow nothing: the follows' triggers were set aside too.
            assert connection.execute(text("SELECT COUNT(*) FROM follows")).scalar_one() == 0
            # A support written afterwards is counted by its trigger, as the platform's are,
            # and its author follows the proposal.
            proposal_id = built.featured_proposal_ids[0]
            project_id, before = connection.execute(text(
                "SELECT project_id, supports_count FROM proposals WHERE id = :id"),
                {"id": proposal_id}).one()
            user_id = connection.execute(text(
                "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM supports "
                "WHERE proposal_id = :id) ORDER BY id LIMIT 1"), {"id": proposal_id}).scalar_one()
            connection.execute(text(
                "INSERT INTO supports (user_id, proposal_id, project_id, created_at) "
                "VALUES (:user, :proposal, :project, CURRENT_TIMESTAMP)"),
                {"user": user_id, "proposal": proposal_id, "project": project_id})
            after = connection.execute(text(
                "SELECT supports_count FROM proposals WHERE id = :id"),
                {"id": proposal_id}).scalar_one()
            assert after == before + 1
            assert connection.execute(text(
                "SELECT user_id, proposal_id FROM follows")).all() == [(user_id, proposal_id)]
            assert differences(connection) == []
    finally:
        engine.dispose()
