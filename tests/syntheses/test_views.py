"""Synthesis pages: the published versions, their annex and PDF, the moderators' editor and
its preview, following a project's syntheses; French refusals; bounded queries."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from consultation.accounts.models import User
from consultation.core import jobs
from consultation.core.audit import AuditEntry
from consultation.core.documents import Document, content_of
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal
from consultation.syntheses import figures, render, services
from consultation.syntheses import jobs as jobs_of_syntheses
from consultation.syntheses.models import SynthesisSubscriber, SynthesisVersion
from tests import factories
from tests.forms import submit
from tests.moderation.helpers import BLOCKED_MESSAGE, ROLE_MESSAGE, block, refused, sent_to_login
from tests.proposals.helpers import text
from tests.syntheses.conftest import STAND_IN

SHOWN = re.compile(
    r"<strong>([^<]+)</strong>\s*(participant·e|proposition|commentaire|soutien)s?\b")
ANNEX_ROW = re.compile(r'<th scope="row"><a href="/propositions/(\d+)">')
NOT_FAILED = "Ce PDF n'est pas en échec\u00a0: il n'y a rien à relancer."
RETRY_BUTTON = "Relancer la fabrication"
REFRESH = '<meta http-equiv="refresh"'
TAG = re.compile(r"<[^>]+>")


pytestmark = pytest.mark.usefixtures("printed")


def active_project(proposals: int = 4, **kwargs: Any) -> Project:
    """A committed project with proposals, supports and comments of each stance."""
    project = factories.project(**kwargs)
    made = [factories.proposal(project, title=f"Idée {i + 1:02d}") for i in range(proposals)]
    supporters = [factories.user() for _ in range(3)]
    for i, proposal in enumerate(made):
        for supporter in supporters[: i % 4]:
            factories.support(proposal, supporter)
    for i, stance in enumerate(("pour", "contre", "neutre")):
        factories.comment(made[i % len(made)], supporters[i], stance)
    factories.comment(project, stance="pour")
    db.session.commit()
    return project


def publish(project: Project, narrative: str = "# Bilan\n\nLe texte.", note: str = ""
            ) -> SynthesisVersion:
    """Publish a version through the service as a new moderator; its jobs run inline."""
    version = services.publish(project, factories.user(roles=("moderator",)), narrative, note)
    db.session.commit()
    jobs.dispatch_committed()
    db.session.expire_all()
    published = services.version(project, version.number)
    assert published is not None
    return published


def words(response: Any) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(TAG.sub(" ", text(response)).split())


def shown_participation(html: str) -> dict[str, int]:
    """The participation figures as a page shows them."""
    found: dict[str, int] = {}
    for number, word in SHOWN.findall(html):
        found.setdefault(word, int(re.sub(r"\D", "", number)))
    return found


def set_document(version: SynthesisVersion, **values: Any) -> None:
    """Put the version's document in a given state, as a worker would have left it."""
    db.session.execute(update(Document).where(Document.id == version.document_id)
                       .values(**values))
    db.session.commit()


def document_of(version_id: int) -> Document:
    """The version's document as the database holds it now."""
    db.session.commit()
    db.session.expire_all()
    document = db.session.get_one(SynthesisVersion, version_id).document
    assert document is not None
    return document


def retry_entries() -> int:
    """How many PDF retries the audit log holds."""
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "synthesis.retry_pdf")).scalar_one()


# --- Public pages ---------------------------------------------------------------------------

