"""The search index (kept in the transaction of every change) and the queries on it.

Indexing: `sync(connection, kind, ids)` rewrites the rows of those objects from their current
state, keeping only what everyone may see; the session listener (listeners.py) and the
moderation signals (receivers.py) call it, `reindex()` calls it for everything.
Querying: `search_page()` for /recherche, `similar()` and `find()` for core/similar.py,
`proposal_ids()` for a project's proposal list (core/textfilter.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from consultation.comments.models import Comment
from consultation.core.drivers import send_unread
from consultation.core.models import ModerationState
from consultation.core.pagination import KeysetPage, encode_cursor
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentUpdate
from consultation.projects.models import Phase, Project, project_territories
from consultation.projects.services import is_public
from consultation.proposals.models import Proposal, ProposalStatus
from consultation.search import text as words
from consultation.search.models import EntryKind, SearchEntry
from consultation.syntheses.models import SynthesisVersion

log = logging.getLogger(__name__)
entries = SearchEntry.__table__
CHUNK = 500
SCORE_SCALE = 1_000_000  # ranks kept as integers, so that a cursor carries them exactly
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0  # SQLite's bm25 column weights
# Matches ranked per search: beyond, the newest are ranked and the page says "more than".
CANDIDATES = 1_000
FTS = table("search_fts")  # SQLite's FTS5 table (migration 0015), not mapped


# --- Indexing ---------------------------------------------------------------------------------

def _chunks(ids: Iterable[int]) -> list[list[int]]:
    values = sorted(set(ids))
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _row(connection: Connection, kind: str, object_id: int, project_id: int,
         created_at: datetime, title: str, body: str, proposal_id: int | None = None,
         territory_id: int | None = None) -> dict[str, Any]:
    sqlite = connection.dialect.name == "sqlite"
    title = (title or "")[:200]
    shape = words.stemmed_text if sqlite else words.index_text
    return {
        "kind": kind, "object_id": object_id, "project_id": project_id,
        "proposal_id": proposal_id, "territory_id": territory_id, "created_at": created_at,
        "title": title, "body": body, "index_title": shape(title), "index_body": shape(body),
    }


def _visible_proposal() -> ColumnElement[bool]:
    return and_(Proposal.status == ProposalStatus.PUBLISHED,
                Proposal.moderation == ModerationState.VISIBLE)


def _rows(connection: Connection, kind: str, ids: list[int] | None) -> list[dict[str, Any]]:
    """The index rows of these objects (all of the kind when ids is None), visible ones only."""
    found: list[dict[str, Any]] = []
    statement: Any
    if kind == EntryKind.PROJECT:
        # A draft project is no one's to find until it is published.
        statement = select(Project.id, Project.title, Project.summary, Project.plain_summary,
                           Project.body, Project.created_at).where(is_public())
        if ids is not None:
            statement = statement.where(Project.id.in_(ids))
        for r in connection.execute(statement):
            body = " ".join(filter(None, [r.summary, words.plain_text(r.plain_summary),
                                          words.plain_text(r.body)]))
            found.append(_row(connection, kind, r.id, r.id, r.created_at, r.title, body))
    elif kind == EntryKind.PROPOSAL:
        statement = select(Proposal.id, Proposal.project_id, Proposal.territory_id,
                           Proposal.title, Proposal.body, Proposal.answer_body,
                           Proposal.created_at).where(_visible_proposal())
        if ids is not None:
            statement = statement.where(Proposal.id.in_(ids))
        for r in connection.execute(statement):
            body = " ".join(filter(None, [words.plain_text(r.body),
                                          words.plain_text(r.answer_body)]))
            found.append(_row(connection, kind, r.id, r.project_id, r.created_at, r.title, body,
                              r.id, r.territory_id))
    elif kind == EntryKind.COMMENT:
        statement = (
            select(Comment.id, Comment.project_id, Comment.proposal_id, Comment.body,
                   Comment.created_at, Proposal.territory_id)
            .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
            .where(Comment.deleted_at.is_(None), Comment.moderation == ModerationState.VISIBLE,
                   or_(Comment.proposal_id.is_(None), _visible_proposal()))
        )
        if ids is not None:
            statement = statement.where(Comment.id.in_(ids))
        for r in connection.execute(statement):
            found.append(_row(connection, kind, r.id, r.project_id, r.created_at, "",
                              words.plain_text(r.body), r.proposal_id, r.territory_id))
    elif kind == EntryKind.SYNTHESIS:
        # ids are project ids: a project's latest published version is its synthesis.
        latest = (select(func.max(SynthesisVersion.id))
                  .group_by(SynthesisVersion.project_id))
        if ids is not None:
            latest = latest.where(SynthesisVersion.project_id.in_(ids))
        statement = select(SynthesisVersion.id, SynthesisVersion.project_id,
                           SynthesisVersion.narrative, SynthesisVersion.change_note,
                           SynthesisVersion.published_at).where(SynthesisVersion.id.in_(latest))
        for r in connection.execute(statement):
            body = " ".join(filter(None, [words.plain_text(r.narrative), r.change_note]))
            found.append(_row(connection, kind, r.id, r.project_id, r.published_at, "", body))
    elif kind == EntryKind.COMMITMENT:
        statement = select(Commitment.id, Commitment.project_id, Commitment.title,
                           Commitment.description, Commitment.service, Commitment.abandon_reason,
                           Commitment.created_at)
        updates = select(CommitmentUpdate.commitment_id, CommitmentUpdate.text)
        if ids is not None:
            statement = statement.where(Commitment.id.in_(ids))
            updates = updates.where(CommitmentUpdate.commitment_id.in_(ids))
        told: dict[int, list[str]] = {}
        for u in connection.execute(updates.order_by(CommitmentUpdate.id)):
            told.setdefault(u.commitment_id, []).append(words.plain_text(u.text))
        for r in connection.execute(statement):
            body = " ".join(filter(None, [words.plain_text(r.description), r.service,
                                          r.abandon_reason, *told.get(r.id, [])]))
            found.append(_row(connection, kind, r.id, r.project_id, r.created_at, r.title, body))
    return found


def sync(connection: Connection, kind: str, ids: Iterable[int] | None) -> None:
    """Rewrite the index rows of these objects from their current state (every object of the
    kind when ids is None); synthesis ids are project ids."""
    key = entries.c.project_id if kind == EntryKind.SYNTHESIS else entries.c.object_id
    batches: Sequence[list[int] | None] = [None] if ids is None else _chunks(ids)
    for batch in batches:
        removed = delete(entries).where(entries.c.kind == kind)
        if batch is not None:
            removed = removed.where(key.in_(batch))
        connection.execute(removed)
        rows = _rows(connection, kind, batch)
        if rows:
            connection.execute(insert(entries), rows)
    if kind == EntryKind.PROPOSAL:
        # A proposal's comments are found only while the proposal is.
        if ids is None:
            sync(connection, EntryKind.COMMENT, None)
            return
        for batch in _chunks(ids):
            comment_ids = connection.scalars(
                select(Comment.id).where(Comment.proposal_id.in_(batch))
            ).all()
            if comment_ids:
                sync(connection, EntryKind.COMMENT, comment_ids)


# (dialect, on a proposal) -> the entry of a new comment, built once (every comment POST runs
# it): one INSERT ... SELECT that reads the proposal's territory and visibility itself, and
# takes the place of any stale entry of the same id (the index's unique key).
_NEW_COMMENT: dict[tuple[str, bool], Any] = {}
_ENTRY_COLUMNS = ("kind", "object_id", "project_id", "proposal_id", "territory_id", "created_at",
                  "title", "body", "index_title", "index_body")


def _new_comment_statement(dialect: str, on_proposal: bool) -> Any:
    statement = _NEW_COMMENT.get((dialect, on_proposal))
    if statement is None:
        given: dict[str, Any] = {name: bindparam(name, type_=entries.c[name].type)
                                 for name in _ENTRY_COLUMNS}
        if on_proposal:
            given["proposal_id"], given["territory_id"] = Proposal.id, Proposal.territory_id
            row = select(*given.values()).where(
                Proposal.id == bindparam("on_proposal", type_=Integer), _visible_proposal())
        else:
            given["proposal_id"] = given["territory_id"] = cast(literal(None), Integer)
            row = select(*given.values()).where(literal(True))  # SQLite's upsert needs a WHERE
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(entries).from_select(list(_ENTRY_COLUMNS), row)
        statement = _NEW_COMMENT[(dialect, on_proposal)] = statement.on_conflict_do_update(
            index_elements=[entries.c.kind, entries.c.object_id],
            set_={name: statement.excluded[name] for name in _ENTRY_COLUMNS[2:]},
        )
    return statement


def index_new_comment(connection: Connection, comment: Comment) -> bool:
    """Index a comment just written, in one statement, from what the flush knows of it; False
    (nothing done) when it is not one for everyone to find: `sync` settles that case."""
    if comment.deleted_at is not None or comment.moderation != ModerationState.VISIBLE:
        return False
    # The very row `sync` would write; the proposal's territory comes from the SELECT.
    params = _row(connection, EntryKind.COMMENT, comment.id, comment.project_id,
                  comment.created_at, "", words.plain_text(comment.body))
    del params["proposal_id"], params["territory_id"]
    if comment.proposal_id is not None:
        params["on_proposal"] = comment.proposal_id
    statement = _new_comment_statement(connection.dialect.name, comment.proposal_id is not None)
    send_unread(connection, statement, params)
    return True


def reindex() -> dict[str, int]:
    """Rebuild the whole index from the content (`flask search reindex`); rows per kind."""
    connection = db.session.connection()
    for kind in EntryKind:
        if kind != EntryKind.COMMENT:  # proposals bring their comments along
            sync(connection, kind, None)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    else:
        # Fresh statistics: planned on those of an empty table, a search joins by scanning.
        connection.exec_driver_sql("ANALYZE search_entries")
    counts: dict[str, int] = dict(connection.execute(
        select(entries.c.kind, func.count()).group_by(entries.c.kind)
    ).all())
    return {kind.value: int(counts.get(kind.value, 0)) for kind in EntryKind}


# --- Matching ---------------------------------------------------------------------------------

def _quote_fts(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_words(found: Iterable[str]) -> list[str]:
    return [words.stem(w) for w in found if not words.is_stop_word(w)]


def fts_expression(query: words.Query, any_word: bool = False) -> tuple[str, str]:
    """The FTS5 MATCH text of a query and that of its title matches (the words looked for in
    the title, the excluded ones nowhere): quoted stems only."""
    parts = [_quote_fts(s) for s in _fts_words(query.terms)]
    for phrase in query.phrases:
        stems = _fts_words(phrase)
        if stems:
            parts.append(_quote_fts(" ".join(stems)))
    positive = " OR ".join(parts) if any_word else " AND ".join(parts)
    title = "index_title : (" + positive + ")"
    excluded = [_quote_fts(s) for s in _fts_words(query.excluded)]
    if excluded:
        left_out = " NOT (" + " OR ".join(excluded) + ")"
        return "(" + positive + ")" + left_out, title + left_out
    return positive, title


def _quote_ts(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_text(query: words.Query, any_word: bool = False, weight: str = "") -> str:
    """The to_tsquery text of a query: quoted words, & | ! and <-> only; with `weight` ("A"),
    the words looked for must be in the title."""
    suffix = ":" + weight if weight else ""
    parts = [_quote_ts(w) + suffix for w in query.terms]
    for phrase in query.phrases:
        parts.append("(" + " <-> ".join(_quote_ts(w) + suffix for w in phrase) + ")")
    positive = "(" + (" | " if any_word else " & ").join(parts) + ")"
    for word in query.excluded:
        positive += " & !" + _quote_ts(word)
    return positive


def _within(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    # The unary plus keeps SQLite from handing the list to FTS5 as rowid lookups (one index
    # query per entry); the entries' ids come from the kind and project indexes instead.
    return literal_column("+search_fts.rowid").in_(select(entries.c.id).where(*conditions))


def _fts_candidates(parameter: str, conditions: list[ColumnElement[bool]], limit: int,
                    name: str) -> Any:
    """SQLite: the newest `limit` index rows matching, with their bm25, read once (a
    materialised CTE): bm25 is computed for these rows only, not for every match."""
    statement: Any = (
        select(literal_column("search_fts.rowid").label("id"),
               literal_column(f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})").label("rank"))
        .select_from(FTS)
        .where(text(f"search_fts MATCH :{parameter}"))
    )
    if conditions:
        statement = statement.where(_within(conditions))
    return (statement.order_by(literal_column("search_fts.rowid").desc()).limit(limit)
            .cte(name).prefix_with("MATERIALIZED"))


def _ts_candidates(tsq: Any, conditions: list[ColumnElement[bool]], limit: int,
                   name: str) -> Any:
    """PostgreSQL: the newest `limit` entries matching (the GIN index) with their documents,
    ranked afterwards: ts_rank reads only these documents."""
    document = literal_document()
    # id + 0: walking the primary key backwards, testing every document until enough match,
    # is what the planner would otherwise pick for a LIMIT; the GIN index is far cheaper.
    return (select(entries.c.id, document.label("document"))
            .where(document.bool_op("@@")(tsq), *conditions)
            .order_by((entries.c.id + 0).desc()).limit(limit).cte(name))


def match_params(query: words.Query, any_word: bool = False) -> dict[str, str]:
    """The values of the bound parameters of `matches()` for this query."""
    if db.session.get_bind().dialect.name == "postgresql":
        return {"ts_query": tsquery_text(query, any_word),
                "ts_title": tsquery_text(query, any_word, weight="A")}
    expression, title = fts_expression(query, any_word)
    # A title match is a match: the title's words are the entry's words.
    return {"fts_recent": expression, "fts_titled": title}


def matches(dialect: str, conditions: list[ColumnElement[bool]], total: bool = False) -> Any:
    """The index rows matching a query (its words bound by name: `match_params()`) and the
    conditions, as a subquery: (id, hit: 1 when the title matches, score, and with `total` how
    many candidates and `more`: 1 when more than CANDIDATES match). Only candidates are
    ranked: the title matches among the newest CANDIDATES of them and the newest CANDIDATES
    matches; a search for a common word thus costs what a rarer one does."""
    if dialect == "postgresql":
        config = text("'fr_unaccent'::regconfig")
        tsq = func.to_tsquery(config, bindparam("ts_query", type_=String))
        title_tsq = func.to_tsquery(config, bindparam("ts_title", type_=String))
        titled = _ts_candidates(title_tsq, conditions, CANDIDATES, "titled")
        recent = _ts_candidates(tsq, conditions, CANDIDATES + 1, "recent")
        title_rows = select(
            titled.c.id, literal(1).label("hit"),
            cast(func.ts_rank(titled.c.document, tsq, 1) * SCORE_SCALE, Integer).label("score"))
        other_rows = (select(recent.c.id, literal(0),
                             cast(func.ts_rank(recent.c.document, tsq, 1) * SCORE_SCALE, Integer))
                      .where(recent.c.id.not_in(select(titled.c.id))))
    else:
        titled = _fts_candidates("fts_titled", conditions, CANDIDATES, "titled")
        recent = _fts_candidates("fts_recent", conditions, CANDIDATES + 1, "recent")
        title_rows = select(titled.c.id, literal(1).label("hit"),
                            cast(-titled.c.rank * SCORE_SCALE, Integer).label("score"))
        other_rows = (select(recent.c.id, literal(0), cast(-recent.c.rank * SCORE_SCALE, Integer))
                      .where(recent.c.id.not_in(select(titled.c.id))))
    found = union_all(title_rows, other_rows).subquery("candidates")
    if not total:
        return found
    more = select(func.count()).select_from(recent).scalar_subquery() > CANDIDATES
    return select(found, func.count().over().label("total"),
                  case((more, 1), else_=0).label("more")).subquery("matches")


def literal_document() -> Any:
    """PostgreSQL's tsvector column, which the model does not map."""
    from sqlalchemy import column
    from sqlalchemy.dialects.postgresql import TSVECTOR

    return column("document", TSVECTOR, _selectable=entries)


