"""Shared fragments (consultation/core/fragments.py): the versions every write moves, in the
database and in the same transaction, and the store that keeps fragments under them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask_babel import force_locale
from sqlalchemy import select

from consultation.comments import services as comments
from consultation.core import fragments
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.reference.models import Territory
from consultation.votes import services as votes
from tests import factories
from tests.conftest import services_missing


def versions(project: Project, *proposals: Proposal) -> tuple[int, ...]:
    """The versions as stored, read past the session."""
    project_version = db.session.execute(
        select(Project.version).where(Project.id == project.id)
    ).scalar_one()
    return (project_version, *(db.session.execute(
        select(Proposal.version).where(Proposal.id == each.id)
    ).scalar_one() for each in proposals))


@pytest.fixture
def debated(app: Flask) -> dict[str, Any]:
    project = factories.project()
    proposal = factories.proposal(project)
    other = factories.proposal(project)
    db.session.commit()
    return {"project": project, "proposal": proposal, "other": other}


def test_a_support_moves_the_project_not_the_debate(debated: dict[str, Any]) -> None:
    project, proposal, other = debated["project"], debated["proposal"], debated["other"]
    before = versions(project, proposal, other)
    votes.add_support(factories.user(), proposal)
    db.session.commit()
    after = versions(project, proposal, other)
    assert after[0] > before[0]
    assert after[1:] == before[1:]


def test_a_comment_moves_its_proposal_and_project_only(debated: dict[str, Any]) -> None:
    project, proposal, other = debated["project"], debated["proposal"], debated["other"]
    before = versions(project, proposal, other)
    made = factories.comment(proposal)
    db.session.commit()
    middle = versions(project, proposal, other)
    assert middle[0] > before[0] and middle[1] > before[1] and middle[2] == before[2]
    comments.edit_comment(made.author, made, "pour", "Un avis revu et corrigé.")
    db.session.commit()
    after = versions(project, proposal, other)
    assert after[0] > middle[0] and after[1] > middle[1] and after[2] == middle[2]


def test_an_edit_of_a_proposal_moves_it(debated: dict[str, Any]) -> None:
    project, proposal, other = debated["project"], debated["proposal"], debated["other"]
    before = versions(project, proposal, other)
    proposal.title = "Un titre nouveau pour la proposition"
    db.session.commit()
    after = versions(project, proposal, other)
    assert after[0] > before[0] and after[1] > before[1] and after[2] == before[2]


def test_asking_to_be_told_of_a_synthesis_moves_nothing(debated: dict[str, Any]) -> None:
    """A subscription is the person's own (read live on the synthesis page): the project's
    shared fragments stay."""
    from consultation.syntheses import services as syntheses

    project, reader = debated["project"], factories.user()
    db.session.commit()
    before = versions(project)
    syntheses.subscribe(project, reader)
    db.session.commit()
    syntheses.unsubscribe(project, reader)
    db.session.commit()
    assert versions(project) == before


def test_a_rolled_back_change_moves_nothing(debated: dict[str, Any]) -> None:
    project, proposal = debated["project"], debated["proposal"]
    before = versions(project, proposal)
    proposal.title = "Un titre jamais gardé pour la proposition"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert versions(project, proposal) == before


def test_a_renamed_person_moves_what_carries_their_name(debated: dict[str, Any]) -> None:
    project, proposal, other = debated["project"], debated["proposal"], debated["other"]
    made = factories.comment(other)
    db.session.commit()
    before = versions(project, proposal, other)
    made.author.display_name = "Nouveau nom"
    db.session.commit()
    after = versions(project, proposal, other)
    assert after[0] > before[0] and after[2] > before[2]
    assert after[1] == before[1]  # nothing of theirs there


def test_reference_data_moves_every_version(debated: dict[str, Any]) -> None:
    project, proposal, other = debated["project"], debated["proposal"], debated["other"]
    before = versions(project, proposal, other)
    db.session.execute(select(Territory).limit(1)).scalar_one().name += " "
    db.session.commit()
    assert all(a > b for a, b in zip(versions(project, proposal, other), before, strict=True))


def test_the_store_keeps_a_fragment_per_key_and_language(app: Flask) -> None:
    made: list[str] = []

    def render() -> str:
        made.append("x")
        return f"<p>{len(made)}</p>"

    with app.test_request_context("/"):
        assert fragments.cached("test", (1, 2), render) == "<p>1</p>"
        assert fragments.cached("test", (1, 2), render) == "<p>1</p>"
        assert fragments.cached("test", (1, 3), render) == "<p>2</p>"
        assert g.fragment_counts == {"hits": 1, "misses": 2}
    with app.test_request_context("/"), force_locale("en"):
        assert fragments.cached("test", (1, 2), render) == "<p>3</p>"
        assert fragments.cached("test", (1, 2), render) == "<p>3</p>"


def ended(moment: datetime, text: str) -> str:
    """A fragment that shows something ending at `moment`."""
    fragments.valid_until(moment)
    return f"<p>{text}</p>"


def test_a_fragment_is_kept_no_later_than_what_it_shows(app: Flask) -> None:
    with app.test_request_context("/"):
        fragments.cached("ends", (1,), lambda: ended(utcnow() - timedelta(seconds=1), "vieux"))
        assert fragments.cached("ends", (1,), lambda: "<p>neuf</p>") == "<p>neuf</p>"
        fragments.cached("lasts", (1,), lambda: ended(utcnow() + timedelta(hours=1), "gardé"))
        assert fragments.cached("lasts", (1,), lambda: "<p>autre</p>") == "<p>gardé</p>"


def test_the_store_is_bounded() -> None:
    store = fragments.Store(items=3, size=10_000, redis_url=None, timeout=1)
    for n in range(5):
        store.put(n, f"<p>{n}</p>", None)
    assert list(store.pages) == [2, 3, 4]
    store.get(2)
    store.put(5, "<p>5</p>", None)
    assert list(store.pages) == [4, 2, 5]
    small = fragments.Store(items=100, size=400, redis_url=None, timeout=1)
    for n in range(20):
        small.put(n, "x" * 50, None)
    assert small.used <= 400 and len(small.pages) < 20


def test_workers_share_fragments_through_redis() -> None:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # not running, refused, unknown host
        services_missing(f"Redis ({error.__class__.__name__})")
    key = ("test-shared", os.getpid(), utcnow().isoformat())
    one = fragments.Store(items=10, size=10_000, redis_url=url, timeout=1)
    two = fragments.Store(items=10, size=10_000, redis_url=url, timeout=1)
    one.put(key, "<p>partagé</p>", None)
    assert two.get(key) == "<p>partagé</p>"
    ending = (*key, "ending")
    one.put(ending, "<p>jusqu'à ce soir</p>", utcnow() + timedelta(hours=1))
    assert two.get(ending) == "<p>jusqu'à ce soir</p>"
    assert two.pages[ending][1] is not None  # its end came along
    # A new release reads none of the fragments the one before it left in Redis.
    next_release = fragments.Store(items=10, size=10_000, redis_url=url, timeout=1,
                                   release="0123456789abcdef")
    assert next_release.get(key) is None
    next_release.put(key, "<p>nouveau</p>", None)
    assert fragments.Store(items=10, size=10_000, redis_url=url, timeout=1).get(key) == \
        "<p>partagé</p>"
    unreachable = fragments.Store(items=10, size=10_000, redis_url="redis://127.0.0.1:1/0",
                                  timeout=0.2)
    unreachable.put(key, "<p>ici</p>", None)
    assert unreachable.get(key) == "<p>ici</p>"  # kept in memory, Redis skipped


def test_the_release_digest_follows_code_templates_and_translations(tmp_path) -> None:
    """`code_release` changes when a module, a template or a compiled translation changes, and
    only then: Redis fragments made by another release are never read."""
    package, templates, translations = (tmp_path / "pkg", tmp_path / "templates",
                                        tmp_path / "translations" / "en" / "LC_MESSAGES")
    for folder in (package, templates, translations):
        folder.mkdir(parents=True)
    (package / "views.py").write_text("x = 1\n")
    (templates / "page.html").write_text("<p>{{ x }}</p>")
    (translations / "messages.mo").write_bytes(b"\x00")
    app = Flask("pkg", root_path=str(package), template_folder=str(templates))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path / "translations")
    first = fragments.code_release(app)
    assert fragments.code_release(app) == first
    seen = {first}
    for path, content in ((templates / "page.html", b"<p>{{ x }}<br></p>"),
                          (package / "views.py", b"x = 2\n"),
                          (translations / "messages.mo", b"\x01")):
        path.write_bytes(content)
        seen.add(fragments.code_release(app))
    assert len(seen) == 4
