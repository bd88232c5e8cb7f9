"""The opinion map's analysis: planted groups found, same bytes every time, stable labels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from consultation.opinions.analysis import (
    MIN_ANSWERS,
    Analysis,
    Votes,
    analyse,
    next_statement,
    priorities,
)
from consultation.opinions.polis import adjusted_rand_index

CONSENSUS_STATEMENT = 99


def planted(seed: int = 1, camps: int = 3, size: int = 40, missing: float = 0.2) -> Votes:
    """Camp c agrees with statements 10c..10c+9 and disagrees with the other camps' ones;
    everyone agrees with statement 99; some answers unseen, a few at random."""
    rng = np.random.default_rng(seed)
    statements = [*range(10 * camps), CONSENSUS_STATEMENT]
    rows = []
    for person in range(camps * size):
        camp = person % camps
        for statement in statements:
            if rng.random() < missing:
                continue
            agrees = statement == CONSENSUS_STATEMENT or statement // 10 == camp
            value = 1 if agrees else -1
            if rng.random() < 0.1:
                value = int(rng.choice([-1, 0, 1]))
            rows.append((1000 + person, statement, value))
    return Votes.from_triples(rows)


def camp_of(participant: int, camps: int = 3) -> int:
    return (participant - 1000) % camps


def dumps(analysis: Analysis) -> str:
    return json.dumps(analysis.to_json(), ensure_ascii=False)


@pytest.fixture(scope="module")
def votes() -> Votes:
    return planted()


@pytest.fixture(scope="module")
def analysis(votes: Votes) -> Analysis:
    return analyse(votes)


def test_planted_groups_are_found(analysis: Analysis) -> None:
    assert analysis.reason is None and analysis.k == 3
    assert [k for k, _ in analysis.silhouettes] == [2, 3, 4, 5]
    assert max(analysis.silhouettes, key=lambda item: item[1])[0] == 3
    placed = analysis.membership()
    assert len(placed) == analysis.participants_counted == 120
    people = sorted(placed)
    found = [placed[p] for p in people]
    assert adjusted_rand_index(found, [camp_of(p) for p in people]) > 0.95
    assert sorted(g.size for g in analysis.groups) == [40, 40, 40]
    assert [g.label for g in analysis.groups] == [0, 1, 2]


def test_representative_statements_are_the_planted_ones(analysis: Analysis) -> None:
    placed = analysis.membership()
    for group in analysis.groups:
        members = [p for p, g in placed.items() if g == group.label]
        camp = camp_of(members[0])
        assert 1 <= len(group.representatives) <= 5
        top = group.representatives[0]
        assert top.direction == "agree" and top.statement // 10 == camp
        assert top.share > 0.8 and top.share_rest < 0.2 and top.z > 1.2816
        agrees = [r.direction == "agree" for r in group.representatives]
        assert agrees == sorted(agrees, reverse=True)  # agrees before disagrees


def test_consensus_is_what_everyone_agrees_with(analysis: Analysis) -> None:
    assert analysis.consensus_agree[0].statement == CONSENSUS_STATEMENT
    assert all(s > 0.8 for s in analysis.consensus_agree[0].shares)
    assert len(analysis.consensus_agree[0].shares) == 3
    assert analysis.majority_agree[0].statement == CONSENSUS_STATEMENT
    # A camp's own statements split the others: no consensus there.
    assert all(c.statement == CONSENSUS_STATEMENT for c in analysis.consensus_agree)


def test_counts_per_statement_and_group(votes: Votes, analysis: Analysis) -> None:
    stats = {s.statement: s for s in analysis.statements}
    assert set(stats) == set(votes.statements)
    column = votes.values[:, votes.statements.index(5)]
    total = stats[5].total
    assert total.seen == int((~np.isnan(column)).sum())
    assert total.agree + total.disagree + total.passes == total.seen
    assert sum(c.seen for c in stats[5].groups) == total.seen
    assert all(s.extremity >= 0 for s in analysis.statements)


def test_same_bytes_whatever_the_order(votes: Votes, analysis: Analysis) -> None:
    assert dumps(analyse(votes)) == dumps(analysis)
    rng = np.random.default_rng(7)
    rows = rng.permutation(len(votes.participants))
    columns = rng.permutation(len(votes.statements))
    shuffled = Votes(
        tuple(votes.participants[i] for i in rows),
        tuple(votes.statements[j] for j in columns),
        votes.values[np.ix_(rows, columns)],
    )
    assert dumps(analyse(shuffled)) == dumps(analysis)


def test_json_round_trip(analysis: Analysis) -> None:
    data = json.loads(dumps(analysis))
    again = Analysis.from_json(data)
    assert again.to_json() == data
    assert again.membership() == analysis.membership()
    assert again.groups[0].representatives[0].statement == (
        analysis.groups[0].representatives[0].statement
    )


def test_labels_stay_with_their_groups(votes: Votes, analysis: Analysis) -> None:
    before = analysis.membership()
    # A few answers change: the groups are the same people, they keep their letters.
    values = votes.values.copy()
    rng = np.random.default_rng(3)
    for _ in range(15):
        i, j = rng.integers(values.shape[0]), rng.integers(values.shape[1])
        values[i, j] = -1.0 if values[i, j] == 1.0 else 1.0
    changed = Votes(votes.participants, votes.statements, values)
    after = analyse(changed, previous=before).membership()
    same = sum(after[p] == before[p] for p in before)
    assert same >= 0.95 * len(before)
    # Whatever letters the previous map used, the same groups take them again.
    rotated = {p: (g + 1) % 3 for p, g in before.items()}
    assert analyse(changed, previous=rotated).membership() == {
        p: (g + 1) % 3 for p, g in analyse(changed, previous=before).membership().items()
    }


def test_fewer_groups_than_before_keep_labels_in_range(votes: Votes) -> None:
    before = analyse(votes).membership()
    two_camps = planted(camps=2, size=60)
    previous = {p: before.get(p, 2) for p in two_camps.participants}
    result = analyse(two_camps, previous=previous)
    assert result.k == 2 and sorted(g.label for g in result.groups) == [0, 1]


def test_too_few_participants_no_groups() -> None:
    small = Votes.from_triples((p, s, 1 if (p + s) % 2 else -1) for p in range(5) for s in range(8))
    result = analyse(small)
    assert result.reason == "too_few_participants"
    assert result.groups == () and result.points == () and result.k == 0
    assert result.participants_total == 5
    assert Analysis.from_json(result.to_json()) == result


def test_identical_answers_no_groups() -> None:
    same = Votes.from_triples((p, s, 1) for p in range(30) for s in range(10))
    result = analyse(same)
    assert result.reason == "no_variance" and result.groups == ()


def test_no_answers_at_all() -> None:
    result = analyse(Votes.from_triples([]))
    assert result.reason == "no_statements" and result.participants_total == 0
    assert dumps(result)


def test_a_statement_nobody_saw(votes: Votes) -> None:
    rows = [
        (p, s, int(votes.values[i, j]))
        for i, p in enumerate(votes.participants)
        for j, s in enumerate(votes.statements)
        if not np.isnan(votes.values[i, j])
    ]
    with_unseen = Votes.from_triples(rows, statements=[500])
    result = analyse(with_unseen)
    assert result.k == 3
    unseen = next(s for s in result.statements if s.statement == 500)
    assert unseen.total.seen == 0 and all(c.seen == 0 for c in unseen.groups)
    shown = {r.statement for g in result.groups for r in g.representatives}
    shown |= {c.statement for c in result.consensus_agree + result.consensus_disagree}
    assert 500 not in shown
    assert np.isfinite([p.x for p in result.points]).all()


def test_little_answered_participants_are_left_out(votes: Votes) -> None:
    values = votes.values.copy()
    # Participant 1000 keeps only 6 answers (one fewer than needed), 1001 exactly 7.
    for row, keep in ((0, MIN_ANSWERS - 1), (1, MIN_ANSWERS)):
        seen = np.flatnonzero(~np.isnan(values[row]))
        values[row, seen[keep:]] = np.nan
    result = analyse(Votes(votes.participants, votes.statements, values))
    assert result.participants_left_out == 1
    placed = result.membership()
    assert 1000 not in placed and 1001 in placed


def test_votes_are_checked() -> None:
    with pytest.raises(ValueError):
        Votes((1, 2), (1,), np.array([[1.0], [2.0]]))
    with pytest.raises(ValueError):
        Votes((1, 1), (1,), np.array([[1.0], [0.0]]))
    votes = Votes.from_triples([(2, 5, 1), (1, 5, -1), (1, 3, 0)])
    assert votes.participants == (1, 2) and votes.statements == (3, 5)
    assert np.isnan(votes.values[1, 0])


def test_priorities_favour_what_few_have_seen(votes: Votes, analysis: Analysis) -> None:
    rows = [
        (p, s, int(votes.values[i, j]))
        for i, p in enumerate(votes.participants)
        for j, s in enumerate(votes.statements)
        if not np.isnan(votes.values[i, j])
    ]
    more = Votes.from_triples([*rows, (2000, 0, 1), (2001, 0, 1)], statements=[500])
    ranked = priorities(more, analysis, 2000)
    assert 0 not in [s for s, _ in ranked]  # already answered
    assert ranked[0][0] == 500  # nobody has seen it yet
    assert [w for _, w in ranked] == sorted((w for _, w in ranked), reverse=True)
    assert len(ranked) == len(more.statements) - 1
    first = next_statement(more, analysis, 2000)
    assert first == next_statement(more, analysis, 2000)
    assert first in {s for s, _ in ranked}
    everything = Votes.from_triples([(1, 1, 1), (1, 2, 0)])
    assert next_statement(everything, None, 1) is None
    assert [s for s, _ in priorities(everything, None, None)] == [1, 2]


def test_bench_runs_on_a_small_debate() -> None:
    # In a process of its own, as `python -m bench.opinions` runs: its peak memory is the
    # analysis's, not that of a test worker that ran a few hundred tests before.
    done = subprocess.run(
        [sys.executable, "-m", "bench.opinions", "--participants", "200", "--statements", "40"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["participants"] == 200 and result["k"] >= 2


def test_more_groups_than_before_keep_the_old_labels(votes: Votes) -> None:
    # The previous map had two groups (camps 0 and 1, lettered the other way round).
    previous = {p: 1 - camp_of(p) for p in votes.participants if camp_of(p) < 2}
    placed = analyse(votes, previous=previous).membership()
    for p, g in placed.items():
        assert g == (1 - camp_of(p) if camp_of(p) < 2 else 2)


def test_four_camps_on_two_questions() -> None:
    """Four camps, two independent questions (a square on the map): four groups."""
    rng = np.random.default_rng(0)
    rows = []
    for person in range(240):
        camp = person % 4
        first, second = (1 if camp % 2 == 0 else -1), (1 if camp < 2 else -1)
        for statement in range(40):
            if rng.random() < 0.4:
                continue
            value = first if statement < 20 else second
            if rng.random() < 0.15:
                value = int(rng.choice([-1, 0, 1]))
            rows.append((person, statement, value))
    result = analyse(Votes.from_triples(rows))
    assert result.k == 4
    placed = result.membership()
    people = sorted(placed)
    assert adjusted_rand_index([placed[p] for p in people], [p % 4 for p in people]) > 0.95