def test_synthesis_page_shows_the_version_its_charts_and_links(client):
    """The latest version with its note, accessible charts each followed by its table, the PDF
    and the annex; an older version says a newer one exists."""
    project = active_project()
    publish(project)
    publish(project, "# Bilan revu\n\nLe texte corrigé.\n\n<script>alert('v2')</script>\n\n"
            "[un lien](javascript:alert(2))", "Les chiffres de la dernière semaine.")
    url = f"/projets/{project.slug}/synthese"
    for page_url in (url, f"{url}/v2"):
        response = client.get(page_url)
        assert response.status_code == 200
        page = text(response)
        assert "Version 2, publiée le" in page
        assert "Ce qui a changé : Les chiffres de la dernière semaine." in words(response)
        assert "Le texte corrigé." in page and "Une version plus récente existe" not in page
        assert "alert(" not in page and "javascript:" not in page
        html = response.get_data(as_text=True)
        assert f'href="{url}/v2/pdf"' in html
        assert f'href="{url}/v2/annexe"' in html
        assert f'href="{url}/v1"' in html  # the list of versions
        charts = [m.start() for m in re.finditer(r"<svg\b[^>]*>", html)
                  if 'role="img"' in m.group(0)]
        assert len(charts) >= 4  # territories, weeks, most supported, stances
        for i, start in enumerate(charts):
            tag = html[start:html.index(">", start)]
            assert 'aria-label="' in tag
            table = html.find("<table", start)
            following = charts[i + 1] if i + 1 < len(charts) else len(html)
            assert -1 < table < following, f"chart {i + 1} has no table after it"
        assert shown_participation(html) == {
            "participant·e": 8, "proposition": 4, "commentaire": 4, "soutien": 6}

    older = text(client.get(f"{url}/v1"))
    assert "Version 1, publiée le" in older and "Une version plus récente existe" in older
    assert "Le texte." in older and "Ce qui a changé" not in older
    assert "Version 1 — " in words(client.get(f"{url}/v2"))


def test_page_without_synthesis(client, as_role):
    """Before any publication: a French explanation; moderators get the way to the editor,
    visitors the way to log in and be told."""
    project = active_project()
    url = f"/projets/{project.slug}/synthese"
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    page = text(anonymous)
    assert "La synthèse de cette consultation n'est pas encore publiée." in page
    assert "Connectez-vous pour être prévenu·e" in page
    assert f"{url}/brouillon" not in page
    citizen = text(as_role("citizen").get(url))
    assert "Me prévenir par courriel des synthèses" in citizen
    assert f"{url}/brouillon" not in citizen
    moderator = text(as_role("moderator").get(url))
    assert f'href="{url}/brouillon"' in moderator
    for missing in (f"{url}/v1", f"{url}/v1/annexe", f"{url}/v1/pdf"):
        assert client.get(missing).status_code == 404, missing


def test_unknown_project_or_version_is_a_french_404(client, as_role):
    """An unknown project, version number or malformed number: the French 404 page."""
    project = active_project(proposals=1)
    publish(project)
    url = f"/projets/{project.slug}/synthese"
    for missing in ("/projets/inconnu/synthese", "/projets/inconnu/synthese/v1",
                    "/projets/inconnu/synthese/v1/annexe", "/projets/inconnu/synthese/v1/pdf",
                    f"{url}/v2", f"{url}/v2/annexe", f"{url}/v2/pdf", f"{url}/v0",
                    f"{url}/v99999999999", f"{url}/vdeux", f"{url}/v-1/pdf"):
        response = client.get(missing)
        assert response.status_code == 404, missing
        assert "Page introuvable" in text(response)
    moderator = as_role("moderator")
    assert moderator.get("/projets/inconnu/synthese/brouillon").status_code == 404
    assert moderator.post("/projets/inconnu/synthese/v1/pdf/relancer").status_code == 404
    assert moderator.post(f"{url}/v2/pdf/relancer").status_code == 404


def test_annex_has_fifty_proposals_a_page(client):
    """The annex lists every proposal of the snapshot, fifty a page, in the snapshot's order;
    a page past the end or a malformed page number is a 404."""
    project = active_project(proposals=55)
    version = publish(project)
    order = [row["id"] for row in version.annex]
    url = f"/projets/{project.slug}/synthese/v1/annexe"
    first = client.get(url)
    assert first.status_code == 200
    assert [int(i) for i in ANNEX_ROW.findall(first.get_data(as_text=True))] == order[:50]
    assert "Propositions 1 à 50 sur 55" in text(first)
    assert f'href="{url}?page=2"' in first.get_data(as_text=True)
    second = client.get(f"{url}?page=2")
    assert [int(i) for i in ANNEX_ROW.findall(second.get_data(as_text=True))] == order[50:]
    assert "Propositions 51 à 55 sur 55" in text(second)
    for bad in ("3", "0", "-1", "abc", "1.5", "²", "9999999"):
        response = client.get(f"{url}?page={bad}")
        assert response.status_code == 404, bad
        assert "Page introuvable" in text(response)

    empty = factories.project()
    db.session.commit()
    publish(empty)
    nothing = client.get(f"/projets/{empty.slug}/synthese/v1/annexe")
    assert nothing.status_code == 200 and "Aucune proposition." in text(nothing)
    assert client.get(f"/projets/{empty.slug}/synthese/v1/annexe?page=2").status_code == 404


