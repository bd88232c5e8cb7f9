"""The benchmarks of issue 5: the platform under gunicorn beside a bare Flask app, at city scale.

    .venv/bin/python -m bench.run [--quick] [--duration S]     (make bench / make bench-quick)

For SQLite, and for PostgreSQL when BENCH_DATABASE_URL is set, it builds (or reuses) the
dataset, copies it (the writes of a run must not reach the next one), serves the copy with
gunicorn (2 workers, 127.0.0.1, a free port) and drives each page with wrk at 32 connections,
anonymous and logged in; it serves the baseline (bench/baseline.py) with the same settings.
Then it measures how the proposal list and page grow with the size of a project, and the
synthesis PDF build of the largest project. Results: bench/results/latest.json and a table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urljoin

from sqlalchemy import create_engine, text

from bench import cpu, databases, generate, gunicorn_conf, report
from bench.measure import Client, Response, local_path, parse, post_script, weigh, wrk

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
LOGS = databases.DATA / "logs"

GET_PAGES = report.GET_PAGES
POST_PAGES = report.POST_PAGES
DEEP_HOPS = 50  # rel="next" links followed from the first page for proposals_deep
GROWTH_PAGES = ("proposals", "proposals_deep", "proposal")
GROWTH_ROUNDS = 3  # turns over the sizes; a growth p50 is the median of its turns
SECRET_KEY = "bench-secret-key-not-for-production"
NO_WRK = ("wrk est introuvable : installez-le (Debian, Ubuntu : sudo apt-get install wrk), "
          "puis relancez.")


@dataclass
class Settings:
    """How long and how hard to drive."""

    scale: str
    duration: float
    connections: int
    warmup: float
    growth_sizes: tuple[int, ...]
    growth_duration: float
    rotation: int  # proposals the POSTs rotate over
    baseline_duration: float = 3.0  # seconds of bare app before and after each page


def _say(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# Servers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


GUNICORN_OPTIONS = ("--workers", "2", "--log-level", "warning", "--error-logfile", "-",
                    "--config", "python:bench.gunicorn_conf")


def gunicorn_command(app: str, port: int) -> list[str]:
    """The one way every served process of the benchmarks is started: the bare app and the
    platform differ by `app` alone (and the free port)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [str(gunicorn), *GUNICORN_OPTIONS, "--bind", f"127.0.0.1:{port}", app]


