"""The PDF of a published synthesis: its figures, rankings and annex equal a recount by SQL;
it is a tagged A4 document in French with a cover, contents and page numbers."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
from sqlalchemy import text as sql

from consultation.core import jobs
from consultation.core.models import as_utc
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.proposals import services as proposal_services
from consultation.syntheses import render, services
from tests import factories, pdf_layout
from tests.syntheses.test_figures import recount_annex, recount_participation

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
ANSWERS = {None: "Sans réponse officielle", "accepted": "Acceptée", "rejected": "Refusée",
           "under_study": "À l'étude"}
TITLE = r"Proposition n° \d\d"
TOP_ROW = re.compile(rf"^(\d+) ({TITLE}) (\d+) (.+)$", re.MULTILINE)
ANNEX_ROW = re.compile(
    rf"^(?:\d+\. )?({TITLE})(?: —)? (\d+) soutiens? · pour (\d+), contre (\d+), neutre (\d+) · "
    r"(Sans réponse officielle|Acceptée|Refusée|À l'étude)(?: · (.+))?$", re.MULTILINE)
FIGURE = re.compile(r"(\d[\d  ]*)\n(participant·e|proposition|commentaire|soutien)s?\n")


def normalised(text: str) -> str:
    """Text with French number spacing (narrow and plain no-break spaces) made plain."""
    return text.replace(" ", " ").replace(" ", " ")


def number(text: str) -> int:
    """A number written the French way (1 234), as an int."""
    return int(re.sub(r"\D", "", text))


def french_day(moment: datetime) -> str:
    """The day of a stored time in Brest, written as the cover writes it (5 mars 2026)."""
    day = as_utc(moment).astimezone(ZoneInfo("Europe/Paris")).date()
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def consultation_with_25_proposals() -> Any:
    """A committed project with 25 counted proposals (varied supports, comments, territories
    and answers), one hidden proposal and comments on the project itself."""
    project = factories.project(title="Le plan vélo de la métropole")
    places = [None, factories.territory("Brest"), factories.territory("Le Relecq-Kerhuon"),
              factories.territory("Plougastel-Daoulas")]
    people = [factories.user(commune=places[i % 4]) for i in range(14)]
    made = [
        factories.proposal(project, people[i % 14], title=f"Proposition n° {i + 1:02d}",
                           territory=places[i % 4])
        for i in range(25)
    ]
    for i, proposal in enumerate(made):
        for supporter in people[: (i * 7) % 15]:
            factories.support(proposal, supporter)
        for k in range(i % 4):
            factories.comment(proposal, people[k], ("pour", "contre", "neutre")[(i + k) % 3])
    factories.comment(project, people[3], "contre")
    factories.comment(project, people[4], "pour")
    hidden = factories.proposal(project, people[5], title="Proposition n° 99")
    factories.support(hidden, people[6])
    moderator = factories.user(roles=("moderator",))
    admin = factories.user(roles=("admin",))
    moderation.hide(moderator, "proposal", hidden, "Hors charte.")
    proposal_services.give_answer(admin, made[3], "accepted", "Ce sera fait.")
    proposal_services.give_answer(admin, made[10], "rejected", "Ce n'est pas possible.")
    proposal_services.give_answer(admin, made[17], "under_study", "À l'étude.")
    db.session.commit()
    return project, moderator


def published_pdf(client: Any) -> tuple[Any, Any, bytes]:
    """The busy consultation with its synthesis v1 published, its PDF built by the job and
    downloaded by a visitor."""
    project, moderator = consultation_with_25_proposals()
    services.publish(
        project, moderator,
        "# Ce que la consultation a montré\n\nBeaucoup d'idées.\n\n[[plus-soutenues]]\n\n"
        "## Et ensuite\n\nLa métropole répondra.",
        "",
    )
    db.session.commit()
    jobs.dispatch_committed()
    db.session.expire_all()
    version = services.version(project, 1)
    assert version is not None and version.document is not None
    assert version.document.state == "ready"
    response = client.get(f"/projets/{project.slug}/synthese/v1/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    content = response.get_data()
    assert content.startswith(b"%PDF")
    return project, version, content


def check_figures_and_annex(text: str, project_id: int) -> None:
    """Participation, the most supported proposals and every annex row, as printed, are what
    the database counts."""
    shown = {word: number(n) for n, word in FIGURE.findall(text)}
    recount = recount_participation(project_id)
    assert shown == {"participant·e": recount["participants"],
                     "proposition": recount["proposals"],
                     "commentaire": recount["comments"], "soutien": recount["supports"]}
    assert recount["proposals"] == 25

    annex = recount_annex(project_id)
    top = [row for row in annex if row["supports"]][:10]
    assert [(title, number(n)) for _rank, title, n, _answer in TOP_ROW.findall(text)] == [
        (row["title"], row["supports"]) for row in top]
    assert [int(rank) for rank, *_ in TOP_ROW.findall(text)] == list(range(1, 11))

    printed = [
        {"title": title, "territory": place or None, "supports": int(s), "pour": int(p),
         "contre": int(c), "neutre": int(n), "answer": answer}
        for title, s, p, c, n, answer, place in ANNEX_ROW.findall(text)
    ]
    assert printed == [
        {"title": row["title"], "territory": row["territory"], "supports": row["supports"],
         "pour": row["pour"], "contre": row["contre"], "neutre": row["neutre"],
         "answer": ANSWERS[row["answer_status"]]}
        for row in annex
    ]
    assert len(printed) == 25 and "Proposition n° 99" not in text
    assert {row["answer"] for row in printed} == set(ANSWERS.values())


def check_document(reader: pypdf.PdfReader, title: str, published_at: datetime) -> None:
    """Metadata, language, tagging, A4 pages, cover, contents, page numbers."""
    metadata = reader.metadata
    assert metadata is not None
    assert title in str(metadata["/Title"])
    assert str(metadata["/Author"]).strip()
    root: Any = reader.trailer["/Root"]  # a PDF dictionary: its values are typed PdfObject
    assert root["/Lang"] == "fr"
    assert root["/MarkInfo"]["/Marked"].value is True  # a pypdf BooleanObject
    count = len(reader.pages)
    assert count >= 3
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1

    pages = [normalised(page.extract_text()) for page in reader.pages]
    cover = " ".join(pages[0].split())  # the cover's large title wraps
    assert title in cover
    assert f"Version 1, publiée le {french_day(published_at)}" in cover
    assert re.search(r"\d+ / \d+", cover) is None  # no page number on the cover
    contents = pages[1]
    assert "Sommaire" in contents
    for entry in ("Ce que la consultation a montré", "Et ensuite",
                  "Les propositions les plus soutenues", "La modération",
                  "Annexe\u00a0: toutes les propositions"):
        assert re.search(rf"{re.escape(entry)} \.+ +\d+\n", contents), entry
    for index, page_text in enumerate(pages[1:], start=2):
        assert f"{index} / {count}" in page_text, index
    # The narrative's sections and the block it placed come in the written order.
    body = "\n".join(pages[2:])
    assert (body.index("Ce que la consultation a montré")
            < body.index("Les propositions les plus soutenues")
            < body.index("Et ensuite") < body.index("La participation\n"))


def test_published_pdf_prints_the_recounted_figures_in_a_tagged_a4_document(app, client):
    """One build, read as a visitor downloads it: its numbers, then its form."""
    project, version, content = published_pdf(client)
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(normalised(page.extract_text()) for page in reader.pages)
    check_figures_and_annex(text, project.id)
    check_document(reader, project.title, version.published_at)
    # Laid out as a publication: a cover down to the page's foot, no nearly empty page.
    pages = pdf_layout.read(content)
    assert pdf_layout.lowest(pages[0]) < 35
    assert pdf_layout.nearly_empty(pages) == []


def test_pdf_has_a_valid_creation_date(app):
    """The publication time reaches the PDF's /CreationDate, on every database."""
    project = factories.project()
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    services.publish(project, moderator, "Le texte.", "")
    db.session.commit()
    db.session.expire_all()
    version = services.version(project, 1)
    assert version is not None
    published_on = as_utc(version.published_at)
    content = render.synthesis_pdf(
        project, version.figures, version.narrative, number=1,
        published_at=version.published_at)
    metadata = pypdf.PdfReader(io.BytesIO(content)).metadata
    assert metadata is not None
    created = metadata.creation_date
    assert created is not None
    assert abs((as_utc(created) - published_on).total_seconds()) < 2
    assert db.session.execute(sql("SELECT COUNT(*) FROM synthesis_versions")).scalar_one() == 1
