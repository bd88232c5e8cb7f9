"""Proposal pages: a project's list, a proposal, submit, edit and withdraw."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, joinedload, load_only

from consultation.accounts.models import PUBLIC_COLUMNS, User
from consultation.core import fragments, kiosk, pages, ratelimits, similar, textfilter
from consultation.core.acting import acting_mediator, acting_user
from consultation.core.context import person
from consultation.core.errors import DomainError
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, require
from consultation.core.models import ModerationState, today
from consultation.core.pagination import decode_cursor, rank_number
from consultation.core.templating import can, kept_breadcrumb
from consultation.extensions import db, login_required
from consultation.projects.models import Project
from consultation.projects.views import project_or_404
from consultation.proposals import bp, services
from consultation.proposals.forms import AnswerForm, ProposalForm, ProposalListForm
from consultation.proposals.models import Proposal
from consultation.reference.models import Territory
from consultation.reference.services import territories, territory_choices

PER_PAGE = 20


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.scalar(
        select(Proposal)
        .options(
            joinedload(Proposal.author),
            joinedload(Proposal.project).selectinload(Project.phases),
        )
        .where(Proposal.id == proposal_id)
    )
    if proposal is None:
        abort(404)
    return proposal


def _territory(territory_id: int | None) -> Territory | None:
    return db.session.get(Territory, territory_id) if territory_id else None


# Where a card of the shared list says "vous soutenez" for the person who supports it.
_SUPPORTED = re.compile(r"<!--soutien:(\d+)-->")


@dataclass(frozen=True)
class _Listed:
    """A proposal of a list kept as a fragment: what the person's own parts need of it."""

    id: int


@bp.route("/projets/<slug>/propositions")
def index(slug: str):
    """A project's proposals: sorted, filtered by territory and answer, paginated."""
    project = project_or_404(slug, facts_of="proposal_list")
    # The sort as the form reads it (a refused one is the default); the form itself is read
    # when the list is made, or at once for the random order, whose seed the key needs.
    sort = request.args.get("tri", "hasard")
    if sort not in services.SORTS:
        sort = "hasard"
    form = ProposalListForm(request.args).read() if sort == "hasard" else None
    seed = form.seed.data if form is not None else None
    fresh = sort == "hasard" and seed is None
    if fresh:
        seed = services.new_seed()
    cursor = decode_cursor(request.args.get("apres"), services.cursor_kinds(sort))
    if sort == "hasard" and cursor is not None and cursor[0] not in (0, 1):
        abort(404)

    def render() -> str:
        read = form if form is not None else ProposalListForm(request.args).read()
        territory = next((t for t in territories() if t.id == read.territory.data), None)
        answer = read.answer.data
        matching, words_error = None, None
        try:
            matching = textfilter.matching_proposal_ids(project.id, read.q.data or "")
        except DomainError as refused:
            words_error = str(refused)
        page = services.list_page(
            project, sort, seed or 1, territory.id if territory else None, answer or None,
            cursor=cursor, per_page=PER_PAGE, rank=rank_number() if cursor else 1,
            matching=matching,
        )
        return render_template(
            "proposals/_list.html",
            page=page,
            form=read,
            sort=sort,
            seed=seed if sort == "hasard" else None,
            territory=territory,
            answer=answer,
            words=read.q.data if matching is not None else "",
            words_error=words_error,
        )

    # The same for everyone in a language until the project changes (its version moves with
    # every proposal, support, comment and moderation) or the day does; the query names the
    # rest, links included (a terminal's form takes no autofill). A seed drawn for this visit
    # alone is not worth keeping.
    html = render() if fresh else fragments.cached(
        "proposals.list",
        (project.id, project.version, today(), kiosk.is_kiosk(), request.path,
         tuple(request.args.to_dict().items())),
        render,
    )
    shown = [_Listed(int(ident)) for ident in _SUPPORTED.findall(html)]
    own = pages.context("proposal_list", project, shown)
    supported = own.get("supported_ids") or set()
    badge = Markup(' <span class="badge supported">%s</span>') % _("vous soutenez")
    shared = Markup(_SUPPORTED.sub(
        lambda found: badge if int(found.group(1)) in supported else "", html))
    # The trail and the phase badge change with the project (its phases move its version) or
    # the day: kept too, instead of two macro calls per request.
    around = (project.id, project.version, today(), kiosk.is_kiosk())

    def around_part(part: str) -> Markup:
        return fragments.cached(f"proposals.{part}", around, lambda: render_template(
            "proposals/_index_parts.html", project=project, part=part))

    crumbs, phase = around_part("crumbs"), around_part("phase")
    return render_template("proposals/index.html", project=project, shared=shared, crumbs=crumbs,
                           phase=phase, **own)


