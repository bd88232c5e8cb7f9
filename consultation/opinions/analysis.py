"""The opinion map's analysis: Pol.is's method (PCA, k-means, repness, consensus), deterministic.

Pure numpy: no Flask, no database. `analyse(votes)` turns the answer matrix into an `Analysis`,
which `to_json()` makes into a JSON-ready dict (stored by the domain, frozen by a synthesis) and
`from_json()` reads back. The steps follow Pol.is's math (compdemocracy/polis, math/src/polismath):

1. Participants with at least `MIN_ANSWERS` answers (or every statement, when there are fewer)
   enter the analysis.
2. Their unseen answers are imputed by the statement's mean; PCA to 2 components (an exact
   eigen-decomposition, where Pol.is iterates towards it); a participant's point is projected
   from the answers given only, scaled by sqrt(statements / answers) so that someone who
   answered little is not pulled to the centre.
3. Base clusters (k-means, up to 100), then groups: k-means of the base clusters weighted by
   their sizes, for k from 2 to 5 (fewer for small debates), chosen by the silhouette of the
   base clusters. Pol.is only changes k once a new k has won 4 recomputations in a row; a
   stateless computation stands in for that by averaging the silhouettes over `RUNS` seeded
   clusterings, and keeps, of the chosen k's groupings, the one closest to the others.
4. Representative statements per group (repness with +1/+2 smoothing, z-tests at 90 %),
   majority consensus, and group-informed consensus (product over groups of (n+1)/(seen+2)).

Every random choice comes from numpy's PCG64 with fixed seeds, rows and columns are sorted
first, and floats are rounded in `to_json()`: the same answers give the same bytes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

AGREE, DISAGREE, PASS = 1, -1, 0
MIN_ANSWERS = 7
MAX_K = 5
# Below this many participants in the analysis, no groups: a group of 2 or 3 people is not an
# opinion group, and it would point at them.
MIN_PARTICIPANTS = 2 * MAX_K
BASE_K = 100
RUNS = 12
GROUP_INITS = 10
MAX_ITERATIONS = 100
PCA_ITERATIONS = 1000
REPRESENTATIVES = 5
CONSENSUS = 5
# One-sided z at 90 %, as Pol.is tests its proportions.
Z_90 = 1.2816
DIGITS = 4
VERSION = 1
# Why an analysis has no groups: no statement; fewer than MIN_PARTICIPANTS with enough answers;
# everyone answered alike; the points do not split (fewer than 3 distinct positions).
REASONS = ("no_statements", "too_few_participants", "no_variance", "no_groups")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Votes:
    """The answer matrix: one row per participant, one column per statement (nan: not seen)."""

    participants: tuple[int, ...]
    statements: tuple[int, ...]
    values: FloatArray

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        if values.shape != (len(self.participants), len(self.statements)):
            raise ValueError("values must be (participants, statements)")
        if len(set(self.participants)) != len(self.participants):
            raise ValueError("participants must be unique")
        if len(set(self.statements)) != len(self.statements):
            raise ValueError("statements must be unique")
        seen = values[~np.isnan(values)]
        if not np.isin(seen, (AGREE, DISAGREE, PASS)).all():
            raise ValueError("answers are 1, -1, 0 or nan")
        object.__setattr__(self, "values", values)

    @classmethod
    def from_triples(
        cls,
        rows: Iterable[tuple[int, int, int]],
        statements: Iterable[int] = (),
        participants: Iterable[int] = (),
    ) -> Votes:
        """The matrix of (participant, statement, value) answers (a pair given twice: the last)."""
        rows = list(rows)
        people = sorted({int(p) for p, _, _ in rows} | {int(p) for p in participants})
        columns = sorted({int(s) for _, s, _ in rows} | {int(s) for s in statements})
        row_of = {p: i for i, p in enumerate(people)}
        column_of = {s: j for j, s in enumerate(columns)}
        values = np.full((len(people), len(columns)), np.nan)
        for participant, statement, value in rows:
            values[row_of[int(participant)], column_of[int(statement)]] = value
        return cls(tuple(people), tuple(columns), values)

    def sorted(self) -> Votes:
        """The same answers with participants and statements in increasing order."""
        rows = np.argsort(np.asarray(self.participants, dtype=np.int64), kind="stable")
        columns = np.argsort(np.asarray(self.statements, dtype=np.int64), kind="stable")
        return Votes(
            tuple(self.participants[i] for i in rows),
            tuple(self.statements[j] for j in columns),
            self.values[np.ix_(rows, columns)],
        )


@dataclass(frozen=True)
class Point:
    """A participant in the analysis: position on the map and group label (None: no groups)."""

    participant: int
    x: float
    y: float
    group: int | None


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart: the share of it that agrees (or not), and of others."""

    statement: int
    direction: str  # "agree" or "disagree"
    n_success: int
    n_trials: int
    share: float  # of the group who saw it, the share that answered `direction`
    share_rest: float  # the same among the other groups
    repness: float  # smoothed share in the group / smoothed share in the rest
    z: float  # two-proportion z-test, group against rest
    z_share: float  # proportion z-test of the share against one half
    best_agree: bool = False


