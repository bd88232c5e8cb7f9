"""Domain enums: membership of plain strings, and check constraints written from them."""

from __future__ import annotations

from consultation.core.documents import Document, DocumentState
from consultation.core.models import ModerationState, one_of
from consultation.proposals.models import AnswerStatus, Proposal, Stance


def test_members_equal_their_values():
    """Rows read back as plain strings compare equal to the members, and print as values."""
    assert ModerationState.HIDDEN == "hidden"
    assert f"{Stance.POUR}" == "pour" and str(DocumentState.READY) == "ready"
    assert {"pour": 1}[Stance.POUR] == 1
    assert tuple(AnswerStatus) == ("accepted", "rejected", "under_study")


def test_has_accepts_only_the_values():
    """`has` answers for any input, where 3.11's `in` raises on a plain string."""
    assert AnswerStatus.has("accepted") and AnswerStatus.has(AnswerStatus.REJECTED)
    for value in ("", "ACCEPTED", "perhaps", None, 3, ["accepted"]):
        assert not AnswerStatus.has(value)


def test_one_of_writes_the_same_sql_as_before():
    """The constraints built from the enums say what the migrations created."""
    assert one_of("stance", Stance) == "stance IN ('pour', 'contre', 'neutre')"
    constraints = {c.name: str(c.sqltext) for c in Proposal.__table__.constraints
                   if hasattr(c, "sqltext")}
    assert constraints["ck_proposals_status"] == "status IN ('published', 'withdrawn', 'merged')"
    assert constraints["ck_proposals_answer_status"] == (
        "answer_status IS NULL OR answer_status IN ('accepted', 'rejected', 'under_study')"
    )
    assert constraints["ck_proposals_moderation"] == (
        "moderation IN ('visible', 'pending', 'held', 'hidden')"
    )
    states = {c.name: str(c.sqltext) for c in Document.__table__.constraints
              if hasattr(c, "sqltext")}
    assert states["ck_documents_state"] == "state IN ('pending', 'running', 'ready', 'failed')"