@contextlib.contextmanager
def serve(app: str, name: str, env: dict[str, str], ready_path: str,
          facts: dict[str, Any] | None = None) -> Iterator[int]:
    """gunicorn, 2 workers on 127.0.0.1, until the block ends; yields the port. `facts` gets
    what the server reports about itself once ready (bench/gunicorn_conf.py): versions and
    settings, its binary and options."""
    LOGS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log_path = LOGS / f"{name}.log"
    info_path = LOGS / f"{name}.server.json"
    info_path.unlink(missing_ok=True)
    command = gunicorn_command(app, port)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT,
                                   env={**env, "BENCH_SERVER_INFO": str(info_path)},
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté ({name}) :\n{_tail(log_path)}")
            try:
                if Client(port).get(ready_path).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn ne répond pas ({name}) :\n{_tail(log_path)}")
            time.sleep(0.2)
        if facts is not None:
            if not info_path.exists():
                raise RuntimeError(f"gunicorn n'a pas décrit son serveur ({name}) : {info_path}")
            facts.update(json.loads(info_path.read_text()))
            facts["gunicorn_binary"] = gunicorn_conf.portable(command[0])
            facts["options"] = [part.replace(str(port), "<port>") for part in command[1:-1]]
            facts["app"] = app
        yield port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def app_env(url: str, page_cache: bool = True, fragments: bool = True) -> dict[str, str]:
    """The platform's environment under benchmark; `page_cache=False` makes every request
    render its page, `fragments=False` every part of it too (growth measures the cost of
    making a page from the data, not of memory)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "MAIL_SERVER", "FLASK_DEBUG")}
    env.update({
        "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "QUERY_COUNT_HEADER": "1",
        "OUTBOX_DIR": str(databases.DATA / "outbox"), "PYTHONPATH": str(ROOT),
        # wrk posts thousands of supports per account and address: the rate limits would turn
        # them into 429s, and the benchmark measures the platform, not its limits.
        "RATELIMIT_ENABLED": "0",
    })
    if not page_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    if not fragments:
        env["FRAGMENT_CACHE"] = "0"
    return env


# ---------------------------------------------------------------------------------------------
# Visitors


def _csrf(response: Response) -> str:
    tokens = parse(response.text).csrf_tokens
    if not tokens:
        raise RuntimeError(f"pas de jeton CSRF dans {response.path} ({response.status})")
    return tokens[0]


def log_in(port: int, email: str) -> Client:
    """A visitor logged in through the login form, as a person would."""
    client = Client(port)
    form = client.get("/compte/connexion")
    answer = client.post("/compte/connexion", {
        "email": email, "password": generate.PASSWORD, "csrf_token": _csrf(form),
    })
    if answer.status not in (302, 303):
        raise RuntimeError(f"connexion refusée pour {email} ({answer.status})")
    # A browser follows the redirect and reads the welcome message once: wrk, which keeps no
    # cookie, would otherwise send that message with every request, and every page would
    # show it and sign the session again to take it out.
    client.get(local_path(answer.headers.get("Location") or "/"))
    return client


def follow_next(client: Client, path: str, hops: int) -> tuple[str, int]:
    """Follow the rel="next" links from `path` up to `hops` times; the URL reached and hops."""
    done = 0
    for _ in range(hops):
        page = client.get(path)
        if page.status != 200:
            raise RuntimeError(f"{path} : statut {page.status}")
        links = parse(page.text).next_links
        if not links:
            break
        path = local_path(urljoin(f"http://127.0.0.1{path}", links[0]))
        done += 1
    return path, done


def _warm_up(url: str, settings: Settings, headers: dict[str, str] | None = None) -> None:
    if settings.warmup:
        wrk(url, settings.warmup, min(8, settings.connections), headers=headers)


def _driven(url: str, seconds: float, connections: int, **options: Any) -> dict[str, Any]:
    """wrk on `url`, with where the CPUs went meanwhile (bench/cpu.py) in its result's "cpu"."""
    with cpu.Usage() as measured:
        result = wrk(url, seconds, connections, **options)
    result["cpu"] = measured.per_request(int(result["requests"]))
    return result


def _wrk_page(port: int, path: str, settings: Settings, cookie: str | None) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}{path}"
    headers = {"Cookie": cookie} if cookie else None
    _warm_up(url, settings, headers)
    return _driven(url, settings.duration, settings.connections, headers=headers)


def _row(run: dict[str, Any], weight: Any, baseline_rps: float) -> dict[str, Any]:
    return {
        "rps": round(run["rps"], 1),
        "ratio": round(run["rps"] / baseline_rps, 4) if baseline_rps else None,
        "p50_ms": run["p50_ms"],
        "p99_ms": run["p99_ms"],
        "queries": weight.queries,
        "bytes": weight.bytes,
        "requests": weight.requests,
        "ecoindex": weight.grade,
    }


class Baseline:
    """The bare app, kept serving for a whole backend's run and measured beside each page: a
    shared machine's speed drifts over minutes (runs of the same code saw the bare app at
    1,400 then 2,100 req/s), so each page's share is taken against the bare app measured just
    before and just after it, not against one figure from the start."""

    def __init__(self, port: int, settings: Settings) -> None:
        self.port = port
        self.settings = settings
        self.samples: list[float] = []
        self.first_cpu: dict[str, Any] | None = None  # where the CPUs went in the first sample
        self._fresh: float | None = None  # the latest sample, if nothing was measured since

    def sample(self) -> float:
        """Drive the bare app for a while now; its requests per second."""
        result = _driven(f"http://127.0.0.1:{self.port}/", self.settings.baseline_duration,
                         self.settings.connections)
        rps = float(result["rps"])
        if not self.samples:
            self.first_cpu = result["cpu"]
        self.samples.append(rps)
        self._fresh = rps
        return rps

    def around(self, measure: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], float]:
        """Run one page's measure between two samples (the one after the previous page serves
        as this one's before, unless something else ran since); its result and the mean bare
        rate."""
        first = self._fresh if self._fresh is not None else self.sample()
        self._fresh = None
        result = measure()
        return result, (first + self.sample()) / 2

    def interrupted(self) -> None:
        """Something else ran (a server started): sample again before the next page."""
        self._fresh = None

    def median(self) -> float:
        """The bare app's rate over the run (the table's heading)."""
        return statistics.median(self.samples) if self.samples else 0.0


