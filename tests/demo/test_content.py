"""The demo content files: packaged, and read into the shapes `flask demo load` expects."""

import tomllib
from pathlib import Path

from consultation.demo import data

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "consultation" / "demo" / "content"


def _comments(comments: list) -> list[tuple]:
    """Every comment of a thread, replies included."""
    found = []
    for comment in comments:
        found.append(comment)
        if len(comment) == 4:
            found += _comments(comment[3])
    return found


def test_every_content_file_is_packaged():
    """pyproject.toml's package data takes every TOML file of the demo content."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        patterns = tomllib.load(file)["tool"]["setuptools"]["package-data"]["consultation"]
    package = ROOT / "consultation"
    packaged = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    files = set(CONTENT.rglob("*.toml"))
    assert len(files) >= 10
    assert files <= packaged


def test_content_has_the_shapes_the_loader_reads():
    """Comments are tuples with nested replies, phases pairs of days, every author a person."""
    people = {account["key"] for account in data.STAFF} | {key for key, *_ in data.CITIZENS}
    assert len(people) == len(data.STAFF) + len(data.CITIZENS)
    assert data.PROJECTS[2] is data.WIFI and data.WIFI["territories"] == data.COMMUNES
    for project in data.PROJECTS:
        assert all(type(days) is tuple and len(days) == 2 for days in project["phases"].values())
        threads = project["comments"] + [c for p in project["proposals"] for c in p["comments"]]
        for comment in _comments(threads):
            assert type(comment) is tuple and len(comment) in (3, 4), comment
            assert comment[0] in people and comment[1] in ("pour", "contre", "neutre"), comment
        for proposal in project["proposals"]:
            assert proposal["author"] in people
            assert "territory" in proposal
            if "answer" in proposal:
                status, text, after = proposal["answer"]
                assert status in ("accepted", "rejected", "under_study") and text
                assert isinstance(after, int)
    assert data.PROJECTS[0]["title"] == data.OPEN_DATA
    assert data.SYNTHESES[1]["narrative"] == (
        data.OPEN_DATA_FINDINGS + "\n\n" + data.OPEN_DATA_ANSWERS
    )
    assert [row["author"] for row in data.MEDIATION["workshop"]["rows"]] == [
        None, None, "jean_yves"
    ]
