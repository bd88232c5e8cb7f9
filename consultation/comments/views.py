"""Comment actions, and the comment threads shown on project and proposal pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Integer, String, and_, bindparam, cast, select
from sqlalchemy.orm import joinedload, load_only

from consultation.accounts.models import PUBLIC_COLUMNS
from consultation.comments import bp, services
from consultation.comments.forms import CommentForm
from consultation.comments.models import Comment
from consultation.core import fragments, kiosk, notices, pages, permissions, ratelimits
from consultation.core.acting import acting_mediator, acting_user
from consultation.core.context import person as logged_in_person
from consultation.core.db import comma_list, comma_values
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, require
from consultation.core.models import ModerationState, today
from consultation.core.pagination import page_number
from consultation.core.templating import can, could
from consultation.extensions import db, login_required
from consultation.projects.models import Project
from consultation.projects.views import project_or_404
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal


def _link(comment: Comment) -> str:
    """Where a comment is read: its page of the thread, at its anchor."""
    page = services.page_of(comment)
    anchor = f"commentaire-{comment.id}"
    if comment.proposal_id:
        return url_for("proposals.show", proposal_id=comment.proposal_id,
                       page=page if page > 1 else None, _anchor=anchor)
    project = db.session.get_one(Project, comment.project_id)
    return url_for("projects.show", slug=project.slug,
                   page=page if page > 1 else None, _anchor=anchor)


def _comment_or_404(comment_id: int) -> Comment:
    comment = db.session.scalar(
        select(Comment)
        .options(joinedload(Comment.project).selectinload(Project.phases),
                 joinedload(Comment.proposal))
        .where(Comment.id == comment_id)
    )
    if comment is None:
        abort(404)
    return comment


# What the page after a comment is sent, edited or deleted says (core/notices.py: the session
# is not signed again for them).
COMMENT_PENDING = notices.notice("commentaire-en-attente", _l(
    "Votre commentaire est enregistré ; il sera publié après approbation."), "success")
COMMENT_PUBLISHED = notices.notice(
    "commentaire-publie", _l("Votre commentaire est publié."), "success")
REPLY_PENDING = notices.notice("reponse-en-attente", _l(
    "Votre réponse est enregistrée ; elle sera publiée après approbation."), "success")
REPLY_PUBLISHED = notices.notice("reponse-publiee", _l("Votre réponse est publiée."), "success")
EDITED = notices.notice("commentaire-modifie", _l("Votre commentaire est modifié."), "success")
DELETED = notices.notice("commentaire-supprime", _l("Votre commentaire est supprimé."), "success")


def _post(project: Project, proposal: Proposal | None, target: Any,
          back: Callable[[], str]):
    # `back` (the page the form's "Annuler" leads to) is made only when the form is shown again.
    form = CommentForm()
    require("comments.create", target)
    if form.validate_on_submit():
        comment = attempt(
            lambda: services.add_comment(
                acting_user(), project, form.stance.data, filled(form.body.data),
                proposal=proposal,
                mediator=acting_mediator(),
            ),
            form,
        )
        if comment is not FAILED:
            return notices.redirect_with(_link(comment), COMMENT_PENDING
                                         if comment.moderation == ModerationState.PENDING
                                         else COMMENT_PUBLISHED)
    return render_template(
        "comments/form.html", form=form, project=project, proposal=proposal, parent=None,
        comment=None, back=back(),
    )


@bp.route("/commentaires/<id:comment_id>")
def show(comment_id: int):
    """A comment's lasting link (search results, emails): to its page of the thread."""
    comment = _comment_or_404(comment_id)
    if not comment.is_counted or (comment.proposal is not None
                                  and not comment.proposal.is_visible):
        abort(404)
    return redirect(_link(comment))


@bp.route("/projets/<slug>/commentaires", methods=["POST"])
@login_required
@ratelimits.posting
def on_project(slug: str):
    """Comment on the project itself."""
    project = project_or_404(slug)
    return _post(project, None, project, lambda: url_for("projects.show", slug=project.slug))


