"""The debates in the open data: published statements, and the answers under per-debate numbers,
never an account."""

from __future__ import annotations

import pytest

from consultation.extensions import db
from consultation.opinions.models import Statement, StatementState
from consultation.syntheses import render
from tests import factories
from tests.opendata.helpers import build, csv_rows, files, json_rows
from tests.opinions.test_map import planted_debate
from tests.routes import STAND_IN


@pytest.fixture
def zipped(app, monkeypatch):
    monkeypatch.setattr(render, "write_pdf", lambda html: STAND_IN)
    people = [factories.user() for _ in range(3)]
    public = factories.project(title="Le Wi-Fi public")
    debate = planted_debate(public, participants=12, statements=9, users=people)
    pending = Statement(debate_id=debate.id, text="Pas encore modérée", state="pending")
    db.session.add(pending)
    draft = factories.project(published=False)
    hidden = planted_debate(draft, participants=5, statements=8)
    db.session.commit()
    return {
        "files": files(build()),
        "public": public,
        "debate": debate,
        "people": people,
        "pending": pending,
        "draft": draft,
        "hidden": hidden,
    }


def test_statements_and_answers_are_published(zipped):
    statements = csv_rows(zipped["files"]["debats-affirmations.csv"])
    assert len(statements) == 9
    assert {int(r["projet_id"]) for r in statements} == {zipped["public"].id}
    assert "Pas encore modérée" not in {r["texte"] for r in statements}
    assert sum(r["initiale"] == "true" for r in statements) == 3
    answers = csv_rows(zipped["files"]["debats-reponses.csv"])
    assert answers and set(answers[0]) == {"projet_id", "participant", "affirmation_id", "valeur"}
    assert {int(r["participant"]) for r in answers} <= set(range(1, 13))
    assert {r["valeur"] for r in answers} <= {"1", "-1", "0"}
    ids = {int(r["id"]) for r in statements}
    assert {int(r["affirmation_id"]) for r in answers} <= ids
    assert len(json_rows(zipped["files"]["debats-reponses.json"])) == len(answers)


def test_no_account_reaches_the_answers(zipped):
    data = (
        zipped["files"]["debats-reponses.csv"].decode()
        + zipped["files"]["debats-affirmations.csv"].decode()
    )
    for person in zipped["people"]:
        assert person.email not in data and person.display_name not in data
    assert "user" not in data.splitlines()[0]


def test_draft_projects_publish_nothing(zipped):
    answers = csv_rows(zipped["files"]["debats-reponses.csv"])
    assert {int(r["projet_id"]) for r in answers} == {zipped["public"].id}
    assert StatementState.PUBLISHED == "published"


def test_the_api_gives_the_answer_matrix_of_a_public_debate(zipped, client, count_queries):
    api = f"/api/v1/projects/{zipped['public'].id}/debate"
    response = client.get(api)
    assert response.status_code == 200
    document = response.get_json()
    assert document["project"] == zipped["public"].id
    assert len(document["statements"]) == 9
    assert "Pas encore modérée" not in {s["text"] for s in document["statements"]}
    assert all(len(row) == 3 and row[2] in (1, -1, 0) for row in document["answers"])
    assert {row[0] for row in document["answers"]} <= set(range(1, 13))
    text = response.get_data(as_text=True)
    for person in zipped["people"]:
        assert person.email not in text and person.display_name not in text
    assert client.get(f"/api/v1/projects/{zipped['draft'].id}/debate").status_code == 404
    assert client.get("/api/v1/projects/999999/debate").status_code == 404
    with count_queries() as counter:
        client.get(api)
    assert counter.count <= 4  # the debate, its statements, its answers: never per row
