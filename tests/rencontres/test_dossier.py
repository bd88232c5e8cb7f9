"""The edition's dossier PDF (cover, programme, year figures, syntheses), republishing,
retries, the publication emails and the `flask rencontres dossier` command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask
from sqlalchemy import text as sql

from consultation.core import documents
from consultation.core.documents import Document
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.projects.models import Project
from consultation.rencontres import services as rencontres
from consultation.syntheses.models import SynthesisVersion
from tests import factories
from tests.rencontres.test_editions import (
    STUB_PDF,
    edition,
    edition_form,
    publish_synthesis,
    synthesis_of,
    text,
)

NAMES = ("participants", "proposals", "comments", "supports")


def dossier() -> Document:
    """The dossier document of the 2026 edition, as the database holds it now."""
    document = edition().document
    assert document is not None
    return document


TITLE = "Rencontres 2026 : le numérique en commun"

# The participation figures recounted from the rows, with the definitions the synthesis uses.
RECOUNT = """
SELECT (SELECT COUNT(*) FROM project_participants WHERE project_id = :p),
       (SELECT COUNT(*) FROM proposals WHERE project_id = :p AND status = 'published'
        AND moderation = 'visible'),
       (SELECT COUNT(*) FROM comments WHERE project_id = :p AND deleted_at IS NULL
        AND moderation = 'visible'),
       (SELECT COUNT(*) FROM supports WHERE project_id = :p)
"""


def recount(project: Project) -> list[int]:
    """Participants, proposals, comments and supports of the project, by plain SQL."""
    return list(db.session.execute(sql(RECOUNT), {"p": project.id}).one())


def pdf_text(content: bytes) -> str:
    """Every page's text with whitespace collapsed (French thousands spaces included)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def edition_notices() -> dict[int, str]:
    """Who was notified of an edition, with the reason (the email goes with it)."""
    from sqlalchemy import select

    from consultation.notifications.models import Notification

    db.session.commit()
    return {n.user_id: n.reason for n in db.session.scalars(
        select(Notification).where(Notification.kind == "edition"))}


def busy_project() -> Project:
    """A consultation with supports, stances, a reply, a project-level comment and a hidden
    proposal, so that the frozen figures leave out what the synthesis does not count."""
    project = factories.project("synthesis", title="Des bancs connectés")
    first = factories.proposal(project, title="Des bancs avec prise USB au port")
    second = factories.proposal(project, title="Un banc solaire place de la Liberté")
    hidden = factories.proposal(project, title="Proposition hors sujet à masquer")
    supporter = factories.user()
    for made in (first, second):
        factories.support(made, supporter)
    factories.support(first)
    factories.support(first)
    opinion = factories.comment(first, stance="pour")
    factories.comment(first, stance="contre")
    factories.comment(parent=opinion, author=second.author, stance="neutre")
    factories.comment(project, stance="neutre")
    moderation.hide(factories.user(roles=("moderator",)), "proposal", hidden,
                    "Hors sujet pour cette consultation")
    db.session.commit()
    return project


def small_project() -> Project:
    """A consultation with one proposal, two supports and one comment."""
    project = factories.project("synthesis", title="Le wifi public")
    made = factories.proposal(project, title="Du wifi gratuit dans les médiathèques")
    factories.support(made)
    factories.support(made)
    factories.comment(made, stance="contre")
    db.session.commit()
    return project


@pytest.fixture(autouse=True)
def fast_synthesis_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The syntheses' own PDFs are not what this module reads: a stub keeps it fast."""
    monkeypatch.setattr("consultation.syntheses.jobs.version_pdf", lambda version: STUB_PDF)


@pytest.fixture
def admin(as_role: Any) -> Any:
    """A logged-in admin."""
    return as_role("citizen", "admin")


