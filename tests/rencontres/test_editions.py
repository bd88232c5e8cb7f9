"""Editions of the Rencontres: the admin's form, drafts, publication, permissions, subscription."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from consultation.core import jobs
from consultation.core.documents import Document
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.projects.models import Project
from consultation.rencontres import services as rencontres
from consultation.rencontres.models import Edition, RencontresSubscriber
from consultation.syntheses import services as syntheses
from consultation.syntheses.models import SynthesisVersion
from tests import factories

STUB_PDF = b"%PDF-1.7\n% document de test\n%%EOF\n"
NARRATIVE = "## Ce que retient la consultation\n\nDes idées nombreuses et argumentées."
FORM = {
    "year": "2026",
    "title": "Rencontres 2026 : le numérique en commun",
    "held_on": "2026-12-04",
    "venue": "Les Capucins, Brest",
    "programme": "## Matinée\n\nTable ronde sur la médiation numérique.",
}


def text(response: Any) -> str:
    """The page as text, HTML entities decoded and French no-break spaces made plain."""
    page = html.unescape(response.get_data(as_text=True))
    return page.replace("\u00a0", " ").replace("\u202f", " ")


def edition_form(**changes: Any) -> dict[str, Any]:
    """The edition form's fields, with `changes` applied."""
    return {**FORM, **changes}


def publish_synthesis(
    project: Project, narrative: str = NARRATIVE, note: str = ""
) -> SynthesisVersion:
    """Publish a version of the project's synthesis through the service, jobs run inline."""
    author = factories.user(roles=("moderator",))
    version = syntheses.publish(project, author, narrative, note)
    db.session.commit()
    jobs.dispatch_committed()
    return version


def synthesis_of(title: str, proposals: int = 1) -> SynthesisVersion:
    """A project with some participation and the first version of its synthesis."""
    project = factories.project("synthesis", title=title)
    for _ in range(proposals):
        made = factories.proposal(project)
        factories.support(made)
        factories.comment(made)
    db.session.commit()
    return publish_synthesis(project)


def edition(year: int = 2026) -> Edition:
    """The edition of `year` as the database holds it now."""
    db.session.expire_all()
    found = rencontres.by_year(year)
    assert found is not None
    return found


