"""The benchmark's pure parts (bench/report.py, bench/gunicorn_conf.py, bench/run.py's
command and conclusion): goals, table, comparison with the reference, versions recorded.
No server, no wrk: these run in the suite."""

from __future__ import annotations

import copy
import json
import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config  # type: ignore[import-untyped]

from bench import gunicorn_conf, report, run

REFERENCE = Path(run.RESULTS) / "reference.json"


def _row(ratio: float) -> dict[str, Any]:
    return {"rps": round(ratio * 5000, 1), "ratio": ratio, "p50_ms": 10.0, "p99_ms": 20.0,
            "queries": 5, "bytes": 9000, "requests": 2, "ecoindex": "A"}


def _facts(**changes: Any) -> dict[str, Any]:
    facts = gunicorn_conf.server_facts(Config())
    facts |= {"gunicorn_binary": "/venv/bin/gunicorn", "app": "bench.baseline:app",
              "options": ["--workers", "2", "--bind", "127.0.0.1:<port>"]}
    for key, value in changes.items():
        group, _, name = key.partition("__")
        if name:
            facts[group] = {**facts[group], name: value}
        else:
            facts[key] = value
    return facts


def _result(ratios: dict[str, float], load_start: list[float] | None = None,
            cpus: int = 2, scale: str = "quick") -> dict[str, Any]:
    baseline = _facts()
    return {
        "baseline_rps": 5000.0,
        "pages": {label: _row(ratio) for label, ratio in ratios.items()},
        "growth": {},
        "pdf": {},
        "environment": {
            "versions": {**baseline["versions"], "postgresql": "16.4"},
            "machine": {"cpus": cpus, "cpu_model": "AMD EPYC", "platform": "Linux"},
            "load_average": {"start": load_start or [0.5, 0.4, 0.3], "end": [1.5, 0.7, 0.4]},
            "servers": {"baseline": baseline, "app": _facts(app="consultation:create_app()")},
        },
        "details": {"settings": {"scale": scale, "measured_at": "2026-12-03T09:00:00+00:00"}},
    }


def _line(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.split(" ", 1)[0] == label)


# ---------------------------------------------------------------------------------------------
# Goals


@pytest.mark.parametrize(("label", "expected"), [
    ("proposals_logged_in", 0.15), ("project_logged_in", 0.15), ("home_logged_in", 0.15),
    ("synthesis_logged_in", 0.15), ("proposal_5_logged_in", 0.15),
    ("proposal_logged_in", 0.05), ("proposal_uncached", 0.05), ("proposals_uncached", 0.15),
    ("support_post", 0.15), ("comment_post", 0.15),
    ("proposals", None), ("proposal", None), ("home", None),
])
def test_goals_are_the_issues(label: str, expected: float | None) -> None:
    """15 % for pages made, 5 % for the proposal with 200 comments, 15 % for the POSTs; none
    for anonymous pages served from the page memory."""
    assert report.goal(label) == expected


def test_order_puts_a_pages_three_figures_together() -> None:
    labels = ["comment_post", "proposal_logged_in", "home", "proposal_uncached", "proposal",
              "home_logged_in", "support_post", "extra"]
    assert report.order(labels) == ["home", "home_logged_in", "proposal", "proposal_uncached",
                                    "proposal_logged_in", "support_post", "comment_post",
                                    "extra"]


# ---------------------------------------------------------------------------------------------
# Table


def test_table_shows_each_share_beside_its_goal() -> None:
    text = report.table(_result({
        "proposals": 0.267, "proposals_uncached": 0.022, "proposals_logged_in": 0.19,
        "proposal_logged_in": 0.006, "proposal_uncached": 0.051, "support_post": 0.057,
    }), "sqlite")
    memory = _line(text, "proposals")
    assert "26.7 %" in memory and "≥" not in memory
    assert not memory.rstrip().endswith(("✓", "✗"))
    assert "2.2 %" in _line(text, "proposals_uncached")
    assert "≥ 15.0 %" in _line(text, "proposals_uncached") and "✗" in _line(
        text, "proposals_uncached")
    assert "19.0 %" in _line(text, "proposals_logged_in")
    assert "✓" in _line(text, "proposals_logged_in")
    assert "≥ 5.0 %" in _line(text, "proposal_logged_in")
    assert "✗" in _line(text, "proposal_logged_in")
    assert "≥ 5.0 %" in _line(text, "proposal_uncached")
    assert "✓" in _line(text, "proposal_uncached")
    assert "≥ 15.0 %" in _line(text, "support_post") and "✗" in _line(text, "support_post")
    assert "Objectifs atteints : 2 sur 5" in text
    lines = text.splitlines()
    assert lines.index(_line(text, "proposals")) < lines.index(_line(text, "proposals_uncached"))


