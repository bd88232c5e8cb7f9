"""The [[opinions]] synthesis block: the map frozen with the version, on the web and in the PDF."""

from __future__ import annotations

import io
from html import unescape

import pypdf
from sqlalchemy import select, update

from consultation.core import jobs as queue
from consultation.extensions import db
from consultation.opinions import jobs
from consultation.opinions.models import Answer, DebateAnalysis, DebateParticipant
from consultation.syntheses import services as syntheses
from tests import factories
from tests.opinions.test_map import planted_debate

NARRATIVE = (
    "## Ce que disent les groupes\n\nUn texte.\n\n[[opinions]]\n\n## Et ensuite\n\nLa suite."
)


def frozen_block(page: str) -> str:
    page = unescape(page[page.index("<body") :])
    start = page.index('id="chiffres-opinions"')
    return page[start : page.index("Et ensuite", start)]


def test_the_block_is_frozen_with_the_version_and_printed(app, client, tmp_path):
    admin = factories.user(roles=("admin", "moderator"))
    project = factories.project("synthesis", actor=admin, title="Le Wi-Fi des quais")
    debate = planted_debate(project)
    jobs.analyse_debate(debate.id)
    version = syntheses.publish(project, admin, NARRATIVE, "")
    db.session.commit()
    queue.dispatch_committed()  # the PDF is laid out
    frozen = version.figures["extra"]["opinions"]
    assert [g["letter"] for g in frozen["groups"]] == ["A", "B", "C"]
    assert "number" not in str(frozen) and "participant" not in frozen["groups"][0]
    url = f"/projets/{project.slug}/synthese"
    before = frozen_block(client.get(url).text)
    assert "est d'accord, plus que les autres" in before
    assert before.count("<svg") >= 1 and 'aria-labelledby="carte-titre-synthese' in before

    # Everyone now disagrees with everything: the live map changes, the version's does not.
    db.session.execute(update(Answer).values(value=-1))
    db.session.commit()
    jobs.analyse_debate(debate.id)
    live = db.session.get_one(DebateAnalysis, debate.id).result
    assert live["k"] != 3 or live != frozen
    assert frozen_block(client.get(url).text) == before

    pdf = client.get(f"{url}/v1/pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    flat = " ".join(text.replace("\u00a0", " ").split())
    assert "La carte des opinions" in flat
    assert "Groupe A (20 participant·es" in flat
    assert "Le groupe A est d'accord, plus que les autres, avec" in flat
    assert "Ce qui rassemble les groupes" in flat


def test_a_project_without_debate_says_so(app, client):
    admin = factories.user(roles=("admin", "moderator"))
    project = factories.project("synthesis", actor=admin)
    version = syntheses.publish(project, admin, NARRATIVE, "")
    db.session.commit()
    assert version.figures["extra"]["opinions"] == {}
    page = client.get(f"/projets/{project.slug}/synthese").text
    assert "Ce projet n'a pas de débat par affirmations." in unescape(page)


def test_participant_numbers_never_reach_the_block(app):
    admin = factories.user(roles=("admin", "moderator"))
    project = factories.project("synthesis", actor=admin)
    debate = planted_debate(project)
    jobs.analyse_debate(debate.id)
    version = syntheses.publish(project, admin, NARRATIVE, "")
    db.session.commit()
    frozen = version.figures["extra"]["opinions"]
    numbers = set(db.session.scalars(select(DebateParticipant.number)))
    assert all(len(point) == 3 for point in frozen["points"])
    assert len(numbers) == len(frozen["points"])