@pytest.mark.parametrize(("path", "column", "pages"), [
    ("annexe", "annex_json", 2), ("reponses", "figures_json", 1)])
def test_a_list_of_a_version_seen_again_reads_none_of_it(client, count_queries, path, column,
                                                         pages):
    """A version never changes: a page of its annex or of its answers seen again comes from
    the kept HTML, without reading or parsing the version's annex (every proposal of the
    version, megabytes on a large project) or its figures, and says the same, in two
    statements; a page past the end is still a 404."""
    project = answered_project(3) if path == "reponses" else active_project(proposals=55)
    publish(project)
    url = f"/projets/{project.slug}/synthese/v1/{path}"
    first = {page: client.get(f"{url}?page={page}").get_data(as_text=True)
             for page in range(1, pages + 1)}
    for page in first:
        with count_queries() as counter:
            again = client.get(f"{url}?page={page}")
        assert again.status_code == 200
        assert again.get_data(as_text=True) == first[page]
        assert not [s for s in counter.statements if column in s], counter.statements
        assert counter.count == 2, counter.statements  # the project, the version
    assert client.get(f"{url}?page={pages + 1}").status_code == 404


def test_large_lists_of_a_version_write_their_numbers_in_french(app):
    """The annex of 10,000 proposals says "Propositions 51 à 100 sur 10 000", with a narrow
    no-break space between the thousands."""
    from flask import render_template

    from consultation.core.pagination import Page

    with app.test_request_context("/"):
        page: Page[Any] = Page(items=[], number=2, per_page=50, total=10_000)
        caption = render_template("syntheses/_annex_page.html", page=page, rows=[])
    assert "Propositions 51 à 100 sur 10\u202f000" in caption


ANSWER_LINK = re.compile(r'<strong><a href="/propositions/(\d+)">')


def answered_project(answers: int) -> Project:
    """A committed project whose first `answers` proposals got an official answer, one a day
    (the first the oldest), each with a text of its own."""
    project = active_project(proposals=answers + 2)
    admin = factories.user(roles=("admin",))
    made = db.session.scalars(select(Proposal).where(Proposal.project_id == project.id)
                              .order_by(Proposal.id).limit(answers)).all()
    start = utcnow() - timedelta(days=answers + 1)
    for day, proposal in enumerate(made):
        proposal_services.give_answer(admin, proposal, "accepted", f"Réponse n° {day + 1}.")
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id)
                           .values(answered_at=start + timedelta(days=day)))
    db.session.commit()
    return project


