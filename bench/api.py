"""The public API under load, beside the bare app (python -m bench.api [--quick]).

On the city dataset (a copy, as bench/run.py makes): the proposals list of the 10,000-proposal
project (first page of 50, and the page reached by following `next` 50 times), one proposal,
the comments list, and the first page again answered 304 from its ETag. Same gunicorn, wrk and
connections as bench/run.py; `ratio` is rps / the bare app's rps. Results go to
bench/results/api.json and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

from bench import databases, generate, report
from bench.measure import Client
from bench.run import NO_WRK, RESULTS, Settings, _say, _wrk_page, app_env, serve

DEEP_HOPS = 50


def _project_id(url: str, slug: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(
                text("SELECT id FROM projects WHERE slug = :slug"), {"slug": slug}).scalar_one())
    finally:
        engine.dispose()


def _deep(client: Client, path: str) -> tuple[str, int]:
    """The page reached by following `next` up to DEEP_HOPS times."""
    hops = 0
    while hops < DEEP_HOPS:
        following = json.loads(client.get(path).text)["next"]
        if not following:
            break
        parts = urlsplit(following)
        path, hops = f"{parts.path}?{parts.query}", hops + 1
    return path, hops


def run(backend: str, base_url: str | None, settings: Settings) -> dict[str, Any]:
    """Every measure of the API on one backend."""
    spec = generate.city(settings.scale)
    city_url = databases.url_for(base_url, spec.name)
    built = generate.ensure(city_url, spec, log=_say)
    run_url = databases.url_for(base_url, "run")
    databases.copy(city_url, run_url)
    generate.redate(run_url)
    servers: dict[str, dict[str, Any]] = {}
    with serve("bench.baseline:app", f"baseline-api-{backend}", app_env(run_url), "/",
               servers.setdefault("baseline", {})) as port:
        baseline = _wrk_page(port, "/", settings, None)
    baseline_rps = baseline["rps"]
    _say(f"[{backend}] application nue : {baseline_rps:.0f} requêtes/s")
    project = _project_id(run_url, built.featured_slug)
    first = f"/api/v1/proposals?project={project}&limit=50"
    rows: dict[str, Any] = {}
    with serve("consultation:create_app()", f"api-{backend}", app_env(run_url),
               "/healthz", servers.setdefault("app", {})) as port:
        report.check_same_server(servers)  # a ratio to a baseline served otherwise is void
        client = Client(port)
        deep, hops = _deep(client, first)
        etag = client.get(first).headers["ETag"]
        paths = {
            "api_proposals": (first, None),
            "api_proposals_deep": (deep, None),
            "api_proposal": (f"/api/v1/proposals/{built.commented_proposal_id}", None),
            "api_comments": (f"/api/v1/comments?project={project}&limit=50", None),
            "api_proposals_304": (first, {"If-None-Match": etag}),
        }
        for name, (path, headers) in paths.items():
            answer = client.get(path)
            result = _wrk_with(port, path, settings, headers)
            rows[name] = {
                "path": path, "rps": round(result["rps"], 1),
                "ratio": round(result["rps"] / baseline_rps, 3),
                "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
                "queries": answer.queries, "bytes_gzip": len(answer.raw),
                "errors": result["errors"],
            }
            _say(f"  {name:<20} {rows[name]['rps']:>8} req/s  ratio {rows[name]['ratio']:<6} "
                 f"p50 {rows[name]['p50_ms']} ms  requêtes SQL {rows[name]['queries']}")
    if base_url is not None:
        databases.drop(run_url)
    return {"baseline_rps": round(baseline_rps, 1), "pages": rows, "deep_hops": hops,
            "dataset": built.name, "settings": {"duration": settings.duration,
                                                "connections": settings.connections}}


def _wrk_with(port: int, path: str, settings: Settings,
              headers: dict[str, str] | None) -> dict[str, Any]:
    from bench.measure import wrk

    url = f"http://127.0.0.1:{port}{path}"
    if settings.warmup:
        wrk(url, settings.warmup, min(8, settings.connections), headers=headers)
    return wrk(url, settings.duration, settings.connections, headers=headers)


def main(argv: list[str] | None = None) -> None:
    """Measure the API and write bench/results/api.json."""
    parser = argparse.ArgumentParser(description="Débit de l'API publique")
    parser.add_argument("--quick", action="store_true", help="un dixième de la ville, 5 s")
    parser.add_argument("--duration", type=float)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="sqlite")
    parser.add_argument("--output", default=str(RESULTS / "api.json"))
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit(NO_WRK)
    settings = Settings(scale="quick" if args.quick else "full",
                        duration=args.duration or (5 if args.quick else 10),
                        connections=args.connections, warmup=1, growth_sizes=(),
                        growth_duration=0, rotation=0)
    backends: list[tuple[str, str | None]] = []
    if args.backend in ("sqlite", "all"):
        backends.append(("sqlite", None))
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if args.backend in ("postgresql", "all"):
        if not postgres:
            raise SystemExit("BENCH_DATABASE_URL n'est pas défini : pas de mesure sur PostgreSQL.")
        backends.append(("postgresql", postgres))
    started = time.monotonic()
    databases.clean_sqlite_copies()
    results = {backend: run(backend, url, settings) for backend, url in backends}
    for result in results.values():
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _say(f"\nRésultats : {args.output} ({(time.monotonic() - started) / 60:.1f} min)")


if __name__ == "__main__":
    main()
