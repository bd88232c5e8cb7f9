"""Time and peak memory of the opinion map's analysis on a large debate.

    .venv/bin/python -m bench.opinions [--participants N] [--statements S]

Generates a seeded answer matrix (2,000 participants x 300 statements by default, about 30
answers each with a long tail of heavy answerers, three planted opinion camps), runs
`analyse()` three times and prints the best time and the peak memory as JSON. Exit status 1
when the best time is over 5 s or the peak over 500 MB (the goals of issue 18).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc

import numpy as np

from bench.measure import peak_rss_mb
from consultation.opinions.analysis import Votes, analyse

MAX_SECONDS = 5.0
MAX_MB = 500.0


def generate(participants: int, statements: int, seed: int = 18) -> Votes:
    """A sparse debate: each person answers a few statements, as their camp leans."""
    rng = np.random.default_rng(seed)
    camps = rng.integers(0, 3, size=participants)
    leaning = rng.choice([-1.0, 0.0, 1.0], size=(3, statements), p=[0.35, 0.3, 0.35])
    # Most answer about 25 statements, one in twenty far more (the long tail of a real debate):
    # about 34 answers per person on average.
    answered = np.minimum(rng.geometric(1 / 20, size=participants) + 6, statements)
    heavy = rng.random(participants) < 0.05
    answered[heavy] = rng.integers(statements // 5, statements + 1, size=int(heavy.sum()))
    values = np.full((participants, statements), np.nan)
    for i in range(participants):
        seen = rng.choice(statements, size=int(answered[i]), replace=False)
        lean = leaning[camps[i], seen]
        noise = rng.random(seen.size)
        answer = np.where(noise < 0.7, lean, rng.choice([-1.0, 0.0, 1.0], size=seen.size))
        values[i, seen] = answer
    return Votes(tuple(range(participants)), tuple(range(1, statements + 1)), values)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its JSON, return 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--statements", type=int, default=300)
    args = parser.parse_args(argv)
    votes = generate(args.participants, args.statements)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        analysis = analyse(votes)
        times.append(time.perf_counter() - start)
    # Python-level allocations (numpy's arrays included) during one more run, and the process's
    # peak resident size, which also counts the interpreter and numpy's libraries.
    tracemalloc.start()
    analyse(votes)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = peak_rss_mb()
    result = {
        "participants": args.participants,
        "statements": args.statements,
        "answers": int((~np.isnan(votes.values)).sum()),
        "counted": analysis.participants_counted,
        "k": analysis.k,
        "best_seconds": round(min(times), 3),
        "seconds": [round(t, 3) for t in times],
        "analysis_peak_mb": round(traced_peak / 2**20, 1),
        "process_peak_rss_mb": round(rss_mb, 1),
    }
    print(json.dumps(result, indent=2))
    if min(times) > MAX_SECONDS or rss_mb > MAX_MB:
        print(f"over the goal: {MAX_SECONDS} s, {MAX_MB} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