@bp.route("/propositions/<id:proposal_id>/commentaires", methods=["POST"])
@pages.read_first(proposal_services.for_action)
@login_required
@ratelimits.posting
def on_proposal(proposal_id: int):
    """Comment on a proposal."""
    # With its project and phases, and the person, in one statement: the rule and the
    # service read them (read before login_required asks for the person: pages.read_first).
    proposal = proposal_services.for_action(proposal_id)
    if proposal is None:
        abort(404)
    return _post(
        proposal.project, proposal, proposal,
        lambda: url_for("proposals.show", proposal_id=proposal.id),
    )


@bp.route("/commentaires/<id:comment_id>/repondre", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def reply(comment_id: int):
    """Reply to a comment (a page of its own, so it works without JavaScript)."""
    parent = _comment_or_404(comment_id)
    require("comments.reply", parent)
    form = CommentForm()
    if form.validate_on_submit():
        comment = attempt(
            lambda: services.add_comment(
                acting_user(), parent.project, form.stance.data, filled(form.body.data),
                parent=parent,
                mediator=acting_mediator(),
            ),
            form,
        )
        if comment is not FAILED:
            return notices.redirect_with(_link(comment), REPLY_PENDING
                                         if comment.moderation == ModerationState.PENDING
                                         else REPLY_PUBLISHED)
    return render_template(
        "comments/form.html", form=form, project=parent.project, proposal=parent.proposal,
        parent=parent, comment=None, back=_link(parent),
    )


@bp.route("/commentaires/<id:comment_id>/modifier", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def edit(comment_id: int):
    """Edit one's comment."""
    comment = _comment_or_404(comment_id)
    require("comments.edit", comment)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.edit_comment(acting_user(), comment, form.stance.data,
                                          filled(form.body.data), mediator=acting_mediator()),
            form,
        )
        if done is not FAILED:
            return notices.redirect_with(_link(comment), EDITED)
    return render_template(
        "comments/form.html", form=form, project=comment.project, proposal=comment.proposal,
        parent=None, comment=comment, back=_link(comment),
    )


@bp.route("/commentaires/<id:comment_id>/supprimer", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def delete(comment_id: int):
    """Delete one's comment, after a confirmation page."""
    comment = _comment_or_404(comment_id)
    require("comments.delete", comment)
    if request.method == "POST":
        done = attempt(lambda: services.delete_comment(
            acting_user(), comment, mediator=acting_mediator()))
        if done is not FAILED:
            return notices.redirect_with(_link(comment), DELETED)
        return redirect(_link(comment))  # the reason is flashed
    return render_template("comments/delete.html", comment=comment, back=_link(comment))


THREAD_LIST = "comments/_thread_list.html"


def _passes(user: Any, name: str) -> bool:
    """The person passes everything the rule asks of them alone (all of it, where `could`
    stops at the first question about the object): the same answer for everyone alike."""
    return all(predicate(user, None) for predicate in permissions.rule_named(name).asked
               if predicate.depends_on is permissions.about_user)


def _thread_list(**values: Any) -> Any:
    """The thread list template as a module: its body made with `values`, its macros bound
    to them (`article`: one comment's article)."""
    context = dict(values)
    current_app.update_template_context(context)
    return current_app.jinja_env.get_template(THREAD_LIST).make_module(context)


def _own_article(html: str, comment_id: int) -> tuple[int, int] | None:
    """Where the article of a comment is in a thread list (articles are never nested: the
    replies follow it in its <li>)."""
    at = html.find(f'id="commentaire-{comment_id}" ')
    if at < 0:
        return None
    start = html.rfind("<article", 0, at)
    end = html.find("</article>", at)
    return (start, end + len("</article>")) if start >= 0 and end >= 0 else None


def threads_html(project: Project, proposal: Proposal | None) -> Markup:
    """The comment threads of a proposal (or of the project itself): the list of this page of
    them, made once for everyone with the same rights and kept as a fragment (made as for a
    reader who wrote none of the comments); then, for a logged-in person, each of their own
    comments on it made for them and put in place of its shared article."""
    number = page_number()
    person = acting_user()
    may_moderate = can("moderation.decide")
    may_reply, may_report = _passes(person, "comments.reply"), _passes(person, "reports.create")
    target = proposal if proposal is not None else project

    def render() -> str:
        return str(_thread_list(
            threads=services.threads(project, proposal, number), shared=True,
            may_moderate=may_moderate, me=None, could_reply=may_reply, could_edit=False,
            could_delete=False, could_report=may_report,
        ))

    # The links of the pagination carry the rest of the query: only the plain page is kept.
    if set(request.args) <= {"page"}:
        html = str(fragments.cached("threads", (
            "proposal" if proposal is not None else "project", target.id, target.version,
            request.path, number, today(), may_moderate, may_reply, may_report,
            project.allows("comment"),
        ), render))
    else:
        html = render()
    logged_in = logged_in_person()
    people = {person.id if person.is_authenticated else None,
              logged_in.id if logged_in.is_authenticated else None} - {None}
    if not people:
        return Markup(html)
    if people == {person.id}:  # the usual case: asked with the person's other facts
        listed = pages.facts("proposal" if proposal is not None else "project", person.id,
                             target.id)["own_comments"]
        own = [int(ident) for ident in comma_values(listed)]
    else:  # a mediator acting for someone: the comments of both are theirs to act on
        on_target = (Comment.proposal_id == proposal.id if proposal is not None else and_(
            Comment.project_id == project.id, Comment.proposal_id.is_(None)))
        own = list(db.session.scalars(
            select(Comment.id).where(Comment.author_id.in_(people), on_target)
        ).all())
    shown = [ident for ident in own if f'id="commentaire-{ident}" ' in html]
    if not shown:
        return Markup(html)
    mine = db.session.scalars(select(Comment).options(
        joinedload(Comment.author).options(load_only(*PUBLIC_COLUMNS))
    ).where(Comment.id.in_(shown))).all()
    module = _thread_list(
        threads=None, shared=False, may_moderate=may_moderate,
        me=current_user.id if current_user.is_authenticated else None,
        could_reply=could("comments.reply"), could_edit=could("comments.edit"),
        could_delete=could("comments.delete"), could_report=could("reports.create"),
    )
    for comment in mine:
        place = _own_article(html, comment.id)
        if place is not None:
            html = html[:place[0]] + str(module.article(comment)) + html[place[1]:]
    return Markup(html)


def _own_comments(on_target: Any) -> Any:
    """The ids of the person's comments on the target, as one string (a scalar subquery)."""
    return select(comma_list(cast(Comment.id, String))).where(
        Comment.author_id == bindparam("person_id", type_=Integer), on_target,
    ).scalar_subquery()


pages.fact("proposal", "own_comments")(lambda: _own_comments(
    Comment.proposal_id == bindparam("target_id", type_=Integer)))
# A person writes a few comments, a project holds thousands: `+ 0` keeps SQLite (without
# statistics) from walking the project's debate by its index instead of the person's comments
# (4 ms instead of 0.02 ms on the benchmark's 10,000-proposal project).
pages.fact("project", "own_comments")(lambda: _own_comments(and_(
    (Comment.project_id + 0) == bindparam("target_id", type_=Integer),
    Comment.proposal_id.is_(None))))


def new_comment_form(action: str) -> Callable[[], Markup]:
    """The empty comment form posting to `action`: the same for everyone (kept as a fragment,
    per kiosk or not), the person's CSRF token put in. Made only where the page shows it."""

    def render() -> str:
        return render_template("comments/_new_form.html", comment_form=CommentForm(formdata=None),
                               comment_action=action, csrf=fragments.TOKEN)

    def made() -> Markup:
        html = fragments.cached("comment_form", (action, kiosk.is_kiosk()), render)
        return fragments.with_token(str(html))

    return made


@pages.provides("proposal")
def proposal_threads(proposal: Proposal) -> dict[str, Any]:
    """A proposal page shows its comment threads and the comment form."""
    return {
        "threads_html": threads_html(proposal.project, proposal),
        "new_comment_form": new_comment_form(
            url_for("comments.on_proposal", proposal_id=proposal.id)),
        "comment_target": proposal,
        "comment_project": proposal.project,
    }


@pages.provides("project")
def project_threads(project: Project) -> dict[str, Any]:
    """A project page shows the threads about the project itself and the comment form."""
    return {
        "threads_html": threads_html(project, None),
        "new_comment_form": new_comment_form(url_for("comments.on_project", slug=project.slug)),
        "comment_target": project,
        "comment_project": project,
    }


@pages.provides("account")
def my_comments(user: Any) -> dict[str, Any]:
    """Mon espace lists the person's comments, where they are and the replies they received."""
    return {"my_comments": services.authored_by(user, pages.ACCOUNT_LIST)}
