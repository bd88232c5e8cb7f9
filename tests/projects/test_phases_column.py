"""A project's phases read as one column of its statement (projects/services.phases_column and
attach_phases): the same phases as the relationship loads, objects of the session that edits
and deletions reach, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect, select

from consultation.core.models import today
from consultation.extensions import db
from consultation.projects import services
from consultation.projects.models import Phase, Project
from consultation.proposals import services as proposal_services
from tests import factories


def loaded(project_id: int) -> list[tuple[object, ...]]:
    """The phases as the relationship loads them, in its order."""
    db.session.expire_all()
    return [(p.id, p.kind, p.starts_on, p.ends_on, p.added_features)
            for p in db.session.get_one(Project, project_id).phases]


def attached(project: Project) -> list[tuple[object, ...]]:
    return [(p.id, p.kind, p.starts_on, p.ends_on, p.added_features) for p in project.phases]


def test_the_column_gives_the_phases_the_relationship_loads(app) -> None:
    project = factories.project("consultation")
    consultation = project.phase("consultation")
    assert consultation is not None
    consultation.added_features = "opinions"
    db.session.commit()
    ident, slug = project.id, project.slug
    expected = loaded(ident)
    assert len(expected) == 4 and expected[1][4] == "opinions"
    db.session.remove()

    read = services.by_slug(slug)
    assert read is not None and attached(read) == expected
    # Objects of the session, as loaded ones: nothing to load, nothing to flush.
    for phase in read.phases:
        state = inspect(phase)
        assert state.persistent and not state.expired_attributes and phase in db.session
    assert not db.session.dirty and read.allows("comment") and read.is_open
    db.session.remove()

    proposal_id = factories.proposal(db.session.get_one(Project, ident)).id
    db.session.commit()
    db.session.remove()
    for_action = proposal_services.for_action(proposal_id)
    assert for_action is not None and attached(for_action.project) == expected


def test_a_project_without_phases_has_none(app) -> None:
    project = factories.project("consultation")
    for phase in list(project.phases):
        db.session.delete(phase)
    db.session.commit()
    slug = project.slug
    db.session.remove()
    read = services.by_slug(slug)
    assert read is not None and read.phases == [] and read.current_phase() is None


def test_phases_read_so_are_edited_and_deleted_as_loaded_ones(app) -> None:
    """An edit of a phase, a phase removed from the project, the project deleted: all reach
    the database, as with phases loaded through the relationship."""
    project = factories.project("consultation")
    db.session.commit()
    slug, ident = project.slug, project.id
    db.session.remove()

    read = services.by_slug(slug)
    consultation = read.phase("consultation") if read is not None else None
    assert consultation is not None
    consultation.ends_on += timedelta(days=3)
    db.session.commit()
    ends_on = db.session.scalar(select(Phase.ends_on).where(
        Phase.project_id == ident, Phase.kind == "consultation"))
    assert ends_on == today() + timedelta(days=24 + 3)
    db.session.remove()

    read = services.by_slug(slug)
    assert read is not None
    read.phases = [phase for phase in read.phases if phase.kind != "follow_up"]
    db.session.commit()
    assert sorted(db.session.scalars(select(Phase.kind).where(Phase.project_id == ident))) == [
        "consultation", "information", "synthesis"]
    db.session.remove()

    db.session.delete(services.by_slug(slug))
    db.session.commit()
    assert db.session.scalar(select(Phase.id).where(Phase.project_id == ident)) is None
