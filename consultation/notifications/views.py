"""Follow and stop following; the notifications page and its email settings; unsubscribing
from an email; the follow button of project and proposal pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, select
from werkzeug.wrappers import Response as WerkzeugResponse

from consultation.accounts.models import User
from consultation.core import fragments, notices, pages
from consultation.core.acting import acting_user
from consultation.core.context import given, this_request
from consultation.core.errors import abort_with
from consultation.core.http import get_or_404, require, safe_next
from consultation.core.pagination import page_number
from consultation.core.permissions import can
from consultation.core.permissions import require as require_of
from consultation.extensions import csrf, login_required
from consultation.notifications import bp, mailing, services, texts
from consultation.notifications.forms import SettingsForm
from consultation.notifications.models import EmailFrequency, Follow, Notification
from consultation.projects.models import Project
from consultation.projects.views import project_or_404
from consultation.proposals.models import Proposal


def _back(default: str) -> str:
    return safe_next(given(this_request().form, "next"), default)


def _said(changed: bool, said: notices.Outcome, default: str) -> WerkzeugResponse:
    return notices.redirect_with(_back(default), said.of(changed))


# What the page after following or not says (core/notices.py: the session is not signed
# again for them).
FOLLOW_PROJECT = notices.outcome("suivi-projet", _l(
    "Vous suivez ce projet : vous serez notifié·e de ce qui s'y passe."),
    _l("Vous suivez déjà ce projet."))
UNFOLLOW_PROJECT = notices.outcome("suivi-projet-arrete", _l("Vous ne suivez plus ce projet."),
                                   _l("Vous ne suiviez pas ce projet."))
FOLLOW_PROPOSAL = notices.outcome("suivi-proposition", _l(
    "Vous suivez cette proposition : vous serez notifié·e de sa réponse officielle "
    "et de ses suites."), _l("Vous suivez déjà cette proposition."))
UNFOLLOW_PROPOSAL = notices.outcome(
    "suivi-proposition-arrete", _l("Vous ne suivez plus cette proposition."),
    _l("Vous ne suiviez pas cette proposition."))


@bp.route("/projets/<slug>/suivre", methods=["POST"])
@login_required
def follow_project(slug: str):
    """Follow a project; a second click changes nothing."""
    project = project_or_404(slug)
    require("notifications.follow", project)
    return _said(services.follow(acting_user(), project=project), FOLLOW_PROJECT,
                 url_for("projects.show", slug=project.slug))


@bp.route("/projets/<slug>/ne-plus-suivre", methods=["POST"])
@login_required
def unfollow_project(slug: str):
    """Stop following a project."""
    project = project_or_404(slug)
    require("notifications.follow", project)
    return _said(services.unfollow(acting_user(), project=project), UNFOLLOW_PROJECT,
                 url_for("projects.show", slug=project.slug))


@bp.route("/propositions/<id:proposal_id>/suivre", methods=["POST"])
@login_required
def follow_proposal(proposal_id: int):
    """Follow a proposal; a second click changes nothing."""
    proposal = get_or_404(Proposal, proposal_id)
    require("notifications.follow", proposal)
    return _said(services.follow(acting_user(), proposal=proposal), FOLLOW_PROPOSAL,
                 url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/propositions/<id:proposal_id>/ne-plus-suivre", methods=["POST"])
@login_required
def unfollow_proposal(proposal_id: int):
    """Stop following a proposal."""
    proposal = get_or_404(Proposal, proposal_id)
    require("notifications.follow", proposal)
    return _said(services.unfollow(acting_user(), proposal=proposal), UNFOLLOW_PROPOSAL,
                 url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/compte/notifications")
@login_required
def index():
    """The person's notifications, newest first; reading the page marks nothing."""
    page = services.page_of(current_user, page_number())
    return render_template("notifications/index.html", page=page,
                           unread=services.header_unread(), tell=texts.tell)


