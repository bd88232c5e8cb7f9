"""Test data made through the services, so counters stay exact."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.comments import services as comments
from consultation.comments.models import Comment
from consultation.core.models import today, utcnow
from consultation.extensions import db
from consultation.projects import services as projects
from consultation.projects.models import PhaseKind, Project
from consultation.proposals import services as proposals
from consultation.proposals.models import Proposal
from consultation.reference.models import Territory
from consultation.votes import services as votes

PASSWORD = "mot-de-passe-solide"
_seq = itertools.count(1)


def user(roles: tuple[str, ...] | list[str] = ("citizen",), **kwargs: Any) -> User:
    """A user with these roles (citizen is always given by registration), its email confirmed;
    `confirmed=False` gives one that registered and has not used its link yet (its
    confirmation mail is sent after the commit)."""
    n = next(_seq)
    made = accounts.register(
        kwargs.pop("email", f"personne{n}@exemple.fr"),
        kwargs.pop("display_name", f"Personne {n}"),
        kwargs.pop("password", PASSWORD),
        kwargs.pop("commune", None),
        confirmed=kwargs.pop("confirmed", True),
    )
    for role in roles:
        made.grant(role)
    db.session.flush()
    return made


def phases_for(current: str | None) -> dict[str, tuple[Any, Any]]:
    """Phases in order such that `current` is running today (None: all in the future)."""
    day = today()
    if current is None:
        start = day + timedelta(days=10)
        offset = 0
    else:
        offset = list(PhaseKind).index(PhaseKind(current))
        start = day - timedelta(days=5) - timedelta(days=30 * offset)
    result: dict[str, tuple[Any, Any]] = {}
    for i, kind in enumerate(PhaseKind):
        begin = start + timedelta(days=30 * i)
        result[kind] = (begin, begin + timedelta(days=29))
    del offset
    return result


def project(
    phase: str | None = "consultation", actor: User | None = None, published: bool = True,
    **kwargs: Any
) -> Project:
    """A project whose current phase is `phase`, published unless `published` is False."""
    n = next(_seq)
    data = projects.ProjectData(
        title=kwargs.pop("title", f"Projet {n}"),
        summary=kwargs.pop("summary", f"Résumé du projet {n}."),
        plain_summary=kwargs.pop("plain_summary", "En bref : un projet."),
        body=kwargs.pop("body", "Présentation **détaillée**."),
        phases=kwargs.pop("phases", phases_for(phase)),
        **kwargs,
    )
    made = projects.create_project(actor or user(roles=("admin",)), data)
    if published:
        made.published_at = utcnow()
        db.session.flush()
    return made


def territory(name: str = "Brest") -> Territory:
    """A territory loaded by the migration."""
    return db.session.query(Territory).filter_by(name=name).one()


def proposal(
    project_: Project | None = None, author: User | None = None, **kwargs: Any
) -> Proposal:
    """A published proposal."""
    n = next(_seq)
    return proposals.create_proposal(
        author or user(),
        project_ or project(),
        kwargs.pop("title", f"Proposition numéro {n}"),
        kwargs.pop("body", f"Texte de la proposition {n}."),
        kwargs.pop("territory", None),
    )


def comment(
    target: Proposal | Project | None = None,
    author: User | None = None,
    stance: str = "pour",
    parent: Comment | None = None,
    body: str = "Un avis argumenté.",
) -> Comment:
    """A comment on a proposal, a project, or a reply to `parent`."""
    if parent is not None:
        return comments.add_comment(author or user(), parent.project, stance, body, parent=parent)
    target = target or proposal()
    if isinstance(target, Proposal):
        return comments.add_comment(
            author or user(), target.project, stance, body, proposal=target
        )
    return comments.add_comment(author or user(), target, stance, body)


def support(proposal_: Proposal, supporter: User | None = None) -> bool:
    """A support of the proposal; an author does not support their own, so a support asked of
    the author is given by a new person instead (the count the test wanted stays)."""
    if supporter is None or supporter.id == proposal_.author_id:
        supporter = user()
    return votes.add_support(supporter, proposal_)
