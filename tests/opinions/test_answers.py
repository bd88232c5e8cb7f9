"""Answering a debate by statements: one statement at a time, three buttons, a plain form; the
next one chosen, the number left, answers changed not counted twice, refusals in French."""

from __future__ import annotations

import re

from sqlalchemy import select

from consultation.extensions import db
from consultation.opinions import analysis, services
from consultation.opinions.models import Answer, Debate, DebateParticipant
from tests import factories
from tests.forms import submit
from tests.opinions.debates import (
    QUESTION,
    SEEDS,
    answer_all,
    assert_debate_counters_exact,
    debate,
    plain,
    published,
)
from tests.proposals.helpers import text
from tests.test_pages import check_page


def shown(page) -> str:
    """The statement the page asks about (its heading)."""
    found = re.search(r'<h2 id="affirmation"[^>]*>(.*?)</h2>', page.get_data(as_text=True))
    assert found is not None, page.get_data(as_text=True)
    return text_of(found.group(1))


def text_of(fragment: str) -> str:
    import html

    return html.unescape(fragment)


def test_a_participant_answers_one_statement_after_another(citizen_client):
    """The page shows the question, one statement and three buttons; each answer leads (303)
    to the next statement with a status message, the number left goes down, and at the end a
    clear message links to the map and to adding a statement."""
    made = debate()
    url = f"/projets/{made.project.slug}/debat"
    page = citizen_client.get(url)
    assert page.status_code == 200
    check_page(url, page.get_data(as_text=True))
    body = text(page)
    assert QUESTION in body
    assert shown(page) in SEEDS
    assert "Il vous reste 3 affirmations" in plain(page)
    for button in ("D'accord", "Pas d'accord", "Je ne sais pas"):
        assert f">{button}</button>" in body.replace("&#39;", "'")

    seen = []
    for button in ("D'accord", "Pas d'accord", "Je ne sais pas"):
        seen.append(shown(page))
        response = submit(citizen_client, url, page, button)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(url)
        page = citizen_client.get(response.headers["Location"])
        assert 'role="status"' in page.get_data(as_text=True)
        assert "Réponse enregistrée" in text(page)
    assert sorted(seen) == sorted(SEEDS)  # each once
    body = text(page)
    assert "Vous avez répondu à toutes les affirmations" in body
    assert f'href="/projets/{made.project.slug}/debat/carte"' in body
    assert f'href="/projets/{made.project.slug}/debat/affirmations/nouvelle"' in body
    check_page(url, page.get_data(as_text=True))

    db.session.expire_all()
    values = {s: v for s, v in db.session.execute(select(Answer.statement_id, Answer.value))}
    ids = {s.text: s.id for s in published(made)}
    assert values == {ids[seen[0]]: 1, ids[seen[1]]: -1, ids[seen[2]]: 0}
    participant = db.session.scalars(select(DebateParticipant)).one()
    assert participant.user_id == citizen_client.user.id
    assert participant.number == 1 and participant.source == "online"
    assert participant.recorded_by_id is None
    refreshed = db.session.get_one(Debate, made.id)
    assert (refreshed.answers_count, refreshed.participants_count, refreshed.next_number) == (
        3,
        1,
        2,
    )
    assert refreshed.analysis_due_at is not None and refreshed.version > 0
    assert_debate_counters_exact()


def test_the_next_statement_is_chosen_as_polis_does(citizen_client):
    """The page shows the statement Pol.is's priority draws for this person (the analysis
    module's `next_statement`, seeded by the person's number and answers): the same state
    shows the same statement; a statement they answered never comes back."""
    made = debate(seeds=[f"Affirmation {n}." for n in range(8)])
    statements = published(made)
    others = [factories.user() for _ in range(4)]
    for n, person in enumerate(others):
        for statement in statements[: 2 + n]:
            services.answer(person, made, statement.id, (1, -1, 0)[n % 3])
    services.answer(citizen_client.user, made, statements[0].id, 1)
    db.session.commit()
    url = f"/projets/{made.project.slug}/debat"
    first = shown(citizen_client.get(url))
    assert shown(citizen_client.get(url)) == first
    assert first != statements[0].text
    rows = db.session.execute(
        select(DebateParticipant.number, Answer.statement_id, Answer.value).join(
            Answer, Answer.participant_id == DebateParticipant.id
        )
    ).all()
    mine = db.session.scalars(
        select(DebateParticipant.number).where(DebateParticipant.user_id == citizen_client.user.id)
    ).one()
    votes = analysis.Votes.from_triples(
        [(n, s, v) for n, s, v in rows], statements=[s.id for s in statements]
    )
    expected = analysis.next_statement(votes, None, mine)
    assert first == next(s.text for s in statements if s.id == expected)


