"""What the debate's services check, the database holds too (migration 0023)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DataError, IntegrityError

from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.opinions.models import STATEMENT_MAX, DebateParticipant, Statement
from tests import factories
from tests.opinions.debates import debate


def _refused(statement) -> None:
    # PostgreSQL refuses a long text by its column type already (DataError).
    with pytest.raises((IntegrityError, DataError)), db.session.begin_nested():
        db.session.execute(statement)


def test_the_database_refuses_what_the_services_refuse(app):
    made = debate()
    person = factories.user()
    db.session.commit()
    now = utcnow()
    statement = {"debate_id": made.id, "state": "published", "is_seed": False, "created_at": now}
    _refused(insert(Statement).values(text="x" * (STATEMENT_MAX + 1), **statement))
    _refused(insert(Statement).values(text="", **statement))
    db.session.execute(insert(Statement).values(text="x" * STATEMENT_MAX, **statement))
    participant = {"debate_id": made.id, "created_at": now}
    # An account answers online; a sheet or an import is nobody's, and a sheet has its label.
    _refused(insert(DebateParticipant).values(number=90, source="online", user_id=None,
                                              **participant))
    _refused(insert(DebateParticipant).values(number=91, source="paper", user_id=person.id,
                                              label="Fiche 1", **participant))
    _refused(insert(DebateParticipant).values(number=92, source="paper", label=None,
                                              **participant))
    db.session.execute(insert(DebateParticipant).values(number=93, source="paper",
                                                        label="Fiche 1", **participant))
    db.session.execute(insert(DebateParticipant).values(number=94, source="online",
                                                        user_id=person.id, **participant))
    db.session.commit()