def _detail(run: dict[str, Any], weight: Any, path: str) -> dict[str, Any]:
    return {
        "path": path, "status": weight.status, "requests_measured": run["requests"],
        "errors": run["errors"], "non_2xx_3xx": run["non_2xx_3xx"],
        "socket_errors": run["socket_errors"],
        "latency_ms": {str(k): round(v, 2) for k, v in run["percentiles"].items()},
        "dom_elements": weight.dom, "ecoindex_score": weight.ecoindex,
        "subresources": weight.resources, "other_hosts": weight.external,
        "cpu": run.get("cpu"),
    }


# ---------------------------------------------------------------------------------------------
# One backend


def run_backend(backend: str, base_url: str | None, settings: Settings) -> dict[str, Any]:
    """Every measure on one backend; returns the results in the shape of the issue."""
    load_start = report.load_average()
    warning = report.load_warning(load_start, os.cpu_count())
    if warning:
        _say(warning)
    spec = generate.city(settings.scale)
    city_url = databases.url_for(base_url, spec.name)
    built = generate.ensure(city_url, spec, log=_say)
    run_url = databases.url_for(base_url, "run")
    _say(f"[{backend}] Copie de travail du jeu « {spec.name} »...")
    databases.copy(city_url, run_url)
    generate.redate(run_url)
    few_id, few_comments = few_comments_proposal(run_url, built)
    servers: dict[str, dict[str, Any]] = {}

    _say(f"[{backend}] Référence : une application Flask nue (une route constante), mesurée "
         f"avant et après chaque page")
    pages: dict[str, Any] = {}
    details: dict[str, Any] = {}
    paths = page_paths(built, few_id)
    details["proposal_5_comments"] = few_comments

    with serve("bench.baseline:app", f"baseline-{backend}", app_env(run_url), "/",
               servers.setdefault("baseline", {})) as bare_port:
        bare = Baseline(bare_port, settings)
        _warm_up(f"http://127.0.0.1:{bare_port}/", settings)
        first = bare.sample()
        _say(f"  {first:.0f} requêtes/s, gunicorn {servers['baseline']['versions']['gunicorn']}")
        if bare.first_cpu:
            _say(f"  {cpu.describe(bare.first_cpu)}")

        def measure(port: int, label: str, client: Client, path: str, logged_in: bool) -> None:
            """One GET page: weighed once as a first visit, then driven by wrk."""
            fetched = client.get(path)
            if fetched.status != 200:
                raise RuntimeError(f"{label} : {path} répond {fetched.status}")
            weight = weigh(client, fetched)
            run, bare_rps = bare.around(lambda: _wrk_page(
                port, path, settings, client.cookie_header if logged_in else None))
            pages[label] = _row(run, weight, bare_rps)
            details[label] = _detail(run, weight, path) | {"baseline_rps": round(bare_rps, 1)}
            _say(_line(label, pages[label], details[label]))

        # Every GET first, the POSTs last: they write, and every page must show the same data.
        _say(f"[{backend}] Pages anonymes rendues à chaque requête (PAGE_CACHE_SECONDS=0)")
        with serve("consultation:create_app()", f"app-uncached-{backend}",
                   app_env(run_url, page_cache=False), "/healthz",
                   servers.setdefault("app_uncached", {})) as port:
            report.check_same_server(servers)
            bare.interrupted()
            anonymous = Client(port)
            paths["proposals_deep"], details["deep_hops"] = follow_next(
                anonymous, paths["proposals"], DEEP_HOPS)
            for name in GET_PAGES:
                measure(port, name + "_uncached", anonymous, paths[name], False)

        _say(f"[{backend}] L'application comme en production (mémoire des pages anonymes)")
        with serve("consultation:create_app()", f"app-{backend}", app_env(run_url), "/healthz",
                   servers.setdefault("app", {})) as port:
            report.check_same_server(servers)
            bare.interrupted()
            anonymous = Client(port)
            logged = log_in(port, built.accounts[0])
            for name in GET_PAGES:
                measure(port, name, anonymous, paths[name], False)
                measure(port, name + "_logged_in", logged, paths[name], True)
            for name in POST_PAGES:
                before = _writes(run_url)
                pages[name], details[name] = _post_page(name, port, built, settings, bare,
                                                        avoid={few_id})
                after = _writes(run_url)
                table_ = "supports" if name == "support_post" else "comments"
                # Every answered POST must have written its row (wrk counts a redirect to the
                # login page, or a refused form re-shown with 200, as a success).
                details[name]["rows_written"] = after[table_] - before[table_]
                _say(_line(name, pages[name], details[name]))
                if details[name]["rows_written"] < details[name]["requests_measured"]:
                    _say(f"  ⚠ {details[name]['rows_written']} lignes écrites pour "
                         f"{details[name]['requests_measured']} requêtes")
    baseline_rps = bare.median()

    growth, growth_details = measure_growth(backend, base_url, settings)
    details["growth"] = growth_details
    pdf = measure_pdf(run_url, built.featured_slug)
    details["pdf"] = pdf
    if base_url is not None:
        databases.drop(run_url)
    details["dataset"] = {
        "name": built.name, "counts": built.counts, "generated_seconds": built.seconds,
        "generator_version": built.version, "schema": built.schema,
    }
    details["baseline"] = {"samples_rps": [round(rps, 1) for rps in bare.samples],
                           "median_rps": round(baseline_rps, 1),
                           "cpu_first_sample": bare.first_cpu,
                           "sample_seconds": settings.baseline_duration}
    versions = dict(servers["app"]["versions"])
    if base_url is not None:
        versions["postgresql"] = postgresql_version(city_url)  # the prefix names no database
    return {
        "baseline_rps": round(baseline_rps, 1),
        "pages": pages,
        "growth": growth,
        "pdf": {"seconds": pdf.get("seconds"), "peak_mb": pdf.get("peak_mb")},
        "environment": {
            "versions": versions,
            "machine": report.machine(),
            "load_average": {"start": load_start, "end": report.load_average()},
            "servers": servers,
        },
        "details": details,
    }