def test_dossier_gathers_cover_programme_year_figures_and_syntheses(
    app: Flask, admin: Any
) -> None:
    busy, small = busy_project(), small_project()
    counted = {busy.id: recount(busy), small.id: recount(small)}
    first = publish_synthesis(busy, "## Des bancs partout\n\nLe port d'abord.")
    second = publish_synthesis(small, "## Le wifi ouvert\n\nDans chaque médiathèque.")
    # After publication the consultation goes on: the dossier keeps the published figures.
    late = factories.proposal(busy, title="Une idée arrivée après la synthèse")
    factories.support(late)
    db.session.commit()
    assert recount(busy) != counted[busy.id]

    for version in (first, second):
        frozen = version.figures["participation"]
        assert [frozen[name] for name in NAMES] == counted[version.project_id]
    assert counted[busy.id] == [9, 2, 4, 4]
    assert counted[small.id] == [4, 1, 1, 2]

    admin.post("/rencontres/nouvelle", data=edition_form(
        programme="## Matinée\n\nTable ronde sur la médiation numérique.\n\n"
                  "## Après-midi\n\nAteliers dans les quartiers.",
        syntheses=[str(first.id), str(second.id)]))
    admin.post("/rencontres/2026/publier")
    published = edition()
    assert published.document is not None and published.document.state == "ready"
    assert published.document.attempts == 1

    response = app.test_client().get("/rencontres/2026/dossier")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="rencontres-des-numeriques-2026.pdf"'
    )
    content = response.get_data()
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata is not None
    assert reader.metadata.title == f"{TITLE} — dossier"
    root: Any = reader.trailer["/Root"]  # a PDF dictionary: its values are typed PdfObject
    assert root["/Lang"] == "fr"
    assert bool(root["/MarkInfo"]["/Marked"])

    cover = " ".join(reader.pages[0].extract_text().split())
    assert "Rencontres des numériques" in cover
    assert TITLE in cover
    assert "4 décembre 2026 · Les Capucins, Brest" in cover
    assert "Le dossier rassemble 2 synthèses." in cover

    whole = pdf_text(content)
    assert "Matinée Table ronde sur la médiation numérique." in whole
    assert "Après-midi Ateliers dans les quartiers." in whole
    for version, narrative in ((first, "Le port d'abord."), (second, "Dans chaque médiathèque.")):
        frozen = version.figures["participation"]
        row = " ".join(str(frozen[name]) for name in NAMES)
        assert f"{version.project.title} (version 1) {row}" in whole
        assert version.project.title in whole.split("L'année en chiffres")[-1]
        assert narrative in whole
    totals = [counted[busy.id][i] + counted[small.id][i] for i in range(4)]
    assert f"Total {' '.join(str(n) for n in totals)}" in whole
    assert whole.count("Synthèse, version 1, publiée le") == 2
    # The annexes list what was counted, not what was hidden or came later.
    assert "Des bancs avec prise USB au port" in whole
    assert "Du wifi gratuit dans les médiathèques" in whole
    assert "Proposition hors sujet à masquer" not in whole
    assert "Une idée arrivée après la synthèse" not in whole

    page = text(app.test_client().get("/rencontres/2026"))
    kilobytes = -(-len(content) // 1024)  # rounded up
    assert f"Télécharger le dossier (PDF, {kilobytes} Ko)" in page


def test_republishing_builds_a_new_dossier_with_the_new_synthesis(
    app: Flask, admin: Any
) -> None:
    first = synthesis_of("Des bancs connectés")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(first.id)]))
    admin.post("/rencontres/2026/publier")
    before = edition()
    old_document_id = before.document_id
    assert before.document is not None
    old_text = pdf_text(documents.content_of(before.document))
    assert "Des bancs connectés" in old_text
    assert "Le wifi public" not in old_text

    second = synthesis_of("Le wifi public")
    admin.post("/rencontres/2026/modifier",
               data=edition_form(syntheses=[str(first.id), str(second.id)]))
    page = text(admin.get("/rencontres/2026"))
    assert "Refabriquer le dossier avec les changements" in page
    response = admin.post("/rencontres/2026/publier", follow_redirects=True)
    assert "L'édition est publiée." in text(response)

    after = edition()
    assert after.document_id != old_document_id
    assert after.published_at == before.published_at
    assert after.document is not None and after.document.is_ready
    # The former dossier is deleted (no orphan build left pending); the page serves the new one.
    assert db.session.get(Document, old_document_id) is None
    new_text = pdf_text(app.test_client().get("/rencontres/2026/dossier").get_data())
    assert "Le dossier rassemble 2 synthèses." in new_text
    assert "Des bancs connectés" in new_text
    assert "Le wifi public" in new_text


def test_publication_notifies_once(
    app: Flask, admin: Any, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("consultation.rencontres.jobs.dossier_pdf", lambda edition: STUB_PDF)
    elected = factories.user(roles=("elected",), email="elu@brest-metropole.fr")
    blocked = factories.user(roles=("elected",), email="bloque@brest-metropole.fr")
    moderation.block_user(factories.user(roles=("moderator",)), blocked, "Compte compromis", None)
    db.session.commit()
    subscriber = as_role("citizen", email="abonnee@exemple.fr")
    subscriber.post("/rencontres/abonnement")
    second_subscriber = as_role("citizen")
    second_subscriber.post("/rencontres/abonnement")
    quitter = as_role("citizen", email="partie@exemple.fr")
    quitter.post("/rencontres/abonnement")
    quitter.post("/rencontres/abonnement", data={"action": "arreter"})
    as_role("citizen", email="indifferent@exemple.fr")
    # An elected official who also subscribed is told once.
    both = factories.user(roles=("elected",), email="elue-abonnee@brest-metropole.fr")
    rencontres.subscribe(both)
    db.session.commit()

    version = synthesis_of("Des bancs connectés")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(version.id)]))
    assert edition_notices() == {}
    admin.post("/rencontres/2026/publier")

    expected = {elected.id: "elected", subscriber.user.id: "subscriber",
                second_subscriber.user.id: "subscriber", both.id: "subscriber"}
    assert edition_notices() == expected
    page = subscriber.get("/compte/notifications").get_data(as_text=True).replace("\xa0", " ")
    assert "Rencontres 2026 : le dossier est publié" in page
    assert "/rencontres/2026" in page

    second = synthesis_of("Le wifi public")
    admin.post("/rencontres/2026/modifier",
               data=edition_form(syntheses=[str(version.id), str(second.id)]))
    admin.post("/rencontres/2026/publier")
    assert edition_notices() == expected  # a new dossier tells nobody again