# What only the head of the page shows, when it is made: the author's public name and the
# proposals merged into this one, in one statement (a row per merged proposal, at least one).
_MERGED_INTO = aliased(Proposal)
_HEAD = (
    select(User, _MERGED_INTO.id, _MERGED_INTO.title)
    .options(load_only(*PUBLIC_COLUMNS))
    .outerjoin(_MERGED_INTO, _MERGED_INTO.merged_into_id == bindparam("proposal_id"))
    .where(User.id == bindparam("author_id"))
    .order_by(_MERGED_INTO.id)
)


def _phases_key(project: Project) -> tuple[Any, ...]:
    """What a phase badge shows depends on, besides the day: kept fragments key on it (a
    project's phases move its version, not its proposals')."""
    return (project.is_published,
            tuple((phase.kind, phase.starts_on, phase.ends_on) for phase in project.phases))


def _parts(proposal: Proposal, shown: bool) -> dict[str, Markup]:
    """The parts of a proposal's page that are the same for everyone with the same rights,
    kept as shared fragments under the proposal's version: its head (title to text), its
    official answer, the share box and the debate's heading."""
    project = proposal.project
    into = (proposal.merged_into.title if proposal.status == "merged" and proposal.merged_into
            else None)
    same = (proposal.id, proposal.version)

    def part(name: str, **context: Any) -> Callable[[], str]:
        return lambda: render_template(f"proposals/_{name}.html", proposal=proposal,
                                       project=project, **context)

    def head() -> str:
        # Proposals merged into this one: a merge, its undoing and any change of a merged
        # proposal move this one's version too (core/fragments.py), so they are read here; so
        # do a rename or a block of its author.
        rows = db.session.execute(
            _HEAD, {"proposal_id": proposal.id, "author_id": proposal.author_id}).all()
        merged = tuple(row for row in rows if row.id is not None)
        return part("head", author=rows[0].User, merged=merged, shown=shown)()

    return {
        "breadcrumb": kept_breadcrumb("proposal_breadcrumb", (
            proposal.id, proposal.version, project.slug, project.title,
        ), lambda: [
            (_("Projets"), url_for("projects.index")),
            (project.title, url_for("projects.show", slug=project.slug)),
            (_("Propositions"), url_for("proposals.index", slug=project.slug)),
            (proposal.title if proposal.is_visible else _("Proposition masquée"), None),
        ]),
        "head": fragments.cached("proposal_head", (
            *same, shown, into, _phases_key(project), today(),
        ), head),
        "answer": fragments.cached("proposal_answer", same, part("answer")),
        "debate": fragments.cached("proposal_debate", (*same, request.path), part("debate")),
    }


@bp.route("/propositions/<id:proposal_id>")
def show(proposal_id: int):
    """A proposal with its support button and comment threads."""
    # Logged in: the person and their facts about the proposal come with it (core/pages.py).
    proposal = services.with_project("proposal", proposal_id)
    if proposal is None:
        abort(404)
    user = person()
    own = user.is_authenticated and proposal.author_id == user.id
    shown = proposal.is_visible or can("moderation.decide") or (
        own and proposal.moderation == ModerationState.PENDING)
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        project=proposal.project,
        parts=_parts(proposal, shown),
        **pages.context("proposal", proposal),
    )