def page_paths(built: generate.Built, few_id: int) -> dict[str, str]:
    """The path of each GET page measured (proposals_deep is found by following links)."""
    slug = built.featured_slug
    return {
        "home": "/", "projects": "/projets", "project": f"/projets/{slug}",
        "proposals": f"/projets/{slug}/propositions?tri=soutiens",
        "proposal_5": f"/propositions/{few_id}",
        "proposal": f"/propositions/{built.commented_proposal_id}",
        "synthesis": f"/projets/{slug}/synthese",
    }


def post_action(name: str) -> str:
    """The path, with %d for the proposal's id, that a POST measure sends its form to."""
    return "/propositions/%d/" + ("soutenir" if name == "support_post" else "commentaires")


def post_form(name: str, token: str) -> dict[str, str]:
    """The form a POST measure sends, as a person's browser would."""
    form = {"csrf_token": token}
    if name == "comment_post":
        form |= {"stance": "pour", "body": "Je soutiens cette idée : elle aidera les "
                 "habitantes et habitants du quartier à faire leurs démarches."}
    return form


def few_comments_proposal(url: str, built: generate.Built) -> tuple[int, int]:
    """The featured project's first proposal with 5 comments (or the nearest count): the
    page most proposals look like, beside the one with 200."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT p.id, p.comments_count FROM proposals p "
                "JOIN projects j ON j.id = p.project_id "
                "WHERE j.slug = :slug AND p.id != :commented AND p.status = 'published' "
                "ORDER BY ABS(p.comments_count - 5), p.id LIMIT 1"
            ), {"slug": built.featured_slug, "commented": built.commented_proposal_id}).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def postgresql_version(url: str) -> str:
    """The PostgreSQL server's version (SHOW server_version)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


