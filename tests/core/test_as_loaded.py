"""core/db.as_loaded: an object built from a row already read (or written) becomes an object of
the session exactly as if a query had loaded it, on SQLite and PostgreSQL. The helper takes
the steps of SQLAlchemy's own loader: these tests fail if a new SQLAlchemy changes them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, inspect, select

from consultation.core.db import as_loaded
from consultation.extensions import db
from consultation.projects.models import Phase
from tests import factories


def _columns(phase_id: int) -> dict[str, object]:
    """Every column of a phase, as a row gives them."""
    row = db.session.execute(select(*Phase.__table__.c).where(Phase.id == phase_id)).one()
    return dict(row._mapping)


def _built(values: dict[str, object]) -> Phase:
    phase = Phase.__mapper__.class_manager.new_instance()
    inspect(phase).dict.update(values)
    return phase


def _a_phase() -> tuple[int, int]:
    project = factories.project("consultation")
    db.session.commit()
    phase = project.phase("consultation")
    assert phase is not None
    ident, project_id = phase.id, project.id
    db.session.remove()
    return ident, project_id


def test_it_is_persistent_known_and_clean(app, count_queries) -> None:
    ident, _ = _a_phase()
    values = _columns(ident)
    with count_queries() as counter:
        phase = as_loaded(db.session(), _built(values))
        state = inspect(phase)
        assert state.persistent and phase in db.session
        assert not state.expired_attributes and not state.modified
        assert db.session.get(Phase, ident) is phase  # found in the identity map
        assert (phase.kind, phase.ends_on) == (values["kind"], values["ends_on"])
        assert not db.session.dirty and not db.session.new
        db.session.flush()
    assert counter.count == 0  # nothing read again, nothing written


def test_an_edit_and_a_deletion_reach_the_database(app) -> None:
    ident, _ = _a_phase()
    phase = as_loaded(db.session(), _built(_columns(ident)))
    ends_on = phase.ends_on + timedelta(days=2)
    phase.ends_on = ends_on
    assert phase in db.session.dirty
    db.session.commit()
    db.session.remove()
    assert db.session.scalar(select(Phase.ends_on).where(Phase.id == ident)) == ends_on
    db.session.remove()

    db.session.delete(as_loaded(db.session(), _built(_columns(ident))))
    db.session.commit()
    assert db.session.get(Phase, ident) is None


def test_a_column_not_given_is_read_when_asked(app, count_queries) -> None:
    ident, _ = _a_phase()
    values = _columns(ident)
    added = values.pop("added_features")
    phase = as_loaded(db.session(), _built(values))
    assert "added_features" in inspect(phase).expired_attributes
    with count_queries() as counter:
        assert phase.added_features == added
    assert counter.count == 1


def test_the_object_the_session_holds_is_kept(app) -> None:
    ident, _ = _a_phase()
    held = db.session.get_one(Phase, ident)
    again = as_loaded(db.session(), _built(_columns(ident)))
    assert again is held


def test_without_a_session_it_is_detached_with_its_identity(app) -> None:
    ident, _ = _a_phase()
    phase = as_loaded(None, _built(_columns(ident)))
    state = inspect(phase)
    assert state.detached and state.identity == (ident,)
    merged = db.session.merge(phase, load=False)
    assert inspect(merged).persistent and merged.id == ident


def test_columns_make_the_object_a_query_loads(app, count_queries) -> None:
    """core/db.Columns: an entity's columns read as plain columns of a Core statement, then
    made into the object, give what the ORM's loading of that entity gives."""
    from consultation.accounts.models import User
    from consultation.core.db import Columns, run

    person = factories.user(display_name="Anne Le Gall")
    db.session.commit()
    ident = person.id
    db.session.remove()
    columns = Columns(User, "person_")
    with count_queries() as counter:
        row = run(select(*columns.columns).where(User.id == ident)).one()
        made = columns.made(db.session(), row)
        assert inspect(made).persistent and not db.session.dirty
        values = {key: getattr(made, key) for key in columns.keys}
    assert counter.count == 1  # every column came with the row
    db.session.remove()
    loaded = db.session.get_one(User, ident)
    assert values == {key: getattr(loaded, key) for key in columns.keys}
    assert values["display_name"] == "Anne Le Gall"
    # An outer join that found no row: no object.
    assert columns.made(db.session(), [None] * len(columns.keys)) is None


def test_who_listens_to_loads_is_told_as_by_a_query(app) -> None:
    """The "load" event is sent as SQLAlchemy's loader sends it (with no query context): what
    counts the objects a page loads (tests/work.py) counts these too; an object the session
    holds already is not loaded again, and is not told of."""
    ident, _ = _a_phase()
    values = _columns(ident)
    told: list[object] = []

    def load(target: object, context: object) -> None:
        told.append((target, context))

    event.listen(Phase, "load", load)
    try:
        phase = as_loaded(db.session(), _built(values))
        again = as_loaded(db.session(), _built(values))
    finally:
        event.remove(Phase, "load", load)
    assert again is phase
    assert told == [(phase, None)]
