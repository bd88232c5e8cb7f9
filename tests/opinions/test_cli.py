"""`flask opinions ...`: polis-groups, import-polis and analyse."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from consultation.extensions import db
from consultation.opinions import polis
from consultation.opinions.models import (
    Answer,
    Debate,
    DebateAnalysis,
    DebateParticipant,
    ParticipantSource,
    Statement,
    StatementState,
)
from tests import factories
from tests.opinions.test_map import planted_debate

DATA = Path(__file__).parent / "data"
BREXIT = DATA / "brexit-consensus"
SEATTLE = DATA / "15-per-hour-seattle"


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["opinions", *args])


def test_polis_groups_prints_the_platforms_grouping(app):
    result = run(app, "polis-groups", str(BREXIT))
    assert result.exit_code == 0, result.output
    assert result.output == polis.groups_csv(BREXIT)
    lines = result.output.splitlines()
    assert lines[0] == "participant,group"
    assert len(lines) > 100 and all(line.count(",") == 1 for line in lines)


def test_polis_groups_refuses_a_missing_or_bad_folder(app, tmp_path):
    missing = run(app, "polis-groups", str(tmp_path / "absent"))
    assert missing.exit_code != 0 and "n'existe pas" in missing.output
    empty = run(app, "polis-groups", str(tmp_path))
    assert empty.exit_code != 0 and "ne contient pas comments.csv" in empty.output
    (tmp_path / "comments.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "participants-votes.csv").write_text("participant\n0\n", encoding="utf-8")
    bad = run(app, "polis-groups", str(tmp_path))
    assert bad.exit_code != 0 and "n'a pas les colonnes d'un export Pol.is" in bad.output
    assert "Traceback" not in bad.output


def test_import_polis_loads_a_debate_and_its_map(app):
    project = factories.project()
    db.session.commit()
    result = run(app, "import-polis", str(BREXIT), "--project", project.slug)
    assert result.exit_code == 0, result.output
    assert "50 affirmation(s) publiée(s)" in result.output
    debate = db.session.scalars(select(Debate).where(Debate.project_id == project.id)).one()
    assert debate.question == "Can there be consensus on Brexit?"
    statements = db.session.scalars(select(Statement).where(Statement.debate_id == debate.id))
    assert {s.state for s in statements} == {StatementState.PUBLISHED}
    assert db.session.scalar(select(func.min(Statement.external_id))) == 0
    numbers = db.session.scalars(
        select(DebateParticipant.number).where(DebateParticipant.debate_id == debate.id)
    ).all()
    assert min(numbers) == 1 and len(numbers) == debate.participants_count
    participants = db.session.scalars(select(DebateParticipant)).all()
    assert {p.source for p in participants} == {ParticipantSource.POLIS}
    assert {p.user_id for p in participants} == {None}
    assert db.session.scalar(select(func.count()).select_from(Answer)) == debate.answers_count
    stored = db.session.get_one(DebateAnalysis, debate.id)
    assert stored is not None and stored.result["k"] >= 2
    assert debate.analysis_due_at is None
    page = app.test_client().get(f"/projets/{project.slug}/debat/carte")
    assert page.status_code == 200 and b"Groupe B" in page.data


def test_import_keeps_pending_and_leaves_out_moderated_comments(app, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(SEATTLE, folder)
    lines = (folder / "comments.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    # The moderated column is the seventh: one comment out, one waiting.
    first = rows[0].split(",")
    first[6] = "-1"
    second = rows[1].split(",")
    second[6] = "0"
    (folder / "comments.csv").write_text(
        "\n".join([header, ",".join(first), ",".join(second), *rows[2:]]) + "\n",
        encoding="utf-8",
    )
    project = factories.project()
    db.session.commit()
    result = run(app, "import-polis", str(folder), "--project", project.slug)
    assert result.exit_code == 0, result.output
    states = dict(db.session.execute(select(Statement.external_id, Statement.state)).all())
    assert int(first[2]) not in states
    assert states[int(second[2])] == StatementState.PENDING


def test_a_second_import_needs_replace(app):
    project = factories.project()
    db.session.commit()
    assert run(app, "import-polis", str(BREXIT), "--project", project.slug).exit_code == 0
    again = run(app, "import-polis", str(BREXIT), "--project", project.slug)
    assert again.exit_code != 0 and "--replace" in again.output
    replaced = run(app, "import-polis", str(BREXIT), "--project", project.slug, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 50


def test_import_refuses_an_unknown_project_or_folder(app, tmp_path):
    unknown = run(app, "import-polis", str(BREXIT), "--project", "inconnu")
    assert unknown.exit_code != 0 and "Aucun projet" in unknown.output
    project = factories.project()
    db.session.commit()
    missing = run(app, "import-polis", str(tmp_path / "x"), "--project", project.slug)
    assert missing.exit_code != 0 and "n'existe pas" in missing.output
    assert db.session.scalar(select(func.count()).select_from(Debate)) == 0


def test_analyse_due_and_one_debate(app):
    project = factories.project()
    debate = planted_debate(project)
    assert run(app, "analyse").exit_code != 0  # neither --due nor --debate
    result = run(app, "analyse", "--debate", project.slug)
    assert result.exit_code == 0 and "1 carte(s)" in result.output
    assert db.session.get_one(DebateAnalysis, debate.id) is not None
    nothing = run(app, "analyse", "--due")
    assert nothing.exit_code == 0 and "0 carte(s)" in nothing.output
    unknown = run(app, "analyse", "--debate", "inconnu")
    assert unknown.exit_code != 0 and "n'a pas de débat" in unknown.output