def _post_page(name: str, port: int, built: generate.Built, settings: Settings,
               bare: Baseline, avoid: set[int] | frozenset[int] = frozenset(),
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form submission under load: accounts and proposals rotate, as many people would."""
    path_format = post_action(name)
    ids = [i for i in built.featured_proposal_ids
           if i != built.commented_proposal_id and i not in avoid]
    ids = ids[: settings.rotation]
    accounts = built.accounts[:-1][: max(1, settings.connections)]
    clients = [log_in(port, email) for email in accounts]
    bodies = []
    for client in clients:
        form = post_form(name, _csrf(client.get(f"/propositions/{ids[0]}")))
        bodies.append("&".join(f"{k}={_quote(v)}" for k, v in form.items()))

    # One request measured alone, by an account the load does not use, then where it lands.
    single = log_in(port, built.accounts[-1])
    form = post_form(name, _csrf(single.get(f"/propositions/{ids[-1]}")))
    answer = single.post(path_format % ids[-1], form)
    location = answer.headers.get("Location") or ""
    if answer.status not in (302, 303) or "/compte/connexion" in location:
        raise RuntimeError(f"{name} : réponse inattendue {answer.status} vers {location!r}")
    landing = single.get(local_path(location))
    weight = weigh(single, landing, extra_bytes=len(answer.raw), extra_requests=1)
    weight.queries = answer.queries
    weight.status = answer.status

    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=databases.DATA,
                                     delete=False) as script:
        script.write(post_script(path_format, [c.cookie_header for c in clients], bodies, ids))
    try:
        threads = 2
        run, baseline_rps = bare.around(lambda: _driven(
            f"http://127.0.0.1:{port}/", settings.duration, settings.connections,
            threads=threads, script=script.name, script_args=["0", str(threads)]))
    finally:
        os.unlink(script.name)
    detail = _detail(run, weight, path_format % ids[-1])
    detail["landing"] = local_path(location)
    detail["rotation"] = {"accounts": len(clients), "proposals": len(ids)}
    detail["baseline_rps"] = round(baseline_rps, 1)
    return _row(run, weight, baseline_rps), detail


def _quote(value: str) -> str:
    return quote_plus(value)


def _writes(url: str) -> dict[str, int]:
    """What the POST runs really wrote (a redirect to the login page would count as 3xx)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = {}
            for table, column in (("supports", "user_id"), ("comments", "author_id")):
                found[table] = connection.execute(text(
                    f"SELECT COUNT(*) FROM {table} t JOIN users u ON u.id = t.{column} "
                    "WHERE u.email LIKE 'bench-%'"
                )).scalar_one()
    finally:
        engine.dispose()
    return found


# ---------------------------------------------------------------------------------------------
# Growth and PDF


def measure_growth(backend: str, base_url: str | None,
                   settings: Settings) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """p50 of the list (first and deep page) and of a proposal page, one visitor at a time,
    every size served at once and measured in turns (see `interleaved`)."""
    growth: dict[str, dict[str, float]] = {name: {} for name in GROWTH_PAGES}
    details: dict[str, Any] = {}
    if not settings.growth_sizes:
        return growth, details
    urls: dict[tuple[str, str], str] = {}
    queries: dict[tuple[str, str], int | None] = {}
    with contextlib.ExitStack() as servers:
        for size in settings.growth_sizes:
            spec = generate.growth(size)
            url = databases.url_for(base_url, spec.name)
            built = generate.ensure(url, spec, log=_say)
            generate.redate(url)
            port = servers.enter_context(serve(
                "consultation:create_app()", f"growth-{backend}-{size}",
                app_env(url, page_cache=False, fragments=False), "/healthz"))
            client = Client(port)
            first = f"/projets/{built.featured_slug}/propositions?tri=soutiens"
            deep, hops = follow_next(client, first, DEEP_HOPS)
            paths = {"proposals": first, "proposals_deep": deep,
                     "proposal": f"/propositions/{built.commented_proposal_id}"}
            details[str(size)] = {"deep_hops": hops}
            for name, path in paths.items():
                queries[str(size), name] = client.get(path).queries
                urls[str(size), name] = f"http://127.0.0.1:{port}{path}"
                details[str(size)][name] = {"path": path}
        _say(f"[{backend}] Croissance : {', '.join(map(str, settings.growth_sizes))} "
             f"propositions, {GROWTH_ROUNDS} tours")
        for url_ in urls.values():
            wrk(url_, 1, 1, threads=1)  # warm-up
        seconds = max(1.0, settings.growth_duration / 2)
        runs = interleaved(urls, [str(size) for size in settings.growth_sizes], GROWTH_ROUNDS,
                           lambda url_: wrk(url_, seconds, 1, threads=1))
    for (label, name), measured in runs.items():
        p50 = statistics.median(run["p50_ms"] for run in measured)
        growth[name][label] = p50
        details[label][name].update({
            "p50_ms": p50, "p50_ms_rounds": [run["p50_ms"] for run in measured],
            "p99_ms": max(run["p99_ms"] for run in measured),
            "rps": round(statistics.median(run["rps"] for run in measured), 1),
            "queries": queries[label, name], "errors": sum(run["errors"] for run in measured),
        })
        turns = " / ".join(f"{run['p50_ms']:.2f}" for run in measured)
        _say(f"  {label:>7} {name:<16} p50 {p50:>7.2f} ms  ({turns})  "
             f"{queries[label, name]} requêtes SQL  {details[label][name]['errors']} erreurs")
    return growth, details


def interleaved(urls: dict[tuple[str, str], str], sizes: list[str], rounds: int,
                drive: Callable[[str], dict[str, Any]]) -> dict[tuple[str, str], list[dict]]:
    """Drive every (size, page) once per round, the sizes in turn, forwards then backwards:
    the sizes share the machine's state of each minute. Measured one after the other, the
    same p50 moved by a third between two runs on a shared machine, as much as the growth
    measured (bench/README.md)."""
    runs: dict[tuple[str, str], list[dict]] = {key: [] for key in urls}
    for turn in range(rounds):
        for size in sizes if turn % 2 == 0 else reversed(sizes):
            for key, url in urls.items():
                if key[0] == size:
                    runs[key].append(drive(url))
    return runs


def measure_pdf(url: str, slug: str) -> dict[str, Any]:
    """The synthesis PDF of the featured project, built in a fresh process."""
    _say("Synthèse PDF du grand projet...")
    command = [sys.executable, "-m", "bench.synthesis_pdf", "--database", url, "--project", slug]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        _say(f"  échec : {done.stderr[-2000:]}")
        return {"error": done.stderr[-2000:]}
    result = json.loads(done.stdout[done.stdout.index("{"):])
    _say(f"  {result['proposals']} propositions : {result['seconds']} s, "
         f"{result['peak_mb']} Mo au plus, {result['pages']} pages")
    return result


# ---------------------------------------------------------------------------------------------
# Report


def _line(label: str, row: dict[str, Any], detail: dict[str, Any]) -> str:
    errors = f"  ⚠ {detail['errors']} erreurs" if detail["errors"] else ""
    spent = cpu.describe(detail.get("cpu"))
    return (f"  {label:<26} {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>7.2f} ms  "
            f"p99 {row['p99_ms']:>8.2f} ms  {row['queries']} SQL{errors}"
            + (f"\n  {'':<26} {spent}" if spent else ""))


table = report.table


def main(argv: list[str] | None = None) -> None:
    """Run every measure and write bench/results/latest.json."""
    parser = argparse.ArgumentParser(description="Mesures de performance (issue 5)")
    parser.add_argument("--quick", action="store_true",
                        help="un dixième de la ville, 5 s par page, croissance à 1 000 et 10 000")
    parser.add_argument("--duration", type=float, help="secondes de charge par page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument("--no-growth", action="store_true", help="sans les mesures de croissance")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    parser.add_argument("--reference", default=str(RESULTS / "reference.json"),
                        help="les parts à comparer (bench/results/reference.json)")
    parser.add_argument("--strict", action="store_true",
                        help=f"code de sortie 1 si une part baisse de plus de "
                             f"{report.FALL_FLAG * 100:.0f} %% par rapport à la référence")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit(NO_WRK)
    # Read before the run: --output may be the reference itself, being recorded again.
    references = load_reference(Path(args.reference))

    settings = Settings(
        scale="quick" if args.quick else "full",
        duration=args.duration or (5 if args.quick else 10),
        connections=args.connections,
        warmup=1,
        growth_sizes=(1_000, 10_000) if args.quick else (1_000, 10_000, 100_000),
        growth_duration=2 if args.quick else 4,
        rotation=5_000,
    )
    if args.no_growth:
        settings.growth_sizes = ()
    backends: list[tuple[str, str | None]] = []
    if args.backend in ("sqlite", "all"):
        backends.append(("sqlite", None))
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if args.backend in ("postgresql", "all") and postgres:
        backends.append(("postgresql", postgres))
    elif args.backend == "postgresql":
        raise SystemExit("BENCH_DATABASE_URL n'est pas défini : pas de mesure sur PostgreSQL.")

    for _backend, url in backends:
        if url is not None and not databases.reachable(url):
            raise SystemExit(f"PostgreSQL ne répond pas à BENCH_DATABASE_URL ({url}) : "
                             "démarrez-le, ou retirez la variable pour ne mesurer que SQLite.")
    started = time.monotonic()
    databases.clean_sqlite_copies()
    results = {}
    for backend, url in backends:
        results[backend] = run_backend(backend, url, settings)
        results[backend]["details"]["settings"] = {
            **asdict(settings), "backend": backend,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    output = results["sqlite"] if list(results) == ["sqlite"] else results
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    for backend, result in results.items():
        _say(table(result, backend))
    _say(f"\nRésultats : {args.output} ({(time.monotonic() - started) / 60:.1f} min)")
    failures = [
        f"{backend}/{name}: {detail['errors']}"
        for backend, result in results.items()
        for name, detail in result["details"].items()
        if isinstance(detail, dict) and detail.get("errors")
    ]
    if failures:
        _say("Réponses en erreur : " + ", ".join(failures))
    conclude(results, references, Path(args.reference).name, args.strict)


def conclude(results: dict[str, dict[str, Any]],
             references: dict[str, dict[str, Any]] | None, source: str, strict: bool) -> None:
    """Print the comparison with the reference and the load warnings; with `strict`, exit
    with status 1 when a share fell by more than report.FALL_FLAG."""
    flagged = []
    for backend, result in results.items():
        if references is None:
            _say(f"\nPas de référence à comparer ({source}).")
            break
        printed, flags = report.comparison(result, references.get(backend), backend, source)
        _say(printed)
        flagged += [f"{backend}/{change.label}" for change in flags]
    for backend, result in results.items():
        environment = result.get("environment") or {}
        warning = report.load_warning((environment.get("load_average") or {}).get("start") or [],
                                      (environment.get("machine") or {}).get("cpus"))
        if warning:
            _say(f"\n[{backend}] {warning}")
    if flagged and strict:
        _say(f"--strict : {len(flagged)} part(s) en baisse ({', '.join(flagged)}).")
        raise SystemExit(1)


def load_reference(path: Path) -> dict[str, dict[str, Any]] | None:
    """The reference's results per backend, or None without a readable reference."""
    try:
        return report.by_backend(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    main()