@dataclass(frozen=True)
class Consensus:
    """A statement every group agrees (or disagrees) with: group-informed consensus."""

    statement: int
    direction: str
    score: float  # product over groups of (n + 1) / (seen + 2)
    shares: tuple[float, ...]  # per group, by label: share of those who saw it


@dataclass(frozen=True)
class Majority:
    """A statement most of those who answered it agree (or disagree) with: Pol.is's consensus."""

    statement: int
    direction: str
    n_success: int
    n_trials: int
    share: float
    z: float


@dataclass(frozen=True)
class Counts:
    """Answers to one statement: agree, disagree, pass and seen."""

    agree: int
    disagree: int
    passes: int
    seen: int


@dataclass(frozen=True)
class StatementStats:
    """One statement's answers by everyone and by group, and how far it pulls on the map."""

    statement: int
    total: Counts
    groups: tuple[Counts, ...]  # by group label
    extremity: float  # Pol.is's comment extremity: length of an agree's projection


@dataclass(frozen=True)
class Group:
    """An opinion group: label (0 is shown as A), size, centre and representative statements."""

    label: int
    size: int
    x: float
    y: float
    representatives: tuple[Representative, ...]


@dataclass(frozen=True)
class Analysis:
    """What `analyse()` found: points, groups, consensus, per-statement counts."""

    participants_total: int
    participants_counted: int
    statements_total: int
    reason: str | None = None  # why there are no groups, one of REASONS (None: there are)
    k: int = 0
    silhouettes: tuple[tuple[int, float], ...] = ()
    variance: tuple[float, ...] = ()  # share of the variance on each axis
    points: tuple[Point, ...] = ()
    groups: tuple[Group, ...] = ()
    consensus_agree: tuple[Consensus, ...] = ()
    consensus_disagree: tuple[Consensus, ...] = ()
    majority_agree: tuple[Majority, ...] = ()
    majority_disagree: tuple[Majority, ...] = ()
    statements: tuple[StatementStats, ...] = ()
    version: int = field(default=VERSION)

    @property
    def participants_left_out(self) -> int:
        """Participants who answered too little to enter the analysis."""
        return self.participants_total - self.participants_counted

    def membership(self) -> dict[int, int]:
        """participant -> group label, for those placed in a group (the next `previous`)."""
        return {p.participant: p.group for p in self.points if p.group is not None}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, keys in a fixed order, floats rounded: the same answers, the same bytes."""
        return {
            "version": self.version,
            "participants": {
                "total": self.participants_total,
                "counted": self.participants_counted,
                "left_out": self.participants_left_out,
            },
            "statements_total": self.statements_total,
            "reason": self.reason,
            "k": self.k,
            "silhouettes": [{"k": k, "score": _r(s)} for k, s in self.silhouettes],
            "variance": [_r(v) for v in self.variance],
            "points": [[p.participant, _r(p.x), _r(p.y), p.group] for p in self.points],
            "groups": [_group_json(g) for g in self.groups],
            "consensus": {
                "agree": [_consensus_json(c) for c in self.consensus_agree],
                "disagree": [_consensus_json(c) for c in self.consensus_disagree],
            },
            "majority": {
                "agree": [_majority_json(m) for m in self.majority_agree],
                "disagree": [_majority_json(m) for m in self.majority_disagree],
            },
            "statements": [
                {
                    "statement": s.statement,
                    "total": _counts_json(s.total),
                    "groups": [_counts_json(c) for c in s.groups],
                    "extremity": _r(s.extremity),
                }
                for s in self.statements
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Analysis:
        """The Analysis a `to_json()` dict describes (as stored, floats rounded)."""
        return cls(
            participants_total=int(data["participants"]["total"]),
            participants_counted=int(data["participants"]["counted"]),
            statements_total=int(data["statements_total"]),
            reason=data["reason"],
            k=int(data["k"]),
            silhouettes=tuple((int(s["k"]), float(s["score"])) for s in data["silhouettes"]),
            variance=tuple(float(v) for v in data["variance"]),
            points=tuple(
                Point(int(p), float(x), float(y), None if g is None else int(g))
                for p, x, y, g in data["points"]
            ),
            groups=tuple(
                Group(
                    label=int(g["label"]),
                    size=int(g["size"]),
                    x=float(g["x"]),
                    y=float(g["y"]),
                    representatives=tuple(Representative(**r) for r in g["representatives"]),
                )
                for g in data["groups"]
            ),
            consensus_agree=tuple(_consensus(c) for c in data["consensus"]["agree"]),
            consensus_disagree=tuple(_consensus(c) for c in data["consensus"]["disagree"]),
            majority_agree=tuple(Majority(**m) for m in data["majority"]["agree"]),
            majority_disagree=tuple(Majority(**m) for m in data["majority"]["disagree"]),
            statements=tuple(
                StatementStats(
                    statement=int(s["statement"]),
                    total=Counts(**s["total"]),
                    groups=tuple(Counts(**c) for c in s["groups"]),
                    extremity=float(s["extremity"]),
                )
                for s in data["statements"]
            ),
            version=int(data["version"]),
        )


def _r(value: float) -> float:
    """Rounded for storage; -0.0 becomes 0.0 so that the bytes do not depend on a sign bit."""
    return round(float(value), DIGITS) + 0.0


def _counts_json(c: Counts) -> dict[str, int]:
    return {"agree": c.agree, "disagree": c.disagree, "passes": c.passes, "seen": c.seen}


def _group_json(g: Group) -> dict[str, Any]:
    return {
        "label": g.label,
        "size": g.size,
        "x": _r(g.x),
        "y": _r(g.y),
        "representatives": [
            {
                "statement": r.statement,
                "direction": r.direction,
                "n_success": r.n_success,
                "n_trials": r.n_trials,
                "share": _r(r.share),
                "share_rest": _r(r.share_rest),
                "repness": _r(r.repness),
                "z": _r(r.z),
                "z_share": _r(r.z_share),
                "best_agree": r.best_agree,
            }
            for r in g.representatives
        ],
    }


def _consensus_json(c: Consensus) -> dict[str, Any]:
    return {
        "statement": c.statement,
        "direction": c.direction,
        "score": _r(c.score),
        "shares": [_r(s) for s in c.shares],
    }


def _consensus(d: Mapping[str, Any]) -> Consensus:
    return Consensus(
        int(d["statement"]), str(d["direction"]), float(d["score"]), tuple(d["shares"])
    )


def _majority_json(m: Majority) -> dict[str, Any]:
    return {
        "statement": m.statement,
        "direction": m.direction,
        "n_success": m.n_success,
        "n_trials": m.n_trials,
        "share": _r(m.share),
        "z": _r(m.z),
    }


# --- statistics (Pol.is's stats: +1 smoothing inside the tests) ---------------------------


def prop_test(success: FloatArray, trials: FloatArray) -> FloatArray:
    """z of a share against one half, with one success and one trial added."""
    s, n = success + 1.0, trials + 1.0
    return np.asarray(2.0 * np.sqrt(n) * (s / n - 0.5), dtype=np.float64)


def two_prop_test(
    success_in: FloatArray, success_out: FloatArray, trials_in: FloatArray, trials_out: FloatArray
) -> FloatArray:
    """z of the share in a group against the share outside, each count plus one."""
    s1, s2, n1, n2 = success_in + 1.0, success_out + 1.0, trials_in + 1.0, trials_out + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / np.sqrt(spread)
    # A pooled share of 1 leaves no spread: Pol.is calls that no difference.
    return np.asarray(np.where(spread > 0, z, 0.0), dtype=np.float64)


def _shares(success: FloatArray, trials: FloatArray) -> FloatArray:
    """Raw shares, 0 where nobody saw the statement."""
    return np.asarray(np.where(trials > 0, success / np.maximum(trials, 1.0), 0.0))


# --- PCA ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pca:
    center: FloatArray  # (S,)
    components: FloatArray  # (2, S)
    variance: tuple[float, ...]


def _pca(values: FloatArray) -> _Pca | None:
    """Two principal components of the mean-imputed matrix; None when nothing varies."""
    seen = ~np.isnan(values)
    counts = seen.sum(axis=0)
    sums = np.where(seen, values, 0.0).sum(axis=0)
    center = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    # Imputing the mean and centring leaves 0 where the answer is missing.
    centred = np.where(seen, values - center, 0.0)
    scatter = centred.T @ centred
    total = float(np.trace(scatter))
    if total <= 1e-9:
        return None
    eigenvalues, components = _top_two(scatter)
    for row in components:
        # Eigenvectors have no sign: make the largest loading positive so every machine agrees.
        largest = int(np.argmax(np.abs(np.round(row, 12))))
        if row[largest] < 0:
            row *= -1.0
    variance = tuple(max(float(e), 0.0) / total for e in eigenvalues)
    return _Pca(center, components, variance)


def _top_two(scatter: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The two leading eigenpairs of a symmetric positive matrix, by subspace iteration.

    As Pol.is, by power iteration (on two vectors at once, then the exact 2 x 2 rotation):
    only matrix-vector products, which stay quick on a busy machine where a full
    eigen-decomposition's threads can take a hundred times longer.
    """
    n = scatter.shape[0]
    if n == 1:
        return np.array([float(scatter[0, 0]), 0.0]), np.array([[1.0], [0.0]])
    basis = np.random.default_rng(0).standard_normal((n, 2))
    basis, _ = np.linalg.qr(basis)
    for _ in range(PCA_ITERATIONS):
        moved, _ = np.linalg.qr(scatter @ basis)
        # Converged when the new basis spans the same plane (projection unchanged).
        done = np.abs(moved @ (moved.T @ basis) - basis).max() < 1e-12
        basis = moved
        if done:
            break
    small = basis.T @ scatter @ basis
    eigenvalues, rotation = np.linalg.eigh((small + small.T) / 2)
    order = np.argsort(-eigenvalues, kind="stable")
    return eigenvalues[order], (basis @ rotation[:, order]).T.copy()


