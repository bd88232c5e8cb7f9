"""The proposals a person supported, for the download (soutiens.json)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.votes.models import Support


@part("soutiens.json", "soutiens", ("supports.user_id",),
      _l("les propositions que vous soutenez (personne d'autre ne le voit) ; si vous "
         "supprimez votre compte, vos soutiens restent comptés sans votre nom"))
def supports(user: User) -> list[dict[str, Any]]:
    """The person's own supports: which proposal, when; never who else supported it."""
    rows = db.session.execute(
        select(Support.created_at, Proposal.id, Proposal.title, Project.title)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .join(Project, Project.id == Support.project_id)
        .where(Support.user_id == user.id).order_by(Support.id)
    )
    return [
        {"proposition": pid, "titre": title, "projet": project, "soutenue_le": moment(when)}
        for when, pid, title, project in rows
    ]
