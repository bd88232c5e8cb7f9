"""The search page under load, beside the bare app (issue 14's "Measured" line).

    .venv/bin/python -m bench.search [--quick] [--duration S] [--backend sqlite|postgresql|all]

On a copy of the city dataset (bench/generate.py; its rows are bulk INSERTs, so the index is
built here with `flask search reindex`, timed), it serves the platform and the baseline with
gunicorn as bench/run.py does and drives with wrk: a one-word search, a two-word search, a
phrase with an exclusion, and a project's proposal list filtered by words; beside them, the
search page without a search and the list without words (what the pages cost without words).
Each row says its throughput as a share of the baseline's (goal: at least 15 %), its p50, and
the SQL statements one request runs (constant as data grows); then the index's size. Results:
bench/results/search.json and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from bench import databases, generate, report
from bench.measure import Client
from bench.run import NO_WRK, RESULTS, Settings, _wrk_page, app_env, serve

QUERIES: dict[str, dict[str, str]] = {
    "search_form": {},  # the page without a search: what its form and layout cost alone
    "search_one_word": {"q": "numérique"},
    "search_two_words": {"q": "médiation quartier"},
    "search_phrase_minus": {"q": '"tiers-lieu" -fibre', "type": "proposal"},
}


def reindex(url: str) -> float:
    """Build the index of the run's copy; seconds taken."""
    from consultation import create_app
    from consultation.extensions import db
    from consultation.search import services

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    started = time.perf_counter()
    with app.app_context():
        services.reindex()
        db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started


def index_size(url: str) -> int:
    """Bytes the index takes: the table, its indexes (and SQLite's FTS5 tables)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        if databases.is_sqlite(url):
            try:
                size = connection.execute(text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_%'"
                    " OR name LIKE 'ix_search_%'")).scalar()
            except Exception:  # dbstat is compiled out of some SQLite builds
                size = None
        else:
            size = connection.execute(text(
                "SELECT pg_total_relation_size('search_entries')")).scalar()
    engine.dispose()
    return int(size or 0)


def run_backend(backend: str, base_url: str | None, settings: Settings) -> dict[str, Any]:
    """The search measures on one backend."""
    spec = generate.city(settings.scale)
    city_url = databases.url_for(base_url, spec.name)
    built = generate.ensure(city_url, spec, log=print)
    run_url = databases.url_for(base_url, "run")
    databases.copy(city_url, run_url)
    generate.redate(run_url)
    seconds = reindex(run_url)
    result: dict[str, Any] = {"reindex_s": round(seconds, 1), "index_bytes": index_size(run_url)}
    servers: dict[str, dict[str, Any]] = {}
    with serve("bench.baseline:app", f"baseline-{backend}", app_env(run_url), "/",
               servers.setdefault("baseline", {})) as port:
        baseline = _wrk_page(port, "/", settings, None)["rps"]
    result["baseline_rps"] = round(baseline, 1)
    paths = {name: "/recherche?" + urlencode(params) for name, params in QUERIES.items()}
    # The list without words too, rendered as well: what the words add to it.
    paths["proposals"] = f"/projets/{built.featured_slug}/propositions?tri=soutiens"
    paths["proposals_q"] = (f"/projets/{built.featured_slug}/propositions?"
                            + urlencode({"tri": "soutiens", "q": "numérique"}))
    # Every request renders: the anonymous page memory would otherwise answer the repeats.
    with serve("consultation:create_app()", f"app-{backend}", app_env(run_url, False),
               "/healthz", servers.setdefault("app", {})) as port:
        report.check_same_server(servers)  # a ratio to a baseline served otherwise is void
        client = Client(port)
        for name, path in paths.items():
            fetched = client.get(path)
            run = _wrk_page(port, path, settings, None)
            result[name] = {
                "rps": round(run["rps"], 1), "ratio": round(run["rps"] / baseline, 3),
                "p50_ms": run["p50_ms"], "p99_ms": run["p99_ms"],
                "queries": int(fetched.headers.get("X-Query-Count", "0") or 0),
                "status": fetched.status, "errors": run["errors"], "path": path,
            }
            print(f"[{backend}] {name:22} {result[name]['rps']:8.1f} req/s "
                  f"{result[name]['ratio']:6.1%} p50 {run['p50_ms']} ms "
                  f"{result[name]['queries']} requêtes SQL")
    return result


def main(argv: list[str] | None = None) -> None:
    """Measure the search page on each backend and write bench/results/search.json."""
    parser = argparse.ArgumentParser(description="Mesures de la recherche (issue 14)")
    parser.add_argument("--quick", action="store_true", help="un dixième de la ville, 5 s")
    parser.add_argument("--duration", type=float)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument("--output", default=str(RESULTS / "search.json"))
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit(NO_WRK)
    settings = Settings(scale="quick" if args.quick else "full",
                        duration=args.duration or (5 if args.quick else 10), connections=32,
                        warmup=1, growth_sizes=(), growth_duration=0, rotation=0)
    backends: list[tuple[str, str | None]] = []
    if args.backend in ("sqlite", "all"):
        backends.append(("sqlite", None))
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if args.backend in ("postgresql", "all") and postgres:
        backends.append(("postgresql", postgres))
    databases.clean_sqlite_copies()
    results = {backend: run_backend(backend, url, settings) for backend, url in backends}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"Résultats : {args.output}")


if __name__ == "__main__":
    main()
