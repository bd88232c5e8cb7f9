"""services.publish: numbered versions, a change note from v2, frozen figures, a PDF job."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from consultation.core import jobs
from consultation.core.audit import AuditEntry
from consultation.core.documents import Document, content_of
from consultation.core.errors import DomainError
from consultation.extensions import db
from consultation.syntheses import jobs as synthesis_jobs
from consultation.syntheses import services
from consultation.syntheses.models import SynthesisVersion
from tests import factories
from tests.syntheses.conftest import STAND_IN

SHOWN = re.compile(
    r"<strong>([^<]+)</strong>\s*(participant·e|proposition|commentaire|soutien)s?\b")




def shown_participation(html: str) -> dict[str, int]:
    """The participation figures as a page (or print HTML) shows them."""
    found: dict[str, int] = {}
    for number, word in SHOWN.findall(html):
        found.setdefault(word, int(re.sub(r"\D", "", number)))
    return found


def audit_entries(action: str) -> list[AuditEntry]:
    """The audit entries of one action, oldest first."""
    db.session.commit()
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_versions_are_numbered_and_a_second_one_says_what_changed(app, printed):
    """v1 needs no note; v2 without one is refused in French; both stay readable."""
    project = factories.project()
    factories.proposal(project)
    moderator = factories.user(roles=("moderator",))
    db.session.commit()

    first = services.publish(project, moderator, "  # Bilan\n\nLe texte de la v1.  \n", "  ")
    db.session.commit()
    assert (first.number, first.narrative, first.change_note) == (
        1, "# Bilan\n\nLe texte de la v1.", "")
    assert first.published_by_id == moderator.id

    with pytest.raises(DomainError) as refused:
        services.publish(project, moderator, "Le texte de la v2.", "   ")
    assert refused.value.message == (
        "Dites en une phrase ce qui change par rapport à la version 1.")
    db.session.rollback()

    second = services.publish(project, moderator, "Le texte de la v2.",
                              " Les réponses officielles sont ajoutées. ")
    assert second is not None
    db.session.commit()
    assert (second.number, second.change_note) == (2, "Les réponses officielles sont ajoutées.")
    assert [v.number for v in services.versions(project)] == [2, 1]
    latest, version_1 = services.latest(project), services.version(project, 1)
    assert latest is not None and latest.id == second.id
    assert version_1 is not None and version_1.narrative == "# Bilan\n\nLe texte de la v1."
    assert services.version(project, 3) is None
    # The draft holds what was published, and its note is cleared for the next version.
    draft = services.draft_of(project)
    assert draft is not None
    assert (draft.narrative, draft.change_note) == ("Le texte de la v2.", "")

    entries = audit_entries("synthesis.publish")
    assert [(e.actor_id, e.target_kind, e.target_id, e.data["version"]) for e in entries] == [
        (moderator.id, "project", project.id, 1), (moderator.id, "project", project.id, 2)]
    assert entries[0].target_label == project.title


def test_empty_narrative_is_refused(app, printed):
    """Publishing without text is refused in French and leaves nothing behind."""
    project = factories.project()
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    for narrative in ("", "  \n\n  "):
        with pytest.raises(DomainError) as refused:
            services.publish(project, moderator, narrative, "Une note.")
        assert refused.value.message == "Écrivez le texte de la synthèse avant de la publier."
        db.session.rollback()
    jobs.dispatch_committed()
    assert services.versions(project) == []
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert audit_entries("synthesis.publish") == []
    assert printed == []


def test_publication_asks_for_a_pdf_that_a_job_builds(app, printed):
    """The version's document is pending at the commit; the inline job makes it ready."""
    project = factories.project(title="Le port de commerce")
    factories.proposal(project)
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    version = services.publish(project, moderator, "Le texte publié.", "")
    assert version is not None
    db.session.commit()
    document = version.document
    assert document is not None
    assert (document.state, document.kind, document.attempts) == ("pending", "synthesis", 0)
    assert document.filename == f"synthese-{project.slug}-v1.pdf" == version.filename
    assert printed == []

    jobs.dispatch_committed()
    db.session.expire_all()
    document = db.session.get_one(Document, version.document_id)
    assert (document.state, document.attempts, document.error) == ("ready", 1, None)
    assert document.size == len(STAND_IN) and content_of(document) == STAND_IN
    assert document.build_seconds is not None and document.finished_at is not None
    assert len(printed) == 1
    assert "Le port de commerce" in printed[0] and "Le texte publié." in printed[0]

    # Building again is a no-op: the document is not pending any more.
    synthesis_jobs.build_pdf(document.id)
    db.session.expire_all()
    assert db.session.get_one(Document, document.id).attempts == 1 and len(printed) == 1


def test_published_figures_are_frozen(app, as_role, client, printed):
    """Contributions after publication change the draft's live figures, never the version's
    snapshot, its web page or its PDF."""
    project = factories.project()
    made = [factories.proposal(project) for _ in range(3)]
    factories.support(made[0])
    factories.support(made[1])
    db.session.commit()
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese"
    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "Le bilan.", "change_note": "", "confirm": "y"})
    assert response.status_code == 302
    version = services.version(project, 1)
    assert version is not None
    frozen = version.figures
    assert frozen["participation"] == {
        "participants": 5, "proposals": 3, "comments": 0, "supports": 2}

    later = factories.proposal(project)
    factories.proposal(project)
    for target in (made[0], made[2], later):
        factories.support(target)
    factories.comment(later, stance="contre")
    db.session.commit()
    db.session.expire_all()

    version = services.version(project, 1)
    assert version is not None
    assert version.figures == frozen
    stored = db.session.execute(sql(
        "SELECT figures_json FROM synthesis_versions WHERE id = :v"), {"v": version.id}
    ).scalar_one()
    assert json.loads(stored) == frozen
    for page_url in (url, f"{url}/v1"):
        page = client.get(page_url)
        assert page.status_code == 200
        assert shown_participation(page.get_data(as_text=True)) == {
            "participant·e": 5, "proposition": 3, "commentaire": 0, "soutien": 2}
    live = moderator.get(f"{url}/brouillon")
    assert shown_participation(live.get_data(as_text=True)) == {
        "participant·e": 11, "proposition": 5, "commentaire": 1, "soutien": 5}
    # A PDF built again later (a retry) is made from the snapshot too.
    synthesis_jobs.version_pdf(version)
    assert shown_participation(printed[-1]) == {
        "participant·e": 5, "proposition": 3, "commentaire": 0, "soutien": 2}
    assert db.session.scalar(select(func.count()).select_from(SynthesisVersion)) == 1
