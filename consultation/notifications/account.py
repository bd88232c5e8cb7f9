"""What Mon espace shows of the notifications domain: the projects and proposals one follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from consultation.core import pages
from consultation.core.pagination import Page, paginate
from consultation.notifications.models import Follow
from consultation.projects.models import Project
from consultation.proposals.models import Proposal


def followed_by(user: Any, per_page: int) -> Page[tuple[Follow, Project | None, Proposal | None]]:
    """A person's newest follows, each with its project or its proposal (one statement)."""
    project = aliased(Project)
    proposal = aliased(Proposal)
    statement = (
        select(Follow, project, proposal)
        .outerjoin(project, project.id == Follow.project_id)
        .outerjoin(proposal, proposal.id == Follow.proposal_id)
        .where(Follow.user_id == user.id)
        .order_by(Follow.created_at.desc(), Follow.id.desc())
    )
    return paginate(statement, 1, per_page)


@pages.provides("account")
def my_follows(user: Any) -> dict[str, Any]:
    """Mon espace lists what the person follows, with links to where to stop following."""
    return {"my_follows": followed_by(user, pages.ACCOUNT_LIST)}
