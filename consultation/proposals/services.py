"""Proposal services and the list query."""

from __future__ import annotations

import logging
import random
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import BigInteger, Integer, Select, cast, literal, select
from sqlalchemy.orm import joinedload, load_only

from consultation.accounts.models import PUBLIC_COLUMNS, User
from consultation.core import audit, jobs
from consultation.core.errors import DomainError
from consultation.core.models import utcnow
from consultation.core.signals import proposal_created, proposal_updated, proposal_withdrawn
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import ANSWER_STATUSES, Proposal
from consultation.reference.models import Territory

log = logging.getLogger(__name__)

SORTS = ("hasard", "soutiens", "recentes", "commentees")
SEED_MAX = 999_983  # seeds are 1 .. SEED_MAX - 1
# The random order sorts on a hash of (id, seed) computed by the database: an affine map
# modulo the prime 2**31 - 1, then two rounds of xor-shift and multiplication. Every
# intermediate value stays below 2**63, so the same integer arithmetic gives the same order on
# SQLite and PostgreSQL. A plain (id * seed) % prime is not enough: for small ids and seeds it
# keeps the ids in order, and some ids come first far more often than others.
_PRIME = 2_147_483_647
_MIX = (1_103_515_245, 48_271, 69_621)


def create_proposal(
    author: User, project: Project, title: str, body: str, territory: Territory | None
) -> Proposal:
    """Submit a proposal to a project."""
    proposal = Proposal(
        project=project, author=author, title=title, body=body, territory=territory,
        moderation="pending" if project.premoderation else "visible",
    )
    db.session.add(proposal)
    db.session.flush()
    proposal_created.send(proposal)
    log.info("user %s submitted proposal %s to project %s", author.id, proposal.id, project.id)
    return proposal


def update_proposal(
    actor: User, proposal: Proposal, title: str, body: str, territory: Territory | None
) -> None:
    """Edit a proposal that has no support and no comment yet."""
    if not proposal.is_editable:
        raise DomainError(
            _("Une proposition ne se modifie plus après son premier soutien ou commentaire.")
        )
    proposal.title, proposal.body, proposal.territory = title, body, territory
    db.session.flush()
    proposal_updated.send(proposal)
    log.info("user %s edited proposal %s", actor.id, proposal.id)


def withdraw_proposal(actor: User, proposal: Proposal) -> None:
    """Withdraw a proposal: it stays readable, marked withdrawn, and leaves the lists."""
    if not proposal.is_published:
        raise DomainError(_("Cette proposition est déjà retirée."))
    was_counted = proposal.is_counted
    proposal.status = "withdrawn"
    proposal.withdrawn_at = utcnow()
    db.session.flush()
    if was_counted:  # a proposal hidden by moderation was not counted any more
        proposal_withdrawn.send(proposal)
    log.info("user %s withdrew proposal %s", actor.id, proposal.id)


def give_answer(actor: User, proposal: Proposal, status: str, body: str) -> None:
    """Give (or change) the official answer; the author is told by email."""
    from consultation.proposals.jobs import send_answer_notice

    if status not in ANSWER_STATUSES:
        raise DomainError(_("Choisissez acceptée, refusée ou à l'étude."))
    previous = proposal.answer_status
    proposal.answer_status, proposal.answer_body = status, body
    proposal.answered_at = utcnow()
    audit.record(actor, "proposal.answer", "proposal", proposal.id, proposal.title,
                 status=status, previous=previous)
    db.session.flush()
    jobs.enqueue(send_answer_notice, proposal.id)
    log.info("user %s answered proposal %s: %s", actor.id, proposal.id, status)


def new_seed() -> int:
    """A seed for the random order, carried in the links so paging keeps the order."""
    return random.randint(1, SEED_MAX - 1)


def list_query(
    project: Project,
    sort: str,
    seed: int,
    territory_id: int | None = None,
    answer: str | None = None,
) -> Select[Any]:
    """The published proposals of a project, filtered and sorted, with their authors."""
    statement = (
        select(Proposal)
        .options(joinedload(Proposal.author).options(load_only(*PUBLIC_COLUMNS)))
        .where(
            Proposal.project_id == project.id,
            Proposal.status == "published",
            Proposal.moderation == "visible",
        )
    )
    if territory_id:
        statement = statement.where(Proposal.territory_id == territory_id)
    if answer == "none":
        statement = statement.where(Proposal.answer_status.is_(None))
    elif answer in ANSWER_STATUSES:
        statement = statement.where(Proposal.answer_status == answer)
    if sort == "soutiens":
        order: list[Any] = [Proposal.supports_count.desc(), Proposal.id.desc()]
    elif sort == "recentes":
        order = [Proposal.created_at.desc(), Proposal.id.desc()]
    elif sort == "commentees":
        order = [Proposal.comments_count.desc(), Proposal.id.desc()]
    else:
        # Stable pseudo-random order: the same seed gives the same order on every page.
        order = [_seeded_hash(Proposal.id, seed), Proposal.id]
    return statement.order_by(*order)


def _xorshift(value: Any, bits: int) -> Any:
    # value ^ (value >> bits), written with | and & since SQLite has no XOR operator.
    shifted = value.bitwise_rshift(literal(bits, Integer))  # PostgreSQL: bigint >> int
    return value.bitwise_or(shifted) - value.bitwise_and(shifted)


def _seeded_hash(column: Any, seed: int) -> Any:
    """A well-mixed hash of an integer column and a seed, as an SQL expression."""
    first, second, third = (literal(n, BigInteger) for n in _MIX)
    prime = literal(_PRIME, BigInteger)
    offset = literal(seed * 7_919 % _PRIME, BigInteger)
    value = (cast(column, BigInteger) * first + offset) % prime
    value = (_xorshift(value, 13) * second) % prime
    return (_xorshift(value, 11) * third) % prime


def top_proposals(project: Project, limit: int = 3) -> list[Proposal]:
    """The most supported published proposals of a project."""
    return list(
        db.session.scalars(
            list_query(project, "soutiens", 1).limit(limit)
        )
    )