def _order(found: Any) -> list[Any]:
    return [found.c.hit.desc(), found.c.score.desc(), found.c.id.desc()]


# --- The search page ----------------------------------------------------------------------------

@dataclass
class Result:
    """One result of the search page, ready to show."""

    kind: str
    object_id: int
    project_title: str
    project_slug: str
    proposal_id: int | None
    proposal_title: str | None
    created_at: datetime
    title: Markup
    excerpt: Markup


@dataclass
class Filters:
    """What the search page's filters restrict the results to."""

    kind: str | None = None
    project_id: int | None = None
    territory_id: int | None = None
    phase: str | None = None
    day: date | None = None


def _filter_params(filters: Filters) -> dict[str, Any]:
    """The values of the filters set, by the names `_conditions()` binds them to."""
    values = {"f_kind": filters.kind, "f_project": filters.project_id,
              "f_territory": filters.territory_id, "f_phase": filters.phase}
    found: dict[str, Any] = {name: value for name, value in values.items() if value}
    if filters.phase:
        found["f_day"] = filters.day or date.today()
    return found


def _conditions(names: frozenset[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if "f_kind" in names:
        conditions.append(entries.c.kind == bindparam("f_kind"))
    if "f_project" in names:
        conditions.append(entries.c.project_id == bindparam("f_project"))
    if "f_territory" in names:
        # Projects, syntheses and commitments are about the project's territories.
        of_project = exists().where(project_territories.c.project_id == entries.c.project_id,
                                    project_territories.c.territory_id
                                    == bindparam("f_territory"))
        conditions.append(or_(entries.c.territory_id == bindparam("f_territory"),
                              and_(entries.c.territory_id.is_(None), of_project)))
    if "f_phase" in names:
        day = bindparam("f_day", type_=Phase.starts_on.type)
        conditions.append(entries.c.project_id.in_(
            select(Phase.project_id).where(Phase.kind == bindparam("f_phase"),
                                           Phase.starts_on <= day, Phase.ends_on >= day)
        ))
    return conditions


@lru_cache(maxsize=128)
def _page_statement(dialect: str, filters: frozenset[str], after: bool, per_page: int) -> Any:
    """The search page's statement for one shape of search, every value bound by name: built
    once per shape (building it anew took longer than running it)."""
    # The total rides along as a window over the candidates (at most twice CANDIDATES rows).
    # The page's rows are chosen first, then joined to their text and project (21 rows).
    found = matches(dialect, _conditions(filters), total=True)
    chosen = select(found).order_by(*_order(found)).limit(per_page + 1)
    if after:
        chosen = chosen.where(tuple_(found.c.hit, found.c.score, found.c.id)
                              < tuple_(bindparam("c_hit"), bindparam("c_score"),
                                       bindparam("c_id")))
    shown = chosen.subquery("shown")
    proposal = Proposal.__table__.alias("about")
    return (
        select(entries, shown.c.hit, shown.c.score, Project.title.label("project_title"),
               Project.slug.label("project_slug"), proposal.c.title.label("proposal_title"),
               shown.c.total, shown.c.more)
        .join_from(shown, entries, entries.c.id == shown.c.id)
        .join(Project, Project.id == entries.c.project_id)
        .outerjoin(proposal, proposal.c.id == entries.c.proposal_id)
        .order_by(*_order(shown))
    )


def search_page(query: words.Query, filters: Filters, cursor: list[int] | None,
                per_page: int = 20, rank: int = 1) -> KeysetPage[Result]:
    """One page of results, best first (title matches, then rank), in one statement; beyond
    CANDIDATES matches, `total` is CANDIDATES + 1 (the page says "more than")."""
    params = {**match_params(query), **_filter_params(filters)}
    statement = _page_statement(db.session.get_bind().dialect.name,
                                frozenset(_filter_params(filters)), cursor is not None,
                                per_page)
    if cursor is not None:
        params.update(c_hit=cursor[0], c_score=cursor[1], c_id=cursor[2])
    rows = db.session.execute(statement, params).all()
    stems = query.stems()
    items = [
        Result(
            kind=r.kind, object_id=r.object_id, project_title=r.project_title,
            project_slug=r.project_slug, proposal_id=r.proposal_id,
            proposal_title=r.proposal_title, created_at=r.created_at,
            title=words.highlight(r.title, stems),
            excerpt=words.highlight(r.body, stems, length=240),
        )
        for r in rows[:per_page]
    ]
    last = rows[per_page - 1] if len(rows) > per_page else None
    next_cursor = encode_cursor([last.hit, last.score, last.id]) if last is not None else None
    count = (CANDIDATES + 1 if rows[0].more else int(rows[0].total)) if rows else 0
    return KeysetPage(items, rank, per_page, count, next_cursor, cursor is None)


# --- Proposals, for the domains below (core/similar.py, core/textfilter.py) -------------------

def _proposal_conditions(project_id: int, exclude_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [entries.c.kind == EntryKind.PROPOSAL, entries.c.project_id == project_id]
    if exclude_id is not None:
        conditions.append(entries.c.object_id != exclude_id)
    return conditions


def _proposals(query: words.Query, project_id: int, limit: int, exclude_id: int | None,
               any_word: bool) -> list[Proposal]:
    found = matches(db.session.get_bind().dialect.name,
                    _proposal_conditions(project_id, exclude_id))
    statement = (
        select(Proposal)
        .join(entries, entries.c.object_id == Proposal.id)
        .join(found, found.c.id == entries.c.id)
        .where(_visible_proposal())
        .order_by(*_order(found))
        .limit(limit)
    )
    return list(db.session.scalars(statement, match_params(query, any_word)))


def similar(project_id: int, text_: str, *, limit: int = 5,
            exclude_id: int | None = None) -> list[Proposal]:
    """The project's visible published proposals sharing any significant word with the text."""
    query = words.any_words(text_)
    if not query.terms:
        return []
    return _proposals(query, project_id, limit, exclude_id, any_word=True)


NUMBER = r"^\s*(?:n\s*[°ºo]\.?|#|no\.?)?\s*(\d{1,9})\s*$"


def find(project_id: int, raw: str, *, limit: int = 10,
         exclude_id: int | None = None) -> list[Proposal]:
    """The project's visible published proposals whose number is the query ("42", "n° 42",
    "#42") or matching all its words, best first."""
    import re

    found: list[Proposal] = []
    number = re.match(NUMBER, raw or "", flags=re.IGNORECASE)
    if number:
        proposal = db.session.scalar(
            select(Proposal).where(Proposal.id == int(number.group(1)),
                                   Proposal.project_id == project_id, _visible_proposal())
        )
        if proposal is not None and proposal.id != exclude_id:
            found.append(proposal)
    try:
        query = words.parse(raw)
    except words.QueryError:
        return found
    for proposal in _proposals(query, project_id, limit, exclude_id, any_word=False):
        if proposal not in found:
            found.append(proposal)
    return found[:limit]


def proposal_ids(project_id: int, raw: str) -> Select[Any]:
    """The ids of the project's proposals matching the query, as a subquery for the proposal
    list (raises QueryError for a query with nothing to find)."""
    query = words.parse(raw)
    conditions = _proposal_conditions(project_id, None)
    # A filter, not a ranking: the matches' ids straight from the index (no score), which the
    # planner reads once as a list beside the project's entries.
    if db.session.get_bind().dialect.name == "postgresql":
        tsq = func.to_tsquery(text("'fr_unaccent'::regconfig"), tsquery_text(query))
        return select(entries.c.object_id).where(literal_document().bool_op("@@")(tsq),
                                                 *conditions)
    expression, _ = fts_expression(query)
    matched: Select[Any] = (
        select(literal_column("search_fts.rowid")).select_from(text("search_fts"))
        .where(text("search_fts MATCH :expression").bindparams(expression=expression)))
    return select(entries.c.object_id).where(entries.c.id.in_(matched), *conditions)


def is_empty() -> bool:
    """True when nothing at all is indexed (a database never reindexed)."""
    return db.session.scalar(select(entries.c.id).limit(1)) is None

