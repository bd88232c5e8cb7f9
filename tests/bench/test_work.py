"""Work per request, counted (bench/work.py): what callgrind counts is read right, compared
with the reference, and the requests counted are the visits a browser makes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from bench import generate, run, work
from tests.conftest import services_missing

ROOT = Path(__file__).resolve().parents[2]


def _dump(folder: Path, name: str, trigger: str, totals: int) -> None:
    (folder / name).write_text(
        "version: 1\ncreator: callgrind-3.19.0\npid: 42\ncmd:  python -m bench.work\npart: 1\n"
        f"desc: I1 cache: \ndesc: Timerange: Basic block 0 - 10\ndesc: Trigger: {trigger}\n"
        f"\npositions: line\nevents: Ir\nsummary: 0\ntotals: {totals}\n")


def test_the_dumps_are_read_by_label_and_divided_by_the_requests(tmp_path: Path) -> None:
    """Each dump named by a measure gives its count; the end of the program's dump is not a
    measure; a measure valgrind did not dump is an error, not a zero."""
    _dump(tmp_path, "callgrind.out.1", "dump bare", 36_000_000)
    _dump(tmp_path, "callgrind.out.2", "Client Request: dump support_post", 723_000_000)
    _dump(tmp_path, "callgrind.out", "Program termination", 0)
    counts = work.read_dumps(tmp_path)
    assert counts == {"bare": 36_000_000, "support_post": 723_000_000}
    assert work.per_request(counts, {"bare": 100, "support_post": 100}) == {
        "bare": 360_000, "support_post": 7_230_000}
    with pytest.raises(RuntimeError, match="comment_post"):
        work.per_request(counts, {"bare": 100, "comment_post": 100})


def test_a_count_that_rose_by_more_than_three_percent_is_flagged() -> None:
    reference = {"home_logged_in": 5_000_000, "support_post": 7_000_000, "bare": 360_000}
    result = {"home_logged_in": 5_140_000, "support_post": 7_220_000, "bare": 300_000,
              "comment_post": 11_000_000}
    flagged = work.rises(result, reference)
    assert [label for label, _ in flagged] == ["support_post"]
    assert flagged[0][1] == pytest.approx(0.0314, abs=1e-4)
    shown = work.table(result, reference)
    assert "| support_post | 7.22 | 7.00 | +3.1 % |" in shown
    assert "| comment_post | 11.00 | – | – |" in shown
    assert shown.splitlines()[2].startswith("| bare |")


def test_the_committed_reference_names_every_measure() -> None:
    """bench/results/work-reference.json holds a count for the bare app, each page made for a
    visitor and for a logged-in person, and each POST."""
    reference = json.loads((ROOT / "bench" / "results" / "work-reference.json").read_text())
    expected = {"bare", *run.POST_PAGES, *(page + variant for page in run.GET_PAGES
                                           for variant in ("_uncached", "_logged_in"))}
    assert set(reference["instructions_per_request"]) == expected
    assert all(count > 0 for count in reference["instructions_per_request"].values())


SMALL = generate.DatasetSpec(
    "work_test", 300, (generate.ProjectSpec(generate.TITLES[0], "open", 120, 400, 500,
                                            featured=True),), accounts=9)


def test_every_request_counted_is_a_browsers_visit(tmp_path: Path, monkeypatch: Any) -> None:
    """Without valgrind, the same requests: pages answer 200 without signing the session again
    (each logged-in one as the person), and every POST is a new support or comment, sent back
    to the proposal, not to the login form."""
    url = f"sqlite:///{tmp_path / 'work.db'}"
    built = generate.build(url, SMALL, log=lambda *_: None)
    few_id, _ = run.few_comments_proposal(url, built)
    for name, value in run.app_env(url).items():
        monkeypatch.setenv(name, value)
    engine = create_engine(url)

    def rows(table: str) -> int:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(text(table)))
                       .scalar_one())

    before = rows("supports"), rows("comments")
    plan = work.plan_for(url, built, few_id, requests=3, warmup=2, done=tmp_path / "done")
    done = work.measures(plan, work.NotCounting())
    assert done == dict.fromkeys(
        ["bare", *(page + variant for page in run.GET_PAGES
                   for variant in ("_uncached", "_logged_in")), *run.POST_PAGES], 3)
    assert (rows("supports"), rows("comments")) == (before[0] + 5, before[1] + 5)
    engine.dispose()


def test_callgrind_counts_the_same_work_the_same_way() -> None:
    """Under valgrind, a measure is counted alone (what runs before and after it is not), and
    the same work counted twice gives the same count to within a tenth of a percent."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        services_missing("valgrind")
    script = (
        "from bench.work import Counting\n"
        "counting = Counting()\n"
        "sum(range(3_000_000))\n"
        "for label, n in (('a', 200_000), ('b', 200_000), ('c', 400_000)):\n"
        "    counting.count(label, lambda: sum(i * i for i in range(n)))\n"
    )
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    out = folder / f"work-test-{os.getpid()}"
    out.mkdir(exist_ok=True)
    try:
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                        f"--callgrind-out-file={out}/callgrind.out", sys.executable, "-c",
                        script], cwd=ROOT, check=True, capture_output=True, timeout=300)
        counts = work.read_dumps(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    assert set(counts) == {"a", "b", "c"}
    assert counts["b"] == pytest.approx(counts["a"], rel=1e-3)
    assert counts["c"] == pytest.approx(2 * counts["a"], rel=0.02)


def test_growth_is_counted_page_by_page_and_flagged_past_the_limit() -> None:
    """The growth table gives each page's count at each size and the ratio of the largest to
    the smallest; a page past GROWTH_LIMIT is flagged."""
    counts = {"proposals": {"1000": 42_000_000, "100000": 41_600_000},
              "proposals_deep": {"1000": 42_000_000, "100000": 46_200_000},
              "proposal": {"1000": 80_000_000, "100000": 100_000_000}}
    shown, over = work.growth_table(counts)
    assert "| page | 1\u202f000 | 100\u202f000 | rapport |" in shown
    assert "| proposals | 42.00 | 41.60 | 0.99x |" in shown
    assert "| proposals_deep | 42.00 | 46.20 | 1.10x |" in shown
    assert over == [("proposal", 1.25)]


GROWTH_SMALL = generate.DatasetSpec(
    "work_growth_test", 60, (generate.ProjectSpec(generate.TITLES[0], "open", 60, 250, 200,
                                                  featured=True),), accounts=3)


def test_every_growth_page_counted_is_made_and_answers(tmp_path: Path, monkeypatch: Any) -> None:
    """Without valgrind, the growth measures of one dataset: the list, its page reached by
    following "next", and the proposal with comments, each made and answering 200."""
    url = f"sqlite:///{tmp_path / 'growth.db'}"
    built = generate.build(url, GROWTH_SMALL, log=lambda *_: None)
    for name, value in run.app_env(url, page_cache=False, fragments=False).items():
        monkeypatch.setenv(name, value)
    plan = {"growth": True, "url": url, "slug": built.featured_slug,
            "proposal_id": built.commented_proposal_id, "requests": 2, "warmup": 1}
    assert work.growth_measures(plan, work.NotCounting()) == dict.fromkeys(run.GROWTH_PAGES, 2)
