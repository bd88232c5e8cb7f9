"""Work per request, counted: the instructions the platform runs for each page and form of the
benchmark, in one process under callgrind (valgrind), beside the bare app's.

    .venv/bin/python -m bench.work [--quick] [--requests N] [--database URL]   (make bench-work)
    .venv/bin/python -m bench.work --growth [--quick] [--database URL]

The shares of bench/run.py move with the machine: on a shared 2-core machine the bare app's
requests/s drifted by 20 % between two references, and every share with it, pages whose code
had not changed included. An instruction count does not move: the same code on the same data
runs the same instructions to within a few hundredths of a percent, whatever else the machine
is doing (callgrind counts, it does not time). This is the measure to tell what a change did:
each count is compared with bench/results/work-reference.json, and a rise of more than
RISE_FLAG is flagged (`--strict`: exit status 1).

Counted: the WSGI call of the app, from its environ to the last byte of its body (session,
person, view, SQL driver, templates, compression), for the pages of bench/run.py made for an
anonymous visitor (PAGE_CACHE_SECONDS=0) and for a logged-in one, and for its two POSTs
(accounts and proposals rotating, every POST a new support or comment); and the bare app
(bench/baseline.py) called the same way. Not counted: the HTTP server, whose parsing and
writing is the same for both, and, on PostgreSQL, the database server's own work (another
process): that is only in bench/run.py's figures. Needs valgrind (Debian: apt-get install
valgrind).

`--growth` counts bench/run.py's growth pages instead (the list of a project of 1,000, 10,000
and 100,000 proposals, its 51st page, and its proposal with comments), made without the page
memory nor the shared fragments as there, one process per dataset: the issue's goal (a page at
100,000 within GROWTH_LIMIT of its count at 1,000) checked by a count, where the p50 of one
visitor at a time under wrk moved by a third from one run to the next.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

from bench import databases, generate, report, run
from bench.measure import USER_AGENT, local_path, parse

RESULTS = run.RESULTS
REQUESTS = 40  # counted per measure: the count is exact, a few dozen average the rotation
WARMUP = 15  # made first, not counted: templates compiled, caches and statements prepared
RISE_FLAG = 0.03  # a count that rose by more than this is flagged
ACCOUNTS = 8
GROWTH_REQUESTS = 20  # a growth page renders everything: 40 to 90 M instructions each
GROWTH_LIMIT = 1.2  # a growth page at the largest size, at most this times its count at 1,000
NO_VALGRIND = ("valgrind est introuvable : installez-le (Debian, Ubuntu : sudo apt-get install "
               "valgrind), puis relancez.")
_DUMPED = re.compile(r"^desc: Trigger: (?:Client Request: )?dump (?P<label>\S+)$", re.M)
_TOTALS = re.compile(r"^totals: (?P<count>\d+)", re.M)


# ---------------------------------------------------------------------------------------------
# Inside valgrind: the requests


class Counting:
    """Switches callgrind's counting on around the requests of one measure, then writes what
    it counted to a file of its own named by the measure's label."""

    def __init__(self) -> None:
        self.pid = str(os.getpid())

    def _tell(self, *command: str) -> None:
        # No pipe to read: the wait is one blocking call, the same however long it takes
        # (reading the output would poll, and count a number of turns that follows the load).
        subprocess.run(["callgrind_control", *command, self.pid], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def count(self, label: str, requests: Callable[[], None]) -> None:
        """Run `requests` with counting on; dump the count under `label`."""
        self._tell("--instr=on")
        requests()
        self._tell("--instr=off")
        self._tell(f"--dump={label}")


class NotCounting(Counting):
    """The same requests without valgrind (the tests check that every one answers right)."""

    def count(self, label: str, requests: Callable[[], None]) -> None:
        """Run `requests`."""
        requests()


class Wsgi:
    """One app called as a WSGI server would, with environs made once: the environ of each
    request is a copy with a fresh body."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @staticmethod
    def environ(path: str, cookie: str | None = None, form: dict[str, str] | None = None
                ) -> tuple[dict[str, Any], bytes]:
        """The environ of a browser's GET of `path`, or POST of `form`, and its body."""
        from werkzeug.test import EnvironBuilder

        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip",
                   "Accept": "text/html,*/*"}
        if cookie:
            headers["Cookie"] = cookie
        body = urlencode(form).encode() if form is not None else b""
        builder = EnvironBuilder(
            path=path, method="POST" if form is not None else "GET",
            headers=list(headers.items()), data=body if form is not None else None,
            content_type="application/x-www-form-urlencoded" if form is not None else None,
            base_url="http://127.0.0.1:5000/", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        try:
            return builder.get_environ(), body
        finally:
            builder.close()

    def call(self, prepared: tuple[dict[str, Any], bytes]) -> tuple[int, str, str]:
        """The status, Location and cookies set of one request; its body read to the end."""
        environ, body = prepared
        environ = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            answer.extend((status, headers))
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            for _chunk in chunks:
                pass
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        location = next((v for k, v in answer[1] if k.lower() == "location"), "")
        cookies = " ".join(v.split("=")[0] for k, v in answer[1] if k.lower() == "set-cookie")
        return int(answer[0].split()[0]), location, cookies


def _log_in(app: Any, email: str, proposal_id: int) -> tuple[str, str]:
    """The Cookie header of a person logged in through the form, and their form token."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT  # Flask-Login ties the session to it
    token = parse(client.get("/compte/connexion").get_data(as_text=True)).csrf_tokens[0]
    answer = client.post("/compte/connexion", data={
        "email": email, "password": generate.PASSWORD, "csrf_token": token})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"connexion refusée pour {email} ({answer.status_code})")
    client.get(answer.headers["Location"])  # the welcome message, read once as a browser does
    page = client.get(f"/propositions/{proposal_id}").get_data(as_text=True)
    cookie = client.get_cookie("session")
    if cookie is None or "/compte/deconnexion" not in page:
        raise RuntimeError(f"{email} n'est pas connecté·e après le formulaire")
    return f"session={cookie.value}", parse(page).csrf_tokens[0]


def _deep_path(wsgi: Any, path: str, hops: int) -> str:
    """The page reached by following rel="next" `hops` times (bench/run.py's proposals_deep)."""
    client = wsgi.app.test_client()
    for _ in range(hops):
        links = parse(client.get(path).get_data(as_text=True)).next_links
        if not links:
            break
        path = local_path(urljoin(f"http://127.0.0.1{path}", links[0]))
    return path


def count_requests(counting: Counting, label: str, wsgi: Wsgi,
                   warming: list[tuple[dict[str, Any], bytes]],
                   counted: list[tuple[dict[str, Any], bytes]],
                   expected: Callable[[int, str, str], bool],
                   settle: Callable[[], None] | None = None) -> int:
    """Make the `warming` requests, then `settle`, then count the `counted` ones under
    `label`; every answer checked against `expected` afterwards. The number of requests
    counted."""
    answers = [wsgi.call(one) for one in warming]
    if settle is not None:
        settle()
    # Every measure starts from the same heap: what is alive is collected and set aside
    # (a full collection of the app's long-lived objects costs millions of instructions,
    # and would land in whichever measure reached its threshold, a change elsewhere
    # moving it); the collections of what the requests make are still counted.
    gc.collect()
    gc.freeze()

    def requests_() -> None:
        for one in counted:
            answers.append(wsgi.call(one))

    counting.count(label, requests_)
    wrong = [answer for answer in answers if not expected(*answer)]
    if wrong:
        raise RuntimeError(f"{label} : réponse inattendue {wrong[0]}")
    return len(counted)


def measures(plan: dict[str, Any], counting: Counting) -> dict[str, int]:
    """Count every measure of `plan`; the number of requests counted for each label."""
    from bench.baseline import app as bare_app
    from consultation import create_app

    made = Wsgi(create_app({"PAGE_CACHE_SECONDS": 0, "SQLALCHEMY_DATABASE_URI": plan["url"]}))
    bare = Wsgi(bare_app)
    requests, warmup = int(plan["requests"]), int(plan["warmup"])
    ids: list[int] = plan["proposals"]
    people = [_log_in(made.app, email, ids[0]) for email in plan["accounts"]]
    paths = dict(plan["paths"])
    paths["proposals_deep"] = _deep_path(made, paths["proposals"], run.DEEP_HOPS)
    done: dict[str, int] = {}

    def measure(label: str, wsgi: Wsgi, prepared: list[tuple[dict[str, Any], bytes]],
                expected: Callable[[int, str, str], bool],
                settle: Callable[[], None] | None = None) -> None:
        done[label] = count_requests(counting, label, wsgi, prepared[:warmup],
                                     prepared[warmup:], expected, settle)

    # A session signed again, or a person sent to the login form, would not be what a
    # browser's visit costs: every answer is checked, after counting.
    def page(status: int, location: str, cookies: str) -> bool:
        return status == 200 and "session" not in cookies.split()

    def landed(status: int, location: str, cookies: str) -> bool:
        return page(200, "", cookies) and status in (302, 303) \
            and "/compte/connexion" not in location

    def checkpointed() -> None:
        # SQLite's WAL is checkpointed by a thread of the process every few write commits
        # (core/drivers.py), on a connection of its own that stays open while the server is
        # busy. Its first checkpoint opens it and reads the schema (some 5 M instructions):
        # done before counting, as a running server has done it long before, so that a POST's
        # count holds the checkpoints of its writes and not that one-off opening.
        if databases.is_sqlite(plan["url"]):
            from consultation.core import drivers

            drivers.CHECKPOINTS.ask(plan["url"].removeprefix("sqlite:///"))
            if not drivers.CHECKPOINTS.wait(60):
                raise RuntimeError("le point de contrôle du WAL ne s'est pas fait")

    total = warmup + requests
    only = plan.get("only") or []

    def wanted(label: str) -> bool:
        return not only or label in only

    if wanted("bare"):
        measure("bare", bare, [Wsgi.environ("/")] * total, page)
    for name in report.GET_PAGES:
        path = paths[name]
        if wanted(name + "_uncached"):
            measure(name + "_uncached", made, [Wsgi.environ(path)] * total, page)
        if wanted(name + "_logged_in"):
            measure(name + "_logged_in", made, [Wsgi.environ(path, people[0][0])] * total,
                    page)
    offset = 0
    for name in report.POST_PAGES:
        if not wanted(name):
            continue
        forms = [Wsgi.environ(run.post_action(name) % ids[1 + offset + i],
                              people[i % len(people)][0],
                              run.post_form(name, people[i % len(people)][1]))
                 for i in range(total)]
        offset += total
        measure(name, made, forms, landed, settle=checkpointed)
    return done


def growth_measures(plan: dict[str, Any], counting: Counting) -> dict[str, int]:
    """Count the growth pages of one growth dataset (made from the data: the parent runs this
    process without page memory nor shared fragments); the requests counted for each."""
    from consultation import create_app

    made = Wsgi(create_app({"SQLALCHEMY_DATABASE_URI": plan["url"]}))
    first = f"/projets/{plan['slug']}/propositions?tri=soutiens"
    paths = {"proposals": first, "proposals_deep": _deep_path(made, first, run.DEEP_HOPS),
             "proposal": f"/propositions/{plan['proposal_id']}"}
    requests, warmup = int(plan["requests"]), int(plan["warmup"])
    done: dict[str, int] = {}

    def ok(status: int, location: str, cookies: str) -> bool:
        return status == 200

    for name in run.GROWTH_PAGES:
        prepared = Wsgi.environ(paths[name])
        done[name] = count_requests(counting, name, made, [prepared] * warmup,
                                    [prepared] * requests, ok)
    return done


def child(plan_path: str) -> None:
    """The process valgrind runs: every measure of the plan, its counts dumped by label."""
    plan = json.loads(Path(plan_path).read_text())
    counting = Counting() if plan.get("count", True) else NotCounting()
    done = growth_measures(plan, counting) if plan.get("growth") else measures(plan, counting)
    Path(plan["done"]).write_text(json.dumps(done))


# ---------------------------------------------------------------------------------------------
# Outside: the plan, valgrind, the report


def read_dumps(folder: Path) -> dict[str, int]:
    """The instructions counted under each label, from callgrind's dump files in `folder`."""
    counts: dict[str, int] = {}
    for path in sorted(folder.iterdir()):
        text = path.read_text(errors="replace")
        label, totals = _DUMPED.search(text), _TOTALS.search(text)
        if label and totals:
            counts[label["label"]] = int(totals["count"])
    return counts


def per_request(counts: dict[str, int], done: dict[str, int]) -> dict[str, int]:
    """Instructions per request of each measure (every measure must have been dumped)."""
    missing = sorted(set(done) - set(counts))
    if missing:
        raise RuntimeError(f"valgrind n'a rien compté pour {', '.join(missing)}")
    return {label: round(counts[label] / done[label]) for label in done if done[label]}


def rises(result: dict[str, int], reference: dict[str, int]) -> list[tuple[str, float]]:
    """The measures whose count rose by more than RISE_FLAG, with their relative change."""
    changes = []
    for label, count in result.items():
        before = reference.get(label)
        if before and count / before - 1 > RISE_FLAG:
            changes.append((label, count / before - 1))
    return changes


def table(result: dict[str, int], reference: dict[str, int] | None) -> str:
    """Millions of instructions per request of each measure, beside the reference's."""
    lines = ["| mesure | M instructions / requête | référence | écart |",
             "| --- | --- | --- | --- |"]
    for label in [*(["bare"] if "bare" in result else []),
                  *report.order(k for k in result if k != "bare")]:
        count = result[label]
        before = (reference or {}).get(label)
        lines.append(
            f"| {label} | {count / 1e6:.2f} | "
            f"{f'{before / 1e6:.2f}' if before else '–'} | "
            f"{f'{(count / before - 1) * 100:+.1f} %' if before else '–'} |")
    return "\n".join(lines)


def plan_for(url: str, built: generate.Built, few_id: int, requests: int, warmup: int,
             done: Path | None = None) -> dict[str, Any]:
    """What the process under valgrind measures, and where it says what it did."""
    avoid = {built.commented_proposal_id, few_id}
    proposals = [i for i in built.featured_proposal_ids if i not in avoid]
    needed = 1 + len(report.POST_PAGES) * (requests + warmup)
    if len(proposals) < needed:
        raise SystemExit(f"le projet mis en avant n'a que {len(proposals)} propositions "
                         f"pour {needed} requêtes")
    return {"url": url, "paths": run.page_paths(built, few_id),
            "accounts": built.accounts[:ACCOUNTS], "proposals": proposals[:needed],
            "requests": requests, "warmup": warmup, "done": str(done or "")}


def counted(plan: dict[str, Any], env: dict[str, str]) -> dict[str, int]:
    """Instructions per request of each measure of `plan`, counted in a process valgrind runs
    with `env`."""
    with tempfile.TemporaryDirectory(dir=databases.DATA) as folder:
        dumps = Path(folder) / "dumps"
        dumps.mkdir()
        plan = dict(plan, done=str(Path(folder) / "done.json"))
        (Path(folder) / "plan.json").write_text(json.dumps(plan))
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={dumps}/callgrind.out",
                   sys.executable, "-m", "bench.work", "--child", f"{folder}/plan.json"]
        finished = subprocess.run(command, env=env, cwd=run.ROOT, capture_output=True,
                                  text=True)
        if finished.returncode != 0:
            raise SystemExit(finished.stderr[-3000:])
        return per_request(read_dumps(dumps),
                           json.loads((Path(folder) / "done.json").read_text()))


def _thousands(number: int) -> str:
    """A number as French writes it (10\u202f000)."""
    return f"{number:,}".replace(",", "\u202f")


def growth_table(counts: dict[str, dict[str, int]]) -> tuple[str, list[tuple[str, float]]]:
    """Millions of instructions per request of each growth page at each size, with the ratio
    of the largest size to the smallest; the pages whose ratio passes GROWTH_LIMIT."""
    sizes = sorted({int(size) for by_size in counts.values() for size in by_size})
    lines = ["| page | " + " | ".join(_thousands(size) for size in sizes) + " | rapport |",
             "| --- |" + " --- |" * (len(sizes) + 1)]
    over = []
    for page, by_size in counts.items():
        ratio = by_size[str(sizes[-1])] / by_size[str(sizes[0])]
        lines.append(f"| {page} | " + " | ".join(
            f"{by_size[str(size)] / 1e6:.2f}" for size in sizes) + f" | {ratio:.2f}x |")
        if ratio > GROWTH_LIMIT:
            over.append((page, ratio))
    return "\n".join(lines), over


def growth(database: str | None, quick: bool, output: str) -> list[tuple[str, float]]:
    """Count the growth pages at each size, write and print them; the pages over the limit."""
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    counts: dict[str, dict[str, int]] = {page: {} for page in run.GROWTH_PAGES}
    for size in sizes:
        spec = generate.growth(size)
        url = databases.url_for(database, spec.name)
        built = generate.ensure(url, spec)
        generate.redate(url)  # as bench/run.py measures it: the consultation open today
        print(f"Comptage sous callgrind : un projet de {_thousands(size)} propositions...",
              flush=True)
        plan = {"growth": True, "url": url, "slug": built.featured_slug,
                "proposal_id": built.commented_proposal_id, "requests": GROWTH_REQUESTS,
                "warmup": 5}
        for page, count in counted(plan, run.app_env(url, page_cache=False,
                                                     fragments=False)).items():
            counts[page][str(size)] = count
    shown, over = growth_table(counts)
    Path(output).write_text(json.dumps({
        "backend": "postgresql" if database else "sqlite", "requests": GROWTH_REQUESTS,
        "instructions_per_request": counts, "limit": GROWTH_LIMIT,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": _commit(),
    }, indent=2) + "\n")
    print(shown)
    for page, ratio in over:
        print(f"⚠ CROISSANCE {page} : {ratio:.2f}x entre la plus petite et la plus grande taille "
              f"(au plus {GROWTH_LIMIT}x)")
    print(f"Résultats : {output}")
    return over


def _commit() -> str:
    """The commit counted (with "+" when the work tree has changes), if git can tell."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=run.ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                 cwd=run.ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+" if changed else "")


def main(argv: list[str] | None = None) -> None:
    """Count the work of every measure and compare it with the reference."""
    parser = argparse.ArgumentParser(description="Travail par requête, compté (callgrind)")
    parser.add_argument("--quick", action="store_true", help="un dixième de la ville")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--database", help="URL de base PostgreSQL (défaut : SQLite)")
    parser.add_argument("--output", help="défaut : bench/results/work-latest.json "
                        "(work-growth-latest.json avec --growth)")
    parser.add_argument("--reference", default=str(RESULTS / "work-reference.json"))
    parser.add_argument("--strict", action="store_true", help=f"code de sortie 1 si un compte "
                        f"monte de plus de {RISE_FLAG * 100:.0f} %%")
    parser.add_argument("--only", help="ces mesures seulement, séparées par des virgules "
                        "(home_logged_in,support_post...)")
    parser.add_argument("--growth", action="store_true", help="les pages de croissance, de "
                        "1 000 à 100 000 propositions, au lieu des mesures par page")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit(NO_VALGRIND)
    if args.growth:
        output = args.output or str(RESULTS / "work-growth-latest.json")
        if growth(args.database, args.quick, output) and args.strict:
            raise SystemExit(1)
        return
    try:
        reference = json.loads(Path(args.reference).read_text())
    except (OSError, ValueError):
        reference = None
    spec = generate.city("quick" if args.quick else "full")
    built = generate.ensure(databases.url_for(args.database, spec.name), spec)
    url = databases.url_for(args.database, "work")
    databases.copy(databases.url_for(args.database, spec.name), url)
    generate.redate(url)
    few_id, _ = run.few_comments_proposal(url, built)
    plan = plan_for(url, built, few_id, args.requests, WARMUP)
    plan["only"] = args.only.split(",") if args.only else []
    print(f"Comptage sous callgrind ({spec.name}, {args.requests} requêtes par mesure)...",
          flush=True)
    counts = counted(plan, run.app_env(url))
    if args.database:
        databases.drop(url)
    result = {
        "dataset": spec.name, "backend": "postgresql" if args.database else "sqlite",
        "requests": args.requests, "instructions_per_request": counts,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "versions": {"python": platform.python_version(),
                     "valgrind": subprocess.run(["valgrind", "--version"], capture_output=True,
                                                text=True).stdout.strip()},
    }
    output = args.output or str(RESULTS / "work-latest.json")
    Path(output).write_text(json.dumps(result, indent=2) + "\n")
    before = None
    if reference and (reference.get("dataset"), reference.get("backend")) == \
            (result["dataset"], result["backend"]):
        before = reference["instructions_per_request"]
    print(table(counts, before))
    flagged = rises(counts, before or {})
    for label, change in flagged:
        print(f"⚠ HAUSSE {label} : {change * 100:+.1f} % d'instructions par requête")
    if reference and before is None:
        print(f"La référence ({Path(args.reference).name}) est d'un autre jeu ou d'une autre "
              "base : pas de comparaison.")
    print(f"Résultats : {output}")
    if flagged and args.strict:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
