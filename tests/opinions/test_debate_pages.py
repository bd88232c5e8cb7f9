"""The debate's pages follow the site's rules (French, no script, labelled controls, one h1),
stay within the page weight budget, and run the same SQL for 5 as for 50 statements."""

from __future__ import annotations

from consultation.extensions import db
from consultation.opinions import services
from tests import factories
from tests.opinions.debates import debate, published
from tests.test_page_weight import MAX_BYTES, MAX_REQUESTS, weigh
from tests.test_pages import check_page

FIFTY = [
    f"Affirmation numéro {n} : les quais doivent changer d'une façon ou d'une autre."
    for n in range(50)
]


def _busy_debate(size: int):
    """A debate of `size` statements, some answered, one pending, one hidden, a paper sheet."""
    made = debate(seeds=FIFTY[:size])
    statements = published(made)
    for person in [factories.user() for _ in range(3)]:
        for statement in statements[: size // 2]:
            services.answer(person, made, statement.id, 1)
    services.add_statement(factories.user(), made, "Une affirmation en attente de relecture.")
    services.moderate(
        factories.user(roles=("moderator",)), statements[-1], "masquer", "Hors sujet."
    )
    services.record_sheet(
        factories.user(roles=("mediator",)), made, "Atelier, fiche 1", {statements[0].id: 1}
    )
    db.session.commit()
    return made


def test_every_page_of_the_debate_follows_the_rules(as_role, client):
    """Each page, as its readers see it, passes the site's checks."""
    made = _busy_debate(50)
    slug = made.project.slug
    citizen, admin = as_role("citizen"), as_role("citizen", "admin")
    moderator, mediator = as_role("citizen", "moderator"), as_role("citizen", "mediator")
    sheet = services.sheets(made)[0][0]
    pages = [
        (client, f"/projets/{slug}/debat"),
        (citizen, f"/projets/{slug}/debat"),
        (citizen, f"/projets/{slug}/debat/affirmations/nouvelle"),
        (admin, f"/admin/projets/{slug}/debat"),
        (moderator, f"/moderation/debats/{slug}"),
        (moderator, "/moderation/attente"),
        (mediator, "/mediation/debats"),
        (mediator, f"/mediation/debats/{slug}/fiche"),
        (mediator, f"/mediation/debats/{slug}/fiches/{sheet.id}"),
    ]
    for who, url in pages:
        response = who.get(url)
        assert response.status_code == 200, url
        check_page(url, response.get_data(as_text=True))


def test_the_pages_of_a_big_debate_are_light(as_role, client):
    """The participant's page and the form to add a statement, with 50 statements: at most
    30 KB transferred and 4 requests; a mediator's sheet of 50 statements too."""
    made = _busy_debate(50)
    slug = made.project.slug
    citizen, mediator = as_role("citizen"), as_role("citizen", "mediator")
    for who, url in (
        (client, f"/projets/{slug}/debat"),
        (citizen, f"/projets/{slug}/debat"),
        (citizen, f"/projets/{slug}/debat/affirmations/nouvelle"),
        (mediator, f"/mediation/debats/{slug}/fiche"),
    ):
        total, requests = weigh(who, url)
        assert total <= MAX_BYTES and requests <= MAX_REQUESTS, (url, total, requests)


def test_the_pages_send_as_many_statements_for_5_as_for_50(as_role, client, count_queries):
    """The participant's, the admin's, the moderators' and the mediator's pages: the same SQL
    whatever the number of statements, answers and sheets."""
    citizen, admin = as_role("citizen"), as_role("citizen", "admin")
    moderator, mediator = as_role("citizen", "moderator"), as_role("citizen", "mediator")
    counts: list[list[int]] = []
    for size in (5, 50):
        made = _busy_debate(size)
        slug = made.project.slug
        for person in (citizen.user, mediator.user):
            services.answer(person, made, published(made)[0].id, 1)
        db.session.commit()
        found = []
        for who, url in (
            (client, f"/projets/{slug}/debat"),
            (citizen, f"/projets/{slug}/debat"),
            (admin, f"/admin/projets/{slug}/debat"),
            (moderator, f"/moderation/debats/{slug}"),
            (moderator, "/moderation/attente"),
            (mediator, f"/mediation/debats/{slug}/fiche"),
        ):
            who.get(url)  # the first request of a client reads its session once
            with count_queries() as counter:
                assert who.get(url).status_code == 200, url
            found.append(counter.count)
        counts.append(found)
    assert counts[0] == counts[1]
