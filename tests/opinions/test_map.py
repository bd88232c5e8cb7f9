"""The opinion map's page: the drawing, its tables and descriptions, the person's own dot."""

from __future__ import annotations

import random
import re
from html import unescape
from typing import Any

from sqlalchemy import insert, select, update

from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.opinions import jobs
from consultation.opinions.models import (
    Answer,
    Debate,
    DebateAnalysis,
    DebateParticipant,
    ParticipantSource,
    Statement,
    StatementState,
)
from consultation.projects.models import Project
from tests import factories
from tests.conftest import login

# Three planted opinion groups: each agrees with its own third of the statements, disagrees
# with the next third; everyone agrees with the last statement.
GROUPS = 3


def planted_debate(
    project: Project,
    participants: int = 60,
    statements: int = 13,
    seed: int = 1,
    users: list[Any] | None = None,
) -> Debate:
    """A debate of `project` whose answers hold three opinion groups (seeded); the first
    participants are `users`' accounts. Committed, not analysed."""
    rng = random.Random(seed)
    debate = Debate(project_id=project.id, question="Que pensez-vous du Wi-Fi public ?")
    db.session.add(debate)
    db.session.flush()
    ids = []
    for i in range(statements):
        statement = Statement(
            debate_id=debate.id,
            text=f"Affirmation numéro {i + 1}",
            state=StatementState.PUBLISHED,
            is_seed=i < 3,
        )
        db.session.add(statement)
        db.session.flush()
        ids.append(statement.id)
    users = users or []
    db.session.execute(
        insert(DebateParticipant),
        [
            {
                "debate_id": debate.id,
                "number": n + 1,
                # Those without an account as if imported: nobody's (a DB constraint).
                "source": ParticipantSource.ONLINE if n < len(users) else ParticipantSource.POLIS,
                "user_id": users[n].id if n < len(users) else None,
            }
            for n in range(participants)
        ],
    )
    numbers = {
        key: value
        for key, value in db.session.execute(
            select(DebateParticipant.number, DebateParticipant.id).where(
                DebateParticipant.debate_id == debate.id
            )
        )
    }
    rows = []
    third = (statements - 1) // GROUPS
    for n in range(participants):
        group = n % GROUPS
        for j, ident in enumerate(ids):
            if rng.random() < 0.1:
                continue  # not seen
            if j == statements - 1:
                value = 1
            elif j // third == group:
                value = 1 if rng.random() < 0.9 else 0
            elif j // third == (group + 1) % GROUPS:
                value = -1 if rng.random() < 0.9 else 0
            else:
                value = rng.choice((1, -1, 0))
            rows.append({"participant_id": numbers[n + 1], "statement_id": ident, "value": value})
    db.session.execute(insert(Answer), rows)
    debate.answers_count = len(rows)
    debate.participants_count = participants
    debate.next_number = participants + 1
    db.session.commit()
    return debate


def analysed(project: Project, **kwargs: Any) -> Debate:
    """A planted debate, analysed."""
    debate = planted_debate(project, **kwargs)
    jobs.analyse_debate(debate.id)
    return db.session.get_one(Debate, debate.id)


def url(project: Project) -> str:
    return f"/projets/{project.slug}/debat/carte"


def test_map_shows_groups_tables_and_descriptions(app, client):
    project = factories.project()
    analysed(project)
    page = client.get(url(project))
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert '<svg class="chart opinion-map"' in html
    assert 'role="img"' in html and 'aria-labelledby="carte-titre carte-desc"' in html
    assert html.count("Groupe A") >= 2 and "Groupe C" in html
    assert re.search(r"Groupe A \(\d+ participant·es, \d+\xa0%\)", html)
    assert "est d'accord, plus que les autres, avec «\xa0Affirmation numéro" in html
    assert "Ce qui rassemble les groupes" in html
    assert "«\xa0Affirmation numéro 13\xa0»" in html  # everyone agrees with it
    assert 'class="table-wrap" role="region"' in html
    assert "Vous" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<script" not in html.split("<main", 1)[1]


def test_group_shares_add_up_to_100(app, client):
    project = factories.project()
    analysed(project, participants=61)
    html = client.get(url(project)).get_data(as_text=True)
    table = html.split('id="carte-groupes"', 1)[1].split("</table>", 1)[0]
    shares = [int(n) for n in re.findall(r'<td class="num">(\d+)\xa0%</td>', table)]
    assert len(shares) == 3 and sum(shares) == 100


def test_too_few_participants_says_how_many_are_needed(app, client):
    project = factories.project()
    analysed(project, participants=4)
    html = unescape(client.get(url(project)).get_data(as_text=True))
    assert "4 personnes ont répondu pour l'instant." in html
    assert "au moins 10 personnes ont répondu à 7 affirmations ou plus" in html
    assert '<svg class="chart opinion-map"' not in html


def test_no_analysis_yet(app, client):
    project = factories.project()
    planted_debate(project, participants=3)
    html = unescape(client.get(url(project)).get_data(as_text=True))
    assert "3 personnes ont répondu pour l'instant." in html


def test_no_debate_or_draft_project_is_404(app, client):
    assert client.get(url(factories.project())).status_code == 404
    draft = factories.project(published=False)
    planted_debate(draft, participants=3)
    assert client.get(url(draft)).status_code == 404
    assert client.get("/projets/inconnu/debat/carte").status_code == 404


