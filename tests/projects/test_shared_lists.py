"""The lists kept as shared fragments (core/fragments.py): home, the project list, a project's
proposals, a synthesis. Every change shows at once on the next view; the person's own parts are
theirs, whoever saw the page first; the HTML is what the page gives without the fragments."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consultation.core import fragments
from consultation.core.models import today
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.projects import services as projects
from consultation.proposals.models import Proposal
from consultation.syntheses import services as syntheses
from tests import factories
from tests.conftest import login

CSRF = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+')


def text_of(client: FlaskClient, url: str) -> str:
    """The page's HTML, its CSRF tokens (new for each session) blanked."""
    response = client.get(url)
    assert response.status_code == 200, url
    return CSRF.sub(r"\1-", response.get_data(as_text=True))


@contextmanager
def without_fragments(app: Flask) -> Iterator[None]:
    """The app as with FRAGMENT_CACHE off: every fragment made for each request."""
    store = app.extensions.pop("fragments", None)
    try:
        yield
    finally:
        if store is not None:
            app.extensions["fragments"] = store


@pytest.fixture
def site(app: Flask) -> dict[str, Any]:
    """An open project with three proposals, a citizen, a second citizen and a moderator."""
    citizen, other = factories.user(), factories.user()
    moderator = factories.user(("moderator", "admin"))
    project = factories.project("consultation", support_limit=5)
    proposals = [factories.proposal(project) for _ in range(3)]
    db.session.commit()
    return {"project": project, "proposals": proposals, "citizen": citizen, "other": other,
            "moderator": moderator, "ids": {"citizen": citizen.id, "other": other.id,
                                            "moderator": moderator.id}}


def urls_of(project: Any) -> dict[str, str]:
    return {
        "home": "/",
        "projects": "/projets",
        "proposals": f"/projets/{project.slug}/propositions?tri=soutiens",
        "recent": f"/projets/{project.slug}/propositions?tri=recentes",
    }