def count(model: Any) -> int:
    """How many rows the table holds."""
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(autouse=True)
def fast_pdfs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Synthesis PDFs and dossiers are stubbed here: their content is tested in test_dossier."""
    monkeypatch.setattr("consultation.syntheses.jobs.version_pdf", lambda version: STUB_PDF)
    monkeypatch.setattr("consultation.rencontres.jobs.dossier_pdf", lambda edition: STUB_PDF)
    yield


@pytest.fixture
def admin(as_role: Any) -> Any:
    """A logged-in admin."""
    return as_role("citizen", "admin")


def test_admin_creates_a_draft_edition(app: Flask, admin: Any) -> None:
    first = synthesis_of("Des bancs connectés")
    second = synthesis_of("Le wifi public")
    form_page = admin.get("/rencontres/nouvelle")
    assert form_page.status_code == 200
    assert "Des bancs connectés — version 1" in text(form_page)
    assert f'value="{first.id}"' in text(form_page)

    response = admin.post("/rencontres/nouvelle",
                          data=edition_form(syntheses=[str(first.id), str(second.id)]))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/rencontres/2026")
    created = edition()
    assert created.state == "draft"
    assert created.title == "Rencontres 2026 : le numérique en commun"
    assert created.held_on.isoformat() == "2026-12-04"
    assert created.venue == "Les Capucins, Brest"
    assert created.programme.startswith("## Matinée")
    assert {v.id for v in created.syntheses} == {first.id, second.id}
    assert created.document_id is None

    shown = text(admin.get("/rencontres/2026"))
    assert "Édition enregistrée." in shown
    assert "Brouillon" in shown
    assert "Table ronde sur la médiation numérique." in shown


def test_edition_without_any_synthesis_published_yet(app: Flask, admin: Any) -> None:
    page = text(admin.get("/rencontres/nouvelle"))
    assert "Aucune synthèse n'est encore publiée" in page
    response = admin.post("/rencontres/nouvelle", data=edition_form())
    assert response.status_code == 302
    assert edition().syntheses == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on": "04/12/2026"}, "Indiquez la date au format aaaa-mm-jj."),
        ({"held_on": "2026-02-30"}, "Indiquez la date au format aaaa-mm-jj."),
        ({"title": "   "}, "Ce champ est obligatoire."),
        ({"venue": ""}, "Ce champ est obligatoire."),
        ({"year": "1999"}, "L'année doit être comprise entre 2000 et 2999."),
        ({"year": "3000"}, "L'année doit être comprise entre 2000 et 2999."),
        ({"year": "deux mille"}, "Indiquez l'année de l'édition, en chiffres"),
        ({"title": "T" * 201}, "200 caractères au maximum."),
        ({"syntheses": ["424242"]}, "« 424242 » n'est pas un choix valide pour ce champ."),
    ],
)
def test_invalid_edition_is_shown_again_with_what_was_typed(
    app: Flask, admin: Any, changes: dict[str, Any], message: str
) -> None:
    response = admin.post("/rencontres/nouvelle", data=edition_form(**changes))
    assert response.status_code == 422
    page = text(response)
    assert "Le formulaire n'a pas été enregistré" in page
    assert message in page
    # Every value typed is still there, the refused one included.
    typed = edition_form(**changes)
    for name in ("year", "held_on", "venue"):
        assert f'value="{typed[name]}"' in page
    if typed["title"].strip():
        assert f'value="{typed["title"]}"' in page
    assert "Table ronde sur la médiation numérique." in page
    assert count(Edition) == 0


def test_a_year_has_one_edition(app: Flask, admin: Any) -> None:
    admin.post("/rencontres/nouvelle", data=edition_form())
    response = admin.post("/rencontres/nouvelle",
                          data=edition_form(title="Une seconde édition la même année"))
    assert response.status_code == 422
    page = text(response)
    assert "L'édition 2026 existe déjà." in page
    assert 'value="Une seconde édition la même année"' in page
    assert count(Edition) == 1

    admin.post("/rencontres/nouvelle", data=edition_form(year="2027", title="Édition 2027"))
    moved = admin.post("/rencontres/2027/modifier", data=edition_form(year="2026"))
    assert moved.status_code == 422
    assert "L'édition 2026 existe déjà." in text(moved)
    assert edition(2027).title == "Édition 2027"


def test_edit_attaches_published_syntheses(app: Flask, admin: Any) -> None:
    first = synthesis_of("Des bancs connectés")
    second = synthesis_of("Le wifi public")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(first.id)]))

    page = text(admin.get("/rencontres/2026/modifier"))
    assert re.search(rf'<input checked[^>]*value="{first.id}"', page)
    assert not re.search(rf'<input checked[^>]*value="{second.id}"', page)
    assert 'value="Les Capucins, Brest"' in page

    response = admin.post("/rencontres/2026/modifier", data=edition_form(
        venue="Quartz, Brest", syntheses=[str(first.id), str(second.id)]))
    assert response.status_code == 302
    changed = edition()
    assert changed.venue == "Quartz, Brest"
    assert [v.id for v in changed.syntheses] == sorted(
        [first.id, second.id], key=lambda i: db.session.get_one(SynthesisVersion, i).project_id)

    # Unticking every box detaches them all.
    admin.post("/rencontres/2026/modifier", data=edition_form())
    assert edition().syntheses == []


def test_attached_version_stays_a_choice_after_a_newer_one(app: Flask, admin: Any) -> None:
    first = synthesis_of("Des bancs connectés")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(first.id)]))
    newer = publish_synthesis(first.project, "Texte revu.", "Chiffres mis à jour.")
    page = text(admin.get("/rencontres/2026/modifier"))
    assert "Des bancs connectés — version 1" in page
    assert "Des bancs connectés — version 2" in page
    assert re.search(rf'<input checked[^>]*value="{first.id}"', page)
    assert not re.search(rf'<input checked[^>]*value="{newer.id}"', page)


def test_draft_edition_is_seen_only_by_admins(app: Flask, admin: Any, as_role: Any) -> None:
    admin.post("/rencontres/nouvelle", data=edition_form())
    citizen = as_role("citizen")
    elected = as_role("citizen", "elected")
    moderator = as_role("citizen", "moderator")
    for visitor in (app.test_client(), citizen, elected, moderator):
        assert visitor.get("/rencontres/2026").status_code == 404
        assert visitor.get("/rencontres/2026/dossier").status_code == 404
        listing = text(visitor.get("/rencontres"))
        assert "Rencontres 2026 : le numérique en commun" not in listing
        assert "Aucune édition n'est encore publiée." in listing
    not_found = app.test_client().get("/rencontres/2026")
    assert "La page demandée n'existe pas ou n'existe plus." in text(not_found)

    assert admin.get("/rencontres/2026").status_code == 200
    listing = text(admin.get("/rencontres"))
    assert "Rencontres 2026 : le numérique en commun" in listing
    assert "Brouillon" in listing


def test_publish_without_syntheses_is_refused(app: Flask, admin: Any) -> None:
    admin.post("/rencontres/nouvelle", data=edition_form())
    response = admin.post("/rencontres/2026/publier", follow_redirects=True)
    assert response.status_code == 200
    assert "Rattachez au moins une synthèse publiée avant de publier l'édition." in text(response)
    draft = edition()
    assert draft.state == "draft"
    assert draft.document_id is None
    assert count(Document) == 0
    assert app.test_client().get("/rencontres/2026").status_code == 404


def test_published_edition_lists_syntheses_with_the_year_figures(
    app: Flask, admin: Any
) -> None:
    first = synthesis_of("Des bancs connectés", proposals=2)
    second = synthesis_of("Le wifi public", proposals=3)
    admin.post("/rencontres/nouvelle",
               data=edition_form(syntheses=[str(first.id), str(second.id)]))
    response = admin.post("/rencontres/2026/publier", follow_redirects=True)
    said = text(response)
    assert "L'édition est publiée." in said
    published = edition()
    # The dossier was built by the inline job: the page never says it is still being made.
    assert "en cours" not in said.lower() and "Télécharger le dossier (PDF," in said
    assert published.state == "published"
    assert published.published_at is not None
    assert published.document is not None and published.document.is_ready

    page = text(app.test_client().get("/rencontres/2026"))
    assert "Brouillon" not in page
    for version in (first, second):
        assert (f'href="/projets/{version.project.slug}/synthese/v1">'
                f"{version.project.title}</a>") in page
    rows = {
        title: [int(n) for n in numbers]
        for title, *numbers in re.findall(
            r'<th scope="row"><a [^>]*>([^<]+)</a>.*?'
            r'<td class="num">(\d+)</td><td class="num">(\d+)</td>'
            r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', page)
    }
    names = ("participants", "proposals", "comments", "supports")
    for version in (first, second):
        frozen = version.figures["participation"]
        assert rows[version.project.title] == [frozen[name] for name in names]
    totals = re.search(
        r'<tfoot><tr><th scope="row">Total</th>' + r'<td class="num">(\d+)</td>' * 4, page)
    assert totals is not None
    assert [int(n) for n in totals.groups()] == [
        first.figures["participation"][name] + second.figures["participation"][name]
        for name in names
    ]
    assert [int(n) for n in totals.groups()] == [15, 5, 5, 5]
    assert 'href="/rencontres/2026/dossier"' in page

    listing = text(app.test_client().get("/rencontres"))
    assert "Rencontres 2026 : le numérique en commun" in listing


def _published(admin: Any) -> None:
    version = synthesis_of("Des bancs connectés")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(version.id)]))
    admin.post("/rencontres/2026/publier")


@pytest.mark.parametrize("roles", [("citizen",), ("citizen", "moderator"),
                                   ("citizen", "elected")])
def test_only_admins_manage_editions(
    app: Flask, admin: Any, as_role: Any, roles: tuple[str, ...]
) -> None:
    _published(admin)
    admin.post("/rencontres/nouvelle", data=edition_form(year="2027", title="Édition 2027"))
    visitor = as_role(*roles)
    assert visitor.get("/rencontres/nouvelle").status_code == 403
    refused = visitor.post("/rencontres/nouvelle", data=edition_form(year="2028"))
    assert refused.status_code == 403
    assert "Action non autorisée" in text(refused)
    assert visitor.get("/rencontres/2026/modifier").status_code == 403
    assert visitor.post("/rencontres/2026/modifier",
                        data=edition_form(venue="Ailleurs")).status_code == 403
    assert visitor.post("/rencontres/2026/publier").status_code == 403
    # A draft is not even shown to exist.
    assert visitor.post("/rencontres/2027/publier").status_code == 404
    assert visitor.get("/rencontres/2027/modifier").status_code == 403
    assert "Nouvelle édition" not in text(visitor.get("/rencontres"))
    assert "Modifier l'édition" not in text(visitor.get("/rencontres/2026"))
    assert edition().venue == "Les Capucins, Brest"
    assert edition(2027).state == "draft"
    assert count(Edition) == 2


def test_blocked_admin_cannot_manage_editions(app: Flask, as_role: Any) -> None:
    blocked = as_role("citizen", "admin")
    moderation.block_user(factories.user(roles=("moderator",)), blocked.user,
                          "Compte compromis", None)
    db.session.commit()
    assert blocked.post("/rencontres/nouvelle", data=edition_form()).status_code == 403
    assert count(Edition) == 0


def test_anonymous_is_sent_to_login(app: Flask, admin: Any) -> None:
    _published(admin)
    anonymous = app.test_client()
    for method, path in [("get", "/rencontres/nouvelle"), ("post", "/rencontres/nouvelle"),
                         ("get", "/rencontres/2026/modifier"),
                         ("post", "/rencontres/2026/modifier"),
                         ("post", "/rencontres/2026/publier"),
                         ("post", "/rencontres/2026/dossier/relancer"),
                         ("post", "/rencontres/abonnement")]:
        response = getattr(anonymous, method)(path, data=edition_form(year="2030"))
        assert response.status_code == 302, path
        assert "/compte/connexion" in response.headers["Location"], path
    assert count(Edition) == 1


def test_admin_sees_management_buttons(app: Flask, admin: Any) -> None:
    admin.post("/rencontres/nouvelle", data=edition_form())
    page = text(admin.get("/rencontres/2026"))
    assert 'href="/rencontres/2026/modifier"' in page
    assert "Publier l'édition et fabriquer son dossier" in page
    assert "Nouvelle édition" in text(admin.get("/rencontres"))


def test_subscription(app: Flask, as_role: Any) -> None:
    citizen = as_role("citizen")
    page = text(citizen.get("/rencontres"))
    assert "Me prévenir par courriel de chaque édition" in page

    response = citizen.post("/rencontres/abonnement", follow_redirects=True)
    assert "Vous serez prévenu·e par courriel de la publication de chaque édition." in (
        text(response))
    assert "Ne plus être prévenu·e des éditions" in text(response)
    assert db.session.get(RencontresSubscriber, citizen.user.id) is not None
    # Twice is still once.
    citizen.post("/rencontres/abonnement")
    assert count(RencontresSubscriber) == 1

    response = citizen.post("/rencontres/abonnement", data={"action": "arreter"},
                            follow_redirects=True)
    assert "Vous ne serez plus prévenu·e des éditions." in text(response)
    assert count(RencontresSubscriber) == 0
    assert "Me prévenir par courriel de chaque édition" in text(response)

    anonymous = text(app.test_client().get("/rencontres"))
    assert "Connectez-vous pour être prévenu·e" in anonymous


def test_a_published_edition_keeps_at_least_one_synthesis(app: Flask, admin: Any) -> None:
    """Unticking every synthesis of a published edition is refused, the form shown again."""
    _published(admin)
    response = admin.post("/rencontres/2026/modifier",
                          data=edition_form(title="Titre changé", syntheses=[]))
    assert response.status_code == 422
    page = text(response)
    assert "Une édition publiée rassemble au moins une synthèse." in page
    assert 'value="Titre changé"' in page
    assert len(edition().syntheses) == 1


def test_republishing_before_the_build_leaves_no_orphan(app: Flask, admin: Any,
                                                        redis_queue: Any) -> None:
    """Publishing again while the dossier still waits replaces it: one document, built once."""
    _published(admin)
    first = edition().document_id
    admin.post("/rencontres/2026/publier")
    assert db.session.get(Document, first) is None
    redis_queue.work()
    assert count(Document) == 2  # the synthesis PDF and the one dossier
    document = edition().document
    assert document is not None and document.is_ready
