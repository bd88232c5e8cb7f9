"""A project's proposal list: sorts, the seeded random order, filters, and its query count."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert

from consultation.accounts.models import User
from consultation.core import fragments
from consultation.core.db import insert_ignore
from consultation.extensions import db
from consultation.projects.models import Project, ProjectParticipant
from consultation.proposals.models import Proposal
from tests import factories
from tests.proposals.helpers import listed_proposal_ids, text

SORTS = ("hasard", "soutiens", "recentes", "commentees")
MAX_LIST_QUERIES = 6


def bulk_proposals(project: Project, author, count: int, **fields: object) -> list[int]:
    """Insert `count` published proposals in one statement, keeping the project's counters
    exact; returns their ids. Far quicker than the service for the large lists."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "project_id": project.id,
            "author_id": author.id,
            "title": f"Proposition en nombre {n}",
            "body": f"Le texte numéro {n}.",
            "status": "published",
            "supports_count": 0,
            "comments_count": 0,
            "comments_pour": 0,
            "comments_contre": 0,
            "comments_neutre": 0,
            "created_at": start + timedelta(minutes=n),
            "updated_at": start + timedelta(minutes=n),
            **fields,
        }
        for n in range(count)
    ]
    db.session.execute(insert(Proposal), rows)  # counted by the database's triggers
    insert_ignore(ProjectParticipant.__table__, project_id=project.id, user_id=author.id)
    db.session.flush()
    return list(
        db.session.scalars(
            db.select(Proposal.id).where(Proposal.project_id == project.id).order_by(Proposal.id)
        )
    )[-count:]


@dataclass(frozen=True)
class Slug:
    """A project known by its slug only (it outlives the session)."""

    slug: str


def list_url(project: Project | Slug, **params: object) -> str:
    """The list page of the project with these query parameters."""
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/projets/{project.slug}/propositions" + (f"?{query}" if query else "")


