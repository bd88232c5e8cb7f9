"""Commitments made through the services, as the admin's forms make them."""

from __future__ import annotations

from typing import Any

from consultation.followup import services
from consultation.followup.models import Commitment
from consultation.projects.models import Project


def commitment(project: Project, admin: Any, title: str = "Ouvrir une maison du numérique",
               proposals: list[Any] | None = None, **kwargs: Any) -> Commitment:
    """A commitment of the project, answering these proposals."""
    data = services.CommitmentData(
        title=title, description=kwargs.pop("description", "Un lieu **ouvert** à tous."),
        service=kwargs.pop("service", "Direction du numérique"),
        starts_on=kwargs.pop("starts_on", None), ends_on=kwargs.pop("ends_on", None),
        proposal_ids=[p.id for p in proposals or []],
    )
    return services.create_commitment(admin, project, data, **kwargs)
