"""What the follow-up adds to the pages of the domains below it: the project page's "Suivi"
section, a proposal's commitments, the synthesis block [[suivi]], the Rencontres dossier's
chapter and the elected officials' dashboard (core/pages.py and syntheses/blocks.py)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l

from consultation.core import fragments, pages
from consultation.followup import services
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.syntheses import blocks


@pages.provides("project_content")
def project_follow_up(project: Project) -> dict[str, Any]:
    """The project page links its "Suivi" tab once the project has commitments or is in its
    follow-up phase."""
    phase = project.current_phase()
    in_follow_up = phase is not None and phase.kind == "follow_up"
    return {"follow_up": in_follow_up or services.has_commitments(project)}


@pages.provides("proposal")
def proposal_commitments(proposal: Proposal) -> dict[str, Any]:
    """A proposal's page lists the commitments that answer it: kept as a shared fragment
    under the project's version, which every commitment and each of its links moves."""
    project = proposal.project

    def render() -> str:
        found = services.answering(proposal)
        return render_template("followup/_proposal.html", proposal_commitments=found,
                               project=project) if found else ""

    return {"commitments_html": fragments.cached(
        "proposal_commitments", (proposal.id, project.id, project.version), render)}


@pages.provides("account")
def my_answered_proposals(user: Any) -> dict[str, Any]:
    """Mon espace says which of the person's proposals a commitment answers."""
    return {"commitments_by_proposal": services.answering_authored_by(user)}


@pages.provides("dossier")
def dossier_chapter(edition: Any) -> dict[str, Any]:
    """The Rencontres dossier's chapter "Ce que la métropole a fait": the commitments of the
    projects whose syntheses the edition gathers, with their latest status and progress."""
    projects: dict[int, str] = {}
    for version in edition.syntheses:
        projects.setdefault(version.project_id, version.project.title)
    rows = services.rows_of(list(projects))
    return {"followup_chapter": [
        {"title": title, "commitments": rows[pid]} for pid, title in projects.items()
    ]}


@pages.provides("elected")
def elected_dashboard(*_: Any, **__: Any) -> dict[str, Any]:
    """The elected officials' reading space: commitments per status and the latest updates
    (templates/followup/_dashboard.html draws it)."""
    return {"followup_dashboard": services.dashboard()}


def _suivi(project: Project) -> list[dict[str, Any]]:
    return services.rows_of([project.id])[project.id]


blocks.register("suivi", _l("Le suivi des engagements"), _suivi, "followup/_block.html")