def next_link(response) -> str | None:
    """The list's "Page suivante" link, if it has one."""
    found = re.search(r'<a href="([^"]+)" rel="next">', response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def all_pages(client, project: Project, **params: object) -> list[list[int]]:
    """The proposal ids of every page of the list, following its "Page suivante" links."""
    pages = []
    url: str | None = list_url(project, **params)
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(listed_proposal_ids(response))
        url = next_link(response)
        assert len(pages) < 1000, "the next links go round in circles"
    return pages


# --- Sorts ----------------------------------------------------------------------------------


def test_sort_by_supports(app, client):
    """tri=soutiens: most supported first, newer first among equals."""
    project = factories.project()
    author = factories.user()
    fans = [factories.user() for _ in range(3)]
    a, b, c, d, e = (factories.proposal(project, author=author) for _ in range(5))
    for proposal, supporters in ((a, 2), (b, 0), (c, 3), (d, 1), (e, 1)):
        for fan in fans[:supporters]:
            factories.support(proposal, fan)
    db.session.commit()

    response = client.get(list_url(project, tri="soutiens"))
    assert response.status_code == 200
    assert listed_proposal_ids(response) == [c.id, a.id, e.id, d.id, b.id]
    assert '<option value="soutiens" selected>' in response.get_data(as_text=True)


def test_sort_by_newest(app, client):
    """tri=recentes: the most recently submitted first, whatever the ids."""
    project = factories.project()
    author = factories.user()
    a, b, c = (factories.proposal(project, author=author) for _ in range(3))
    now = datetime.now(UTC)
    for proposal, age in ((a, 1), (b, 3), (c, 2)):
        proposal.created_at = now - timedelta(days=age)
    db.session.commit()

    assert listed_proposal_ids(client.get(list_url(project, tri="recentes"))) == [a.id, c.id, b.id]


def test_sort_by_most_commented(app, client):
    """tri=commentees: most commented first (replies count), newer first among equals."""
    project = factories.project()
    author, talker = factories.user(), factories.user()
    a, b, c, d = (factories.proposal(project, author=author) for _ in range(4))
    first = factories.comment(a, author=talker)
    factories.comment(parent=first, author=talker, stance="contre")
    for _ in range(3):
        factories.comment(c, author=talker, stance="neutre")
    factories.comment(d, author=talker)
    factories.comment(d, author=talker)
    db.session.commit()

    order = listed_proposal_ids(client.get(list_url(project, tri="commentees")))
    assert order == [c.id, d.id, a.id, b.id]


def test_unknown_sort_falls_back_to_random(app, client):
    """An unknown tri value is ignored: the list is shown in the random order."""
    project = factories.project()
    author = factories.user()
    made = {factories.proposal(project, author=author).id for _ in range(3)}
    db.session.commit()
    response = client.get(list_url(project, tri="inconnu"))
    assert response.status_code == 200
    assert set(listed_proposal_ids(response)) == made
    assert '<option value="hasard" selected>' in response.get_data(as_text=True)


# --- The seeded random order ----------------------------------------------------------------


def test_random_order_is_stable_with_the_same_seed(app, client):
    """The same graine gives the same order on every request; another one shuffles."""
    project = factories.project()
    ids = bulk_proposals(project, factories.user(), 45)
    db.session.commit()

    first = all_pages(client, project, tri="hasard", graine=12345)
    again = all_pages(client, project, tri="hasard", graine=12345)
    assert first == again
    assert [len(page) for page in first] == [20, 20, 5]
    flat = [i for page in first for i in page]
    assert len(flat) == len(set(flat)) == 45
    assert sorted(flat) == sorted(ids)
    assert flat != sorted(ids) and flat != sorted(ids, reverse=True)

    other = [i for page in all_pages(client, project, graine=777) for i in page]
    assert sorted(other) == sorted(ids)
    assert other != flat


@pytest.mark.parametrize("seed", [1, 2, 2**31 - 2, 1_000_000_000])
def test_random_pages_cover_every_proposal_once(app, client, seed):
    """Whatever the seed, the pages hold every proposal exactly once."""
    project = factories.project()
    ids = bulk_proposals(project, factories.user(), 41)
    db.session.commit()
    flat = [i for page in all_pages(client, project, graine=seed) for i in page]
    assert sorted(flat) == sorted(ids)


def test_random_order_gives_every_proposal_a_fair_chance_to_come_first(app):
    """Over many seeds every proposal comes first about equally often, never in id order."""
    from consultation.proposals.services import SEED_MAX, list_page

    project = factories.project()
    ids = bulk_proposals(project, factories.user(), 20)
    db.session.commit()
    first: Counter[int] = Counter()
    in_id_order = 0
    rng = random.Random(2026)
    for _ in range(400):
        page = list_page(project, "hasard", rng.randrange(1, SEED_MAX), per_page=20)
        order = [p.id for p in page.items]
        assert sorted(order) == ids and page.next_cursor is None
        first[order[0]] += 1
        in_id_order += order == ids
    fair = 400 / 20
    assert set(first) == set(ids)
    assert max(first.values()) <= 2.5 * fair, first
    assert min(first.values()) >= fair / 4, first
    assert in_id_order <= 2  # only when the shuffle keys happen to follow the ids


@pytest.mark.parametrize(
    "seed", ["abc", "0", "-5", "2147483647", "99999999999999999999", "%C2%B2", "%EF%BC%93"]
)
def test_invalid_seed_is_replaced(app, client, seed):
    """A graine that is not a valid seed is replaced by a fresh one, not an error."""
    project = factories.project()
    ids = bulk_proposals(project, factories.user(), 3)
    db.session.commit()
    response = client.get(list_url(project, graine=seed))
    assert response.status_code == 200
    assert sorted(listed_proposal_ids(response)) == sorted(ids)


def test_page_links_carry_a_seed_when_none_was_given(app, client):
    """Without graine the page links carry one, so that the next page keeps the order."""
    project = factories.project()
    ids = bulk_proposals(project, factories.user(), 45)
    db.session.commit()

    response = client.get(list_url(project))
    page = response.get_data(as_text=True)
    nav = page[page.index('class="pagination"'):]
    nav = nav[: nav.index("</nav>")]
    seeds = set(re.findall(r"graine=(\d+)", nav))
    assert len(seeds) == 1, nav
    seed = seeds.pop()
    assert f'name="graine" value="{seed}"' in page
    links = re.findall(r'href="([^"]+)"', nav)
    assert links and all(f"graine={seed}" in link for link in links)

    # Following the links walks the same order as asking with that seed from the start.
    walked = listed_proposal_ids(response)
    link = next_link(response)
    while link:
        assert f"graine={seed}" in link
        following = client.get(link)
        walked += listed_proposal_ids(following)
        link = next_link(following)
    assert sorted(walked) == sorted(ids)
    assert walked == [i for p in all_pages(client, project, graine=seed) for i in p]


def test_sorted_lists_carry_no_seed(app, client):
    """A list sorted by supports has no graine in its links."""
    project = factories.project()
    bulk_proposals(project, factories.user(), 25)
    db.session.commit()
    page = client.get(list_url(project, tri="soutiens")).get_data(as_text=True)
    assert "graine" not in page
    assert re.search(r'href="[^"]*tri=soutiens&amp;apres=[A-Za-z0-9_-]+&amp;rang=21" rel="next"',
                     page)


# --- Filters and what is listed -------------------------------------------------------------


def test_filter_by_territory(app, client):
    """territoire=<id> keeps the proposals about that territory."""
    project = factories.project()
    author = factories.user()
    brest, bohars = factories.territory("Brest"), factories.territory("Bohars")
    in_brest = factories.proposal(project, author=author, territory=brest)
    in_bohars = factories.proposal(project, author=author, territory=bohars)
    everywhere = factories.proposal(project, author=author)
    db.session.commit()

    assert listed_proposal_ids(client.get(list_url(project, territoire=brest.id))) == [in_brest.id]
    assert listed_proposal_ids(client.get(list_url(project, territoire=bohars.id))) == [
        in_bohars.id
    ]
    for ignored in ("", "99999", "abc"):
        response = client.get(list_url(project, territoire=ignored))
        assert response.status_code == 200
        assert set(listed_proposal_ids(response)) == {in_brest.id, in_bohars.id, everywhere.id}
    assert "Brest" in text(client.get(f"/propositions/{in_brest.id}"))


def test_filter_by_answer_status(app, client):
    """reponse=accepted|rejected|under_study|none keeps the proposals with that answer, and
    reponse=given those with any of the three (the link of a synthesis's answers)."""
    project = factories.project()
    author = factories.user()
    made = {status: factories.proposal(project, author=author)
            for status in ("accepted", "rejected", "under_study", None)}
    for status, proposal in made.items():
        proposal.answer_status = status
    db.session.commit()

    for status, proposal in made.items():
        response = client.get(list_url(project, reponse=status or "none"))
        assert response.status_code == 200
        assert listed_proposal_ids(response) == [proposal.id], status
    everything = {p.id for p in made.values()}
    given = client.get(list_url(project, reponse="given"))
    assert set(listed_proposal_ids(given)) == everything - {made[None].id}
    assert re.search(r'<option value="given" selected>Avec une réponse officielle</option>',
                     text(given)), "the filter shows what it keeps"
    for ignored in ("", "peut-etre"):
        assert set(listed_proposal_ids(client.get(list_url(project, reponse=ignored)))) == (
            everything
        )
    page = text(client.get(list_url(project, reponse="accepted")))
    assert "Réponse officielle\u00a0: Acceptée" in page


def test_filters_combine_with_sort(app, client):
    """Territory, answer and sort apply together."""
    project = factories.project()
    author, fan = factories.user(), factories.user()
    brest = factories.territory("Brest")
    a = factories.proposal(project, author=author, territory=brest)
    b = factories.proposal(project, author=author, territory=brest)
    c = factories.proposal(project, author=author, territory=brest)
    factories.proposal(project, author=author)
    factories.support(a, fan)
    c.answer_status = "accepted"
    db.session.commit()
    response = client.get(list_url(project, territoire=brest.id, reponse="none", tri="soutiens"))
    assert listed_proposal_ids(response) == [a.id, b.id]


def test_withdrawn_proposals_are_not_listed(app, client):
    """A withdrawn proposal leaves the list and the count but stays readable on its page."""
    project = factories.project()
    author = factories.user()
    kept = factories.proposal(project, author=author)
    gone = factories.proposal(project, author=author)
    from consultation.proposals import services

    services.withdraw_proposal(author, gone)
    db.session.commit()

    for sort in SORTS:
        response = client.get(list_url(project, tri=sort))
        assert listed_proposal_ids(response) == [kept.id], sort
        assert "1 proposition" in text(response)
    assert client.get(f"/propositions/{gone.id}").status_code == 200


def test_other_projects_proposals_are_not_listed(app, client):
    """The list holds only the project's own proposals."""
    project, other = factories.project(), factories.project()
    author = factories.user()
    mine = factories.proposal(project, author=author)
    factories.proposal(other, author=author)
    db.session.commit()
    assert listed_proposal_ids(client.get(list_url(project))) == [mine.id]


def test_empty_list_and_pages_beyond_the_end(app, client):
    """An empty list says so; a forged cursor or rank is a French 404."""
    project = factories.project()
    db.session.commit()
    response = client.get(list_url(project))
    assert response.status_code == 200
    assert "Aucune proposition pour l'instant." in text(response)
    filtered = client.get(list_url(project, reponse="accepted"))
    assert "Aucune proposition ne correspond à ces critères." in text(filtered)
    for params in ({"apres": "abc"}, {"apres": "W10"}, {"tri": "soutiens", "apres": "WyJ4Il0"},
                   {"apres": "x" * 300}, {"tri": "hasard", "apres": "WzUsMSwxLDFd"},
                   {"tri": "soutiens", "apres": "WzEsMV0", "rang": "abc"}):
        bad = client.get(list_url(project, **params))
        assert bad.status_code == 404, params
        assert "Page introuvable" in text(bad)


def test_list_marks_supported_proposals_and_supports_left(app, as_role):
    """A logged-in citizen sees which proposals they support and how many supports are left."""
    project = factories.project(support_limit=3)
    author = factories.user()
    a, b = factories.proposal(project, author=author), factories.proposal(project, author=author)
    citizen = as_role("citizen")
    factories.support(a, citizen.user)
    db.session.commit()
    page = text(citizen.get(list_url(project, tri="recentes")))
    assert page.count("vous soutenez") == 1
    assert page.index(f"/propositions/{a.id}") < page.index("vous soutenez")
    assert page.index("vous soutenez") > page.index(f"/propositions/{b.id}")
    assert "Il vous reste 2 soutiens sur 3." in page


# --- Query counts ---------------------------------------------------------------------------


def counted_get(count_queries, client, url: str) -> int:
    """The number of SQL statements one GET sends, from a fresh session as in production, with
    its shared fragments made anew (kept, they cost fewer: tests/projects/test_shared_lists.py)."""
    db.session.remove()
    store = fragments.store()
    if store is not None:
        store.clear()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_list_query_count_does_not_grow_with_proposals(app, client, as_role, count_queries):
    """The list sends the same few queries for 10 and for 1,000 proposals, for every sort."""
    author = factories.user()
    small = factories.project(support_limit=5)
    large = factories.project(support_limit=5)
    brest_id = factories.territory("Brest").id
    small_ids = bulk_proposals(small, author, 10, territory_id=brest_id)
    large_ids = bulk_proposals(large, author, 1000, territory_id=brest_id)
    citizen = as_role("citizen")
    for ids in (small_ids, large_ids):
        for proposal_id in ids[:2]:
            factories.support(db.session.get_one(Proposal, proposal_id), citizen.user)
    db.session.commit()
    assert db.session.get_one(Project, large.id).proposals_count == 1000
    few_slug, many_slug = Slug(small.slug), Slug(large.slug)  # the session is renewed below

    client.get(list_url(few_slug))  # the reference data is read once per process
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for who, visitor in (("anonyme", client), ("citoyen", citizen)):
        for sort in SORTS:
            params = {"tri": sort, "graine": 4242} if sort == "hasard" else {"tri": sort}
            few = counted_get(count_queries, visitor, list_url(few_slug, **params))
            many = counted_get(count_queries, visitor, list_url(many_slug, **params))
            many_page = counted_get(count_queries, visitor, list_url(many_slug, page=30, **params))
            counts[(who, sort)] = (few, many)
            assert few == many == many_page, (who, sort, few, many, many_page)
            # A logged-in person's header shows their unread notifications: one query more.
            assert many <= MAX_LIST_QUERIES + (who == "citoyen"), (who, sort, many)
    unseeded = counted_get(count_queries, client, list_url(many_slug))
    filtered = counted_get(
        count_queries, client,
        list_url(many_slug, territoire=brest_id, reponse="none"),
    )
    assert unseeded == filtered == counts[("anonyme", "hasard")][1]
    for (who, sort), (few, many) in counts.items():
        print(f"liste des propositions, {who}, tri={sort}: {few} requêtes (10), {many} (1 000)")


def test_page_query_counts_do_not_grow_with_data(app, client, as_role, count_queries):
    """Project list, project page and proposal page query counts stay the same with more data."""
    admin = factories.user(roles=("admin",))
    author = factories.user()
    citizen = as_role("citizen")
    brest_id = factories.territory("Brest").id
    small_project = factories.project(actor=admin, territory_ids=[brest_id], support_limit=4)
    factories.project(actor=admin, territory_ids=[brest_id])
    small_proposal = factories.proposal(small_project, author=author)
    factories.comment(small_proposal, author=author)
    factories.comment(small_project, author=author)
    db.session.commit()
    ids = {"admin": admin.id, "author": author.id, "citizen": citizen.user.id}
    urls = {
        "liste des projets": "/projets",
        "page de projet": f"/projets/{small_project.slug}",
        "page de proposition": f"/propositions/{small_proposal.id}",
    }
    visitors = (("anonyme", client), ("citoyen", citizen))

    client.get("/projets")  # the reference data is read once per process
    small = {
        (label, who): counted_get(count_queries, visitor, url)
        for label, url in urls.items() for who, visitor in visitors
    }

    # Much more data: 30 projects, a project with 60 proposals and 60 threads, a proposal with
    # 60 comments and replies down to the third level, and supports.
    admin, author = (db.session.get_one(User, ids[name]) for name in ("admin", "author"))
    more = [
        factories.project(actor=admin, territory_ids=[brest_id], orientation_id=1 + n % 5,
                          support_limit=4)
        for n in range(28)
    ]
    large_project = more[-1]
    bulk_proposals(large_project, author, 60)
    large_proposal = factories.proposal(large_project, author=author)
    people = [factories.user() for _ in range(3)]
    for n in range(60):
        root = factories.comment(large_proposal, author=people[n % 3])
        factories.comment(large_project, author=people[n % 3], stance="contre")
        if n % 10 == 0:
            reply = factories.comment(parent=root, author=author, stance="neutre")
            factories.comment(parent=reply, author=people[0], stance="pour")
    for person in people:
        factories.support(large_proposal, person)
    factories.support(large_proposal, db.session.get(User, ids["citizen"]))
    db.session.commit()
    large_urls = {
        "liste des projets": "/projets",
        "page de projet": f"/projets/{large_project.slug}",
        "page de proposition": f"/propositions/{large_proposal.id}",
    }
    second_pages = {
        "liste des projets": "/projets?page=2",
        "page de projet": f"/projets/{large_project.slug}?page=2",
        "page de proposition": f"/propositions/{large_proposal.id}?page=2",
    }

    for label in urls:
        for who, visitor in visitors:
            large = counted_get(count_queries, visitor, large_urls[label])
            second = counted_get(count_queries, visitor, second_pages[label])
            few = small[(label, who)]
            print(f"{label}, {who}: {few} requêtes (peu de données), {large} (beaucoup), "
                  f"{second} (page 2)")
            assert few == large == second, (label, who, few, large, second)


@pytest.mark.parametrize("sort", SORTS)
def test_a_list_page_writes_its_limit_into_the_sql(app, client, sort):
    """Every sort's page, first and next, sends its LIMIT written in the statement, not as a
    parameter: PostgreSQL's plan of a prepared statement cannot see a parameter's value, and
    counted a tenth of the rows for it (a project of 100,000 proposals: all its users hashed
    to join 21 authors, 3.7 ms where the plan made for LIMIT 21 takes 0.4 ms)."""
    project = factories.project()
    bulk_proposals(project, factories.user(), 45)
    db.session.commit()
    sent: list[str] = []

    def before(_conn, _cursor, statement, *_):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        first = client.get(list_url(project, tri=sort))
        following = next_link(first)
        assert following
        client.get(following)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    listed = [s for s in sent if "FROM proposals" in s and "ORDER BY" in s and "LIMIT" in s]
    assert len(listed) >= 2, sent
    for statement in listed:
        limits = [found.rstrip(")") for found in re.findall(r"LIMIT\s+(\S+)", statement)]
        # 21 rows (one more than shown: is there a next page?); 1 for the random order's start
        assert limits and set(limits) <= {"21", "1"}, limits
