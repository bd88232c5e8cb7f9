"""Work per request, counted: the instructions the platform runs for each page and form of the
benchmark, in one process under callgrind (valgrind), beside the bare app's.

    .venv/bin/python -m bench.work [--quick] [--requests N] [--database URL]   (make bench-work)

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
                expected: Callable[[int, str, str], bool]) -> None:
        answers: list[tuple[int, str, str]] = []
        for one in prepared[:warmup]:
            answers.append(wsgi.call(one))
        counted = prepared[warmup:]
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
        done[label] = len(counted)

    # A session signed again, or a person sent to the login form, would not be what a
    # browser's visit costs: every answer is checked, after counting.
    def page(status: int, location: str, cookies: str) -> bool:
        return status == 200 and "session" not in cookies.split()

    def landed(status: int, location: str, cookies: str) -> bool:
        return page(200, "", cookies) and status in (302, 303) \
            and "/compte/connexion" not in location

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
        measure(name, made, forms, landed)
    return done


def child(plan_path: str) -> None:
    """The process valgrind runs: every measure of the plan, its counts dumped by label."""
    plan = json.loads(Path(plan_path).read_text())
    counting = Counting() if plan.get("count", True) else NotCounting()
    done = measures(plan, counting)
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
             done: Path) -> dict[str, Any]:
    """What the process under valgrind measures, and where it says what it did."""
    avoid = {built.commented_proposal_id, few_id}
    proposals = [i for i in built.featured_proposal_ids if i not in avoid]
    needed = 1 + len(report.POST_PAGES) * (requests + warmup)
    if len(proposals) < needed:
        raise SystemExit(f"le projet mis en avant n'a que {len(proposals)} propositions "
                         f"pour {needed} requêtes")
    return {"url": url, "paths": run.page_paths(built, few_id),
            "accounts": built.accounts[:ACCOUNTS], "proposals": proposals[:needed],
            "requests": requests, "warmup": warmup, "done": str(done)}


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
    parser.add_argument("--output", default=str(RESULTS / "work-latest.json"))
    parser.add_argument("--reference", default=str(RESULTS / "work-reference.json"))
    parser.add_argument("--strict", action="store_true", help=f"code de sortie 1 si un compte "
                        f"monte de plus de {RISE_FLAG * 100:.0f} %%")
    parser.add_argument("--only", help="ces mesures seulement, séparées par des virgules "
                        "(home_logged_in,support_post...)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit(NO_VALGRIND)
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
    with tempfile.TemporaryDirectory(dir=databases.DATA) as folder:
        dumps = Path(folder) / "dumps"
        dumps.mkdir()
        plan = plan_for(url, built, few_id, args.requests, WARMUP, Path(folder) / "done.json")
        plan["only"] = args.only.split(",") if args.only else []
        (Path(folder) / "plan.json").write_text(json.dumps(plan))
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={dumps}/callgrind.out",
                   sys.executable, "-m", "bench.work", "--child", f"{folder}/plan.json"]
        print(f"Comptage sous callgrind ({spec.name}, {args.requests} requêtes par mesure)...",
              flush=True)
        finished = subprocess.run(command, env=run.app_env(url), cwd=run.ROOT,
                                  capture_output=True, text=True)
        if finished.returncode != 0:
            raise SystemExit(finished.stderr[-3000:])
        counts = per_request(read_dumps(dumps),
                             json.loads((Path(folder) / "done.json").read_text()))
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
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
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
    print(f"Résultats : {args.output}")
    if flagged and args.strict:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
