"""Pol.is open data exports: read one, and group its participants with the platform's analysis.

An export (compdemocracy/openData) is a folder holding `comments.csv` (`comment-id`,
`moderated`: -1 out, 0 not yet, 1 accepted, `comment-body`...) and `participants-votes.csv`
(`participant`, `group-id` as Pol.is computed it, four counts, then one column per comment:
1 agree, -1 disagree, 0 pass, blank not seen). Comments moderated out are left out, as Pol.is
leaves them out of its analysis. No Flask here: `flask opinions polis-groups DIR` calls
`groups_csv()`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from consultation.opinions.analysis import Votes, adjusted_rand_index, analyse

__all__ = ["Comment", "PolisExport", "adjusted_rand_index", "groups_csv", "read_export"]

# participants-votes.csv: these columns come before the one-per-comment ones.
_LEADING = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")


@dataclass(frozen=True)
class Comment:
    """A Pol.is comment (a statement): its text and moderation state."""

    id: int
    text: str
    moderated: int


@dataclass(frozen=True)
class PolisExport:
    """The answers of an export (moderated-out comments left out) and Pol.is's own groups."""

    votes: Votes
    comments: dict[int, Comment]
    groups: dict[int, int]  # participant -> Pol.is group-id, for those it placed


def read_export(directory: Path | str) -> PolisExport:
    """The votes, comments and Pol.is groups of an open data export folder."""
    directory = Path(directory)
    comments: dict[int, Comment] = {}
    with (directory / "comments.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            comment = Comment(
                int(row["comment-id"]), row["comment-body"], int(row["moderated"] or 0)
            )
            comments[comment.id] = comment
    groups: dict[int, int] = {}
    triples: list[tuple[int, int, int]] = []
    with (directory / "participants-votes.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header[: len(_LEADING)]) != _LEADING:
            raise ValueError(f"{directory}/participants-votes.csv: unexpected columns")
        columns = [int(c) for c in header[len(_LEADING) :]]
        kept = [
            (i, c)
            for i, c in enumerate(columns, start=len(_LEADING))
            if c not in comments or comments[c].moderated != -1
        ]
        participants = []
        for cells in reader:
            if not cells:
                continue
            participant = int(cells[0])
            participants.append(participant)
            if cells[1].strip():
                groups[participant] = int(cells[1])
            for i, comment_id in kept:
                cell = cells[i].strip() if i < len(cells) else ""
                if cell:
                    triples.append((participant, comment_id, int(float(cell))))
    votes = Votes.from_triples(triples, statements=(c for _, c in kept), participants=participants)
    return PolisExport(votes, comments, groups)


def groups_csv(directory: Path | str) -> str:
    """CSV `participant,group` for those the platform's analysis puts in a group, by participant."""
    analysis = analyse(read_export(directory).votes)
    lines = ["participant,group"]
    lines += [
        f"{participant},{group}" for participant, group in sorted(analysis.membership().items())
    ]
    return "\n".join(lines) + "\n"
