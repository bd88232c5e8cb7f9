"""The public follow-up pages: a project's "Suivi" tab, every commitment with its filters, the
proposal's commitments, and SQL statements that do not grow with the data."""

from __future__ import annotations

from typing import Any

import pytest

from consultation.accounts.models import User
from consultation.extensions import db
from consultation.followup import services
from consultation.reference.models import Orientation
from tests import factories
from tests.conftest import login
from tests.followup.helpers import commitment


@pytest.fixture
def admin(app) -> Any:
    made = factories.user(roles=("admin",))
    db.session.commit()
    return made


def test_the_suivi_tab_shows_commitments_progress_and_timeline(client, admin):
    project = factories.project("follow_up", actor=admin)
    answered = factories.proposal(project, title="Des bancs sur la place")
    made = commitment(project, admin, title="Installer vingt bancs", proposals=[answered],
                      status="en_cours", progress=45, starts_on=None)
    services.add_update(admin, made, "Dix bancs sont **posés**.", "en_cours", 60)
    db.session.commit()
    page = client.get(f"/projets/{project.slug}/suivi").text
    assert "Installer vingt bancs" in page and "Direction du numérique" in page
    assert "60\u00a0% réalisé" in page  # the percentage is always written out
    assert '<progress max="100" value="60" aria-hidden="true">' in page
    assert "Des bancs sur la place" in page and f"/propositions/{answered.id}" in page
    assert "<strong>posés</strong>" in page and "Engagement publié." in page
    assert page.index("Dix bancs") < page.index("Engagement publié.")  # newest first
    assert "Publier un engagement" not in page
    # The project page links the tab.
    assert f"/projets/{project.slug}/suivi" in client.get(f"/projets/{project.slug}").text


def test_a_project_without_commitments_says_so(client, admin):
    project = factories.project("consultation", actor=admin)
    db.session.commit()
    page = client.get(f"/projets/{project.slug}/suivi")
    assert page.status_code == 200
    assert "Aucun engagement n'est encore publié sur ce projet." in page.text
    # Neither in its follow-up phase nor with commitments: the project page has no tab yet.
    assert f"/projets/{project.slug}/suivi" not in client.get(f"/projets/{project.slug}").text
    assert client.get("/projets/inconnu/suivi").status_code == 404


def test_the_proposal_page_lists_the_commitments_answering_it(client, admin):
    project = factories.project("follow_up", actor=admin)
    answered = factories.proposal(project)
    other = factories.proposal(project)
    commitment(project, admin, title="Ouvrir la médiathèque le dimanche", proposals=[answered],
               status="realise", progress=100)
    db.session.commit()
    page = client.get(f"/propositions/{answered.id}").text
    assert "Ouvrir la médiathèque le dimanche" in page and "Réalisé" in page
    assert "100\u00a0% réalisé" in page
    assert "Ouvrir la médiathèque le dimanche" not in client.get(f"/propositions/{other.id}").text


def test_mon_espace_says_which_proposals_a_commitment_answers(client, admin):
    """The author's space links the commitment answering their proposal, on its Suivi tab."""
    project = factories.project("follow_up", actor=admin)
    author = factories.user()
    answered = factories.proposal(project, author=author)
    factories.proposal(project, author=author)
    made = commitment(project, admin, title="Ouvrir la médiathèque le dimanche",
                      proposals=[answered])
    db.session.commit()
    login(client, author)
    page = client.get("/compte").text
    assert page.count("Liée à un engagement de la métropole") == 1
    assert f'href="/projets/{project.slug}/suivi#engagement-{made.id}"' in page
    assert "Ouvrir la médiathèque le dimanche" in page


def _spread(admin: Any) -> dict[str, Any]:
    orientations = db.session.query(Orientation).order_by(Orientation.number).all()
    brest, crozon = factories.territory("Brest"), factories.territory("Plougastel-Daoulas")
    first = factories.project("follow_up", actor=admin, title="Projet des mobilités",
                              orientation_id=orientations[0].id, territory_ids=[brest.id])
    second = factories.project("follow_up", actor=admin, title="Projet des écoles",
                               orientation_id=orientations[1].id, territory_ids=[crozon.id])
    commitment(first, admin, title="Des pistes cyclables", status="en_cours", progress=30)
    commitment(first, admin, title="Un parking vélo", status="realise", progress=100)
    commitment(second, admin, title="Des cours d'informatique", status="abandonne",
               progress=10, reason="Le lycée n'a plus de salle.")
    db.session.commit()
    return {"orientations": orientations, "brest": brest, "crozon": crozon}


def test_every_commitment_filtered_by_status_orientation_and_territory(client, admin):
    spread = _spread(admin)
    everything = client.get("/suivi").text
    assert all(title in everything for title in
               ("Des pistes cyclables", "Un parking vélo", "Des cours d&#39;informatique"))
    assert "Le lycée n&#39;a plus de salle." in everything
    done = client.get("/suivi?statut=realise").text
    assert "Un parking vélo" in done and "Des pistes cyclables" not in done
    oriented = client.get(f"/suivi?orientation={spread['orientations'][1].id}").text
    assert "Des cours d&#39;informatique" in oriented and "Un parking vélo" not in oriented
    local = client.get(f"/suivi?territoire={spread['brest'].id}").text
    assert "Des pistes cyclables" in local and "Des cours d&#39;informatique" not in local


@pytest.mark.parametrize("query", [
    "statut=fini", "orientation=abc", "orientation=999999", "territoire=-1",
    "territoire=%C2%B2", "statut=%00", "orientation=" + "9" * 40,
])
def test_a_bad_filter_is_said_in_french_and_filters_nothing(client, admin, query):
    _spread(admin)
    response = client.get(f"/suivi?{query}")
    assert response.status_code == 200
    assert "Choisissez une valeur de la liste." in response.text or \
        "Choix invalide." in response.text
    assert "Un parking vélo" in response.text and "Des pistes cyclables" in response.text


def test_the_list_pages_by_twenty(client, admin):
    project = factories.project("follow_up", actor=admin)
    for n in range(25):
        commitment(project, admin, title=f"Engagement numéro {n:02d}")
    db.session.commit()
    first = client.get("/suivi").text
    assert "Engagement numéro 00" in first and "Engagement numéro 24" not in first
    assert "Engagement numéro 24" in client.get("/suivi?page=2").text
    assert client.get("/suivi?page=abc").status_code == 404


def counted(count_queries: Any, client: Any, url: str) -> int:
    """The SQL statements one GET sends, from a fresh session."""
    db.session.remove()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_statements_do_not_grow_with_commitments(app, client, admin, count_queries):
    admin_id = admin.id

    def fill(n: int) -> Any:
        actor = db.session.get_one(User, admin_id)
        project = factories.project("follow_up", actor=actor)
        answered = [factories.proposal(project) for _ in range(3)]
        for i in range(n):
            made = commitment(project, actor, title=f"Engagement {i} de {project.slug}",
                              proposals=answered)
            services.add_update(actor, made, "Un point.", "en_cours", 50)
        db.session.commit()
        return project, answered[0]

    def measure(project: Any, proposal: Any) -> list[int]:
        client.get("/suivi")  # the reference lists are read once per process
        return [counted(count_queries, client, url) for url in (
            f"/projets/{project.slug}/suivi", "/suivi", "/suivi?statut=en_cours",
            f"/propositions/{proposal.id}")]

    few = measure(*fill(1))
    many = measure(*fill(15))
    assert few == many
