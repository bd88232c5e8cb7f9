"""The public project pages: the list with its filters and pages, and a project's own page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy import text as sql

from consultation.core.models import today
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals import services as proposal_services
from consultation.reference.data import ORIENTATIONS
from consultation.reference.models import Orientation, Territory
from tests import factories
from tests.conftest import login
from tests.proposals.helpers import section, text

PROJECT_LINK = re.compile(r'<h2><a href="/projets/([^"/]+)">')
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def listed_slugs(response) -> list[str]:
    """The slugs of the projects listed on the page, in order."""
    return PROJECT_LINK.findall(response.get_data(as_text=True))


def orientation_id(slug: str) -> int:
    """The id of an orientation loaded by the migration."""
    return db.session.execute(select(Orientation.id).where(Orientation.slug == slug)).scalar_one()


def french(day: date) -> str:
    """A date written the French way, as the page should show it: 5 mars 2026 (the day and
    its month never split across lines: a non-breaking space)."""
    return f"{'1er' if day.day == 1 else day.day}\u00a0{MONTHS[day.month - 1]} {day.year}"


def recount(project_id: int) -> dict[str, int]:
    """The project's figures counted again from the rows themselves."""
    queries = {
        "proposals": (
            "SELECT count(*) FROM proposals WHERE project_id = :p AND status = 'published'"
        ),
        "comments": "SELECT count(*) FROM comments WHERE project_id = :p AND deleted_at IS NULL",
        "supports": "SELECT count(*) FROM supports WHERE project_id = :p",
        "participants": (
            "SELECT count(*) FROM ("
            " SELECT author_id AS who FROM proposals WHERE project_id = :p"
            " UNION SELECT author_id FROM comments WHERE project_id = :p"
            " UNION SELECT user_id FROM supports WHERE project_id = :p) AS everyone"
        ),
    }
    return {
        name: db.session.execute(sql(query), {"p": project_id}).scalar_one()
        for name, query in queries.items()
    }


def shown_figures(page: str) -> dict[str, int]:
    """The four figures as the project page shows them."""
    block = section(page, 'id="chiffres"', "</ul>")
    found = dict(
        (label.rstrip("s").replace("participant·e", "participant"), int(number))
        for number, label in re.findall(r"<strong>(\d+)</strong>\s*([\w·]+)", block)
    )
    return {
        "participants": found["participant"],
        "proposals": found["proposition"],
        "comments": found["commentaire"],
        "supports": found["soutien"],
    }


def stored_figures(project_id: int) -> dict[str, int]:
    """The counters kept on the project row."""
    db.session.expire_all()
    project = db.session.get_one(Project, project_id)
    return {
        "participants": project.participants_count,
        "proposals": project.proposals_count,
        "comments": project.comments_count,
        "supports": project.supports_count,
    }


# --- The list --------------------------------------------------------------------------------


def test_list_filters_by_orientation(app, client):
    """?orientation=<slug> keeps only the projects of that orientation."""
    admin = factories.user(roles=("admin",))
    first, second = ORIENTATIONS[0][0], ORIENTATIONS[3][0]
    a = factories.project(actor=admin, orientation_id=orientation_id(first))
    b = factories.project(actor=admin, orientation_id=orientation_id(second))
    c = factories.project(actor=admin)
    db.session.commit()

    assert set(listed_slugs(client.get("/projets"))) == {a.slug, b.slug, c.slug}
    response = client.get(f"/projets?orientation={first}")
    assert response.status_code == 200
    assert listed_slugs(response) == [a.slug]
    assert f'value="{first}" selected' in response.get_data(as_text=True)
    assert listed_slugs(client.get(f"/projets?orientation={second}")) == [b.slug]
    empty = client.get(f"/projets?orientation={ORIENTATIONS[4][0]}")
    assert listed_slugs(empty) == []
    assert "Aucun projet ne correspond à ces critères." in text(empty)