@bp.route("/compte/notifications/<id:notification_id>/lu", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read."""
    notification = get_or_404(Notification, notification_id)
    require_of(current_user, "notifications.read", notification)
    services.mark_read(current_user, notification)
    flash(_("Notification marquée comme lue."), "success")
    return redirect(_back(url_for("notifications.index")))


@bp.route("/compte/notifications/tout-lu", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    marked = services.mark_all_read(current_user)
    if marked:
        flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    else:
        flash(_("Vous n'aviez aucune notification non lue."), "info")
    return redirect(url_for("notifications.index"))


@bp.route("/compte/notifications/reglages", methods=["GET", "POST"])
@login_required
def settings():
    """Choose how often to be emailed, and whether to follow what one takes part in."""
    require("notifications.settings", current_user)
    current = services.settings_of(current_user)
    form = SettingsForm()
    if request.method == "GET":
        form.email_frequency.data = str(current.email_frequency)
        form.auto_follow.data = current.auto_follow
    if form.validate_on_submit():
        services.save_settings(current_user, EmailFrequency(form.email_frequency.data),
                               bool(form.auto_follow.data))
        flash(_("Vos réglages de notification sont enregistrés."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form,
                           has_email=bool(current_user.email))


def _owner(token: str) -> User:
    user = mailing.user_of_token(token)
    if user is None:
        abort_with(404, _("Ce lien de désabonnement n'est pas valide. Vous pouvez régler vos "
                     "courriels depuis votre compte, page «\u00a0Mes notifications\u00a0»."))
    assert user is not None  # abort_with raised otherwise
    return user


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop all email from the platform from a link in an email, without logging in."""
    user = _owner(token)
    if request.method == "POST":
        services.unsubscribe(user)
        return render_template("notifications/unsubscribed.html")
    return render_template("notifications/unsubscribe.html", token=token)


@bp.route("/desabonnement/<token>/un-clic", methods=["POST"])
@csrf.exempt
def unsubscribe_one_click(token: str):
    """The one-click unsubscription mail programs send (RFC 8058): the link's secret stands
    in for the form's token."""
    services.unsubscribe(_owner(token))
    return render_template("notifications/unsubscribed.html")


def _follows(page: str, target_id: int) -> bool:
    """Whether the logged-in person follows the page's project or proposal (asked with their
    other facts about it, core/pages.py)."""
    person = acting_user()
    if not person.is_authenticated:
        return False
    return bool(pages.facts(page, person.id, target_id)["following"])


def _following(column: Any) -> Any:
    return select(Follow.id).where(
        Follow.user_id == bindparam("person_id", type_=Integer),
        column == bindparam("target_id", type_=Integer)).exists()


pages.fact("project", "following")(lambda: _following(Follow.project_id))
pages.fact("proposal", "following")(lambda: _following(Follow.proposal_id))


def _follow_html(what: str, target: tuple[Any, ...], urls: Callable[[], tuple[str, str]],
                 allowed: bool, following: bool) -> Markup:
    """The follow button of a page, kept for everyone in the same state (the person's CSRF
    token put back in): made once, not at every page."""

    def render() -> str:
        follow, unfollow = urls()
        return render_template("notifications/_follow.html", follow_state={
            "allowed": allowed, "following": following, "follow": follow,
            "unfollow": unfollow, "what": what})

    return fragments.cached_form(
        "follow_button", (what, *target, allowed, following, request.path), render)


@pages.provides("project")
def project_follow(project: Project) -> dict[str, Any]:
    """A project page offers to follow it (one query, for a logged-in person only)."""
    return {"follow_html": _follow_html(
        "project", (project.id, project.slug), lambda: (
            url_for("notifications.follow_project", slug=project.slug),
            url_for("notifications.unfollow_project", slug=project.slug)),
        can(acting_user(), "notifications.follow", project), _follows("project", project.id))}


@pages.provides("proposal")
def proposal_follow(proposal: Proposal) -> dict[str, Any]:
    """A proposal page offers to follow it (one query, for a logged-in person only)."""
    return {"follow_html": _follow_html(
        "proposal", (proposal.id,), lambda: (
            url_for("notifications.follow_proposal", proposal_id=proposal.id),
            url_for("notifications.unfollow_proposal", proposal_id=proposal.id)),
        can(acting_user(), "notifications.follow", proposal), _follows("proposal", proposal.id))}
