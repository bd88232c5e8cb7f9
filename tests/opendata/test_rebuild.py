"""The zip follows publications, at most once per OPENDATA_REBUILD_MINUTES, and by the
scheduled command."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import g
from sqlalchemy import func, select

from consultation.core import jobs as core_jobs
from consultation.core.documents import Document
from consultation.extensions import db
from consultation.opendata import jobs, services
from tests import factories
from tests.opendata.helpers import build, csv_rows, files


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


def _later() -> time_machine.travel:
    """A moment after the debounce window of the last build."""
    return time_machine.travel(timedelta(minutes=services.rebuild_minutes() + 1))


def test_no_zip_no_job_the_command_makes_the_first(app):
    """Before the first `flask opendata build`, a publication queues nothing (other domains'
    tests and a fresh site do no build); the command makes it."""
    factories.proposal(title="Première proposition")
    db.session.commit()
    assert not [job for job in g.get("committed_jobs", []) if job.func is jobs.refresh]
    core_jobs.dispatch_committed()
    assert services.published() is None
    result = app.test_cli_runner().invoke(args=["opendata", "build"])
    assert result.exit_code == 0, result.output
    assert _titles() == {"Première proposition"}


def test_a_publication_rebuilds_after_the_window_only(app):
    """Within the window publications queue nothing; the first after it rebuilds everything,
    after its commit; only the newest zip is kept."""
    project = factories.project()
    factories.proposal(project, title="Une")
    commit()
    build()
    first = services.published()
    for title in ("Deux", "Trois"):
        factories.proposal(project, title=title)
        commit()
    assert services.published() == first  # not rebuilt on every publication
    with _later():
        factories.proposal(project, title="Quatre")
        db.session.commit()
        assert [job.func for job in g.get("committed_jobs", [])].count(jobs.refresh) == 1
        core_jobs.dispatch_committed()
        assert _titles() == {"Une", "Deux", "Trois", "Quatre"}
        assert _documents() == 1


def test_supports_do_not_rebuild_each_time(app):
    """A rush of supports after a build queues no job at all."""
    proposal = factories.proposal()
    commit()
    build()
    built = services.published()
    for _ in range(5):
        factories.support(proposal)
        db.session.commit()
        assert not [job for job in g.get("committed_jobs", []) if job.func is jobs.refresh]
    core_jobs.dispatch_committed()
    assert services.published() == built


def test_the_job_run_twice_does_no_harm(app):
    """Idempotent: the second run finds the first one's zip recent enough."""
    factories.proposal()
    commit()
    build()
    with _later():
        assert jobs.refresh() == "ready"
        assert jobs.refresh() == "recent"
    assert _documents() == 1


def test_the_command_builds_what_changed_and_nothing_otherwise(app, tmp_path):
    """`flask opendata build` builds the change made within the window, then finds nothing
    to do; --force builds anyway; --output writes the zip."""
    project = factories.project()
    factories.proposal(project, title="Une")
    commit()
    build()
    with time_machine.travel(timedelta(minutes=1)):
        factories.proposal(project, title="Deux")
        commit()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["opendata", "build"])
    assert result.exit_code == 0, result.output
    assert _titles() == {"Une", "Deux"}
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