def test_list_filters_by_territory(app, client):
    """?territoire=<id> keeps only the projects concerning that territory."""
    admin = factories.user(roles=("admin",))
    brest, guipavas = factories.territory("Brest"), factories.territory("Guipavas")
    both = factories.project(actor=admin, territory_ids=[brest.id, guipavas.id])
    only_brest = factories.project(actor=admin, territory_ids=[brest.id])
    factories.project(actor=admin)
    db.session.commit()

    assert set(listed_slugs(client.get(f"/projets?territoire={brest.id}"))) == {
        both.slug, only_brest.slug,
    }
    assert listed_slugs(client.get(f"/projets?territoire={guipavas.id}")) == [both.slug]
    bohars = factories.territory("Bohars")
    assert listed_slugs(client.get(f"/projets?territoire={bohars.id}")) == []


def test_list_filters_by_state(app, client):
    """?etat=ouverts lists projects in consultation, ?etat=fermes all the others."""
    admin = factories.user(roles=("admin",))
    open_ = factories.project("consultation", actor=admin)
    info = factories.project("information", actor=admin)
    synthesis = factories.project("synthesis", actor=admin)
    follow_up = factories.project("follow_up", actor=admin)
    future = factories.project(None, actor=admin)
    undated = factories.project(actor=admin, phases={})
    db.session.commit()

    assert listed_slugs(client.get("/projets?etat=ouverts")) == [open_.slug]
    closed = set(listed_slugs(client.get("/projets?etat=fermes")))
    assert closed == {info.slug, synthesis.slug, follow_up.slug, future.slug, undated.slug}
    assert len(listed_slugs(client.get("/projets"))) == 6


def test_list_filters_combine(app, client):
    """Orientation, territory and state filters apply together."""
    admin = factories.user(roles=("admin",))
    brest = factories.territory("Brest")
    theme = ORIENTATIONS[1][0]
    wanted = factories.project(
        "consultation", actor=admin, orientation_id=orientation_id(theme), territory_ids=[brest.id]
    )
    factories.project(  # closed
        "synthesis", actor=admin, orientation_id=orientation_id(theme), territory_ids=[brest.id]
    )
    factories.project(  # another territory
        "consultation", actor=admin, orientation_id=orientation_id(theme),
        territory_ids=[factories.territory("Plouzané").id],
    )
    factories.project(  # another orientation
        "consultation", actor=admin, orientation_id=orientation_id(ORIENTATIONS[2][0]),
        territory_ids=[brest.id],
    )
    db.session.commit()

    response = client.get(f"/projets?orientation={theme}&territoire={brest.id}&etat=ouverts")
    assert response.status_code == 200
    assert listed_slugs(response) == [wanted.slug]
    assert "1 projet" in text(response)


def test_list_ignores_unknown_filter_values(app, client):
    """Unknown orientation, territory or state values are ignored: the page shows everything."""
    admin = factories.user(roles=("admin",))
    made = {factories.project(actor=admin).slug for _ in range(2)}
    db.session.commit()

    for query in (
        "orientation=inconnue",
        "territoire=999999",
        "territoire=abc",
        "territoire=-3",
        "territoire=99999999999999999999",
        "etat=bidule",
        "orientation=&territoire=&etat=",
        "orientation=%27%3B--&etat=ouverts%27",
        "territoire=%C2%B2",  # "²" passes str.isdigit() but not int()
        "territoire=%EF%BC%93",  # a full-width "３"
    ):
        response = client.get(f"/projets?{query}")
        assert response.status_code == 200, query
        assert set(listed_slugs(response)) == made, query


