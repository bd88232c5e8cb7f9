"""`flask demo load`: realistic content, every phase present, exact counters, idempotent.

The demo is loaded once per database backend for the whole module (its PDFs built for real),
and every test reads it: the tests change nothing, the second load included.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from consultation.comments.models import Comment
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.projects.models import PhaseKind, Project
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests.conftest import data_for_module, on_module_data
from tests.recount import assert_counters_exact

# One worker loads the demo for the module, instead of each worker loading it.
pytestmark = pytest.mark.xdist_group("demo")


def _load(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def loaded(database_uri: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Flask, str]]:
    """The demo loaded once on this backend; the first load's output."""
    with data_for_module(database_uri, tmp_path_factory) as application:
        output = _load(application)
    yield application, output


@pytest.fixture
def app(loaded: tuple[Flask, str]) -> Iterator[Flask]:
    """The application on the loaded demo (overrides the clean-database `app`)."""
    with on_module_data(loaded[0]) as application:
        yield application


@pytest.fixture
def first_output(loaded: tuple[Flask, Any]) -> str:
    """What the first `flask demo load` printed."""
    return loaded[1]


def test_demo_loads_once_and_prints_one_account_per_role(app, first_output):
    """The first load creates the content and prints the accounts; the second changes nothing."""
    first = first_output
    for email in ("admin@demo.brest.fr", "moderation@demo.brest.fr",
                  "mediation@demo.brest.fr", "citoyenne@demo.brest.fr"):
        assert email in first
    counts = [db.session.execute(select(func.count()).select_from(m)).scalar_one()
              for m in (Project, Proposal, Comment, Support)]
    second = _load(app)
    assert "déjà chargées" in second
    assert "admin@demo.brest.fr" in second
    again = [db.session.execute(select(func.count()).select_from(m)).scalar_one()
             for m in (Project, Proposal, Comment, Support)]
    assert counts == again
    assert counts[1] >= 40 and counts[2] >= 100


def test_demo_covers_every_phase_and_stance(app):
    """At least one project per phase, two in consultation, comments of every stance."""
    projects = db.session.scalars(select(Project)).all()
    current = [phase.kind for p in projects if (phase := p.current_phase())]
    for kind in PhaseKind:
        assert kind in current
    assert current.count("consultation") >= 2
    stances = set(db.session.scalars(select(Comment.stance).distinct()))
    assert stances == {"pour", "contre", "neutre"}
    assert db.session.scalar(select(func.max(Comment.depth))) == 2


def test_demo_counters_equal_a_recount(app):
    """Every counter the demo produced through the services matches the rows."""
    assert_counters_exact()


def test_demo_has_no_author_supporting_their_own_proposal(app):
    """No support of the demo is its proposal's author's (a merge moves none onto it)."""
    assert db.session.scalar(
        select(func.count()).select_from(Support)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(Support.user_id == Proposal.author_id)
    ) == 0


def test_demo_has_moderation_to_show(app):
    """The demo gives the moderation pages a merged, a hidden and a held item, a blocked
    account and an open report."""
    from consultation.accounts.models import User
    from consultation.moderation.models import Report

    assert db.session.scalar(select(func.count()).where(Proposal.status == "merged")) == 1
    assert db.session.scalar(select(func.count()).where(Proposal.moderation == "hidden")) == 1
    assert db.session.scalar(select(func.count()).where(Comment.moderation == "held")) == 1
    assert sum(user.is_blocked for user in db.session.scalars(select(User))) == 1
    assert db.session.execute(
        select(func.count()).where(Report.status == "open")
    ).scalar_one() >= 4


def test_demo_has_a_published_synthesis_and_an_edition_with_their_pdfs(app, first_output):
    """Two versions of a synthesis with a change note, a draft in progress, and this year's
    edition published with its dossier: every PDF built (inline, no Redis)."""
    from consultation.core.documents import Document
    from consultation.rencontres.models import Edition
    from consultation.syntheses.models import SynthesisDraft, SynthesisVersion

    assert "elu@demo.brest.fr" in first_output
    versions = db.session.scalars(select(SynthesisVersion).order_by(SynthesisVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].change_note
    assert "[[reponses]]" in versions[1].narrative
    assert db.session.scalar(select(func.count()).select_from(SynthesisDraft)) == 2
    edition = db.session.scalars(select(Edition)).one()
    assert edition.is_published and [v.id for v in edition.syntheses] == [versions[1].id]
    states = db.session.scalars(select(Document.state)).all()
    assert states == ["ready", "ready", "ready"]
    slug = versions[1].project.slug
    client = app.test_client()
    assert client.get(f"/projets/{slug}/synthese").status_code == 200
    pdf = client.get(f"/rencontres/{edition.year}/dossier")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_demo_has_mediation_to_show(app):
    """Two assisted participants with consent registered by the demo mediator, contributions
    made for them, and a paper workshop with three contributions."""
    from consultation.accounts.models import User
    from consultation.mediation.models import AssistedProfile, Workshop

    mediator = db.session.scalars(
        select(User).where(User.email == "mediation@demo.brest.fr")).one()
    named = db.session.scalars(
        select(AssistedProfile).where(AssistedProfile.consent_reference.is_not(None))).all()
    assert len(named) == 2
    assert all(p.registered_by_id == mediator.id and p.user.email is None for p in named)
    helped = db.session.scalar(select(func.count()).where(Proposal.mediator_id == mediator.id,
                                                          Proposal.workshop_id.is_(None)))
    assert helped == 2
    assert db.session.scalar(select(func.count()).where(Support.mediator_id == mediator.id)) == 3
    workshop = db.session.scalars(select(Workshop)).one()
    from_workshop = [
        db.session.scalar(select(func.count()).where(model.workshop_id == workshop.id))
        for model in (Proposal, Comment)
    ]
    assert from_workshop == [1, 2]
    assert_counters_exact()


def test_demo_citizen_follows_things_and_has_read_and_unread_notifications(app):
    """Made by the real services and fan-out: she follows a project and proposals, and some of
    her notifications are read, others not."""
    from consultation.accounts.models import User
    from consultation.notifications.models import Follow, Notification

    citizen = db.session.scalars(
        select(User).where(User.email == "citoyenne@demo.brest.fr")).one()
    follows = db.session.scalars(select(Follow).where(Follow.user_id == citizen.id)).all()
    assert any(f.project_id for f in follows) and any(f.proposal_id for f in follows)
    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == citizen.id)).all()
    assert {n.read_at is None for n in notices} == {True, False}
    assert {"comment", "answer", "synthesis"} <= {n.kind for n in notices}