def _project(values: FloatArray, pca: _Pca) -> FloatArray:
    """Pol.is's sparsity-aware projection: answers given only, scaled by sqrt(S / answered)."""
    seen = ~np.isnan(values)
    centred = np.where(seen, values - pca.center, 0.0)
    scale = np.sqrt(values.shape[1] / np.maximum(seen.sum(axis=1), 1))
    return np.asarray((centred @ pca.components.T) * scale[:, None], dtype=np.float64)


def _extremity(pca: _Pca) -> FloatArray:
    """How far a lone agree with each statement lands from the centre (Pol.is's extremity)."""
    n = pca.center.shape[0]
    offsets = (AGREE - pca.center) * math.sqrt(n)
    return np.asarray(np.hypot(offsets * pca.components[0], offsets * pca.components[1]))


# --- k-means ------------------------------------------------------------------------------


def _sq_distances(points: FloatArray, centres: FloatArray) -> FloatArray:
    """Squared distances between 2-D points and centres, (points, centres)."""
    dx = points[:, 0, None] - centres[None, :, 0]
    dy = points[:, 1, None] - centres[None, :, 1]
    return np.asarray(dx * dx + dy * dy)


def _kmeans(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator, inits: int
) -> tuple[IntArray, FloatArray]:
    """Weighted k-means (k-means++ starts, Lloyd's steps); the lowest inertia of `inits` runs."""
    best: tuple[float, IntArray, FloatArray] | None = None
    n = points.shape[0]
    for _ in range(inits):
        chosen = [int(rng.choice(n, p=weights / weights.sum()))]
        nearest = _sq_distances(points, points[chosen])[:, 0]
        while len(chosen) < k:
            mass = weights * nearest
            if mass.sum() <= 0:
                break
            pick = int(rng.choice(n, p=mass / mass.sum()))
            chosen.append(pick)
            nearest = np.minimum(nearest, _sq_distances(points, points[[pick]])[:, 0])
        centres = points[chosen].copy()
        labels = np.full(n, -1, dtype=np.intp)
        for _ in range(MAX_ITERATIONS):
            new = np.argmin(_sq_distances(points, centres), axis=1).astype(np.intp)
            if np.array_equal(new, labels):
                break
            labels = new
            k_now = centres.shape[0]
            held = np.bincount(labels, weights=weights, minlength=k_now).astype(np.float64)
            for axis in (0, 1):
                moments = np.bincount(labels, weights=weights * points[:, axis], minlength=k_now)
                # An emptied cluster keeps its centre (and is dropped at the end).
                centres[:, axis] = np.where(
                    held > 0, moments / np.where(held > 0, held, 1.0), centres[:, axis]
                )
        inertia = float((weights * _sq_distances(points, centres)[np.arange(n), labels]).sum())
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels, centres)
    assert best is not None
    _, labels, centres = best
    used = np.unique(labels)
    return np.searchsorted(used, labels).astype(np.intp), centres[used]


