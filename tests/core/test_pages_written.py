"""The pages a comment and a support write, counted in SQLite's WAL: what every POST costs the
disk (each page is written to the WAL, then copied into the database by a checkpoint). An
index of a column most rows leave empty holds only the rows that set it (migration 0024), so a
top-level comment, a support and their follows write no page of those."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable

import pytest
from flask import Flask

from consultation.comments import services as comments
from consultation.core import drivers
from consultation.extensions import db
from tests import factories

# The indexes a top-level comment on a proposal, a support and the follow of a proposal leave
# alone: the row sets none of their columns.
UNTOUCHED = {"ix_comments_parent_id", "ix_comments_root_id", "ix_comments_workshop_id",
             "uq_follows_user_project", "ix_follows_project_id",
             "ix_proposals_merged_into_id", "ix_proposals_answer_status",
             "ix_proposals_workshop_id"}


def _path(app: Flask) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).removeprefix("sqlite:///")


def _written(app: Flask, write: Callable[[], object]) -> set[str]:
    """The b-trees (tables and indexes) whose pages `write`, then its commit, put in the WAL."""
    path = _path(app)
    db.session.commit()
    direct = sqlite3.connect(path)
    try:
        # An empty WAL: the frames read afterwards are this write's alone (once the process's
        # checkpoint thread, which a commit of another test may have asked, is done).
        assert drivers.CHECKPOINTS.wait(10)
        busy, _frames, _copied = direct.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        write()
        db.session.commit()
        page_size = direct.execute("PRAGMA page_size").fetchone()[0]
        with open(path + "-wal", "rb") as wal:
            log = wal.read()
        salts = log[16:24]
        pages = set()
        # A frame: its page number, the database's size, the log's salts, checksums; the page.
        for offset in range(32, len(log) - 24 - page_size + 1, 24 + page_size):
            if log[offset + 8:offset + 16] != salts:
                break  # a frame of an earlier round of the log
            pages.add(struct.unpack(">I", log[offset:offset + 4])[0])
        try:
            owners = dict(direct.execute("SELECT pageno, name FROM dbstat").fetchall())
        except sqlite3.OperationalError:
            pytest.skip("SQLite est compilé sans la table dbstat")
        return {owners[page] for page in pages if page in owners}
    finally:
        direct.close()


def _only_sqlite() -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite seulement : le WAL se lit page par page")


def test_a_comment_writes_no_page_of_the_indexes_of_what_it_leaves_empty(app: Flask) -> None:
    """A top-level comment on a proposal writes its row, its indexes, its search entry, the
    counters and its author's follow, and no page of the reply, workshop or merge indexes."""
    _only_sqlite()
    proposal = factories.proposal()
    author = factories.user()
    written = _written(app, lambda: comments.add_comment(
        author, proposal.project, "pour", "Un avis argumenté.", proposal=proposal))
    assert {"comments", "ix_comments_author_id", "ix_comments_proposal_roots", "proposals",
            "projects", "search_entries", "follows", "uq_follows_user_proposal",
            "ix_follows_proposal_id"} <= written, written
    assert not written & UNTOUCHED


def test_a_reply_writes_the_thread_indexes(app: Flask) -> None:
    """A reply sets its parent and its thread: it writes their indexes (the count above is not
    blind to them)."""
    _only_sqlite()
    proposal = factories.proposal()
    first = factories.comment(proposal)
    written = _written(app, lambda: factories.comment(parent=first))
    assert {"ix_comments_parent_id", "ix_comments_root_id"} <= written, written
    assert not written & (UNTOUCHED - {"ix_comments_parent_id", "ix_comments_root_id"})


def test_a_support_writes_no_page_of_the_indexes_of_what_it_leaves_empty(app: Flask) -> None:
    """A support writes its row, the counters and the supporter's follow of the proposal, and
    no page of the project follows' indexes nor of the proposal's sparse ones."""
    _only_sqlite()
    proposal = factories.proposal()
    supporter = factories.user()
    written = _written(app, lambda: factories.support(proposal, supporter))
    assert {"supports", "proposals", "follows", "uq_follows_user_proposal"} <= written, written
    assert not written & UNTOUCHED