def test_the_follow_up_project_has_commitments_with_a_timeline(app):
    """The follow-up project's commitments: several statuses, an abandoned one with its reason,
    linked to proposals, each with dated updates."""
    from consultation.followup.models import Commitment, CommitmentUpdate

    commitments = db.session.scalars(select(Commitment)).all()
    assert 3 <= len(commitments) <= 5
    assert {c.status for c in commitments} >= {"prevu", "en_cours", "realise", "abandonne"}
    abandoned = next(c for c in commitments if c.status == "abandonne")
    assert abandoned.abandon_reason
    assert all(c.proposals for c in commitments)
    updates = db.session.scalar(select(func.count()).select_from(CommitmentUpdate)) or 0
    assert updates > len(commitments)
    phase = commitments[0].project.current_phase()
    assert phase is not None and phase.kind == "follow_up"


# --- One consistent story: dates and hours --------------------------------------------------


def _local(moment: Any) -> Any:
    from consultation.core.models import PARIS, as_utc

    return as_utc(moment).astimezone(PARIS)


def test_demo_projects_are_published(app):
    """Every demo project is public, published the morning it was created, as the journal
    says."""
    from consultation.core.audit import AuditEntry
    from consultation.core.models import as_utc

    published = {e.target_id: as_utc(e.created_at) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "project.publish"))}
    projects = db.session.scalars(select(Project)).all()
    assert projects and all(p.is_published for p in projects)
    for project in projects:
        assert project.published_at is not None
        assert as_utc(project.published_at) == published[project.id]
        assert as_utc(project.created_at) < as_utc(project.published_at)
    anonymous = app.test_client()
    for project in projects:
        assert anonymous.get(f"/projets/{project.slug}").status_code == 200


def test_a_versions_figures_are_dated_by_its_publication(app):
    """A version "publiée le 24 août" has its figures "arrêtés le 24 août": the snapshot is
    dated by the publication, and so is the journal's entry, not by the load."""
    from consultation.core.audit import AuditEntry
    from consultation.core.models import as_utc
    from consultation.syntheses.models import SynthesisVersion

    entries = {e.data["version"]: as_utc(e.created_at) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "synthesis.publish"))}
    for version in db.session.scalars(select(SynthesisVersion)):
        published = as_utc(version.published_at)
        computed = datetime.fromisoformat(version.figures["computed_at"])
        assert as_utc(computed) == published
        assert entries[version.number] == published
        assert published < utcnow() - timedelta(days=30)


def test_comments_and_proposals_come_in_daytime_after_what_they_answer(app):
    """Every comment is written in daytime in Brest (8:00 to 21:59), after the proposal it
    comments and the comment it answers, and before now; proposals too."""
    from consultation.core.models import as_utc

    now = utcnow()
    proposals = {p.id: p for p in db.session.scalars(select(Proposal))}
    comments = {c.id: c for c in db.session.scalars(select(Comment))}
    for proposal in proposals.values():
        assert 8 <= _local(proposal.created_at).hour <= 21, proposal.title
        assert as_utc(proposal.created_at) < now
    for comment in comments.values():
        moment = as_utc(comment.created_at)
        assert 8 <= _local(moment).hour <= 21, comment.body[:40]
        assert moment < now
        if comment.proposal_id is not None:
            assert moment > as_utc(proposals[comment.proposal_id].created_at), comment.body[:40]
        if comment.parent_id is not None:
            assert moment > as_utc(comments[comment.parent_id].created_at), comment.body[:40]
    hours = {_local(c.created_at).hour for c in comments.values()}
    assert len(hours) >= 8  # spread over the day, not all at one time


def test_journal_entries_are_dated_in_the_story(app):
    """The journal's entries happened in the demo's past, in working hours, spread over the
    months of the consultations, each after what it acts on; none at the time of the load."""
    from consultation.core.audit import AuditEntry
    from consultation.core.models import as_utc

    entries = db.session.scalars(select(AuditEntry)).all()
    assert len(entries) >= 30
    now = utcnow()
    for entry in entries:
        moment = as_utc(entry.created_at)
        assert moment < now - timedelta(minutes=30), entry.action
        assert 8 <= _local(moment).hour <= 21, entry.action
    days = {_local(e.created_at).date() for e in entries}
    assert len(days) >= 15
    projects = {p.id: as_utc(p.created_at) for p in db.session.scalars(select(Project))}
    for entry in entries:
        if entry.action == "project.create" and entry.target_id is not None:
            assert as_utc(entry.created_at) == projects[entry.target_id]
        if entry.action == "proposal.answer":
            answered = db.session.get_one(Proposal, entry.target_id).answered_at
            assert answered is not None and as_utc(entry.created_at) == as_utc(answered)
