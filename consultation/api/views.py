"""The API's endpoints: a list and a detail per resource, each from its "visible to a
visitor" statement (api/visible.py), in a constant number of SQL statements per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, render_template, request, url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, load_only, selectinload, undefer

from consultation.api import PREFIX, bp, current_api, docs_bp, visible
from consultation.api import schemas as s
from consultation.api.document import document
from consultation.api.problems import json_response, negotiate
from consultation.comments.models import Comment
from consultation.core.models import as_utc
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentStatus, commitment_proposals
from consultation.opinions.models import (
    Answer,
    Debate,
    DebateParticipant,
    Statement,
    StatementState,
)
from consultation.projects.models import Project, project_territories
from consultation.proposals.models import Proposal, answered_as
from consultation.reference.models import Territory
from consultation.syntheses.models import SynthesisVersion

ITEM_RESPONSES = {"description": "L'objet, s'il est visible sur le site."}


def _moment(value: Any) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _site(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


# --- the documents --------------------------------------------------------------------------


def project_document(project: Project) -> dict[str, Any]:
    """A project as the API shows it."""
    return {
        "id": project.id, "slug": project.slug, "url": _site("projects.show", slug=project.slug),
        "title": project.title, "summary": project.summary, "body": project.body,
        "territories": [t.id for t in project.territories],
        "phases": [{"kind": p.kind, "starts_on": _day(p.starts_on), "ends_on": _day(p.ends_on)}
                   for p in project.phases],
        "counts": {"proposals": project.proposals_count, "comments": project.comments_count,
                   "supports": project.supports_count,
                   "participants": project.participants_count},
        "created_at": _moment(project.created_at), "updated_at": _moment(project.updated_at),
    }


class ProposalDocuments:
    """Proposals as the API shows them (the site's address built once per page)."""

    def __init__(self) -> None:
        self.url = _site("proposals.show", proposal_id=1)[: -len("1")]

    def __call__(self, p: Any) -> dict[str, Any]:
        """A proposal (or a row of PROPOSAL_COLUMNS) as a document."""
        answer = (
            {"status": p.answer_status, "body": p.answer_body or "",
             "answered_at": _moment(p.answered_at)}
            if p.answer_status else None
        )
        return {
            "id": p.id, "url": f"{self.url}{p.id}", "project": p.project_id, "title": p.title,
            "body": p.body, "territory": p.territory_id, "state": p.status,
            "merged_into": p.merged_into_id,
            "counts": {"supports": p.supports_count, "comments": p.comments_count,
                       "pour": p.comments_pour, "contre": p.comments_contre,
                       "neutre": p.comments_neutre},
            "answer": answer, "with_mediator": p.mediator_id is not None,
            "from_workshop": p.workshop_id is not None,
            "created_at": _moment(p.created_at), "updated_at": _moment(p.updated_at),
        }


def comment_document(c: Any) -> dict[str, Any]:
    """A comment as the API shows it: never its author."""
    return {
        "id": c.id, "project": c.project_id, "proposal": c.proposal_id, "parent": c.parent_id,
        "depth": c.depth, "stance": c.stance, "body": c.body,
        "created_at": _moment(c.created_at), "updated_at": _moment(c.updated_at),
    }


def commitment_document(c: Commitment, proposal_ids: list[int]) -> dict[str, Any]:
    """A commitment with its timeline and the visible proposals it answers."""
    return {
        "id": c.id, "url": _site("followup.project", slug=c.project.slug),
        "project": c.project_id, "title": c.title, "description": c.description,
        "service": c.service, "starts_on": _day(c.starts_on), "ends_on": _day(c.ends_on),
        "status": c.status, "progress": c.progress, "abandon_reason": c.abandon_reason,
        "proposals": proposal_ids,
        # A step's reason shows on the site only for an abandonment: so here.
        "updates": [{"happened_on": _day(u.happened_on), "text": u.text, "status": u.status,
                     "progress": u.progress,
                     "reason": u.reason if u.status == CommitmentStatus.ABANDONNE else ""}
                    for u in c.updates],
        "created_at": _moment(c.created_at), "updated_at": _moment(c.updated_at),
    }


def synthesis_document(v: SynthesisVersion) -> dict[str, Any]:
    """A published version of a synthesis with its frozen figures (the annex aside)."""
    return {
        "id": v.id,
        "url": _site("syntheses.show_version", slug=v.project.slug, number=v.number),
        "project": v.project_id, "number": v.number, "narrative": v.narrative,
        "change_note": v.change_note, "published_at": _moment(v.published_at),
        "figures": v.figures,
    }


def territory_document(t: Territory) -> dict[str, Any]:
    """A territory of the métropole."""
    return {"id": t.id, "code": t.code, "name": t.name, "kind": t.kind,
            "population": t.population}


# --- statements per resource ------------------------------------------------------------------


def _projects() -> Select[Any]:
    return visible.projects().options(selectinload(Project.phases),
                                      selectinload(Project.territories))


def _commitments() -> Select[Any]:
    return visible.commitments().options(
        joinedload(Commitment.project).options(load_only(Project.id, Project.slug)),
        selectinload(Commitment.updates),
    )


def _syntheses() -> Select[Any]:
    return visible.syntheses().options(
        undefer(SynthesisVersion.figures_json),
        joinedload(SynthesisVersion.project).options(load_only(Project.id, Project.slug)),
    )


def _linked_proposals(commitments: Sequence[Commitment]) -> dict[int, list[int]]:
    """The visible proposals each commitment answers, for a page of them in one statement."""
    if not commitments:
        return {}
    rows = db.session.execute(
        select(commitment_proposals.c.commitment_id, Proposal.id)
        .join(Proposal, Proposal.id == commitment_proposals.c.proposal_id)
        .where(commitment_proposals.c.commitment_id.in_([c.id for c in commitments]),
               visible.proposal_is_visible())
        .order_by(Proposal.id)
    ).all()
    linked: dict[int, list[int]] = defaultdict(list)
    for commitment_id, proposal_id in rows:
        linked[commitment_id].append(proposal_id)
    return linked


# A project's list in id order: for a big project the walk along the primary key meets its
# rows soon (the project's index would read them all, then sort); for a small one its index
# and a sort of its few rows cost less. The project's counter tells which, in one read.
BIG_PROJECT = 2_000


def _of_project(column: Any, counter: Any, project_id: int) -> Any:
    size = db.session.scalar(select(counter).where(Project.id == project_id)) or 0
    # `column + 0` is not indexed: the database walks the primary key instead.
    return (column + 0 == project_id) if size > BIG_PROJECT else (column == project_id)


# --- paging -----------------------------------------------------------------------------------


def _page(statement: Select[Any], model: Any, args: dict[str, Any],
          show: Callable[[Sequence[Any]], list[dict[str, Any]]], schema: type[Any],
          columns: Sequence[Any] = ()) -> Any:
    """One page of a list in id order, after the cursor; `next` and Link lead further.
    With `columns`, rows of those columns instead of objects (half the time for long lists)."""
    negotiate()
    limit = args.get("limit") or current_app.config["API_PAGE_SIZE"]
    if "cursor" in args:
        statement = statement.where(model.id > args["cursor"])
    statement = statement.order_by(model.id).limit(limit + 1)
    rows: Sequence[Any]
    if columns:
        rows = db.session.execute(statement.with_only_columns(*columns)).all()
    else:
        rows = db.session.scalars(statement).unique().all()
    items = rows[:limit]
    next_url = None
    headers = {}
    if len(rows) > limit:
        kept = [(k, v) for k, v in request.args.items(multi=True)
                if k in schema._declared_fields and k != "cursor"]
        query = urlencode([*kept, ("cursor", s.encode_cursor(items[-1].id))])
        next_url = f"{request.base_url}?{query}"
        headers["Link"] = f'<{next_url}>; rel="next"'
    return json_response({"items": show(items), "limit": limit, "next": next_url}, headers)


def _one(statement: Select[Any]) -> Any:
    negotiate()
    found = db.session.scalars(statement).unique().first()
    if found is None:
        abort(404)
    return found


def _since(args: dict[str, Any], changed: Callable[[Any], Any]) -> list[Any]:
    return [changed(args["updated_since"])] if "updated_since" in args else []


# --- projects ---------------------------------------------------------------------------------

ProjectPage = s.page_of(s.ProjectSchema, "ProjectPage")


@bp.route("/projects")
@bp.arguments(s.ProjectQuery, location="query", error_status_code=400, as_kwargs=False)
@bp.response(200, ProjectPage)
def projects(args: dict[str, Any]):
    """Les projets, avec leurs phases, territoires et chiffres."""
    statement = _projects().where(*_since(args, visible.project_changed_since))
    if "territory" in args:
        statement = statement.where(Project.id.in_(
            select(project_territories.c.project_id)
            .where(project_territories.c.territory_id == args["territory"])))
    return _page(statement, Project, args, lambda rows: [project_document(p) for p in rows],
                 s.ProjectQuery)


@bp.route("/projects/<id:project_id>")
@bp.response(200, s.ProjectSchema, **ITEM_RESPONSES)
def project(project_id: int):
    """Un projet."""
    return json_response(project_document(_one(_projects().where(Project.id == project_id))))


# --- a project's debate by statements ---------------------------------------------------------


@bp.route("/projects/<id:project_id>/debate")
@bp.response(200, s.DebateSchema, **ITEM_RESPONSES)
def debate(project_id: int):
    """Le débat par affirmations d'un projet, ses affirmations publiées et la matrice des
    réponses, chaque participant·e sous un numéro propre au débat (jamais un compte)."""
    found = _one(select(Debate).where(
        Debate.project_id == project_id,
        Debate.project_id.in_(visible.projects().with_only_columns(Project.id)),
    ))
    published = (Statement.debate_id == found.id, Statement.state == StatementState.PUBLISHED)
    statements = db.session.execute(
        select(Statement.id, Statement.text, Statement.is_seed, Statement.created_at)
        .where(*published).order_by(Statement.id)
    ).all()
    answers = db.session.execute(
        select(DebateParticipant.number, Answer.statement_id, Answer.value)
        .join(DebateParticipant, DebateParticipant.id == Answer.participant_id)
        .join(Statement, Statement.id == Answer.statement_id)
        .where(*published).order_by(DebateParticipant.number, Answer.statement_id)
    ).all()
    return json_response({
        "project": found.project_id, "question": found.question,
        "participants": found.participants_count,
        "statements": [{"id": ident, "text": text, "seed": bool(seed),
                        "created_at": _moment(created)}
                       for ident, text, seed, created in statements],
        "answers": [[number, statement, value] for number, statement, value in answers],
    })


# --- proposals --------------------------------------------------------------------------------

ProposalPage = s.page_of(s.ProposalSchema, "ProposalPage")
PROPOSAL_COLUMNS = (
    Proposal.id, Proposal.project_id, Proposal.title, Proposal.body, Proposal.territory_id,
    Proposal.status, Proposal.merged_into_id, Proposal.supports_count, Proposal.comments_count,
    Proposal.comments_pour, Proposal.comments_contre, Proposal.comments_neutre,
    Proposal.answer_status, Proposal.answer_body, Proposal.answered_at, Proposal.mediator_id,
    Proposal.workshop_id, Proposal.created_at, Proposal.updated_at,
)


@bp.route("/proposals")
@bp.arguments(s.ProposalQuery, location="query", error_status_code=400, as_kwargs=False)
@bp.response(200, ProposalPage)
def proposals(args: dict[str, Any]):
    """Les propositions visibles : texte, territoire, état, nombres, réponse officielle."""
    statement = visible.proposals().where(*_since(args, visible.proposal_changed_since))
    if "project" in args:
        statement = statement.where(
            _of_project(Proposal.project_id, Project.proposals_count, args["project"]))
    if "territory" in args:
        statement = statement.where(Proposal.territory_id == args["territory"])
    if "state" in args:
        statement = statement.where(Proposal.status == args["state"])
    answered = answered_as(args.get("answer"))
    if answered is not None:  # the schema let only the filter's values through
        statement = statement.where(answered)
    shown = ProposalDocuments()
    return _page(statement, Proposal, args, lambda rows: [shown(p) for p in rows],
                 s.ProposalQuery, PROPOSAL_COLUMNS)


@bp.route("/proposals/<id:proposal_id>")
@bp.response(200, s.ProposalSchema, **ITEM_RESPONSES)
def proposal(proposal_id: int):
    """Une proposition visible."""
    found = _one(visible.proposals().where(Proposal.id == proposal_id))
    return json_response(ProposalDocuments()(found))


# --- comments ---------------------------------------------------------------------------------

CommentPage = s.page_of(s.CommentSchema, "CommentPage")
COMMENT_COLUMNS = (
    Comment.id, Comment.project_id, Comment.proposal_id, Comment.parent_id, Comment.depth,
    Comment.stance, Comment.body, Comment.created_at, Comment.updated_at,
)


@bp.route("/comments")
@bp.arguments(s.CommentQuery, location="query", error_status_code=400, as_kwargs=False)
@bp.response(200, CommentPage)
def comments(args: dict[str, Any]):
    """Les commentaires visibles, sur un projet ou sur une proposition visible."""
    statement = visible.comments().where(*_since(args, visible.comment_changed_since))
    if "project" in args:
        statement = statement.where(
            _of_project(Comment.project_id, Project.comments_count, args["project"]))
    if "proposal" in args:
        statement = statement.where(Comment.proposal_id == args["proposal"])
    if "stance" in args:
        statement = statement.where(Comment.stance == args["stance"])
    return _page(statement, Comment, args, lambda rows: [comment_document(c) for c in rows],
                 s.CommentQuery, COMMENT_COLUMNS)


@bp.route("/comments/<id:comment_id>")
@bp.response(200, s.CommentSchema, **ITEM_RESPONSES)
def comment(comment_id: int):
    """Un commentaire visible."""
    return json_response(comment_document(_one(visible.comments().where(
        Comment.id == comment_id))))


# --- commitments ------------------------------------------------------------------------------

CommitmentPage = s.page_of(s.CommitmentSchema, "CommitmentPage")


def _commitment_documents(rows: Sequence[Commitment]) -> list[dict[str, Any]]:
    linked = _linked_proposals(rows)
    return [commitment_document(c, linked.get(c.id, [])) for c in rows]


@bp.route("/commitments")
@bp.arguments(s.CommitmentQuery, location="query", error_status_code=400, as_kwargs=False)
@bp.response(200, CommitmentPage)
def commitments(args: dict[str, Any]):
    """Les engagements de la métropole, leur calendrier et les propositions liées."""
    statement = _commitments().where(*_since(args, visible.commitment_changed_since))
    if "project" in args:
        statement = statement.where(Commitment.project_id == args["project"])
    if "status" in args:
        statement = statement.where(Commitment.status == args["status"])
    return _page(statement, Commitment, args, _commitment_documents, s.CommitmentQuery)


@bp.route("/commitments/<id:commitment_id>")
@bp.response(200, s.CommitmentSchema, **ITEM_RESPONSES)
def commitment(commitment_id: int):
    """Un engagement."""
    found = _one(_commitments().where(Commitment.id == commitment_id))
    return json_response(_commitment_documents([found])[0])


# --- syntheses --------------------------------------------------------------------------------

SynthesisPage = s.page_of(s.SynthesisSchema, "SynthesisPage")


@bp.route("/syntheses")
@bp.arguments(s.SynthesisQuery, location="query", error_status_code=400, as_kwargs=False)
@bp.response(200, SynthesisPage)
def syntheses(args: dict[str, Any]):
    """Les versions publiées des synthèses, avec leurs chiffres."""
    statement = _syntheses().where(*_since(args, visible.synthesis_changed_since))
    if "project" in args:
        statement = statement.where(SynthesisVersion.project_id == args["project"])
    return _page(statement, SynthesisVersion, args,
                 lambda rows: [synthesis_document(v) for v in rows], s.SynthesisQuery)


@bp.route("/syntheses/<id:synthesis_id>")
@bp.response(200, s.SynthesisSchema, **ITEM_RESPONSES)
def synthesis(synthesis_id: int):
    """Une version publiée d'une synthèse."""
    found = _one(_syntheses().where(SynthesisVersion.id == synthesis_id))
    return json_response(synthesis_document(found))


# --- territories ------------------------------------------------------------------------------

TerritoryPage = s.page_of(s.TerritorySchema, "TerritoryPage")


@bp.route("/territories")
@bp.arguments(s.Paging, location="query", error_status_code=400, as_kwargs=False)
@bp.response(200, TerritoryPage)
def territories(args: dict[str, Any]):
    """Les territoires de la métropole (communes et quartiers)."""
    return _page(visible.territories(), Territory, args,
                 lambda rows: [territory_document(t) for t in rows], s.Paging)


@bp.route("/territories/<id:territory_id>")
@bp.response(200, s.TerritorySchema, **ITEM_RESPONSES)
def territory(territory_id: int):
    """Un territoire."""
    return json_response(territory_document(_one(visible.territories().where(
        Territory.id == territory_id))))


# --- the document and its page ----------------------------------------------------------------


@docs_bp.route("/openapi.json")
def openapi():
    """The OpenAPI document of the API."""
    return json_response(document(current_api()))


@docs_bp.route("/docs")
def docs():
    """The API's documentation, drawn from its OpenAPI document as a page of the site."""
    return render_template("api/docs.html", spec=document(current_api()), prefix=PREFIX)