def test_table_shows_versions_machine_and_load() -> None:
    text = report.table(_result({"home": 0.4}), "postgresql")
    assert f"Python {platform.python_version()}" in text
    assert f"gunicorn {gunicorn_conf.server_facts(Config())['versions']['gunicorn']}" in text
    assert "(sync, 1 workers, le même pour Flask nu et l'application)" in text
    assert f"Flask {metadata.version('flask')}" in text
    assert f"SQLAlchemy {metadata.version('sqlalchemy')}" in text
    assert f"SQLite {sqlite3.sqlite_version}" in text
    assert "PostgreSQL 16.4" in text
    assert "2 CPU (AMD EPYC)" in text
    assert "au début 0.50 0.40 0.30, à la fin 1.50 0.70 0.40" in text
    assert "⚠" not in text


def test_a_run_started_on_a_loaded_machine_says_its_ratios_are_unreliable() -> None:
    text = report.table(_result({"home": 0.4}, load_start=[4.57, 3.7, 4.7], cpus=2), "sqlite")
    assert "⚠ Charge moyenne au départ 4.57 au-dessus du nombre de cœurs (2)" in text
    assert "ne sont pas fiables" in text
    assert report.load_warning([2.0, 9.0, 9.0], 2) is None  # at the core count, not above
    assert report.load_warning([], 2) is None


def test_the_committed_reference_still_prints() -> None:
    """The committed reference prints with the versions and machine it was measured on; results
    recorded before versions were kept print without them."""
    reference = run.load_reference(REFERENCE)
    assert reference is not None and "sqlite" in reference
    text = report.table(reference["sqlite"], "sqlite")
    assert "gunicorn" in text and "home_logged_in" in text
    older = {key: value for key, value in reference["sqlite"].items() if key != "environment"}
    assert "versions et machine non enregistrées" in report.table(older, "sqlite")


# ---------------------------------------------------------------------------------------------
# Comparison with the reference


def test_a_share_fallen_by_more_than_a_fifth_is_flagged() -> None:
    reference = _result({"home": 0.40, "proposals_logged_in": 0.10, "support_post": 0.10,
                         "comment_post": 0.10}, scale="full")
    now = _result({"home": 0.50, "proposals_logged_in": 0.079, "support_post": 0.081,
                   "comment_post": 0.10, "proposal_5_logged_in": 0.03})
    changes = {change.label: change for change in report.compare(now, reference)}
    assert set(changes) == {"home", "proposals_logged_in", "support_post", "comment_post"}
    assert changes["proposals_logged_in"].flagged
    assert changes["proposals_logged_in"].change == pytest.approx(-0.21)
    assert not changes["support_post"].flagged  # -19 %
    assert not changes["home"].flagged and not changes["comment_post"].flagged

    text, flagged = report.comparison(now, reference, "sqlite", "reference.json")
    assert [change.label for change in flagged] == ["proposals_logged_in"]
    alarms = [line for line in text.splitlines() if line.startswith("⚠ BAISSE")]
    assert alarms == ["⚠ BAISSE proposals_logged_in : part 7.9 % contre 10.0 % dans la "
                      "référence (-21 %, au-delà de -20 %)"]
    assert "Sans référence : proposal_5_logged_in" in text
    assert "Échelles différentes (ici quick, référence full)" in text


def test_no_fall_says_so_and_a_missing_backend_is_named() -> None:
    same = _result({"home": 0.4})
    text, flagged = report.comparison(same, copy.deepcopy(same), "sqlite", "reference.json")
    assert flagged == [] and "Aucune part en baisse de plus de 20 %." in text
    text, flagged = report.comparison(same, None, "postgresql", "reference.json")
    assert flagged == [] and "pas de référence pour postgresql" in text


def test_results_files_of_both_shapes_read_per_backend() -> None:
    alone = _result({"home": 0.4})
    assert report.by_backend(alone) == {"sqlite": alone}
    both = {"sqlite": alone, "postgresql": _result({"home": 0.3})}
    assert report.by_backend(both) == both


def test_strict_exits_with_status_one_on_a_flag_and_not_otherwise(
        capsys: pytest.CaptureFixture[str]) -> None:
    reference = {"sqlite": _result({"proposals_logged_in": 0.10})}
    fallen = {"sqlite": _result({"proposals_logged_in": 0.05})}
    run.conclude(fallen, reference, "reference.json", strict=False)
    assert "⚠ BAISSE proposals_logged_in" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        run.conclude(fallen, reference, "reference.json", strict=True)
    assert exited.value.code == 1
    run.conclude({"sqlite": _result({"proposals_logged_in": 0.09})}, reference,
                 "reference.json", strict=True)
    run.conclude(fallen, None, "reference.json", strict=True)
    assert "Pas de référence à comparer" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Same server, versions recorded