def test_synthesis_page_shows_the_newest_answers_and_links_to_all(client, printed):
    """Past ten official answers, a version's page shows the ten newest, newest first, and
    links to a page of all of them (twenty a page, newest first, as published); its PDF
    still gives every answer, in the order they were given."""
    project = answered_project(23)
    printed.clear()
    version = publish(project)
    pdf_html = printed[-1]  # its PDF was made as it was published
    order = [row["id"] for row in version.figures["answers"]]  # oldest first
    assert len(order) == 23
    url = f"/projets/{project.slug}/synthese/v1"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert [int(i) for i in ANSWER_LINK.findall(html)] == order[::-1][:10]
    assert ("23 propositions ont reçu une réponse officielle de Brest métropole. Voici les 10 "
            "plus récentes.") in words(page)
    assert f'<a href="{url}/reponses">Lire les 23 réponses officielles</a>' in text(page)
    assert "Réponse n° 23." in html and "Réponse n° 13." not in html

    first = client.get(f"{url}/reponses")
    assert first.status_code == 200
    assert [int(i) for i in ANSWER_LINK.findall(first.get_data(as_text=True))] == \
        order[::-1][:20]
    assert "Réponses 1 à 20 sur 23, les plus récentes d'abord" in words(first)
    assert f'href="{url}/reponses?page=2"' in first.get_data(as_text=True)
    second = client.get(f"{url}/reponses?page=2")
    assert [int(i) for i in ANSWER_LINK.findall(second.get_data(as_text=True))] == \
        order[::-1][20:]
    assert "Réponse n° 1." in text(second)
    for bad in ("3", "0", "abc", "²"):
        response = client.get(f"{url}/reponses?page={bad}")
        assert response.status_code == 404, bad
        assert "Page introuvable" in text(response)

    # The PDF keeps the whole record, oldest first.
    positions = [pdf_html.index(f"Réponse n° {n}.") for n in range(1, 24)]
    assert positions == sorted(positions)


def test_few_answers_are_all_on_the_synthesis_page(client):
    """Ten answers or fewer: all on the version's page, newest first, no link; a version
    without any says so, and its page of answers too."""
    project = answered_project(3)
    version = publish(project)
    url = f"/projets/{project.slug}/synthese/v1"
    page = client.get(url)
    order = [row["id"] for row in version.figures["answers"]]
    assert [int(i) for i in ANSWER_LINK.findall(page.get_data(as_text=True))] == order[::-1]
    assert "3 propositions ont reçu une réponse officielle de Brest métropole." in words(page)
    assert "plus récentes" not in text(page) and f"{url}/reponses" not in text(page)
    assert client.get(f"{url}/reponses").status_code == 200

    empty = factories.project()
    db.session.commit()
    publish(empty)
    nothing = client.get(f"/projets/{empty.slug}/synthese/v1/reponses")
    assert nothing.status_code == 200
    assert "Aucune réponse officielle n'a encore été donnée." in text(nothing)
    assert client.get(f"/projets/{empty.slug}/synthese/v1/reponses?page=2").status_code == 404


def test_the_answers_of_a_version_in_english(client):
    """An English reader gets the same page in English."""
    project = answered_project(12)
    publish(project)
    client.post("/langue", data={"lang": "en"})
    url = f"/projets/{project.slug}/synthese/v1"
    page = words(client.get(url))
    assert ("12 proposals have received an official answer from Brest métropole. Here are "
            "the 10 most recent.") in page
    assert "Read the 12 official answers" in page
    answers = words(client.get(f"{url}/reponses"))
    assert "Answers 1 to 12 of 12, most recent first" in answers
    assert "Official answers" in answers


def test_synthesis_page_queries_do_not_grow_with_proposals(client, count_queries):
    """The same number of queries for a version of 5 proposals as for one of 60."""
    counts: dict[str, list[int]] = {"page": [], "annex": [], "answers": []}
    for size in (5, 60):
        project = active_project(proposals=size)
        publish(project)
        url = f"/projets/{project.slug}/synthese/v1"
        for name, page_url in (("page", url), ("annex", f"{url}/annexe"),
                               ("answers", f"{url}/reponses")):
            client.get(page_url)  # anything loaded once per process is loaded now
            with count_queries() as counter:
                assert client.get(page_url).status_code == 200
            counts[name].append(counter.count)
    for name, (few, many) in counts.items():
        assert few == many, (name, counts)
        assert few <= 10, (name, counts)



@pytest.mark.parametrize("path", ["synthese", "synthese/v1"])
def test_a_logged_in_synthesis_page_reads_the_person_with_the_project(as_role, count_queries,
                                                                    path):
    """Seen again by a logged-in person, the synthesis page sends one statement: the project
    with its latest version and that version's PDF state, the person and whether they asked to
    be told (core/pages.py read_with_facts; a version asked by its number: the project, then
    the version, the newest number and its PDF, four); each person sees their own
    subscription."""
    project = active_project(proposals=3)
    publish(project)
    subscriber, other = as_role("citizen"), as_role("citizen")
    db.session.add(SynthesisSubscriber(project_id=project.id, user_id=subscriber.user.id))
    db.session.commit()
    url = f"/projets/{project.slug}/{path}"
    for person, subscribed in ((subscriber, True), (other, False), (subscriber, True)):
        person.get(url)  # the shared fragments are kept now
        with count_queries() as counter:
            page = text(person.get(url))
        assert counter.count == (1 if path == "synthese" else 4), counter
        assert ("Ne plus être prévenu·e des synthèses" in page) is subscribed
        assert ("Me prévenir par courriel" in page) is not subscribed

