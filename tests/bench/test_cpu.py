"""Where the CPUs go during a measure (bench/cpu.py): each group's CPU time per request, read
from /proc, and the idle share. No server, no wrk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import cpu


def _proc(root: Path, processes: dict[int, tuple[str, int, int, int]], states: list[int]) -> Path:
    """A /proc of `processes` (pid: name, parent, utime, stime) and /proc/stat's CPU line."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "stat").write_text("cpu  " + " ".join(map(str, states)) + "\ncpu0 1 2 3\n")
    for pid, (name, parent, user, system) in processes.items():
        (root / str(pid)).mkdir(exist_ok=True)
        # pid (name) state parent pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        # utime stime ...: a name may hold spaces and parentheses.
        (root / str(pid) / "stat").write_text(
            f"{pid} ({name}) S {parent} 1 1 0 -1 0 0 0 0 0 {user} {system} 0 0 20 0 1 0\n")
    return root


def test_each_group_gets_its_processes_time_per_request(tmp_path: Path) -> None:
    """Workers, database, kernel threads and the rest by name and parent; a process that
    started during the measure counts whole, one whose pid was taken by another counts anew;
    the idle share is idle and iowait over all ticks."""
    before = cpu.snapshot(_proc(tmp_path / "a", {
        2: ("kthreadd", 0, 0, 0),
        10: ("gunicorn", 1, 100, 20),
        11: ("postgres", 1, 50, 5),
        12: ("kworker/u8:0", 2, 0, 10),
        13: ("python3", 1, 7, 0),
    }, [100, 0, 50, 800, 50, 0, 0, 0, 0, 0]))
    after = cpu.snapshot(_proc(tmp_path / "b", {
        2: ("kthreadd", 0, 0, 0),
        10: ("gunicorn", 1, 300, 40),      # +220 ticks
        11: ("postgres", 1, 90, 15),       # +50
        12: ("kworker/u8:0", 2, 0, 30),    # +20
        13: ("weird (name) x", 1, 4, 0),   # the pid of another process now: 4 ticks, anew
        14: ("postgres", 1, 10, 0),        # a backend started meanwhile: +10
    }, [400, 0, 150, 1100, 150, 0, 0, 0, 0, 0]))
    assert before is not None and after is not None
    measured = cpu.usage(before, after, driver_seconds=0.5, requests=100, ticks_per_second=100)
    assert measured["ms_per_request"] == {
        "database": 6.0, "driver": 5.0, "kernel": 2.0, "other": 0.4, "server": 22.0}
    assert measured["idle_percent"] == 50.0  # (300 + 100) of 800 ticks
    line = cpu.describe(measured)
    assert "serveur HTTP 22.00" in line and "base 6.00" in line and "inactif 50.0 %" in line


def test_without_proc_nothing_is_recorded(tmp_path: Path) -> None:
    """Elsewhere than Linux (no /proc): no snapshot, no line."""
    assert cpu.snapshot(tmp_path / "absent") is None
    assert cpu.describe(None) == ""


@pytest.mark.skipif(not cpu.PROC.joinpath("stat").exists(), reason="Linux seulement (/proc)")
def test_a_child_process_counts_as_the_load_generator() -> None:
    """wrk runs as this process's child: its CPU time is read from the children's usage."""
    with cpu.Usage() as measured:
        subprocess.run([sys.executable, "-c",
                        "import time\nend = time.process_time() + 0.3\n"
                        "while time.process_time() < end: pass"], check=True)
    result = measured.per_request(1)
    assert result is not None
    assert result["ms_per_request"]["driver"] >= 250
    assert 0 <= result["idle_percent"] <= 100