def test_the_bare_app_and_the_platform_are_started_by_the_same_command() -> None:
    bare = run.gunicorn_command("bench.baseline:app", 8001)
    app = run.gunicorn_command("consultation:create_app()", 8001)
    assert bare[:-1] == app[:-1]
    assert bare[-1] == "bench.baseline:app"
    assert "python:bench.gunicorn_conf" in bare
    assert Path(bare[0]).parent == Path(run.sys.executable).parent


def test_server_facts_are_the_versions_the_process_runs() -> None:
    cfg = Config()
    cfg.set("workers", 2)
    facts = gunicorn_conf.server_facts(cfg)
    assert facts["versions"]["python"] == platform.python_version()
    assert facts["versions"]["gunicorn"] == metadata.version("gunicorn")
    assert facts["versions"]["flask"] == metadata.version("flask")
    assert facts["versions"]["sqlalchemy"] == metadata.version("sqlalchemy")
    assert facts["versions"]["sqlite"] == sqlite3.sqlite_version
    assert facts["settings"]["workers"] == 2
    assert facts["settings"]["worker_class_str"] == "sync"


def test_when_ready_writes_the_facts_where_the_benchmark_reads_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "server.json"
    monkeypatch.setenv("BENCH_SERVER_INFO", str(target))
    gunicorn_conf.when_ready(SimpleNamespace(cfg=Config()))
    written = json.loads(target.read_text())
    assert written["versions"] == gunicorn_conf.server_facts(Config())["versions"]
    monkeypatch.delenv("BENCH_SERVER_INFO")
    target.unlink()
    gunicorn_conf.when_ready(SimpleNamespace(cfg=Config()))
    assert not target.exists()


def test_same_server_passes_when_only_the_app_and_pid_differ() -> None:
    report.check_same_server({"baseline": _facts(),
                              "app": _facts(app="consultation:create_app()", pid=1)})


@pytest.mark.parametrize(("change", "named"), [
    ({"versions__gunicorn": "22.0.0"}, "versions.gunicorn"),
    ({"versions__python": "3.12.1"}, "versions.python"),
    ({"settings__workers": 4}, "settings.workers"),
    ({"settings__worker_class_str": "gthread"}, "settings.worker_class_str"),
    ({"options": ["--workers", "2", "--keep-alive", "5"]}, "options"),
    ({"gunicorn_binary": "/usr/bin/gunicorn"}, "gunicorn_binary"),
    ({"environment": "/other/venv"}, "environment"),
])
def test_an_app_served_otherwise_than_the_baseline_stops_the_run(change: dict[str, Any],
                                                                  named: str) -> None:
    with pytest.raises(RuntimeError, match=f"app_uncached : {named} "):
        report.check_same_server({"baseline": _facts(), "app": _facts(),
                                  "app_uncached": _facts(**change)})


def test_cpu_model_is_read_from_cpuinfo() -> None:
    assert report.cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert report.cpu_model("") != ""
    facts = report.machine()
    assert facts["cpus"] and facts["cpu_model"]


def test_the_proposal_with_five_comments_is_the_first_of_the_featured_project(
        tmp_path: Path) -> None:
    """Exactly 5 when there is one (not the 200-comment proposal, nor another project's)."""
    from sqlalchemy import create_engine, text

    from bench import generate

    url = f"sqlite:///{tmp_path / 'few.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE projects (id INTEGER PRIMARY KEY, slug TEXT)"))
        connection.execute(text("CREATE TABLE proposals (id INTEGER PRIMARY KEY, "
                                "project_id INTEGER, status TEXT, comments_count INTEGER)"))
        connection.execute(text("INSERT INTO projects VALUES (1, 'grand'), (2, 'autre')"))
        connection.execute(text(
            "INSERT INTO proposals VALUES (1, 2, 'published', 5), (2, 1, 'published', 200), "
            "(3, 1, 'published', 4), (4, 1, 'withdrawn', 5), (5, 1, 'published', 5), "
            "(6, 1, 'published', 5)"))
    engine.dispose()
    built = generate.Built(name="t", digest="", version=0, featured_slug="grand",
                           commented_proposal_id=2)
    assert run.few_comments_proposal(url, built) == (5, 5)
    built.featured_slug = "autre"
    assert run.few_comments_proposal(url, built) == (1, 5)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")
def test_postgresql_server_version_is_read() -> None:
    version = run.postgresql_version(os.environ["TEST_DATABASE_URL"])
    assert version.split(".")[0].isdigit()


def test_results_name_no_folder_of_the_machine() -> None:
    """Paths in results are relative to the repository (or the home folder)."""
    from bench import gunicorn_conf

    assert gunicorn_conf.portable(str(REFERENCE)) == "bench/results/reference.json"
    assert str(gunicorn_conf.ROOT) not in REFERENCE.read_text()
    reference = run.load_reference(REFERENCE)
    assert reference is not None
    for server in reference["sqlite"]["environment"]["servers"].values():
        for key in ("python", "environment", "gunicorn_binary"):
            assert not server[key].startswith("/"), (key, server[key])