def test_failed_dossier_is_retried_by_admins_only(
    app: Flask, admin: Any, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = synthesis_of("Des bancs connectés")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(version.id)]))

    def crash(edition: Any) -> bytes:
        raise RuntimeError("mise en page impossible")

    with monkeypatch.context() as patch:
        patch.setattr("consultation.rencontres.jobs.dossier_pdf", crash)
        admin.post("/rencontres/2026/publier")
    failed = edition().document
    assert failed is not None and failed.state == "failed"
    assert failed.error == "RuntimeError: mise en page impossible"

    public = text(app.test_client().get("/rencontres/2026/dossier"))
    assert "La fabrication du PDF a échoué." in public
    assert "mise en page impossible" not in public
    assert "Relancer la fabrication" not in public
    admin_page = text(admin.get("/rencontres/2026/dossier"))
    assert "RuntimeError: mise en page impossible" in admin_page
    assert 'action="/rencontres/2026/dossier/relancer"' in admin_page

    for roles in (("citizen",), ("citizen", "moderator"), ("citizen", "elected")):
        refused = as_role(*roles).post("/rencontres/2026/dossier/relancer")
        assert refused.status_code == 403
    assert dossier().state == "failed"

    monkeypatch.setattr("consultation.rencontres.jobs.dossier_pdf", lambda edition: STUB_PDF)
    response = admin.post("/rencontres/2026/dossier/relancer")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/rencontres/2026/dossier")
    rebuilt = edition().document
    assert rebuilt is not None and rebuilt.id == failed.id
    assert rebuilt.state == "ready"
    assert rebuilt.attempts == 2
    served = app.test_client().get("/rencontres/2026/dossier")
    assert served.get_data() == STUB_PDF

    # Nothing to retry on a ready dossier: said in French on the next page, not an error.
    again = admin.post("/rencontres/2026/dossier/relancer")
    assert again.status_code == 302
    assert "Ce dossier n'est pas en échec : il n'y a rien à relancer." in text(
        admin.get("/rencontres/2026"))
    assert dossier().attempts == 2


def test_cli_writes_the_dossier(app: Flask, admin: Any, tmp_path: Path) -> None:
    version = synthesis_of("Des bancs connectés")
    admin.post("/rencontres/nouvelle", data=edition_form(syntheses=[str(version.id)]))
    runner = app.test_cli_runner()

    # A draft has no stored dossier: the command builds one.
    draft_file = tmp_path / "brouillon.pdf"
    result = runner.invoke(args=["rencontres", "dossier", "2026", "-o", str(draft_file)])
    assert result.exit_code == 0, result.output
    assert str(draft_file) in result.output
    built = pdf_text(draft_file.read_bytes())
    assert TITLE in built
    assert "Des bancs connectés (version 1)" in built

    admin.post("/rencontres/2026/publier")
    stored = documents.content_of(dossier())
    out = tmp_path / "dossier.pdf"
    result = runner.invoke(args=["rencontres", "dossier", "2026", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == stored


def test_cli_refuses_an_unknown_or_empty_edition(
    app: Flask, admin: Any, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    out = tmp_path / "dossier.pdf"
    result = runner.invoke(args=["rencontres", "dossier", "2031", "-o", str(out)])
    assert result.exit_code != 0
    assert "Aucune édition pour l'année 2031." in result.output
    assert not out.exists()

    admin.post("/rencontres/nouvelle", data=edition_form())
    result = runner.invoke(args=["rencontres", "dossier", "2026", "-o", str(out)])
    assert result.exit_code != 0
    assert "L'édition 2026 ne rassemble encore aucune synthèse." in result.output
    assert not out.exists()


def test_year_figures_add_up_the_attached_versions(app: Flask, admin: Any) -> None:
    first = synthesis_of("Des bancs connectés", proposals=2)
    second = synthesis_of("Le wifi public", proposals=1)
    admin.post("/rencontres/nouvelle",
               data=edition_form(syntheses=[str(first.id), str(second.id)]))
    figures = rencontres.year_figures(edition())
    versions = [db.session.get_one(SynthesisVersion, v.id) for v in (first, second)]
    assert [row["title"] for row in figures["rows"]] == [v.project.title for v in versions]
    for name in NAMES:
        assert figures["totals"][name] == sum(
            v.figures["participation"][name] for v in versions)
    assert figures["totals"] == {"participants": 9, "proposals": 3, "comments": 3,
                                 "supports": 3}
