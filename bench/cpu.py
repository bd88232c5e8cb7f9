"""Where the machine's CPUs go while wrk drives a page: the CPU time of each group of
processes per request (the HTTP servers' processes, the database server, the load generator,
the kernel's own threads, anything else) and the share of time the CPUs stayed idle.

A share of the bare app says how fast a page is, not what makes it slow: on PostgreSQL a POST's
database server and disk take CPU time from the same two CPUs as its workers, and wrk takes its
part too. Read from /proc around each measure (Linux); elsewhere nothing is recorded.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path
from typing import Any

PROC = Path("/proc")
KTHREADD = 2  # the parent of every kernel thread

# A process's group, by the name it runs under; the kernel's threads by their parent.
NAMES = {"gunicorn": "server", "postgres": "database"}

Snapshot = tuple[dict[int, tuple[str, int, int]], list[int]]


def snapshot(proc: Path = PROC) -> Snapshot | None:
    """Each process's (name, parent, CPU ticks) and the CPUs' ticks by state (/proc/stat's
    first line); None without /proc."""
    try:
        states = [int(value) for value in (proc / "stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    processes: dict[int, tuple[str, int, int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # After the name: state, parent, ..., utime and stime (the 12th and 13th).
        processes[int(entry.name)] = (name, int(fields[1]), int(fields[11]) + int(fields[12]))
    return processes, states


def group(name: str, parent: int, pid: int) -> str:
    """The group a process's CPU time is counted in."""
    if pid == KTHREADD or parent == KTHREADD:
        return "kernel"
    for prefix, label in NAMES.items():
        if name.startswith(prefix):
            return label
    return "other"


def usage(before: Snapshot, after: Snapshot, driver_seconds: float, requests: int,
          ticks_per_second: float) -> dict[str, Any]:
    """Milliseconds of CPU per request of each group between two snapshots (`driver`: the load
    generator, measured by its own process), and the CPUs' idle share in per cent."""
    spent: dict[str, float] = {}
    old = before[0]
    for pid, (name, parent, ticks) in after[0].items():
        delta = ticks - (old[pid][2] if pid in old and old[pid][0] == name else 0)
        if delta > 0:
            label = group(name, parent, pid)
            spent[label] = spent.get(label, 0.0) + delta / ticks_per_second
    spent["driver"] = driver_seconds
    states = [new - was for was, new in zip(before[1], after[1], strict=False)]
    total = sum(states[:8])  # user ... steal; guest time is inside user already
    idle = states[3] + states[4] if len(states) > 4 else 0  # idle and iowait
    per_request = max(1, requests)
    return {
        "ms_per_request": {label: round(1000 * seconds / per_request, 3)
                           for label, seconds in sorted(spent.items())},
        "idle_percent": round(100 * idle / total, 1) if total else None,
    }


class Usage:
    """`with Usage() as measured:` around a measure; then `measured.per_request(n)`. The load
    generator is a child process of this one: its CPU time is read from our children's."""

    def __enter__(self) -> Usage:
        self.before = snapshot()
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *_: Any) -> None:
        self.after = snapshot()
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.driver = (done.ru_utime + done.ru_stime
                       - self.children.ru_utime - self.children.ru_stime)

    def per_request(self, requests: int) -> dict[str, Any] | None:
        """The measure's CPU per request by group and the idle share; None without /proc."""
        if self.before is None or self.after is None:
            return None
        return usage(self.before, self.after, self.driver, requests,
                     os.sysconf("SC_CLK_TCK"))


def describe(measured: dict[str, Any] | None) -> str:
    """One line of a measure's CPU per request, for the run's progress."""
    if not measured:
        return ""
    labels = {"server": "serveur HTTP", "database": "base", "driver": "wrk", "kernel": "noyau",
              "other": "autres"}
    spent = measured["ms_per_request"]
    parts = [f"{labels.get(name, name)} {spent[name]:.2f}" for name in labels
             if spent.get(name, 0) >= 0.005]
    idle = measured.get("idle_percent")
    return ("CPU par requête (ms) : " + " · ".join(parts)
            + (f" ; inactif {idle:.1f} %" if idle is not None else ""))
