"""Helpers of the debate tests: a project with its debate, statements and answers, made
through the services, and the debate's counters compared with a recount."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import text

from consultation.accounts.models import User
from consultation.extensions import db
from consultation.opinions import services
from consultation.opinions.models import Debate, Statement
from consultation.projects.models import Project
from tests import factories

QUESTION = "Comment partager les quais de la Penfeld ?"
SEEDS = [
    "Les quais doivent rester piétons le dimanche.",
    "Il faut plus de bancs à l'ombre.",
    "Les voitures doivent pouvoir se garer le long des quais.",
]


def plain(response: Any) -> str:
    """The page as text, entities decoded and non-breaking spaces made plain (French pages
    typeset them before ; : ! ? and inside « »)."""
    return (
        html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").replace("\u202f", " ")
    )


def debate(
    project: Project | None = None,
    seeds: list[str] | None = None,
    premoderation: bool = True,
    admin: User | None = None,
) -> Debate:
    """A debate on the consultation phase of `project` (a new one by default), with seeds."""
    project = project or factories.project("consultation")
    admin = admin or factories.user(roles=("admin",))
    made = services.configure(
        admin,
        project,
        services.DebateSettings(
            enabled=True,
            question=QUESTION,
            premoderation=premoderation,
            seeds="\n".join(SEEDS if seeds is None else seeds),
        ),
    )
    db.session.commit()
    return made


def published(made: Debate) -> list[Statement]:
    """The debate's published statements, oldest first."""
    return services.statements(made, "published")


def answer_all(made: Debate, person: User, value: int = 1) -> None:
    """`person` answers every published statement of the debate."""
    for statement in published(made):
        services.answer(person, made, statement.id, value)
    db.session.commit()


DEBATES = """
SELECT d.id,
       d.answers_count, (SELECT COUNT(*) FROM debate_answers a
                         JOIN debate_participants p ON p.id = a.participant_id
                         WHERE p.debate_id = d.id),
       d.participants_count, (SELECT COUNT(*) FROM debate_participants p
                              WHERE p.debate_id = d.id),
       d.next_number, (SELECT COALESCE(MAX(p.number), 0) + 1 FROM debate_participants p
                       WHERE p.debate_id = d.id)
FROM debates d
"""


def assert_debate_counters_exact() -> None:
    """Every debate's counters equal a recount of its rows; numbers are unique and below the
    next one (a number given up after a double click leaves a gap, never a duplicate)."""
    db.session.commit()  # read what the requests committed
    wrong: list[Any] = []
    for row in db.session.execute(text(DEBATES)):
        ident, answers, recounted_answers, people, recounted_people, next_number, above = row
        if answers != recounted_answers:
            wrong.append((ident, "answers", answers, recounted_answers))
        if people != recounted_people:
            wrong.append((ident, "participants", people, recounted_people))
        if next_number < above:
            wrong.append((ident, "next_number", next_number, above))
    assert wrong == []