# --- The PDF route ------------------------------------------------------------------------

def test_pdf_route_serves_a_ready_pdf_or_the_state_of_its_build(client, as_role):
    """Ready: the PDF. Pending or running: a French status page with an "Actualiser" link
    (never a reload by itself). Failed: the retry button only for moderators."""
    project = active_project(proposals=2)
    version = publish(project)
    url = f"/projets/{project.slug}/synthese/v1/pdf"
    ready = client.get(url)
    assert ready.status_code == 200
    assert ready.headers["Content-Type"] == "application/pdf"
    assert ready.get_data() == STAND_IN
    assert f'filename="synthese-{project.slug}-v1.pdf"' in ready.headers["Content-Disposition"]

    moderator = as_role("moderator")
    citizen = as_role("citizen")
    for state, label, extra in (
        ("pending", "Le PDF attend son tour pour être fabriqué.", {"started_at": None}),
        ("running", "Le PDF est en cours de fabrication.", {"started_at": utcnow()}),
    ):
        set_document(version, state=state, content=None, **extra)
        for visitor in (client, citizen, moderator):
            response = visitor.get(url)
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/html")
            assert response.headers["Cache-Control"] == "no-store"
            page = text(response)
            assert label in page and "PDF en préparation" in page and REFRESH not in page
            assert f'href="{url}">Actualiser</a>' in page
            assert RETRY_BUTTON not in page
            assert f'href="/projets/{project.slug}/synthese/v1"' in page

    set_document(version, state="failed", error="RuntimeError: police introuvable",
                 finished_at=utcnow())
    for visitor in (client, citizen):
        page = text(visitor.get(url))
        assert "PDF indisponible" in page and "La fabrication du PDF a échoué." in page
        assert REFRESH not in page and RETRY_BUTTON not in page and "Actualiser" not in page
        assert "police introuvable" not in page
        assert "L'équipe de la plateforme peut la relancer." in page
    page = text(moderator.get(url))
    assert "PDF indisponible" in page and REFRESH not in page
    assert RETRY_BUTTON in page and f'action="{url}/relancer"' in page
    assert "RuntimeError: police introuvable" in page
    blocked = as_role("moderator")
    block(blocked.user)
    assert RETRY_BUTTON not in text(blocked.get(url))