def test_answering_again_changes_the_answer_and_counts_once(citizen_client):
    """One answer per participant and statement: the second changes its value; counters and
    the participant's number stay."""
    made = debate()
    statement = published(made)[1]
    url = f"/projets/{made.project.slug}/debat/reponse"
    for value, message in (
        ("1", "Réponse enregistrée"),
        ("-1", "Réponse modifiée"),
        ("-1", "Réponse enregistrée"),
    ):
        response = citizen_client.post(
            url, data={"statement_id": str(statement.id), "value": value}
        )
        assert response.status_code == 303
        assert message in text(citizen_client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.scalars(select(Answer.value)).all() == [-1]
    refreshed = db.session.get_one(Debate, made.id)
    assert (refreshed.answers_count, refreshed.participants_count) == (1, 1)
    assert_debate_counters_exact()


def test_two_participants_get_their_own_numbers(app):
    """Participants are numbered in the debate in the order of their first answer."""
    made = debate()
    people = [factories.user() for _ in range(3)]
    for person in people:
        answer_all(made, person)
    numbers = db.session.execute(
        select(DebateParticipant.user_id, DebateParticipant.number).order_by(
            DebateParticipant.number
        )
    ).all()
    assert [tuple(row) for row in numbers] == [(p.id, n) for n, p in enumerate(people, 1)]
    assert_debate_counters_exact()


def test_a_visitor_reads_and_is_asked_to_log_in(client):
    """A visitor sees the statement and a login link, no answer button; posting goes to the
    login page and records nothing."""
    made = debate()
    url = f"/projets/{made.project.slug}/debat"
    page = client.get(url)
    body = text(page)
    assert shown(page) in SEEDS
    assert "Connectez-vous pour répondre." in body
    assert (
        "<button" not in body.split('id="contenu"')[1].split("</main>")[0]
        or 'name="value"' not in body
    )
    check_page(url, page.get_data(as_text=True))
    response = client.post(
        f"{url}/reponse", data={"statement_id": str(published(made)[0].id), "value": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")
    assert db.session.scalars(select(Answer)).all() == []


def test_blocked_and_unconfirmed_people_are_refused_in_french(as_role):
    """A blocked or unconfirmed account reads the debate with the reason instead of the
    buttons; a forced POST is the French 403 page and records nothing."""
    from consultation.moderation import services as moderation

    made = debate()
    statement = published(made)[0]
    blocked = as_role("citizen")
    staff = factories.user(roles=("moderator",))
    moderation.block_user(staff, blocked.user, "Pour voir.", None)
    unconfirmed = as_role("citizen", confirmed=False)
    db.session.commit()
    url = f"/projets/{made.project.slug}/debat"
    for client, reason in (
        (blocked, "Votre compte est bloqué"),
        (unconfirmed, "Confirmez d'abord votre adresse électronique"),
    ):
        page = text(client.get(url))
        assert reason in page and 'name="value"' not in page
        response = client.post(
            f"{url}/reponse", data={"statement_id": str(statement.id), "value": "1"}
        )
        assert response.status_code == 403
        assert reason in text(response)
    assert db.session.scalars(select(Answer)).all() == []


def test_closed_or_switched_off_debates_take_no_answer(citizen_client, admin_client):
    """Outside the consultation phase, or once the admin turned the debate off, the page says
    it is closed and an answer is refused (403, in French); the data stays."""
    made = debate()
    statement = published(made)[0]
    answer_all(made, factories.user())
    slug = made.project.slug
    services.configure(
        admin_client.user,
        made.project,
        services.DebateSettings(enabled=False, question=QUESTION, premoderation=True),
    )
    db.session.commit()
    page = text(citizen_client.get(f"/projets/{slug}/debat"))
    assert "Le débat n'est pas ouvert en ce moment" in page
    response = citizen_client.post(
        f"/projets/{slug}/debat/reponse", data={"statement_id": str(statement.id), "value": "1"}
    )
    assert response.status_code == 403
    assert "n'est pas ouvert dans la phase actuelle" in text(response)
    assert db.session.get_one(Debate, made.id).answers_count == 3

    later = debate(factories.project("synthesis"))
    response = citizen_client.post(
        f"/projets/{later.project.slug}/debat/reponse",
        data={"statement_id": str(published(later)[0].id), "value": "1"},
    )
    assert response.status_code == 403


def test_bad_answers_are_refused_with_a_french_message(citizen_client):
    """An unknown value, a statement of another debate, a hidden one, garbage: the page again
    with a French message, nothing recorded, never a 500."""
    made = debate()
    other = debate(seeds=["Une affirmation d'un autre débat."])
    url = f"/projets/{made.project.slug}/debat/reponse"
    statement = published(made)[0]
    cases = [
        ({"statement_id": str(statement.id), "value": "2"}, "Choisissez « D'accord »"),
        ({"statement_id": str(statement.id)}, "Choisissez « D'accord »"),
        ({"statement_id": "abc", "value": "1"}, "Affirmation inconnue."),
        (
            {"statement_id": str(published(other)[0].id), "value": "1"},
            "Cette affirmation n'est plus proposée",
        ),
        ({"statement_id": "99999999999999999999", "value": "1"}, "Affirmation inconnue."),
    ]
    for data, message in cases:
        response = citizen_client.post(url, data=data)
        assert response.status_code == 200, data
        assert message in plain(response), data
    assert db.session.scalars(select(Answer)).all() == []
    assert db.session.get_one(Debate, made.id).participants_count == 0


def test_only_published_statements_are_shown(citizen_client):
    """Pending and hidden statements are never asked."""
    made = debate(seeds=["Une seule affirmation publiée."])
    services.add_statement(factories.user(), made, "Une affirmation en attente.")
    db.session.commit()
    page = citizen_client.get(f"/projets/{made.project.slug}/debat")
    assert shown(page) == "Une seule affirmation publiée."
    assert "Une affirmation en attente." not in text(page)
    assert "Il vous reste 1 affirmation" in plain(page)


def test_a_project_without_a_debate_has_no_debate_page(client):
    """No debate, no page (French 404); the project page offers none."""
    project = factories.project("consultation")
    db.session.commit()
    assert client.get(f"/projets/{project.slug}/debat").status_code == 404
    assert "/debat" not in client.get(f"/projets/{project.slug}").get_data(as_text=True)


def test_the_project_page_links_to_the_open_debate(client):
    """While the debate is open, the project page offers it."""
    made = debate()
    page = client.get(f"/projets/{made.project.slug}").get_data(as_text=True)
    assert f'href="/projets/{made.project.slug}/debat"' in page


def test_the_page_sends_as_many_statements_for_5_as_for_50_statements(
    citizen_client, count_queries
):
    """The participant's page runs the same SQL whatever the number of statements and
    answers."""
    counts = []
    for size in (5, 50):
        made = debate(seeds=[f"Affirmation numéro {n}." for n in range(size)])
        for person in [factories.user() for _ in range(3)]:
            for statement in published(made)[: size // 2]:
                services.answer(person, made, statement.id, 1)
        services.answer(citizen_client.user, made, published(made)[0].id, -1)
        db.session.commit()
        url = f"/projets/{made.project.slug}/debat"
        citizen_client.get(url)
        with count_queries() as counter:
            assert citizen_client.get(url).status_code == 200
        counts.append(counter.count)
        response = citizen_client.post(
            f"{url}/reponse", data={"statement_id": str(published(made)[1].id), "value": "1"}
        )
        assert response.status_code == 303
    assert counts[0] == counts[1]
