"""What the benchmark says about a run, without running anything: the goals of issue 17, the
machine and versions it ran on, the same-server check, the table, the comparison with the
committed reference (bench/results/reference.json).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GET_PAGES = ("home", "projects", "project", "proposals", "proposals_deep", "proposal_5",
             "proposal", "synthesis")
POST_PAGES = ("support_post", "comment_post")
# Anonymous with the page memory, anonymous with PAGE_CACHE_SECONDS=0, logged in.
VARIANTS = ("", "_uncached", "_logged_in")

# Issue 17: share of the bare app's requests/s, same run, for every page actually made.
GOAL_PAGE = 0.15
GOAL_HEAVY_PAGE = 0.05  # `proposal`: the proposal with 200 comments
GOAL_POST = 0.15
HEAVY_PAGES = ("proposal",)
# bench-quick flags a page whose share fell by more than this, relative to the reference.
FALL_FLAG = 0.20


def goal(label: str) -> float | None:
    """The share of the bare app a measure must reach; None where the issue sets none
    (anonymous pages served from the page memory)."""
    if label in POST_PAGES:
        return GOAL_POST
    for suffix in ("_uncached", "_logged_in"):
        if label.endswith(suffix):
            return GOAL_HEAVY_PAGE if label.removesuffix(suffix) in HEAVY_PAGES else GOAL_PAGE
    return None


def order(labels: Iterable[str]) -> list[str]:
    """Each page's variants side by side, then the POSTs, then anything else as it came."""
    present = list(labels)
    known = [name + suffix for name in GET_PAGES for suffix in VARIANTS] + list(POST_PAGES)
    return [label for label in known if label in present] + \
        [label for label in present if label not in known]


# ---------------------------------------------------------------------------------------------
# Machine, versions, servers


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's model name (Linux /proc/cpuinfo), or what platform knows."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "?"


