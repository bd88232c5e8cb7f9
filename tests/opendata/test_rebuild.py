"""The zip follows publications, at most once per OPENDATA_REBUILD_MINUTES, and by the
scheduled command."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from consultation.core import jobs as core_jobs
from consultation.core.documents import Document
from consultation.extensions import db
from consultation.opendata import jobs, services
from tests import factories
from tests.opendata.helpers import csv_rows, files


def commit() -> None:
    """Commit, then run the jobs asked for, as the end of a request does."""
    db.session.commit()
    core_jobs.dispatch_committed()


def _titles() -> set[str]:
    current = services.published()
    assert current is not None
    content = files(services.zip_bytes(current))
    return {row["titre"] for row in csv_rows(content["propositions.csv"])}


def _documents() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Document).where(Document.kind == services.KIND)) or 0


def test_a_publication_builds_the_zip_after_its_commit(app):
    """The first proposal published builds the data (the job runs after the commit)."""
    assert services.published() is None
    factories.proposal(title="Première proposition")
    commit()
    assert _titles() == {"Première proposition"}


def test_rebuilds_are_debounced_then_caught_up(app):
    """Within the window a publication leaves a pending document instead of a build; after
    it, the next publication builds everything; only the newest zip is kept."""
    project = factories.project()
    factories.proposal(project, title="Une")
    commit()
    first = services.published()
    assert first is not None
    for title in ("Deux", "Trois"):
        factories.proposal(project, title=title)
        commit()
    assert services.published() == first  # not rebuilt on every publication
    assert services.state().waiting is not None  # but the change is remembered
    assert _documents() == 2  # the zip and one pending document, however many changes
    with time_machine.travel(timedelta(minutes=services.rebuild_minutes() + 1)):
        factories.proposal(project, title="Quatre")
        commit()
        assert _titles() == {"Une", "Deux", "Trois", "Quatre"}
        assert _documents() == 1


def test_supports_do_not_rebuild_each_time(app):
    """A rush of supports: one build at most per window."""
    proposal = factories.proposal()
    commit()
    built = services.published()
    for _ in range(5):
        factories.support(proposal)
        commit()
    assert services.published() == built


def test_the_job_run_twice_does_no_harm(app):
    """Idempotent: a second run within the window only keeps the pending mark."""
    factories.proposal()
    commit()
    assert jobs.refresh() == "waiting"
    assert jobs.refresh() == "waiting"
    assert _documents() == 2


def test_the_command_builds_what_waits_and_nothing_otherwise(app, tmp_path):
    """`flask opendata build` builds the waiting change, then finds nothing to do; --force
    builds anyway; --output writes the zip."""
    project = factories.project()
    factories.proposal(project, title="Une")
    commit()
    factories.proposal(project, title="Deux")
    commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["opendata", "build"])
    assert result.exit_code == 0, result.output
    assert _titles() == {"Une", "Deux"}
    assert services.state().waiting is None
    again = runner.invoke(args=["opendata", "build"])
    assert "rien à reconstruire" in again.output
    before = services.published()
    target = tmp_path / "donnees.zip"
    forced = runner.invoke(args=["opendata", "build", "--force", "--output", str(target)])
    assert forced.exit_code == 0, forced.output
    assert services.published() != before
    assert "propositions.csv" in files(target.read_bytes())


def test_the_command_sees_changes_that_sent_no_signal(app):
    """A change that sent no signal (an edited project) is seen from the rows' times."""
    project = factories.project(title="Avant")
    factories.proposal(project)
    commit()
    runner = app.test_cli_runner()
    with time_machine.travel(timedelta(minutes=1)):
        project.title = "Après"
        commit()
        result = runner.invoke(args=["opendata", "build"])
    assert "rien à reconstruire" not in result.output
    current = services.published()
    assert current is not None
    projects = csv_rows(files(services.zip_bytes(current))["projets.csv"])
    assert [row["titre"] for row in projects] == ["Après"]
