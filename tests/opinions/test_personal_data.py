"""A person's answers in the download, and gone with the account (the counters fixed, the map
due again)."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

from sqlalchemy import func, select

from consultation.accounts import services as accounts
from consultation.core import personal_data
from consultation.extensions import db
from consultation.opinions import jobs
from consultation.opinions.models import Answer, Debate, DebateParticipant, Statement
from tests import factories
from tests.opinions.test_map import planted_debate


def test_download_lists_the_persons_answers_and_statements(app):
    person, mediator = factories.user(), factories.user(roles=("mediator",))
    project = factories.project(title="Le Wi-Fi public")
    debate = planted_debate(project, participants=12, users=[person])
    mine = db.session.scalars(
        select(DebateParticipant).where(DebateParticipant.user_id == person.id)
    ).one()
    first = db.session.scalars(
        select(Answer).where(Answer.participant_id == mine.id).limit(1)
    ).one()
    first.recorded_by_id = mediator.id
    db.session.add(Statement(debate_id=debate.id, text="Ma proposition", author_id=person.id))
    db.session.commit()
    with app.test_request_context():
        archive = zipfile.ZipFile(BytesIO(accounts.export_archive(person)))
    data = json.loads(archive.read("debats.json"))
    answers = data["reponses"]
    assert answers and {a["debat"] for a in answers} == {"Le Wi-Fi public"}
    assert {a["reponse"] for a in answers} <= {"d'accord", "pas d'accord", "je ne sais pas"}
    assert sum(a["saisie_par_un_mediateur"] for a in answers) == 1
    assert [s["texte"] for s in data["affirmations"]] == ["Ma proposition"]
    recorded = {p.key: p.collect(mediator) for p in personal_data.parts()}["saisies_pour_autrui"]
    assert recorded == {"participations_saisies": 0, "reponses_saisies": 1}


def test_deleting_the_account_deletes_the_answers_and_fixes_the_counts(app):
    person = factories.user()
    project = factories.project()
    debate = planted_debate(project, participants=12, users=[person])
    jobs.analyse_debate(debate.id)
    before = db.session.get_one(Debate, debate.id)
    answers_before, version = before.answers_count, before.version
    mine = db.session.scalars(
        select(func.count())
        .select_from(Answer)
        .join(DebateParticipant)
        .where(DebateParticipant.user_id == person.id)
    ).one()
    assert mine > 0
    accounts.delete_account(person, factories.PASSWORD)
    db.session.commit()
    db.session.expire_all()
    after = db.session.get_one(Debate, debate.id)
    assert after.participants_count == 11
    assert after.answers_count == answers_before - mine
    assert after.version > version
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(DebateParticipant)
            .where(DebateParticipant.user_id == person.id)
        )
        == 0
    )
    counted = db.session.scalar(select(func.count()).select_from(Answer))
    assert counted == after.answers_count
    # The map was recomputed less than a minute ago: it is due, for the timer.
    assert after.analysis_due_at is not None