def load_average() -> list[float]:
    """The 1, 5 and 15 minutes load averages (empty where the system has none)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    """What the figures depend on besides the code."""
    return {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "platform": platform.platform()}


def overloaded(load: list[float], cpus: int | None) -> bool:
    """Was the machine already busier than its cores (1-minute load average)?"""
    return bool(load and cpus and load[0] > cpus)


def load_warning(load: list[float], cpus: int | None) -> str | None:
    """A clear line when the run started on a loaded machine; None otherwise."""
    if not overloaded(load, cpus):
        return None
    return (f"⚠ Charge moyenne au départ {load[0]:.2f} au-dessus du nombre de cœurs ({cpus}) : "
            "la machine faisait autre chose, les parts de cette mesure ne sont pas fiables.")


def server_differences(reference: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """How a served process differs from the reference one (the bare app's): Python, its
    environment, the versions it loaded, gunicorn settings and command-line options."""
    differences = []
    for key in ("python", "environment", "gunicorn_binary", "options"):
        if reference.get(key) != other.get(key):
            differences.append(f"{key} : {reference.get(key)!r} ≠ {other.get(key)!r}")
    for group in ("versions", "settings"):
        ours, theirs = reference.get(group) or {}, other.get(group) or {}
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key) != theirs.get(key):
                differences.append(f"{group}.{key} : {ours.get(key)!r} ≠ {theirs.get(key)!r}")
    return differences


def check_same_server(servers: dict[str, dict[str, Any]], reference: str = "baseline") -> None:
    """Raise unless every served process ran as the bare app did: a ratio to a baseline
    served differently (another gunicorn, worker class or count, Python) means nothing."""
    if reference not in servers:
        raise RuntimeError(f"aucun serveur « {reference} » enregistré")
    problems = [f"{name} : {difference}"
                for name, facts in servers.items() if name != reference
                for difference in server_differences(servers[reference], facts)]
    if not problems:
        return
    raise RuntimeError("L'application n'est pas servie comme la référence (Flask nu) :\n  "
                       + "\n  ".join(problems))


# ---------------------------------------------------------------------------------------------
# Table


def percent(ratio: float | None) -> str:
    """A share as the table prints it: 0.267 -> '26.7 %'."""
    return "—" if ratio is None else f"{ratio * 100:.1f} %"


def verdict(ratio: float | None, target: float | None) -> str:
    """✓ when the goal is met, ✗ when not, blank without a goal."""
    if target is None:
        return ""
    return "✓" if ratio is not None and ratio >= target else "✗"


def environment_lines(environment: dict[str, Any] | None) -> list[str]:
    """Versions, machine and load of a run, as printed above its table."""
    if not environment:
        return ["(versions et machine non enregistrées par cette mesure)"]
    versions = environment.get("versions") or {}
    settings = (environment.get("servers") or {}).get("baseline", {}).get("settings") or {}
    server = f"gunicorn {versions.get('gunicorn', '?')}"
    if settings:
        server += (f" ({settings.get('worker_class_str')}, {settings.get('workers')} workers, "
                   "le même pour Flask nu et l'application)")
    parts = [f"Python {versions.get('python', '?')}", server,
             f"Flask {versions.get('flask', '?')}", f"SQLAlchemy {versions.get('sqlalchemy', '?')}",
             f"SQLite {versions.get('sqlite', '?')}"]
    if versions.get("postgresql"):
        parts.append(f"PostgreSQL {versions['postgresql']}")
    facts = environment.get("machine") or {}
    load = environment.get("load_average") or {}
    lines = [" · ".join(parts),
             f"Machine : {facts.get('cpus', '?')} CPU ({facts.get('cpu_model', '?')}) · "
             f"charge moyenne (1, 5, 15 min) au début {_loads(load.get('start'))}, "
             f"à la fin {_loads(load.get('end'))}"]
    warning = load_warning(load.get("start") or [], facts.get("cpus"))
    if warning:
        lines.append(warning)
    return lines


def _loads(values: list[float] | None) -> str:
    return " ".join(f"{value:.2f}" for value in values) if values else "—"


def show(value: Any) -> str:
    """A cell: a dash for nothing."""
    return "—" if value is None else str(value)


def table(result: dict[str, Any], backend: str) -> str:
    """The readable table of one backend's results: each measure's share of the bare app
    beside its goal."""
    details = result.get("details", {})
    lines = [f"\n== {backend} == référence (Flask nu) : {result['baseline_rps']:.0f} req/s",
             *environment_lines(result.get("environment")),
             "Parts de Flask nu ; anonyme : page mémorisée (NOM) ou PAGE_CACHE_SECONDS=0 "
             "(NOM_uncached) ; connecté : NOM_logged_in ; proposal : 200 commentaires, "
             "proposal_5 : 5.",
             f"{'page':<26} {'req/s':>8} {'part':>7} {'objectif':>9} {'ok':>2} {'p50 ms':>8} "
             f"{'p99 ms':>8} {'SQL':>4} {'octets':>8} {'req.':>4} {'eco':>4} {'err.':>5}"]
    for name in order(result["pages"]):
        row = result["pages"][name]
        target = goal(name)
        errors = details.get(name, {}).get("errors", "")
        lines.append(
            f"{name:<26} {row['rps']:>8.1f} {percent(row['ratio']):>7} "
            f"{'≥ ' + percent(target) if target else '':>9} {verdict(row['ratio'], target):>2} "
            f"{row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {show(row['queries']):>4} "
            f"{show(row['bytes']):>8} {show(row['requests']):>4} {show(row['ecoindex']):>4} "
            f"{errors:>5}"
        )
    goals = [(name, row["ratio"], goal(name)) for name, row in result["pages"].items()
             if goal(name) is not None]
    missed = [name for name, ratio, target in goals if verdict(ratio, target) == "✗"]
    if goals:
        lines.append(f"Objectifs atteints : {len(goals) - len(missed)} sur {len(goals)}"
                     + (f" (manquent : {', '.join(order(missed))})" if missed else ""))
    growth = result.get("growth") or {}
    if any(growth.values()):
        sizes = sorted({size for values in growth.values() for size in values}, key=int)
        lines.append("\nCroissance, p50 en ms (un visiteur à la fois) :")
        lines.append(f"{'page':<26}" + "".join(f"{size:>10}" for size in sizes))
        for name, values in growth.items():
            lines.append(f"{name:<26}" + "".join(f"{show(values.get(s)):>10}" for s in sizes))
    pdf = details.get("pdf", {})
    if "seconds" in pdf:
        lines.append(f"\nPDF de synthèse ({pdf['proposals']} propositions) : {pdf['seconds']} s, "
                     f"{pdf['peak_mb']} Mo au plus")
    for name in POST_PAGES:
        detail = details.get(name)
        if detail and "rows_written" in detail:
            lines.append(f"{name} : {detail['rows_written']} lignes écrites pour "
                         f"{detail['requests_measured']} réponses mesurées")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Comparison with the reference


def by_backend(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A results file as backend -> result: SQLite alone is stored at the top level."""
    if "pages" in data:
        return {"sqlite": data}
    return {name: value for name, value in data.items()
            if isinstance(value, dict) and "pages" in value}


@dataclass
class Change:
    """One measure's share now and in the reference."""

    label: str
    ratio: float
    reference: float
    change: float  # relative: -0.25 is a quarter less

    @property
    def flagged(self) -> bool:
        """Fell by more than FALL_FLAG."""
        return self.change < -FALL_FLAG


def compare(result: dict[str, Any], reference: dict[str, Any]) -> list[Change]:
    """The shares measured in both, in table order."""
    changes = []
    for label in order(result["pages"]):
        ours = result["pages"][label].get("ratio")
        theirs = reference.get("pages", {}).get(label, {}).get("ratio")
        if ours is None or not theirs:
            continue
        changes.append(Change(label, ours, theirs, ours / theirs - 1))
    return changes


def comparison(result: dict[str, Any], reference: dict[str, Any] | None, backend: str,
               source: str) -> tuple[str, list[Change]]:
    """The printed comparison with the reference, and the measures it flags."""
    head = f"\n== {backend} == comparaison avec {source}"
    if reference is None:
        return f"{head} : pas de référence pour {backend}.", []
    ours = (result.get("details", {}).get("settings") or {}).get("scale")
    theirs = (reference.get("details", {}).get("settings") or {}).get("scale")
    measured = (reference.get("details", {}).get("settings") or {}).get("measured_at", "?")
    lines = [f"{head} (mesurée le {measured})"]
    if ours and theirs and ours != theirs:
        lines.append(f"Échelles différentes (ici {ours}, référence {theirs}) : comparer les "
                     "parts, pas les req/s.")
    changes = compare(result, reference)
    lines.append(f"{'page':<26} {'part':>7} {'réf.':>7} {'écart':>7}")
    for change in changes:
        mark = "  ⚠" if change.flagged else ""
        lines.append(f"{change.label:<26} {percent(change.ratio):>7} "
                     f"{percent(change.reference):>7} {change.change * 100:>+6.0f} %{mark}")
    new = [label for label in order(result["pages"])
           if label not in reference.get("pages", {})]
    if new:
        lines.append("Sans référence : " + ", ".join(new))
    flagged = [change for change in changes if change.flagged]
    for change in flagged:
        lines.append(f"⚠ BAISSE {change.label} : part {percent(change.ratio)} contre "
                     f"{percent(change.reference)} dans la référence "
                     f"({change.change * 100:+.0f} %, au-delà de -{FALL_FLAG * 100:.0f} %)")
    if not flagged:
        lines.append(f"Aucune part en baisse de plus de {FALL_FLAG * 100:.0f} %.")
    return "\n".join(lines), flagged