def test_failed_pdf_is_built_again_on_a_moderators_request(app, as_role, monkeypatch):
    """failed -> pending -> built inline -> ready; a citizen is refused, a visitor sent to log
    in; asking when nothing failed changes nothing and says so in French."""
    def broken(html: str) -> bytes:
        """A renderer that fails, as WeasyPrint does without its libraries."""
        raise RuntimeError("Pango est absent")

    project = active_project(proposals=2)
    monkeypatch.setattr(render, "write_pdf", broken)
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese"
    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "Le bilan.", "change_note": "", "confirm": "y"})
    assert response.status_code == 302  # the publication stands although its PDF failed
    version = services.version(project, 1)
    assert version is not None
    document = document_of(version.id)
    assert (document.state, document.attempts) == ("failed", 1)
    assert document.error == "RuntimeError: Pango est absent"

    # The service puts it back in the queue; the job fails again.
    services.retry_pdf(version, moderator.user)
    assert document_of(version.id).state == "pending"
    jobs.dispatch_committed()
    assert (document_of(version.id).state, document_of(version.id).attempts) == ("failed", 2)
    entries = retry_entries()
    assert entries == 1

    refused(as_role("citizen").post(f"{url}/v1/pdf/relancer"), ROLE_MESSAGE)
    sent_to_login(app.test_client().post(f"{url}/v1/pdf/relancer"))
    assert document_of(version.id).state == "failed" and retry_entries() == entries

    monkeypatch.setattr(render, "write_pdf", lambda html: STAND_IN)
    response = moderator.post(f"{url}/v1/pdf/relancer")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}/v1/pdf"
    document = document_of(version.id)
    assert (document.state, document.attempts, document.error) == ("ready", 3, None)
    assert content_of(document) == STAND_IN
    assert retry_entries() == entries + 1
    assert moderator.get(f"{url}/v1/pdf").get_data() == STAND_IN

    again = moderator.post(f"{url}/v1/pdf/relancer")
    assert again.status_code == 302
    # The redirect serves the PDF itself: the message waits in the session for the next page.
    with moderator.session_transaction() as session:
        assert session.pop("_flashes")[-1] == ("error", NOT_FAILED)
    assert (document_of(version.id).state, document_of(version.id).attempts) == ("ready", 3)
    assert retry_entries() == entries + 1

    set_document(version, state="running", content=None, started_at=utcnow())
    running = moderator.post(f"{url}/v1/pdf/relancer", follow_redirects=True)
    assert NOT_FAILED in text(running)
    assert document_of(version.id).state == "running" and retry_entries() == entries + 1
    # A build running for too long lost its worker: it may be asked for again.
    set_document(version, started_at=utcnow() - timedelta(minutes=30))
    assert RETRY_BUTTON in text(moderator.get(f"{url}/v1/pdf"))
    moderator.post(f"{url}/v1/pdf/relancer")
    assert document_of(version.id).state == "ready"


def test_pdf_waits_for_the_worker_when_jobs_go_to_redis(app, as_role, client, redis_queue):
    """With a queue, the publication leaves the PDF pending until a worker builds it."""
    project = active_project(proposals=2)
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese"
    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "Le bilan.", "change_note": "", "confirm": "y"})
    assert response.status_code == 302
    assert len(redis_queue) == 2  # the PDF and the emails
    waiting = client.get(f"{url}/v1/pdf")
    assert "PDF en préparation" in text(waiting) and REFRESH not in text(waiting)
    version_page = text(client.get(f"{url}/v1"))
    assert "PDF en préparation" in version_page and "Télécharger le PDF" not in version_page
    redis_queue.work()
    assert len(redis_queue) == 0
    ready = client.get(f"{url}/v1/pdf")
    assert ready.headers["Content-Type"] == "application/pdf"
    assert ready.get_data() == STAND_IN


# --- The editor -----------------------------------------------------------------------------

def test_editor_is_for_moderators_only(app, as_role):
    """Visitors are sent to log in; citizens, admins, elected officials and blocked moderators
    get a French 403, for the editor, its preview and its actions."""
    project = active_project(proposals=1)
    url = f"/projets/{project.slug}/synthese/brouillon"
    anonymous = app.test_client()
    sent_to_login(anonymous.get(url))
    sent_to_login(anonymous.post(url, data={"narrative": "x", "confirm": "y"}))
    sent_to_login(anonymous.get(f"{url}/apercu.pdf"))
    blocked = as_role("moderator")
    block(blocked.user)
    for visitor, message in (
        (as_role("citizen"), ROLE_MESSAGE),
        (as_role("citizen", "admin"), ROLE_MESSAGE),
        (as_role("citizen", "elected"), ROLE_MESSAGE),
        (blocked, BLOCKED_MESSAGE),
    ):
        refused(visitor.get(url), message)
        refused(visitor.post(url, data={"narrative": "Texte.", "confirm": "y"}), message)
        refused(visitor.get(f"{url}/apercu.pdf"), message)
    assert db.session.scalar(select(func.count()).select_from(SynthesisVersion)) == 0
    assert services.draft_of(project) is None


