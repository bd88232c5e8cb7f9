"""Reading Pol.is open data exports, and grouping their participants as Pol.is does."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultation.opinions.polis import adjusted_rand_index, groups_csv, read_export

DATA = Path(__file__).parent / "data"
CONVERSATIONS = ["15-per-hour-seattle", "brexit-consensus"]


def test_read_export_leaves_moderated_comments_out() -> None:
    export = read_export(DATA / "15-per-hour-seattle")
    moderated_out = {c.id for c in export.comments.values() if c.moderated == -1}
    assert len(export.comments) == 54 and len(moderated_out) == 23
    assert not moderated_out & set(export.votes.statements)
    assert export.votes.values.shape == (339, 31)
    assert len(export.groups) == 138 and set(export.groups.values()) == {0, 1}
    # Participant 1 agreed with comment 0 and disagreed with comment 7.
    row = export.votes.participants.index(1)
    assert export.votes.values[row, export.votes.statements.index(0)] == 1
    assert export.votes.values[row, export.votes.statements.index(7)] == -1


def test_groups_csv_lines() -> None:
    text = groups_csv(DATA / "brexit-consensus")
    assert "\r" not in text and text.endswith("\n")
    lines = text.splitlines()
    assert lines[0] == "participant,group"
    rows = [tuple(int(x) for x in line.split(",")) for line in lines[1:]]
    assert [p for p, _ in rows] == sorted(p for p, _ in rows)
    assert {g for _, g in rows} == {0, 1}
    # Only those with at least 7 answers are placed.
    assert len(rows) == 189


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_grouping_agrees_with_polis(name: str) -> None:
    polis = read_export(DATA / name).groups
    lines = groups_csv(DATA / name).splitlines()[1:]
    ours = {int(p): int(g) for p, g in (line.split(",") for line in lines)}
    both = sorted(set(ours) & set(polis))
    assert len(both) >= 0.9 * len(polis)
    assert adjusted_rand_index([ours[p] for p in both], [polis[p] for p in both]) >= 0.75


def test_adjusted_rand_index() -> None:
    assert adjusted_rand_index([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]) == pytest.approx(1.0)
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) < 0
    assert adjusted_rand_index([0, 0, 0], [1, 1, 1]) == 1.0
    with pytest.raises(ValueError):
        adjusted_rand_index([0], [0, 1])