def test_list_pagination(app, client):
    """12 projects per page, newest first; every project appears on exactly one page."""
    admin = factories.user(roles=("admin",))
    made = [factories.project(actor=admin).slug for _ in range(14)]
    db.session.commit()

    first = client.get("/projets")
    second = client.get("/projets?page=2")
    assert first.status_code == second.status_code == 200
    assert listed_slugs(first) == list(reversed(made))[:12]
    assert listed_slugs(second) == list(reversed(made))[12:]
    assert "14 projets" in text(first)
    assert 'href="/projets?page=2"' in first.get_data(as_text=True)
    assert 'rel="prev"' in second.get_data(as_text=True)
    beyond = client.get("/projets?page=3")
    assert beyond.status_code == 200
    assert listed_slugs(beyond) == []
    for bad in ("0", "abc", "-1"):
        refused = client.get(f"/projets?page={bad}")
        assert refused.status_code == 404
        assert "Page introuvable" in text(refused)


def test_list_pagination_keeps_filters(app, client):
    """The page links of a filtered list keep the filter."""
    admin = factories.user(roles=("admin",))
    brest = factories.territory("Brest")
    for _ in range(13):
        factories.project(actor=admin, territory_ids=[brest.id])
    factories.project(actor=admin)
    db.session.commit()

    response = client.get(f"/projets?territoire={brest.id}")
    assert f'href="/projets?territoire={brest.id}&amp;page=2"' in response.get_data(as_text=True)
    assert len(listed_slugs(client.get(f"/projets?territoire={brest.id}&page=2"))) == 1


# --- A project's page -----------------------------------------------------------------------