@bp.route("/projets/<slug>/propositions/nouvelle", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def create(slug: str):
    """Submit a proposal during the consultation phase, once the similar ones were shown."""
    project = project_or_404(slug)
    require("proposals.create", project)
    form = ProposalForm()
    form.territory.choices = territory_choices(blank=_("— Tout le territoire —"))
    if form.is_submitted() and form.revise.data:
        # "Modifier ma proposition" on the page of similar ones: the form as typed, unjudged.
        return render_template("proposals/form.html", form=form, project=project, proposal=None)
    if form.validate_on_submit():
        title, body = filled(form.title.data), filled(form.body.data)
        found = [] if form.confirmed.data else similar.similar_proposals(
            project.id, f"{title}\n\n{body}")
        if found:
            return render_template(
                "proposals/similar.html", form=form, project=project, similar=found,
                **pages.context("proposal_list", project, found),
            )
        proposal = attempt(
            lambda: services.create_proposal(
                acting_user(), project, title, body,
                _territory(form.territory.data), mediator=acting_mediator(),
            ),
            form,
        )
        if proposal is not FAILED:
            flash(_("Votre proposition est enregistrée. Ce projet est modéré a priori : elle "
                    "sera publiée après approbation.")
                  if proposal.moderation == ModerationState.PENDING
                  else _("Votre proposition est publiée."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, project=project, proposal=None)


@bp.route("/propositions/<id:proposal_id>/modifier", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def edit(proposal_id: int):
    """Edit one's proposal until its first support or comment."""
    proposal = _proposal_or_404(proposal_id)
    require("proposals.edit", proposal)
    form = ProposalForm(obj=proposal)
    form.territory.choices = territory_choices(blank=_("— Tout le territoire —"))
    if request.method == "GET":
        form.territory.data = proposal.territory_id
    if form.validate_on_submit():
        done = attempt(
            lambda: services.update_proposal(
                acting_user(), proposal, filled(form.title.data), filled(form.body.data),
                _territory(form.territory.data), mediator=acting_mediator(),
            ),
            form,
        )
        if done is not FAILED:
            flash(_("Votre proposition est modifiée."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template(
        "proposals/form.html", form=form, project=proposal.project, proposal=proposal
    )


@bp.route("/propositions/<id:proposal_id>/retirer", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def withdraw(proposal_id: int):
    """Withdraw one's proposal, after a confirmation page."""
    proposal = _proposal_or_404(proposal_id)
    require("proposals.withdraw", proposal)
    if request.method == "POST":
        done = attempt(lambda: services.withdraw_proposal(
            acting_user(), proposal, mediator=acting_mediator()))
        if done is not FAILED:
            flash(_("Votre proposition est retirée."), "success")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/withdraw.html", proposal=proposal, project=proposal.project)


@bp.route("/propositions/<id:proposal_id>/reponse", methods=["GET", "POST"])
@login_required
def answer(proposal_id: int):
    """Give or change the metropole's official answer to a proposal."""
    proposal = _proposal_or_404(proposal_id)
    require("proposals.answer", proposal)
    # The current answer fills the form on GET; a POST shows what was sent.
    form = AnswerForm(status=proposal.answer_status, body=proposal.answer_body)
    if form.validate_on_submit():
        done = attempt(lambda: services.give_answer(
            current_user, proposal, form.status.data, filled(form.body.data)), form)
        if done is not FAILED:
            flash(_("La réponse officielle est publiée."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template(
        "proposals/answer.html", form=form, proposal=proposal, project=proposal.project
    )


@pages.provides("project_content")
def top_of_project(project: Project) -> dict[str, Any]:
    """The project page shows its three most supported proposals."""
    return {"top_proposals": services.top_proposals(project)}



@pages.provides("account")
def my_proposals(user: Any) -> dict[str, Any]:
    """Mon espace lists the person's proposals and what became of each."""
    return {"my_proposals": services.authored_by(user, pages.ACCOUNT_LIST)}
