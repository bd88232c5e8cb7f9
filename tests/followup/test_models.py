"""The states of a commitment: what may follow what, and the rules the database holds too."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from consultation.core.errors import IllegalTransition
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentStatus
from tests import factories
from tests.followup.helpers import commitment


def fresh() -> Commitment:
    return Commitment(title="Un engagement", status=CommitmentStatus.PREVU, progress=0,
                      abandon_reason="")


@pytest.mark.parametrize(("start", "status", "progress"), [
    ("prevu", "prevu", 10), ("prevu", "en_cours", 30), ("prevu", "realise", 100),
    ("prevu", "abandonne", 0), ("en_cours", "en_cours", 60), ("en_cours", "realise", 100),
    ("en_cours", "abandonne", 40), ("realise", "en_cours", 80), ("abandonne", "en_cours", 10),
])
def test_allowed_moves(start, status, progress):
    item = fresh()
    item.status = start
    item.progress = 100 if start == "realise" else 0
    assert item.move(status, progress, "Budget supprimé.") == start
    assert (item.status, item.progress) == (status, progress)
    assert item.abandon_reason == ("Budget supprimé." if status == "abandonne" else "")


@pytest.mark.parametrize(("start", "status", "progress", "message"), [
    ("en_cours", "prevu", 10, "ne peut pas redevenir prévu"),
    ("realise", "realise", 100, "ne peut qu'être rouvert"),
    ("realise", "abandonne", 50, "ne peut qu'être rouvert"),
    ("abandonne", "realise", 100, "ne peut qu'être rouvert"),
    ("abandonne", "prevu", 0, "ne peut qu'être rouvert"),
    ("prevu", "realise", 90, "avancé à 100 %"),
    ("en_cours", "en_cours", 100, "choisissez « réalisé »"),
    ("prevu", "en_cours", 101, "entre 0 et 100"),
    ("prevu", "en_cours", -1, "entre 0 et 100"),
    ("prevu", "fini", 50, "prévu, en cours"),
])
def test_illegal_moves_say_why_in_french(start, status, progress, message):
    item = fresh()
    item.status = start
    item.progress = 100 if start == "realise" else 0
    with pytest.raises(IllegalTransition, match=message):
        item.move(status, progress, "Un motif.")
    assert item.status == start


def test_abandoning_needs_a_reason():
    item = fresh()
    with pytest.raises(IllegalTransition, match="pourquoi"):
        item.move("abandonne", 20, "   ")
    assert item.status == "prevu"


def test_reopening_forgets_the_abandon_reason():
    item = fresh()
    item.move("abandonne", 20, "Pas de budget.")
    item.move("en_cours", 20)
    assert item.abandon_reason == ""


@pytest.mark.parametrize("change", [
    "progress = 101", "progress = -5", "status = 'fini'", "status = 'realise'",
    "progress = 100", "status = 'abandonne'", "starts_on = '2027-05-01', ends_on = '2027-01-01'",
])
def test_the_database_refuses_what_the_model_refuses(app, change):
    admin = factories.user(roles=("admin",))
    made = commitment(factories.project("follow_up", actor=admin), admin)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text(f"UPDATE commitments SET {change} WHERE id = :id"),
                           {"id": made.id})
    db.session.rollback()
