"""The open data's zip: built as a generated document (core/documents.py), kept once.

Documents of kind "opendata" hold the zip. The newest ready one is served; a build removes the
older ones once it is ready. The first zip is made by `flask opendata build`; from then on a
publication rebuilds it, at most once per OPENDATA_REBUILD_MINUTES, and the scheduled command
publishes what came in between.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from flask_babel import force_locale
from sqlalchemy import delete, func, select, union_all

from consultation.comments.models import Comment
from consultation.core import documents
from consultation.core.context import app
from consultation.core.documents import STALE_AFTER, Document, DocumentState
from consultation.core.models import as_utc, utcnow
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentUpdate
from consultation.opendata import writer
from consultation.opinions.models import Answer, Statement
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.syntheses.models import SynthesisVersion
from consultation.votes.models import Support

KIND = "opendata"
MEDIA_TYPE = "application/zip"


@dataclass(frozen=True)
class Published:
    """The zip served now: enough to answer a page or a conditional request without its
    bytes."""

    id: int
    created: datetime
    size: int

    @property
    def etag(self) -> str:
        """Changes with every build."""
        return f"opendata-{self.id}"


def published() -> Published | None:
    """The newest ready zip, without its bytes (one query)."""
    row = db.session.execute(
        select(Document.id, Document.finished_at, Document.size)
        .where(Document.kind == KIND, Document.state == DocumentState.READY)
        .order_by(Document.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return Published(row.id, as_utc(row.finished_at), row.size or 0)


def zip_bytes(current: Published) -> bytes:
    """The stored zip."""
    return db.session.scalar(select(Document.content).where(Document.id == current.id)) or b""


# Descriptors read back from a zip, by document id: the page reads one per build, not per view.
_DESCRIPTORS: dict[tuple[str, int, datetime], dict[str, Any]] = {}


def descriptor(current: Published) -> dict[str, Any]:
    """The datapackage.json of the zip served (read once per build and process)."""
    key = (str(db.engine.url), current.id, current.created)
    found = _DESCRIPTORS.get(key)
    if found is None:
        found = json.loads(member(zip_bytes(current), "datapackage.json"))
        _DESCRIPTORS.clear()  # one build is served at a time
        _DESCRIPTORS[key] = found
    return found


def member(content: bytes, name: str) -> bytes:
    """One file of the zip."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


def render() -> bytes:
    """Write the whole zip from the data as it is now (one consistent reading)."""
    if db.engine.dialect.name == "postgresql":
        # Every dataset from one snapshot: counts and rows agree across files.
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    with force_locale("fr"), tempfile.TemporaryFile() as target:
        writer.write_zip(target, utcnow())
        target.seek(0)
        return target.read()


def _documents() -> list[Any]:
    return list(db.session.execute(
        select(Document.id, Document.state, Document.requested_at, Document.started_at,
               Document.finished_at)
        .where(Document.kind == KIND)
        .order_by(Document.id.desc())
    ))


def _alive(row: Any) -> bool:
    """A pending or running build that has not been forgotten by a dead worker."""
    since = row.started_at if row.state == DocumentState.RUNNING else row.requested_at
    return since is not None and utcnow() - as_utc(since) <= STALE_AFTER


@dataclass(frozen=True)
class State:
    """Where the builds stand."""

    ready: datetime | None  # when the newest ready zip was finished
    waiting: int | None  # a pending document: a change waits for a build
    running: bool  # a build is under way


def state() -> State:
    """Read the builds' state in one query."""
    rows = _documents()
    ready = next((as_utc(r.finished_at) for r in rows if r.state == DocumentState.READY), None)
    waiting = next((r.id for r in rows if r.state == DocumentState.PENDING and _alive(r)), None)
    running = any(r.state == DocumentState.RUNNING and _alive(r) for r in rows)
    return State(ready, waiting, running)


def ask() -> int:
    """Record that a build is wanted (a pending document); its id. Commits."""
    document = documents.request_document(KIND, writer.ZIP_NAME)
    document.media_type = MEDIA_TYPE
    db.session.commit()
    return document.id


def build(document_id: int) -> str:
    """Build the zip of this pending document; once ready, remove the older ones."""
    result = documents.build(document_id, render)
    if result == DocumentState.READY:
        db.session.execute(
            delete(Document)
            .where(Document.kind == KIND, Document.id < document_id,
                   Document.state != DocumentState.RUNNING)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return result


def rebuild_minutes() -> float:
    """At most one automatic build per this many minutes (OPENDATA_REBUILD_MINUTES)."""
    return float(app().config["OPENDATA_REBUILD_MINUTES"])


def last_change() -> datetime | None:
    """When the published data last changed, as far as the rows' times tell (removed supports
    leave no time: the scheduled command's --force builds regardless)."""
    moments = union_all(
        select(func.max(Project.updated_at).label("at")),
        select(func.max(Proposal.updated_at)),
        select(func.max(Proposal.moderated_at)),
        select(func.max(Proposal.answered_at)),
        select(func.max(Proposal.withdrawn_at)),
        select(func.max(Comment.updated_at)),
        select(func.max(Comment.moderated_at)),
        select(func.max(Comment.deleted_at)),
        select(func.max(Support.created_at)),
        select(func.max(SynthesisVersion.published_at)),
        select(func.max(Commitment.updated_at)),
        select(func.max(CommitmentUpdate.created_at)),
        select(func.max(Statement.moderated_at)),
        select(func.max(Answer.answered_at)),
    ).subquery()
    values = [as_utc(value) if isinstance(value, datetime) else _parse(value)
              for value in db.session.scalars(select(moments.c.at)) if value is not None]
    return max(values, default=None)


def _parse(value: Any) -> datetime:
    # SQLite hands back the max() of a timestamp column as text.
    return as_utc(datetime.fromisoformat(str(value)))


# engine -> (window, seen at, not due before): what this process last read of the builds.
# Every build is newer than the one before, so once a reading says "not due before T" no later
# build can make it due sooner: until T each publication asks nothing of the database (a rush
# of supports and comments sends no query at all). A clock that went back (a test's time
# travel) forgets the reading; an app's engine lives as long as the app.
_QUIET: WeakKeyDictionary[Any, tuple[timedelta, datetime, datetime]] = WeakKeyDictionary()


def due() -> bool:
    """True when a publication should rebuild the zip now (one query, none at all while a
    reading of this process says it cannot be): a zip was built once (the first is made by
    `flask opendata build`), the newest build ended (or failed) at least
    OPENDATA_REBUILD_MINUTES ago, and none is under way."""
    now = utcnow()
    window = timedelta(minutes=rebuild_minutes())
    engine = db.engine
    quiet = _QUIET.get(engine)
    if quiet is not None and quiet[0] == window and quiet[1] <= now < quiet[2]:
        return False
    newest = db.session.execute(_NEWEST).first()
    if newest is None:
        # The first build, by the command, starts from now at the earliest.
        _QUIET[engine] = (window, now, now + window)
        return False
    if newest.state in (DocumentState.PENDING, DocumentState.RUNNING) and _alive(newest):
        # It will end after it started: no sooner due than that start plus the window.
        _QUIET[engine] = (window, now, as_utc(newest.started_at or newest.requested_at) + window)
        return False
    ended = as_utc(newest.finished_at or newest.started_at or newest.requested_at)
    if now - ended >= window:
        return True
    _QUIET[engine] = (window, now, ended + window)
    return False


_NEWEST = (
    select(Document.state, Document.requested_at, Document.started_at, Document.finished_at)
    .where(Document.kind == KIND)
    .order_by(Document.id.desc())
    .limit(1)
)