def _silhouette(points: FloatArray, labels: IntArray) -> float:
    """Mean silhouette over the points (a point alone in its cluster counts 0, as in Pol.is)."""
    k = int(labels.max()) + 1
    distances = np.sqrt(_sq_distances(points, points))
    sums = np.stack([distances[:, labels == j].sum(axis=1) for j in range(k)], axis=1)
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    own = sizes[labels] - 1.0
    rows = np.arange(points.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[rows, labels] / own
        means = sums / sizes[None, :]
    means[rows, labels] = np.inf
    b = means.min(axis=1)
    top = np.maximum(a, b)
    scores = np.where((own > 0) & (top > 0), (b - a) / np.where(top > 0, top, 1.0), 0.0)
    return float(scores.mean())


@dataclass(frozen=True)
class _Clustering:
    silhouettes: dict[int, float]
    labels: dict[int, IntArray]  # per k: group of each participant


def _cluster_run(points: FloatArray, seed: int) -> _Clustering | None:
    """One seeded base clustering, then its group clusterings for every k allowed."""
    rng = np.random.default_rng(seed)
    distinct = np.unique(points, axis=0).shape[0]
    base_labels, base_centres = _kmeans(
        points, np.ones(points.shape[0]), min(BASE_K, distinct), rng, 1
    )
    base_weights = np.bincount(base_labels).astype(np.float64)
    # Pol.is's cap: more groups only as the number of base clusters allows.
    max_k = min(MAX_K, 2 + base_centres.shape[0] // 12, base_centres.shape[0] - 1)
    silhouettes: dict[int, float] = {}
    labels: dict[int, IntArray] = {}
    for k in range(2, max_k + 1):
        group_of_base, _ = _kmeans(base_centres, base_weights, k, rng, GROUP_INITS)
        if int(group_of_base.max()) + 1 < k:
            continue
        silhouettes[k] = _silhouette(base_centres, group_of_base)
        labels[k] = group_of_base[base_labels]
    if not silhouettes:
        return None
    return _Clustering(silhouettes, labels)


def _choose_groups(points: FloatArray) -> tuple[int, dict[int, float], IntArray] | None:
    """k by the mean silhouette over RUNS seeded clusterings; then, of that k's groupings, the
    one that agrees most with the others (a seed's chance optimum is not kept)."""
    runs = [run for seed in range(RUNS) if (run := _cluster_run(points, seed)) is not None]
    if not runs:
        return None
    ks = sorted(set.intersection(*(set(run.silhouettes) for run in runs)))
    if not ks:
        return None
    means = {k: float(np.mean([run.silhouettes[k] for run in runs])) for k in ks}
    chosen = max(ks, key=lambda k: (means[k], -k))
    groupings = [run.labels[chosen] for run in runs]
    agreement = [sum(adjusted_rand_index(a, b) for b in groupings) for a in groupings]
    best = max(range(len(runs)), key=lambda i: (agreement[i], -i))
    return chosen, means, groupings[best]


def adjusted_rand_index(a: Sequence[int] | IntArray, b: Sequence[int] | IntArray) -> float:
    """How two groupings of the same people agree, labels aside (1: the same, about 0: chance)."""
    if len(a) != len(b):
        raise ValueError("the two groupings must label the same people")
    n = len(a)
    if n < 2:
        return 1.0
    _, first = np.unique(np.asarray(a), return_inverse=True)
    _, second = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((int(first.max()) + 1, int(second.max()) + 1))
    np.add.at(table, (first.ravel(), second.ravel()), 1)

    def pairs(x: FloatArray) -> float:
        return float((x * (x - 1) / 2).sum())

    together = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2)
    most = (rows + cols) / 2
    if most == expected:
        # Both put everyone in one group, or each person alone: they agree.
        return 1.0
    return (together - expected) / (most - expected)


# --- labels -------------------------------------------------------------------------------


def _relabel(
    labels: IntArray, participants: Sequence[int], previous: Mapping[int, int] | None
) -> IntArray:
    """Labels 0..k-1: matched to the previous groups by overlap, else by size (largest is A)."""
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    first = [min(p for p, g in zip(participants, labels, strict=True) if g == j) for j in range(k)]
    by_size = sorted(range(k), key=lambda j: (-int(sizes[j]), first[j]))
    old_labels = sorted(set(previous.values())) if previous else []
    matched: dict[int, int] = {}
    if previous and old_labels:
        overlap = np.zeros((k, len(old_labels)), dtype=np.int64)
        column = {label: i for i, label in enumerate(old_labels)}
        for p, g in zip(participants, labels, strict=True):
            if p in previous:
                overlap[g, column[previous[p]]] += 1
        # k <= 5: every one-to-one pairing is at most 120 sums.
        m = len(old_labels)
        if k <= m:
            pairings = [
                list(zip(range(k), olds, strict=True))
                for olds in itertools.permutations(range(m), k)
            ]
        else:
            pairings = [
                list(zip(news, range(m), strict=True))
                for news in itertools.permutations(range(k), m)
            ]
        best = max(pairings, key=lambda pairs: sum(int(overlap[j, o]) for j, o in pairs))
        matched = {j: old_labels[o] for j, o in best if overlap[j, o] > 0}
    mapping: dict[int, int] = {}
    for j in sorted(matched, key=lambda j: matched[j]):
        if 0 <= matched[j] < k:
            mapping[j] = matched[j]
    free = iter(label for label in range(k) if label not in mapping.values())
    # Groups that kept no old label take the free ones: matched first, then the largest.
    for j in sorted(matched, key=lambda j: matched[j]) + by_size:
        if j not in mapping:
            mapping[j] = next(free)
    return np.array([mapping[int(g)] for g in labels], dtype=np.intp)


# --- repness and consensus ----------------------------------------------------------------


def _group_counts(values: FloatArray, labels: IntArray, k: int) -> FloatArray:
    """(k, S, 3) counts of agree, disagree and seen per group and statement."""
    counts = np.zeros((k, values.shape[1], 3))
    for g in range(k):
        rows = values[labels == g]
        counts[g, :, 0] = (rows == AGREE).sum(axis=0)
        counts[g, :, 1] = (rows == DISAGREE).sum(axis=0)
        counts[g, :, 2] = (~np.isnan(rows)).sum(axis=0)
    return counts


@dataclass(frozen=True)
class _GroupStats:
    """Pol.is's per-statement stats of one group against the rest (n: counts, p: smoothed)."""

    na: FloatArray
    nd: FloatArray
    ns: FloatArray
    rest_na: FloatArray
    rest_nd: FloatArray
    rest_ns: FloatArray
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray

    @classmethod
    def of(cls, counts: FloatArray, g: int) -> _GroupStats:
        """The stats of group g from the (k, S, 3) counts."""
        na, nd, ns = counts[g, :, 0], counts[g, :, 1], counts[g, :, 2]
        rest = counts[np.arange(counts.shape[0]) != g].sum(axis=0)
        rest_na, rest_nd, rest_ns = rest[:, 0], rest[:, 1], rest[:, 2]
        pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
        return cls(
            na=na,
            nd=nd,
            ns=ns,
            rest_na=rest_na,
            rest_nd=rest_nd,
            rest_ns=rest_ns,
            pa=pa,
            pd=pd,
            pat=prop_test(na, ns),
            pdt=prop_test(nd, ns),
            ra=pa / ((rest_na + 1) / (rest_ns + 2)),
            rd=pd / ((rest_nd + 1) / (rest_ns + 2)),
            rat=two_prop_test(na, rest_na, ns, rest_ns),
            rdt=two_prop_test(nd, rest_nd, ns, rest_ns),
        )

    def agrees(self, j: int) -> bool:
        """Whether agree tells more than disagree about this group (by the z against the rest)."""
        return bool(self.rat[j] > self.rdt[j])

    def sufficient(self, j: int) -> bool:
        """Both z-tests pass at 90 %, for agree or for disagree."""
        return bool(
            (self.rat[j] > Z_90 and self.pat[j] > Z_90)
            or (self.rdt[j] > Z_90 and self.pdt[j] > Z_90)
        )

    def metric(self, j: int) -> float:
        """Pol.is's sort key: repness x its z x the smoothed share x its z."""
        if self.agrees(j):
            return float(self.ra[j] * self.rat[j] * self.pa[j] * self.pat[j])
        return float(self.rd[j] * self.rdt[j] * self.pd[j] * self.pdt[j])

    def card(self, j: int, statement: int, best_agree: bool = False) -> Representative:
        """The statement as shown for the group."""
        agree = best_agree or self.agrees(j)
        success, rest = (self.na[j], self.rest_na[j]) if agree else (self.nd[j], self.rest_nd[j])
        return Representative(
            statement=statement,
            direction="agree" if agree else "disagree",
            n_success=int(success),
            n_trials=int(self.ns[j]),
            share=float(success / self.ns[j]) if self.ns[j] else 0.0,
            share_rest=float(rest / self.rest_ns[j]) if self.rest_ns[j] else 0.0,
            repness=float(self.ra[j] if agree else self.rd[j]),
            z=float(self.rat[j] if agree else self.rdt[j]),
            z_share=float(self.pat[j] if agree else self.pdt[j]),
            best_agree=best_agree,
        )


def _representatives(
    counts: FloatArray, statements: Sequence[int]
) -> list[tuple[Representative, ...]]:
    """Pol.is's choice of representative statements for each group, at most 5, agrees first."""
    result: list[tuple[Representative, ...]] = []
    for g in range(counts.shape[0]):
        stats = _GroupStats.of(counts, g)
        best_agree = _best_agree(stats)
        sufficient = [j for j in range(len(statements)) if stats.sufficient(j)]
        if not sufficient:
            # Nothing passes the tests: still one statement, the best agree or the best z.
            if best_agree is not None:
                result.append((stats.card(best_agree, statements[best_agree], True),))
            elif statements:
                best = max(
                    range(len(statements)),
                    key=lambda j: (max(stats.rat[j], stats.rdt[j]), -j),
                )
                result.append((stats.card(best, statements[best]),))
            else:
                result.append(())
            continue
        ranked = sorted(
            (j for j in sufficient if j != best_agree), key=lambda j: (-stats.metric(j), j)
        )
        chosen = [stats.card(j, statements[j]) for j in ranked]
        if best_agree is not None:
            chosen.insert(0, stats.card(best_agree, statements[best_agree], True))
        chosen = chosen[:REPRESENTATIVES]
        agrees = [r for r in chosen if r.direction == "agree"]
        result.append(tuple(agrees + [r for r in chosen if r.direction != "agree"]))
    return result


def _best_agree(stats: _GroupStats) -> int | None:
    """The statement Pol.is puts first for a group: what it agrees with, and more than the rest."""
    best: int | None = None
    pa, pat, ra, rat = stats.pa, stats.pat, stats.ra, stats.rat
    for j in range(pa.shape[0]):
        if stats.na[j] == 0 and stats.nd[j] == 0:
            continue
        if best is None:
            better = bool(pat[j] > Z_90 or (ra[j] > 1.0 and pa[j] > 0.5))
        elif ra[best] > 1.0:
            better = ra[j] * rat[j] * pa[j] * pat[j] > ra[best] * rat[best] * pa[best] * pat[best]
        else:
            better = pa[j] * pat[j] > pa[best] * pat[best]
        if better:
            best = j
    return best


def _consensus_lists(
    counts: FloatArray, statements: Sequence[int]
) -> tuple[tuple[Consensus, ...], tuple[Consensus, ...]]:
    """Group-informed consensus: statements that a majority of every group agrees with."""
    seen = counts[:, :, 2]
    lists = []
    for index, direction in ((0, "agree"), (1, "disagree")):
        smoothed = (counts[:, :, index] + 1) / (seen + 2)
        scores = smoothed.prod(axis=0)
        shares = _shares(counts[:, :, index], seen)
        candidates = [j for j in range(len(statements)) if (smoothed[:, j] > 0.5).all()]
        candidates.sort(key=lambda j: (-scores[j], statements[j]))
        lists.append(
            tuple(
                Consensus(
                    int(statements[j]),
                    direction,
                    float(scores[j]),
                    tuple(float(s) for s in shares[:, j]),
                )
                for j in candidates[:CONSENSUS]
            )
        )
    return lists[0], lists[1]


def _majority_lists(
    values: FloatArray, statements: Sequence[int]
) -> tuple[tuple[Majority, ...], tuple[Majority, ...]]:
    """Pol.is's consensus: more than half, significantly, agree (or disagree)."""
    seen = (~np.isnan(values)).sum(axis=0).astype(np.float64)
    lists = []
    for value, direction in ((AGREE, "agree"), (DISAGREE, "disagree")):
        success = (values == value).sum(axis=0).astype(np.float64)
        p = (success + 1) / (seen + 2)
        z = prop_test(success, seen)
        candidates = [j for j in range(len(statements)) if p[j] > 0.5 and z[j] > Z_90]
        candidates.sort(key=lambda j: (-(p[j] * z[j]), statements[j]))
        lists.append(
            tuple(
                Majority(
                    int(statements[j]),
                    direction,
                    int(success[j]),
                    int(seen[j]),
                    float(_shares(success[j : j + 1], seen[j : j + 1])[0]),
                    float(z[j]),
                )
                for j in candidates[:CONSENSUS]
            )
        )
    return lists[0], lists[1]


def _counts(column: FloatArray) -> Counts:
    return Counts(
        agree=int((column == AGREE).sum()),
        disagree=int((column == DISAGREE).sum()),
        passes=int((column == PASS).sum()),
        seen=int((~np.isnan(column)).sum()),
    )


# --- the analysis -------------------------------------------------------------------------


def analyse(votes: Votes, previous: Mapping[int, int] | None = None) -> Analysis:
    """The opinion map of these answers; `previous` (participant -> label) keeps labels stable."""
    votes = votes.sorted()
    values = votes.values
    n_people, n_statements = values.shape
    answered = (~np.isnan(values)).sum(axis=1)
    counted = answered >= min(MIN_ANSWERS, n_statements) if n_statements else answered < 0
    totals = tuple(
        StatementStats(s, _counts(values[:, j]), (), 0.0) for j, s in enumerate(votes.statements)
    )
    empty = Analysis(
        participants_total=n_people,
        participants_counted=int(counted.sum()),
        statements_total=n_statements,
        statements=totals,
    )
    majority_agree, majority_disagree = _majority_lists(values, votes.statements)
    empty = _replace(empty, majority_agree=majority_agree, majority_disagree=majority_disagree)
    if n_statements == 0:
        return _replace(empty, reason="no_statements")
    if int(counted.sum()) < MIN_PARTICIPANTS:
        return _replace(empty, reason="too_few_participants")
    inside = values[counted]
    people = [p for p, c in zip(votes.participants, counted, strict=True) if c]
    pca = _pca(inside)
    if pca is None:
        return _replace(empty, reason="no_variance")
    points = _project(inside, pca)
    extremity = _extremity(pca)
    totals = tuple(
        StatementStats(s.statement, s.total, (), float(extremity[j])) for j, s in enumerate(totals)
    )
    mapped = _replace(empty, variance=pca.variance, statements=totals)
    choice = _choose_groups(points) if np.unique(points, axis=0).shape[0] >= 3 else None
    if choice is None:
        return _replace(
            mapped,
            reason="no_groups",
            points=tuple(
                Point(p, float(x), float(y), None) for p, (x, y) in zip(people, points, strict=True)
            ),
        )
    k, silhouettes, raw_labels = choice
    labels = _relabel(raw_labels, people, previous)
    counts = _group_counts(inside, labels, k)
    representatives = _representatives(counts, votes.statements)
    consensus_agree, consensus_disagree = _consensus_lists(counts, votes.statements)
    groups = []
    for g in range(k):
        member = labels == g
        centre = points[member].mean(axis=0)
        groups.append(
            Group(g, int(member.sum()), float(centre[0]), float(centre[1]), representatives[g])
        )
    statements = tuple(
        StatementStats(
            s.statement,
            s.total,
            tuple(
                Counts(
                    int(counts[g, j, 0]),
                    int(counts[g, j, 1]),
                    int(counts[g, j, 2] - counts[g, j, 0] - counts[g, j, 1]),
                    int(counts[g, j, 2]),
                )
                for g in range(k)
            ),
            s.extremity,
        )
        for j, s in enumerate(totals)
    )
    return _replace(
        mapped,
        k=k,
        silhouettes=tuple(sorted(silhouettes.items())),
        points=tuple(
            Point(p, float(x), float(y), int(g))
            for p, (x, y), g in zip(people, points, labels, strict=True)
        ),
        groups=tuple(groups),
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        statements=statements,
    )


def _replace(analysis: Analysis, **changes: Any) -> Analysis:
    return replace(analysis, **changes)


# --- which statement next -----------------------------------------------------------------


def priorities(
    votes: Votes, analysis: Analysis | None, participant: int | None
) -> list[tuple[int, float]]:
    """Statements this participant has not seen, highest Pol.is priority first (ties by id).

    Pol.is's priority: (importance x novelty)^2, importance = (1 - p) (extremity + 1) a with
    p = (passes + 1) / (seen + 2), a = (agrees + 1) / (seen + 2), novelty = 1 + 8 x 2^(-seen/5):
    statements few have seen, and that separate opinions on the map, come first.
    """
    values = votes.values
    seen = ~np.isnan(values)
    n_seen = seen.sum(axis=0).astype(np.float64)
    agrees = (values == AGREE).sum(axis=0).astype(np.float64)
    passes = (values == PASS).sum(axis=0).astype(np.float64)
    extremity = {s.statement: s.extremity for s in analysis.statements} if analysis else {}
    mine = np.zeros(values.shape[1], dtype=bool)
    if participant is not None and participant in votes.participants:
        mine = seen[votes.participants.index(participant)]
    result = []
    for j, statement in enumerate(votes.statements):
        if mine[j]:
            continue
        p = (passes[j] + 1) / (n_seen[j] + 2)
        a = (agrees[j] + 1) / (n_seen[j] + 2)
        importance = (1 - p) * (extremity.get(statement, 0.0) + 1) * a
        novelty = 1 + 8 * 2 ** (-n_seen[j] / 5)
        result.append((int(statement), float((importance * novelty) ** 2)))
    result.sort(key=lambda item: (-item[1], item[0]))
    return result


def next_statement(
    votes: Votes, analysis: Analysis | None, participant: int | None, seed: int = 0
) -> int | None:
    """A statement to show next, drawn with probability proportional to its priority.

    Pol.is draws too, so that everyone does not answer the same statement first; the draw is
    seeded by the participant and how much they answered: the same state, the same statement.
    """
    ranked = priorities(votes, analysis, participant)
    if not ranked:
        return None
    weights = np.array([w for _, w in ranked])
    if weights.sum() <= 0:
        return ranked[0][0]
    answered = 0
    if participant is not None and participant in votes.participants:
        row = votes.values[votes.participants.index(participant)]
        answered = int((~np.isnan(row)).sum())
    rng = np.random.default_rng([seed, abs(participant or 0), answered])
    return ranked[int(rng.choice(len(ranked), p=weights / weights.sum()))][0]
