"""What a person can do now: the project page says what the project is and what to do (the
phase, the main action, the closing date and the days left) before its figures; every project
card says when the consultation closes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from consultation.core.models import today
from consultation.extensions import db
from consultation.syntheses import render
from consultation.syntheses import services as syntheses
from tests import factories
from tests.conftest import login
from tests.projects.test_project_pages import french
from tests.proposals.helpers import section, text

NBSP = "\u00a0"


def closing_in(days: int, ends: date | None = None) -> dict[str, tuple[date, date]]:
    """Phases whose consultation runs today and ends `days` days from today (or on `ends`)."""
    end = ends or today() + timedelta(days=days)
    start = end - timedelta(days=30)
    return {
        "information": (start - timedelta(days=20), start - timedelta(days=1)),
        "consultation": (start, end),
        "synthesis": (end + timedelta(days=1), end + timedelta(days=30)),
        "follow_up": (end + timedelta(days=31), end + timedelta(days=400)),
    }


def deadline_of(page: str) -> str:
    """The first deadline line of a page, tags removed."""
    block = section(page, '<p class="deadline">', "</p>")
    return block.removeprefix('<p class="deadline">').replace("<strong>", "").replace(
        "</strong>", "")


@pytest.mark.parametrize("days, expected", [
    (0, "Dernier jour" + NBSP + ": clôture le {day}"),
    (1, "Clôture le {day}" + NBSP + "— plus qu'un jour"),
    (12, "Clôture le {day}" + NBSP + "— plus que 12 jours"),
])
def test_days_left_on_the_page_and_every_card(client, days, expected):
    """The closing date and the days left, singular and plural, "Dernier jour" on the last
    day: on the project page, the list's card and the home page's card alike."""
    project = factories.project(phases=closing_in(days))
    db.session.commit()
    wanted = expected.format(day=french(today() + timedelta(days=days)))

    page = text(client.get(f"/projets/{project.slug}"))
    assert deadline_of(section(page, '<div class="next-step">', "</div>")) == wanted
    card = section(text(client.get("/projets")), f'href="/projets/{project.slug}"', "</li>")
    assert deadline_of(card) == wanted
    card = section(text(client.get("/")), f'href="/projets/{project.slug}"', "</li>")
    assert deadline_of(card) == wanted


def test_days_are_counted_in_brest(client):
    """At 00:30 in Brest on the closing day (23:30 the day before in UTC) it is the last day,
    not one day left."""
    closing = date(2027, 1, 15)
    with time_machine.travel(datetime(2027, 1, 14, 23, 30, tzinfo=UTC), tick=False):
        project = factories.project(phases=closing_in(0, ends=closing))
        db.session.commit()
        page = text(client.get(f"/projets/{project.slug}"))
    assert deadline_of(page) == "Dernier jour" + NBSP + ": clôture le 15" + NBSP + "janvier 2027"


def test_page_leads_with_the_project_and_the_action_before_the_figures(app):
    """Title, summary, the phase and "Déposer une proposition" with its deadline come first;
    the figures and the per-1,000 table follow the presentation."""
    project = factories.project(phases=closing_in(12), summary="Un résumé qui dit le projet.")
    citizen = factories.user()
    db.session.commit()

    page = text(login(app.test_client(), citizen).get(f"/projets/{project.slug}"))
    page = page[page.index("<main"):]  # the summary is in the head's description too
    order = [
        f"<h1>{project.title}</h1>",
        "Un résumé qui dit le projet.",
        '<div class="next-step">',
        '<span class="badge phase-consultation">',
        '<p class="deadline">',
        f'href="/projets/{project.slug}/propositions/nouvelle">Déposer une proposition</a>',
        'id="en-bref"',
        'id="presentation"',
        'id="chiffres"',
        'id="territoires"',
        '<table class="per-thousand">',
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert page.count("Déposer une proposition</a>") == 1


def test_a_visitor_is_shown_the_list_and_how_to_take_part(client):
    """Someone not logged in is offered the proposals and a login that leads to the form."""
    project = factories.project(phases=closing_in(12))
    db.session.commit()
    step = section(text(client.get(f"/projets/{project.slug}")), '<div class="next-step">',
                   "\n</div>")
    assert f'href="/projets/{project.slug}/propositions">Voir les propositions</a>' in step
    assert "Connectez-vous pour déposer une proposition." in step
    assert f"?next=/projets/{project.slug}/propositions/nouvelle\"" in step
    assert "Déposer une proposition" not in step


def test_before_the_consultation_its_dates_are_announced(client):
    """In the information phase the card and the page say when the consultation will run."""
    phases = factories.phases_for("information")
    project = factories.project(phases=phases)
    db.session.commit()
    start, end = phases["consultation"]
    wanted = f"Consultation du {french(start)} au {french(end)}"
    assert deadline_of(text(client.get(f"/projets/{project.slug}"))) == wanted
    card = section(text(client.get("/projets")), f'href="/projets/{project.slug}"', "</li>")
    assert deadline_of(card) == wanted


def test_after_the_consultation_the_synthesis_is_the_main_action(client, monkeypatch):
    """Once the consultation is over the card and the page say when it ended; once a synthesis
    is published, "Lire la synthèse" leads."""
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    phases = factories.phases_for("synthesis")
    project = factories.project(phases=phases)
    factories.proposal(project)
    db.session.commit()
    page = text(client.get(f"/projets/{project.slug}"))
    step = section(page, '<div class="next-step">', "\n</div>")
    wanted = f"Consultation terminée le {french(phases['consultation'][1])}"
    assert deadline_of(step) == wanted
    card = section(text(client.get("/projets")), f'href="/projets/{project.slug}"', "</li>")
    assert deadline_of(card) == wanted
    assert "Lire la synthèse" not in step
    assert "Voir les propositions</a>" in step

    syntheses.publish(project, factories.user(roles=("moderator",)), "Le texte.", "")
    db.session.commit()
    step = section(text(client.get(f"/projets/{project.slug}")), '<div class="next-step">',
                   "\n</div>")
    assert f'<a class="button" href="/projets/{project.slug}/synthese">Lire la synthèse</a>' in step
    assert step.index("Lire la synthèse") < step.index("Voir les propositions")