def test_editor_shows_live_figures_and_keeps_a_saved_draft(as_role):
    """The editor previews the figures of the moment; saving keeps the text and the note."""
    project = active_project()
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese/brouillon"
    response = moderator.get(url)
    assert response.status_code == 200
    live = figures.compute(project)["participation"]
    assert shown_participation(response.get_data(as_text=True)) == {
        "participant·e": live["participants"], "proposition": live["proposals"],
        "commentaire": live["comments"], "soutien": live["supports"]}
    assert "Aucune version n'est encore publiée." in text(response)

    narrative = "## L'avis des habitant·es\n\nIls veulent « plus de vélos ».\n\n[[equilibre]]"
    saved = moderator.post(url, data={"narrative": narrative, "change_note": "Une note",
                                      "save": "Enregistrer le brouillon"})
    assert saved.status_code == 302 and saved.headers["Location"] == url
    draft = services.draft_of(project)
    assert draft is not None
    assert (draft.narrative, draft.change_note) == (narrative, "Une note")
    assert draft.updated_by_id == moderator.user.id
    page = text(moderator.get(url))
    assert narrative in page and 'value="Une note"' in page
    assert "Ils veulent « plus de vélos »." in page  # the preview of the text
    assert db.session.scalar(select(func.count()).select_from(SynthesisVersion)) == 0


def test_refused_publication_shows_the_form_again_with_what_was_typed(as_role):
    """Empty text, then a second version without a note: 422, French error, text kept."""
    project = active_project(proposals=1)
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese/brouillon"
    empty = moderator.post(url, data={"narrative": "   ", "change_note": "Ma note tapée",
                                      "confirm": "y"})
    assert empty.status_code == 422
    page = text(empty)
    assert "Écrivez le texte de la synthèse avant de la publier." in page
    assert 'value="Ma note tapée"' in page
    assert services.latest(project) is None

    first = moderator.post(url, data={"narrative": "La première version.", "change_note": "",
                                      "confirm": "y"})
    assert first.status_code == 302
    assert first.headers["Location"] == f"/projets/{project.slug}/synthese/v1"

    typed = "La deuxième version, avec l'apostrophe & des <chevrons>."
    no_note = moderator.post(url, data={"narrative": typed, "change_note": "  ",
                                        "confirm": "y"})
    assert no_note.status_code == 422
    page = text(no_note)
    assert "Dites en une phrase ce qui change par rapport à la version 1." in page
    assert typed in page
    assert [v.number for v in services.versions(project)] == [1]

    too_long = moderator.post(url, data={"narrative": typed, "change_note": "x" * 501,
                                         "confirm": "y"})
    assert too_long.status_code == 422
    assert "500 caractères au maximum." in text(too_long) and typed in text(too_long)

    second = moderator.post(url, data={"narrative": typed, "change_note": "Précisions.",
                                       "confirm": "y"})
    assert second.status_code == 302
    assert second.headers["Location"] == f"/projets/{project.slug}/synthese/v2"
    latest = services.latest(project)
    assert latest is not None and latest.narrative == typed
    follow = moderator.get(second.headers["Location"])
    assert "La version 2 de la synthèse est publiée." in text(follow)