def client_as(app: Flask, user: Any | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


def seen(client: FlaskClient, url: str) -> str:
    """The page seen twice (the second from the fragments kept): both the same."""
    first, second = text_of(client, url), text_of(client, url)
    assert first == second, url
    return second


def test_a_new_proposal_shows_at_once(app: Flask, client: FlaskClient, site: dict[str, Any]):
    urls = urls_of(site["project"])
    before = {name: seen(client, url) for name, url in urls.items()}
    assert "3 propositions" in before["home"] and "3 propositions" in before["proposals"]
    factories.proposal(site["project"], title="Une idée toute neuve pour le quartier")
    db.session.commit()
    after = {name: text_of(client, url) for name, url in urls.items()}
    assert "4 propositions" in after["home"] and "4 propositions" in after["projects"]
    assert "Une idée toute neuve pour le quartier" in after["recent"]
    assert "4 propositions" in after["proposals"]


def test_a_support_an_edit_and_a_hide_show_at_once(
    app: Flask, client: FlaskClient, site: dict[str, Any]
):
    url = urls_of(site["project"])["proposals"]
    first, second, third = site["proposals"]
    seen(client, url)
    factories.support(second, site["other"])
    db.session.commit()
    page = text_of(client, url)
    assert "1 soutien" in page
    assert page.index(second.title) < page.index(first.title)  # most supported first
    second.title = "Un titre revu pour la deuxième"
    db.session.commit()
    page = text_of(client, url)
    assert "Un titre revu pour la deuxième" in page
    moderation.hide(site["moderator"], "proposal", third, "Hors sujet")
    db.session.commit()
    page = text_of(client, url)
    assert third.title not in page and "2 propositions" in page


def test_a_phase_change_shows_at_once(app: Flask, client: FlaskClient, site: dict[str, Any]):
    project = site["project"]
    url = urls_of(project)["proposals"]
    assert project.title in seen(client, "/")
    assert "badge phase-consultation" in seen(client, "/projets")
    assert "badge phase-consultation" in seen(client, url)
    projects.set_phases(project, factories.phases_for("information"))
    db.session.commit()
    assert project.title not in text_of(client, "/")
    assert "badge phase-information" in text_of(client, "/projets")
    assert "badge phase-information" in text_of(client, url)


def test_a_day_later_the_deadline_is_counted_again(
    app: Flask, client: FlaskClient, site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
):
    """The day is in the keys: what the cards count from today is counted again tomorrow."""
    seen(client, "/")
    tomorrow = today() + timedelta(days=1)
    for module in ("consultation.main", "consultation.projects.models"):
        monkeypatch.setattr(f"{module}.today", lambda: tomorrow)
    store = fragments.store()
    assert store is not None
    before = len(store.pages)
    text_of(client, "/")
    assert len(store.pages) == before + 1


def test_a_published_synthesis_shows_at_once(
    app: Flask, client: FlaskClient, site: dict[str, Any]
):
    project = site["project"]
    url = f"/projets/{project.slug}/synthese"
    projects.set_phases(project, factories.phases_for("synthesis"))
    db.session.commit()
    assert "pas encore publiée" in seen(client, url)
    syntheses.publish(project, site["moderator"], "Le premier texte de la synthèse.", "")
    db.session.commit()
    assert "Le premier texte de la synthèse." in seen(client, url)
    syntheses.publish(project, site["moderator"], "Le second texte, plus juste.",
                      "Le texte est précisé.")
    db.session.commit()
    page = seen(client, url)
    assert "Le second texte, plus juste." in page and "Version 2" in page
    older = seen(client, f"/projets/{project.slug}/synthese/v1")
    assert "Le premier texte de la synthèse." in older and "Une version plus récente" in older


def test_each_person_sees_their_own_parts(app: Flask, site: dict[str, Any]):
    """The list seen first by a visitor, then by the one who supports a proposal, then by
    another citizen: the badge "vous soutenez" and the supports left are each one's."""
    first = site["proposals"][0]
    factories.support(first, site["citizen"])
    db.session.commit()
    url = urls_of(site["project"])["proposals"]
    visitor = seen(client_as(app, None), url)
    supporter = seen(client_as(app, site["citizen"]), url)
    other = seen(client_as(app, site["other"]), url)
    assert "vous soutenez" not in visitor and "vous soutenez" not in other
    assert supporter.count("vous soutenez") == 1
    assert "Il vous reste 4 soutiens sur 5." in supporter
    assert "Il vous reste 5 soutiens sur 5." in other
    assert "Il vous reste" not in visitor
    assert "Déposer une proposition" in other and "Déposer une proposition" not in visitor


def test_two_languages_make_two_fragments(app: Flask, site: dict[str, Any]):
    url = urls_of(site["project"])["proposals"]
    french, english = client_as(app, None), client_as(app, None)
    with english.session_transaction() as session:
        session["lang"] = "en"
    assert "Trier et filtrer les propositions" in seen(french, url)
    in_english = seen(english, url)
    assert "Trier et filtrer les propositions" not in in_english
    assert 'lang="en"' in in_english


@pytest.mark.parametrize("who", ["visitor", "citizen", "other", "moderator"])
def test_the_pages_are_the_same_with_or_without_fragments(
    app: Flask, site: dict[str, Any], who: str
):
    """Byte for byte (but the CSRF token), made anew, kept, or with FRAGMENT_CACHE off; a deep
    page of the list too."""
    project = site["project"]
    factories.support(site["proposals"][1], site["citizen"])
    for n in range(25):
        factories.proposal(project, title=f"Proposition de plus numéro {n}")
    projects.set_phases(project, factories.phases_for("consultation"))
    db.session.commit()
    syntheses_project = factories.project("synthesis")
    factories.proposal(syntheses_project)
    db.session.commit()
    syntheses.publish(syntheses_project, site["moderator"], "Un texte de synthèse.", "")
    db.session.commit()
    syntheses.publish(syntheses_project, site["moderator"], "## Revu\n\nUn texte revu.",
                      "Un titre ajouté.")
    db.session.commit()
    user = None if who == "visitor" else db.session.get(type(site["citizen"]), site["ids"][who])
    urls = [*urls_of(project).values(), "/projets?etat=ouverts",
            f"/projets/{syntheses_project.slug}/synthese",
            f"/projets/{syntheses_project.slug}/synthese/v1"]
    client = client_as(app, user)
    deep = text_of(client, urls_of(project)["recent"])
    found = re.search(r'href="([^"]+)" rel="next"', deep)
    assert found is not None
    urls.append(found.group(1).replace("&amp;", "&"))
    with without_fragments(app):
        plain = {url: text_of(client, url) for url in urls}
    made = {url: text_of(client, url) for url in urls}
    kept = {url: text_of(client, url) for url in urls}
    for url in urls:
        assert made[url] == plain[url], url
        assert kept[url] == plain[url], url


# The statements of a second view besides the person's own record (with the header's count of
# notifications): one names what the list shows; a list of proposals, however sorted, reads the
# person and their supports in the project with its project (core/pages.py read_with_facts); a
# synthesis's version brings the person's subscription along.
OWN = re.compile(r"FROM users\s+WHERE|^SELECT count\(\*\) AS count_1\s+FROM notifications")
# The synthesis page reads its project's latest version and its PDF with the project.
STATEMENTS = {"visitor": {"home": 1, "projects": 1, "proposals": 1, "recent": 1, "synthesis": 1},
              "citizen": {"home": 1, "projects": 1, "proposals": 1, "recent": 1, "synthesis": 1}}


def test_a_second_view_loads_no_rows_of_what_it_lists(
    app: Flask, site: dict[str, Any], count_queries: Any
):
    """Kept, a list is named by one statement (the project's own for its proposals); the
    proposals and projects it shows are not loaded again."""
    from sqlalchemy import event

    from consultation.projects.models import Project
    from consultation.syntheses.models import SynthesisVersion

    concluded = factories.project("synthesis")
    factories.proposal(concluded)
    db.session.commit()
    syntheses.publish(concluded, site["moderator"], "Un texte de synthèse.", "")
    db.session.commit()
    urls = {**urls_of(site["project"]), "synthesis": f"/projets/{concluded.slug}/synthese"}
    loaded: list[type] = []

    def count(target: Any, *_: Any) -> None:
        loaded.append(type(target))

    clients = {"visitor": client_as(app, None), "citizen": client_as(app, site["citizen"])}
    for who, client in clients.items():
        for name, url in urls.items():
            text_of(client, url)
            db.session.remove()
            event.listen(db.Model, "load", count, propagate=True)
            try:
                with count_queries() as counter:
                    text_of(client, url)
            finally:
                event.remove(db.Model, "load", count)
            assert Proposal not in loaded, url
            assert loaded.count(Project) == (0 if name in ("home", "projects") else 1), url
            assert loaded.count(SynthesisVersion) == (name == "synthesis"), url
            page = [statement for statement in counter.statements if not OWN.search(statement)]
            assert len(page) == STATEMENTS[who][name], (who, url, page)
            loaded.clear()