def test_project_page_shows_summary_en_bref_and_body(app, client):
    """The page shows the summary, the plain-language "En bref" and the body from markdown."""
    brest = factories.territory("Brest")
    project = factories.project(
        title="Wi-Fi public dans les bibliothèques",
        summary="Un accès gratuit dans chaque médiathèque.",
        plain_summary="Vous pourrez **vous connecter** sans frais.",
        body="## Le contexte\n\nUn *réseau* sobre.\n\n<script>alert(1)</script>",
        orientation_id=orientation_id("services-au-public"),
        territory_ids=[brest.id],
    )
    db.session.commit()

    response = client.get(f"/projets/{project.slug}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Wi-Fi public dans les bibliothèques</h1>" in page
    assert "Un accès gratuit dans chaque médiathèque." in page
    en_bref = section(page, 'id="en-bref"', "</section>")
    assert "En bref" in en_bref
    assert "<strong>vous connecter</strong>" in en_bref
    body = section(page, 'id="presentation"', "</section>")
    assert "<h2>Le contexte</h2>" in body
    assert "<em>réseau</em>" in body
    assert "<script>" not in page
    assert "Des services au public exemplaires" in page
    assert "Territoires\u00a0: Brest" in page


def test_project_page_shows_phases_with_french_dates_and_current(app, client):
    """Each phase is listed with its dates in French, and the running one is marked "en cours"."""
    day = today()
    phases = {
        "information": (day - timedelta(days=70), day - timedelta(days=41)),
        "consultation": (day - timedelta(days=40), day + timedelta(days=20)),
        "synthesis": (day + timedelta(days=21), day + timedelta(days=50)),
        "follow_up": (day + timedelta(days=51), day + timedelta(days=400)),
    }
    project = factories.project(phases=phases)
    db.session.commit()

    page = text(client.get(f"/projets/{project.slug}"))
    calendar = section(page, '<ol class="phases">', "</ol>")
    items = re.findall(r"<li(.*?)</li>", calendar, flags=re.S)
    assert len(items) == 4
    for item, (label, (start, end)) in zip(
        items,
        [("Information", phases["information"]), ("Consultation", phases["consultation"]),
         ("Synthèse", phases["synthesis"]), ("Suivi", phases["follow_up"])],
        strict=True,
    ):
        assert f"<strong>{label}</strong>" in item
        assert f"du {french(start)} au {french(end)}" in item
    assert [("en cours" in item) for item in items] == [False, True, False, False]
    assert 'aria-current="step"' in items[1]
    assert any(month in calendar for month in MONTHS)


def test_project_page_without_current_phase(app, client):
    """Between phases, or without a calendar, no phase is "en cours"."""
    future = factories.project(None)
    undated = factories.project(phases={})
    db.session.commit()

    page = text(client.get(f"/projets/{future.slug}"))
    assert "en cours" not in section(page, '<ol class="phases">', "</ol>")
    assert "Hors phase" in page
    page = text(client.get(f"/projets/{undated.slug}"))
    assert "Le calendrier de ce projet n'est pas encore publié." in page


def test_project_page_figures_match_a_recount(app, client):
    """Participants, proposals, comments and supports equal a recount, after withdrawals too."""
    project = factories.project()
    other = factories.project()
    people = [factories.user() for _ in range(5)]
    one = factories.proposal(project, author=people[0])
    two = factories.proposal(project, author=people[1])
    three = factories.proposal(project, author=people[0])
    factories.proposal(other, author=people[4])  # another project's figures stay apart
    on_one = factories.comment(one, author=people[2], stance="pour")
    factories.comment(project, author=people[3], stance="contre")
    factories.comment(parent=on_one, author=people[1], stance="neutre")
    factories.support(one, people[2])
    factories.support(one, people[3])
    factories.support(two, people[4])
    factories.support(three, people[3])
    factories.support(three, people[3])  # a second click counts once
    db.session.commit()

    expected = {"participants": 5, "proposals": 3, "comments": 3, "supports": 4}
    assert recount(project.id) == expected
    assert stored_figures(project.id) == expected
    page = text(client.get(f"/projets/{project.slug}"))
    assert shown_figures(page) == expected

    assert login(app.test_client(), people[0]).post(
        f"/propositions/{three.id}/retirer"
    ).status_code == 302
    assert login(app.test_client(), people[2]).post(
        f"/commentaires/{on_one.id}/supprimer"
    ).status_code == 302

    # A withdrawn proposal and a deleted comment leave the figures; their authors stay
    # participants (they took part once), and supports already given stay counted.
    expected = {"participants": 5, "proposals": 2, "comments": 2, "supports": 4}
    assert recount(project.id) == expected
    assert stored_figures(project.id) == expected
    assert shown_figures(text(client.get(f"/projets/{project.slug}"))) == expected
    assert stored_figures(other.id) == recount(other.id)


def test_project_page_links_to_all_proposals(app, client):
    """The page links to the full list with the number of published proposals."""
    project = factories.project()
    author = factories.user()
    factories.proposal(project, author=author)
    withdrawn = factories.proposal(project, author=author)
    proposal_services.withdraw_proposal(author, withdrawn)
    db.session.commit()
    page = text(client.get(f"/projets/{project.slug}"))
    assert "Voir toutes les propositions (1)" in page


def test_project_page_lists_most_supported_proposals(app, client):
    """The page shows the three most supported published proposals."""
    project = factories.project()
    people = [factories.user() for _ in range(3)]
    proposals = [factories.proposal(project, author=people[0]) for _ in range(4)]
    for proposal, supporters in zip(proposals, (0, 3, 1, 2), strict=True):
        for person in people[:supporters]:
            factories.support(proposal, person)
    db.session.commit()

    page = text(client.get(f"/projets/{project.slug}"))
    shown = re.findall(r'<h3><a href="/propositions/(\d+)">', page)
    assert [int(i) for i in shown] == [proposals[1].id, proposals[3].id, proposals[2].id]


def test_unknown_project_is_a_french_404(app, client):
    """An unknown slug gives the French 404 page."""
    response = client.get("/projets/projet-qui-n-existe-pas")
    assert response.status_code == 404
    page = text(response)
    assert "Page introuvable" in page
    assert "La page demandée n'existe pas ou n'existe plus." in page
    assert client.get("/projets/projet-qui-n-existe-pas/propositions").status_code == 404


def test_territories_filter_lists_every_territory(app, client):
    """The territory filter offers every territory of the reference data."""
    names = db.session.scalars(select(Territory.name)).all()
    page = text(client.get("/projets"))
    filters = section(page, '<select id="territoire"', "</select>")
    for name in names:
        assert name in filters
