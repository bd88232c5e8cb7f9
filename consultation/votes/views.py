"""Support and take back a support; what supports add to proposal pages and lists."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, bindparam, cast, func, select

from consultation.core import notices, pages, ratelimits
from consultation.core.acting import acting_mediator, acting_user
from consultation.core.context import given, this_request
from consultation.core.db import comma_list, comma_values
from consultation.core.http import FAILED, attempt, require, safe_next
from consultation.extensions import login_required
from consultation.projects.models import Project
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal
from consultation.votes import bp, services
from consultation.votes.models import Support


def _proposal_or_404(proposal_id: int) -> Proposal:
    """The proposal acted on, with what its rule and the service read (one statement)."""
    proposal = proposal_services.for_action(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


# What the page after a support or its take-back says (core/notices.py: the session is not
# signed again for them).
SUPPORT = notices.outcome("soutien", _l("Votre soutien est enregistré."),
                          _l("Vous soutenez déjà cette proposition."))
WITHDRAW = notices.outcome("soutien-retire", _l("Votre soutien est retiré."),
                           _l("Vous ne souteniez pas cette proposition."))


def _back(proposal: Proposal) -> str:
    default = url_for("proposals.show", proposal_id=proposal.id, _anchor="soutien")
    return safe_next(given(this_request().form, "next"), default)


@bp.route("/propositions/<id:proposal_id>/soutenir", methods=["POST"])
@pages.read_first(proposal_services.for_action)
@login_required
@ratelimits.posting
def support(proposal_id: int):
    """Support a proposal; a second click changes nothing."""
    proposal = _proposal_or_404(proposal_id)
    require("votes.support", proposal)
    added = attempt(lambda: services.add_support(acting_user(), proposal,
                                                 mediator=acting_mediator()))
    if added is FAILED:
        return redirect(_back(proposal))  # the reason is flashed
    return notices.redirect_with(_back(proposal), SUPPORT.of(added))


@bp.route("/propositions/<id:proposal_id>/retirer-soutien", methods=["POST"])
@pages.read_first(proposal_services.for_action)
@login_required
@ratelimits.posting
def withdraw(proposal_id: int):
    """Take back one's support."""
    proposal = _proposal_or_404(proposal_id)
    require("votes.withdraw", proposal)
    removed = services.remove_support(acting_user(), proposal, mediator=acting_mediator())
    return notices.redirect_with(_back(proposal), WITHDRAW.of(removed))


@pages.provides("proposal")
def support_state(proposal: Proposal) -> dict[str, Any]:
    """A proposal page shows whether the visitor supports it (or wrote it: their own voice
    already) and how many supports are left."""
    person = acting_user()
    return {
        "supported": person.is_authenticated and bool(
            pages.facts("proposal", person.id, proposal.id)["supported"]),
        "own_proposal": person.is_authenticated and proposal.author_id == person.id,
        "supports_left": services.supports_left(person, proposal.project),
    }


@pages.fact("proposal", "supported")
def _supported() -> Any:
    return select(Support.proposal_id).where(
        Support.user_id == bindparam("person_id", type_=Integer),
        Support.proposal_id == bindparam("target_id", type_=Integer)).exists()


@pages.provides("proposal_list")
def list_state(project: Project, proposals: list[Proposal]) -> dict[str, Any]:
    """A proposal list marks the ones the visitor supports and shows supports left, from the
    person's facts about the project (read with the project when the page could: one
    statement for the project, the person and these)."""
    person = acting_user()
    if not person.is_authenticated:
        return {"supported_ids": set(), "supports_left": None}
    known = pages.facts("proposal_list", person.id, project.id)
    services.know_used(project, int(known["supports_used"] or 0))
    supported = {int(ident) for ident in comma_values(known["supported"])}
    return {
        "supported_ids": supported & {proposal.id for proposal in proposals},
        "supports_left": services.supports_left(person, project),
    }


# The person's supports in the project: their proposals' ids, and how many.
def _given_here() -> Any:
    return services.given_in(bindparam("person_id", type_=Integer),
                             bindparam("target_id", type_=Integer))


pages.fact("proposal_list", "supported")(lambda: select(
    comma_list(cast(Support.proposal_id, String))).where(_given_here()).scalar_subquery())
pages.fact("proposal_list", "supports_used")(
    lambda: select(func.count()).where(_given_here()).scalar_subquery())


@pages.provides("account")
def my_supports(user: Any) -> dict[str, Any]:
    """Mon espace lists the proposals the person supports and the supports left per project."""
    return {
        "my_supports": services.given_by(user, pages.ACCOUNT_LIST),
        "supports_by_project": services.left_by_project(user, pages.ACCOUNT_LIST),
    }