def test_draft_preview_pdf(as_role, printed):
    """A moderator gets the saved draft as a PDF, marked as a draft, with today's figures."""
    project = active_project(proposals=2)
    moderator = factories.user(roles=("moderator",))
    services.save_draft(project, moderator, "Le brouillon en cours d'écriture.", "")
    db.session.commit()
    client = as_role("moderator")
    response = client.get(f"/projets/{project.slug}/synthese/brouillon/apercu.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data().startswith(b"%PDF")
    html = printed[-1]
    assert "Le brouillon en cours d'écriture." in html.replace("&#39;", "'")
    assert "Brouillon non publié" in html
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0  # nothing stored


# --- Following a project's syntheses -----------------------------------------------------------

def subscribers(project: Project) -> list[int]:
    """The ids of who follows the project's syntheses."""
    db.session.commit()
    return list(db.session.scalars(select(SynthesisSubscriber.user_id).where(
        SynthesisSubscriber.project_id == project.id)))


def test_subscribing_and_unsubscribing(app, as_role):
    """A logged-in user asks to be told and stops, each twice without harm; a user without
    email is refused in French; a visitor is sent to log in."""
    project = active_project(proposals=1)
    url = f"/projets/{project.slug}/synthese/abonnement"
    citizen = as_role("citizen")
    for _ in range(2):
        response = citizen.post(url, follow_redirects=True)
        assert response.status_code == 200
        assert "Vous serez prévenu·e par courriel de chaque synthèse publiée." in text(response)
    assert subscribers(project) == [citizen.user.id]
    assert "Ne plus être prévenu·e des synthèses" in text(
        citizen.get(f"/projets/{project.slug}/synthese"))
    for _ in range(2):
        response = citizen.post(url, data={"action": "arreter"}, follow_redirects=True)
        assert "Vous ne serez plus prévenu·e des synthèses de ce projet." in text(response)
    assert subscribers(project) == []

    without_email = as_role("citizen")
    db.session.execute(update(User).where(User.id == without_email.user.id).values(email=None))
    db.session.commit()
    # The button and the action agree: a hint towards the profile, and a French 403.
    page = text(without_email.get(f"/projets/{project.slug}/synthese"))
    assert "Me prévenir par courriel" not in page
    assert "Ajoutez une adresse électronique à votre profil pour être prévenu·e." in page
    response = without_email.post(url)
    assert response.status_code == 403
    assert ("Ajoutez une adresse électronique à votre profil pour être prévenu·e."
            in text(response))
    assert subscribers(project) == []

    sent_to_login(app.test_client().post(url))
    assert citizen.post("/projets/inconnu/synthese/abonnement").status_code == 404
    assert subscribers(project) == []


def test_marker_typed_in_a_browser_places_its_block(as_role):
    """A narrative sent with a browser's CRLF is kept with LF: its marker places the figures,
    in the editor's preview and on the published page, and never shows as text."""
    project = active_project(proposals=1)
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese/brouillon"
    typed = "Avant les chiffres.\r\n\r\n[[participation]]\r\n\r\nAprès les chiffres."
    saved = submit(moderator, url, moderator.get(url), "Enregistrer le brouillon",
                   {"narrative": typed})
    assert saved.status_code == 302
    draft = services.draft_of(project)
    assert draft is not None
    assert draft.narrative == typed.replace("\r\n", "\n")
    html = moderator.get(url).get_data(as_text=True)
    preview = html[html.index("Avant les chiffres.</p>"):]
    assert "[[participation]]</p>" not in preview
    assert preview.index('id="chiffres-participation"') < preview.index("Après les chiffres.")

    confirm = submit(moderator, url, moderator.get(url), "Publier…",
                     {"change_note": "Première version."})
    assert confirm.status_code == 200 and "Confirmer la publication" in confirm.text
    published = submit(moderator, url, confirm, "Confirmer la publication", {})
    assert published.status_code == 302
    version = services.latest(project)
    assert version is not None and "\r" not in version.narrative
    page = text(moderator.get(f"/projets/{project.slug}/synthese"))
    assert "[[participation]]" not in page
    page = page[page.index("<body"):]  # the head's description quotes the text's start
    assert (page.index("Avant les chiffres.") < page.index('id="chiffres-participation"')
            < page.index("Après les chiffres."))


def test_version_frozen_with_crlf_renders_its_markers(client, printed):
    """A version published before line breaks were made LF holds CRLF: its marker still
    places the block, on the page and in the PDF."""
    project = active_project(proposals=1)
    version = publish(project)
    db.session.execute(update(SynthesisVersion).where(SynthesisVersion.id == version.id).values(
        narrative="Avant les chiffres.\r\n\r\n[[participation]]\r\n\r\nAprès les chiffres."))
    db.session.commit()
    db.session.expire_all()
    page = text(client.get(f"/projets/{project.slug}/synthese"))
    printed.clear()
    jobs_of_syntheses.version_pdf(db.session.get_one(SynthesisVersion, version.id))
    for html in (page, printed[-1]):
        assert "[[participation]]" not in html
        html = html[html.find("<body"):]  # the head's description quotes the text's start
        assert (html.index("Avant les chiffres.") < html.index('id="chiffres-participation"')
                < html.index("Après les chiffres."))