def test_logged_in_person_sees_their_own_dot(app):
    person = factories.user()
    project = factories.project()
    debate = analysed(project, users=[person])
    visitor = login(app.test_client(), person)
    html = visitor.get(url(project)).get_data(as_text=True)
    drawing = html.split('<svg class="chart opinion-map"', 1)[1].split("</svg>", 1)[0]
    assert ">Vous</text>" in drawing
    group = db.session.get_one(DebateAnalysis, debate.id).result
    assert "Vous êtes dans le groupe A" in html  # participant 1 is in the first planted group
    assert group["k"] == 3
    # Someone else reading the same kept map sees no "Vous".
    other = login(app.test_client(), factories.user())
    db.session.commit()
    assert ">Vous</text>" not in other.get(url(project)).get_data(as_text=True)


def test_sql_count_is_constant(app, client, count_queries):
    small, large = factories.project(), factories.project()
    analysed(small, participants=30)
    analysed(large, participants=150, statements=20)
    counts = []
    for project in (small, large):
        with count_queries() as counter:
            assert client.get(url(project)).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    with count_queries() as counter:
        client.get(url(large))
    assert counter.count <= counts[1]  # kept: no analysis read


def test_moderator_recomputes_on_demand(app, as_role):
    project = factories.project()
    debate = analysed(project)
    before = db.session.get_one(DebateAnalysis, debate.id).computed_at
    moderator = as_role("moderator")
    page = moderator.get(url(project)).get_data(as_text=True)
    assert "Recalculer la carte" in page
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    token = found.group(1)
    answer = moderator.post(url(project) + "/recalculer", data={"csrf_token": token})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get_one(DebateAnalysis, debate.id).computed_at != before


def test_citizen_cannot_recompute(app, citizen_client):
    project = factories.project()
    analysed(project)
    page = citizen_client.get(url(project)).get_data(as_text=True)
    assert "Recalculer la carte" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"csrf_token": token.group(1)} if token else {}
    assert citizen_client.post(url(project) + "/recalculer", data=data).status_code in {400, 403}


def test_english_page(app, client):
    project = factories.project()
    analysed(project)
    client.set_cookie("lang", "en")
    page = client.get(url(project) + "?lang=en")
    assert page.status_code == 200


def test_stale_answers_keep_the_analysis_until_recomputed(app, client):
    project = factories.project()
    debate = analysed(project)
    db.session.get_one(Debate, debate.id).analysis_due_at = utcnow()
    db.session.commit()
    assert client.get(url(project)).status_code == 200


def test_a_large_map_weighs_at_most_30_kb(app, client):
    """2,000 participants: the page, as transferred compressed, stays under the budget."""
    from tests.test_page_weight import MAX_BYTES, MAX_REQUESTS, weigh

    project = factories.project()
    analysed(project, participants=2000, statements=16)
    assert b"opinion-map" in client.get(url(project)).data
    total, requests = weigh(client, url(project))
    assert total <= MAX_BYTES and requests <= MAX_REQUESTS, (total, requests)


def test_the_demo_has_a_map_of_three_groups_and_the_citizen_on_it(app, monkeypatch):
    """`flask demo load`: the Wi-Fi project's debate, its map computed after the load."""
    from consultation.accounts import services as accounts
    from consultation.syntheses import render

    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(select(DebateAnalysis)).one()
    assert stored.result["k"] == 3
    wifi = db.session.scalars(select(Project).where(Project.slug.like("wi-fi%"))).one()
    assert any("opinions" in phase.features for phase in wifi.phases)
    citizen = accounts.find_by_email("citoyenne@demo.brest.fr")
    visitor = login(app.test_client(), citizen)
    html = visitor.get(url(wifi)).get_data(as_text=True)
    assert ">Vous</text>" in html and "Groupe C" in html


def test_answers_alike_draw_no_groups_and_say_so(app, client):
    project = factories.project()
    debate = planted_debate(project, participants=30)
    db.session.execute(update(Answer).values(value=1))
    db.session.commit()
    jobs.analyse_debate(debate.id)
    html = unescape(client.get(url(project)).get_data(as_text=True))
    assert "ne dessinent pas encore de groupes d'opinion distincts" in html
    assert "opinion-map" not in html


def test_the_drawing_holds_in_a_pdf_too():
    """What WeasyPrint (the synthesis's PDF) cannot draw is not used: a square drawn by the
    cap of a line of length zero, a halo put under a name by paint-order. Every group's shape
    is a drawn path, and every name a text of its own after its halo."""
    from consultation.opinions.maps import svg

    groups = [{"label": n, "letter": "ABCDE"[n], "hull": [(10, 10), (60, 10), (30, 50)]}
              for n in range(5)]
    data = {"groups": groups, "points": [(20 + 40 * n, 30 + 10 * n, n) for n in range(5)]}
    drawn = str(svg(data))
    assert "paint-order" not in drawn and 'stroke-linecap="square"' not in drawn
    for letter in "ABCDE":
        assert drawn.count(f">Groupe {letter}</text>") == 2  # the halo, then the name
    square = re.search(r'<path d="(M\d+ \d+h8v8h-8z)+" fill="#[0-9a-f]{6}"/>', drawn)
    assert square is not None
