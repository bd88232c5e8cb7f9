"""No time limit the reader cannot stop (RGAA 13.1, WCAG 2.2.1): the page of a PDF being built
never reloads itself, it offers "Actualiser"; a town-hall terminal's idle limit and a
mediator's acting time are announced, warned of before the end and extendable without leaving
the page, and what was typed is never lost to them. axe-core runs every rule on the kiosk pages.

The server counts the terminal's delay with core/kiosk.py's clock and the acting time with
mediation/services.py's: the tests move them with the page's clock (Playwright's page.clock).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from consultation.core import kiosk
from consultation.extensions import db
from consultation.mediation import services as mediation
from consultation.proposals.models import Proposal
from consultation.syntheses import services as syntheses
from tests import factories
from tests.browser.conftest import axe_violations, session_cookie
from tests.mediation.helpers import participant

REFRESH = "meta[http-equiv=refresh]"


def test_the_status_page_of_a_pdf_never_reloads_by_itself(visitor):
    """While the PDF waits, the page says so and offers "Actualiser" (a link, reachable by
    keyboard, with JavaScript off); nothing changes the page by itself (RGAA 13.1)."""
    project = factories.project("synthesis")
    moderator = factories.user(roles=("moderator",))
    db.session.commit()
    syntheses.publish(project, moderator, "Un texte.", "")
    db.session.commit()  # the PDF job is not dispatched: the document stays pending

    page = visitor(javascript=False).open(f"/projets/{project.slug}/synthese/v1/pdf")
    assert page.status == 200
    assert page.locator(REFRESH).count() == 0
    assert "PDF en préparation" in page.locator("[role=status]").inner_text()

    with page.expect_navigation():
        page.click("text=Actualiser")
    assert page.url.endswith("/synthese/v1/pdf")
    assert page.locator(REFRESH).count() == 0


class Clocks:
    """The page's clock and the server's, moved together in small steps (so that what the page
    tells the server on the way arrives at the time it would)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.start = time.time()
        self.offset = 0.0
        monkeypatch.setattr(kiosk, "_now", lambda: self.start + self.offset)
        monkeypatch.setattr(mediation, "_now", lambda: self.start + self.offset)

    def run(self, page: Any, minutes: float) -> None:
        """Let `minutes` pass on the page and on the server."""
        left = round(minutes * 60)
        while left > 0:
            step = min(5, left)
            self.offset += step
            page.clock.run_for(step * 1000)
            left -= step


@pytest.fixture
def clocks(monkeypatch: pytest.MonkeyPatch) -> Clocks:
    """The server's clocks, moved by the test with the page's."""
    return Clocks(monkeypatch)


def terminal(app: Any, visitor: Any, person: Any = None, **options: Any) -> Any:
    """A browser that opened /borne (axe can be put in its pages), then, if given, `person`
    logged in on it."""
    someone = visitor(bypass_csp=True, **options)
    opened = someone.context.request.fetch(someone.base_url + "/borne", max_redirects=0)
    assert opened.status == 302
    if person is not None:
        someone.context.add_cookies([{"name": "session", "value": session_cookie(app, person),
                                      "url": someone.base_url, "httpOnly": True}])
    return someone


def watched_page(someone: Any) -> Any:
    """A new page of the visitor, its clock under the test's hand."""
    page = someone.context.new_page()
    someone.watch.attach(page, someone.base_url)
    page.clock.install()
    return page


def test_a_terminals_idle_time_is_announced_and_can_be_extended(app, visitor, clocks):
    """On a town-hall terminal, a minute before the idle end an alert says so and focuses
    "Je suis encore là", which starts the delay again; typing does too; left alone, the
    screen goes back to the start page with the session ended. No meta refresh."""
    person = factories.user()
    db.session.commit()
    someone = terminal(app, visitor, person)
    page = watched_page(someone)
    page.goto(someone.base_url + "/projets")
    assert page.locator(REFRESH).count() == 0
    warning = page.locator("#kiosk-warning")
    assert warning.is_hidden()

    clocks.run(page, 3 + 50 / 60)  # 5 minutes of idle time by default
    assert warning.is_hidden()
    clocks.run(page, 0.25)
    assert warning.is_visible() and warning.get_attribute("role") == "alert"
    assert "votre session va se terminer" in warning.inner_text()
    button = page.get_by_role("button", name="Je suis encore là")
    assert button.evaluate("element => element === document.activeElement")
    assert axe_violations(page) == []  # every rule, the warning shown
    button.click()
    assert warning.is_hidden()

    clocks.run(page, 4.5)  # the delay started again: not over yet
    assert warning.is_visible() and page.url.endswith("/projets")
    page.keyboard.press("Tab")  # any key counts as activity
    assert warning.is_hidden()

    with page.expect_navigation(url=someone.base_url + "/"):
        clocks.run(page, 5.1)
    assert "Votre session a pris fin après 5 minutes sans activité" in page.content()
    assert someone.watch.errors == [] and someone.watch.requests == []


PROPOSAL = ("Un abri pour les vélos cargo devant la médiathèque, avec des arceaux assez larges "
            "pour les remorques d'enfants et une prise pour recharger les batteries.")


def _proposals(title: str) -> list[Proposal]:
    db.session.commit()  # a new transaction: see what the server committed
    return list(db.session.scalars(select(Proposal).where(Proposal.title == title)))


def test_a_proposal_typed_for_eight_minutes_on_a_terminal_is_saved(app, visitor, clocks):
    """Someone types a proposal slowly for more than the 5 minutes, pauses long enough to be
    warned, answers "Je suis encore là" and types on: the server's delay followed the page's,
    and the proposal is saved in their name."""
    person = factories.user()
    project = factories.project("consultation")
    db.session.commit()
    someone = terminal(app, visitor, person)
    page = watched_page(someone)
    page.goto(f"{someone.base_url}/projets/{project.slug}/propositions/nouvelle")
    assert page.locator(REFRESH).count() == 0
    assert "après 5 minutes sans activité, la session se termine" in page.inner_text("body")
    warning = page.locator("#kiosk-warning")

    page.get_by_label("Titre").click()
    page.keyboard.type("Un abri pour les vélos cargo")
    page.get_by_label("Votre proposition").click()
    for word in PROPOSAL.split(" "):  # one word every 20 seconds: 8 minutes of typing
        page.keyboard.type(word + " ")
        clocks.run(page, 1 / 3)
        assert warning.is_hidden()
    clocks.run(page, 1 / 3)
    page.keyboard.type("Vraiment. ")
    # A long pause: warned, and still there before the end, 4 min 45 s after the last key.
    # The server must have heard of that last key (the page once told it at most every minute,
    # and the session ended on the server while the page still offered to continue).
    clocks.run(page, 4.75)
    assert warning.is_visible()
    assert page.get_by_role("button", name="Je suis encore là").evaluate(
        "element => element === document.activeElement")
    page.keyboard.press("Enter")
    assert warning.is_hidden()
    page.get_by_label("Votre proposition").press("End")
    page.keyboard.type("Merci.")
    clocks.run(page, 0.5)
    assert clocks.offset > 8 * 60
    with page.expect_navigation():
        page.get_by_role("button", name="Publier ma proposition").click()
    assert "Votre proposition est publiée" in page.inner_text("main")
    saved = _proposals("Un abri pour les vélos cargo")
    assert len(saved) == 1 and saved[0].author_id == person.id
    assert saved[0].body.startswith(PROPOSAL) and saved[0].body.endswith("Vraiment. Merci.")
    assert someone.watch.errors == [] and someone.watch.requests == []


def test_without_javascript_a_proposal_sent_too_late_comes_back_and_is_sent_after_login(
        app, visitor, clocks):
    """JavaScript off: the page says the limit in text; a proposal sent after it is saved
    under nobody's account and comes back as typed with "Votre session a pris fin ;
    reconnectez-vous pour envoyer"; logging in on that page sends it (CSRF on)."""
    app.config.update(WTF_CSRF_ENABLED=True)
    person = factories.user(email="lente@exemple.fr", display_name="Gwenola Tanguy")
    project = factories.project("consultation")
    db.session.commit()
    someone = terminal(app, visitor, person, javascript=False)
    page = someone.open(f"/projets/{project.slug}/propositions/nouvelle")
    assert "après 5 minutes sans activité, la session se termine" in page.inner_text("body")
    page.get_by_label("Titre").fill("Une boîte à livres place Guérin")
    page.get_by_label("Votre proposition").fill("À côté du banc.\nAvec un toit.")
    clocks.offset += 6 * 60
    with page.expect_navigation():
        page.get_by_role("button", name="Publier ma proposition").click()
    main = page.inner_text("main")
    assert "Votre session a pris fin\u00a0; reconnectez-vous pour envoyer." in main
    assert "À côté du banc.\nAvec un toit." in main and "Gwenola Tanguy" not in page.content()
    assert page.locator(REFRESH).count() == 0
    assert _proposals("Une boîte à livres place Guérin") == []

    page.get_by_label("Adresse électronique").fill("lente@exemple.fr")
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Me reconnecter et envoyer").click()
    assert "Votre proposition est publiée" in page.inner_text("main")
    saved = _proposals("Une boîte à livres place Guérin")
    assert len(saved) == 1 and saved[0].author_id == person.id
    assert saved[0].body.replace("\r\n", "\n") == "À côté du banc.\nAvec un toit."


def test_every_axe_rule_passes_on_kiosk_pages(app, visitor, clocks):
    """axe-core, every rule on, on a terminal's pages: start page, project, login, proposal
    form with the idle warning shown, and the page of a form sent too late."""
    person = factories.user(email="axe@exemple.fr")
    project = factories.project("consultation")
    db.session.commit()
    nobody = terminal(app, visitor)
    anonymous = watched_page(nobody)
    for path in ("/", f"/projets/{project.slug}", "/compte/connexion", "/compte/inscription"):
        response = anonymous.goto(nobody.base_url + path)
        assert response.status == 200, path
        assert anonymous.get_attribute("body", "class") == "kiosk", path
        assert anonymous.locator(REFRESH).count() == 0, path
        assert axe_violations(anonymous) == [], path

    someone = terminal(app, visitor, person)
    page = watched_page(someone)
    page.goto(f"{someone.base_url}/projets/{project.slug}/propositions/nouvelle")
    assert axe_violations(page) == []
    clocks.run(page, 4.25)
    assert page.locator("#kiosk-warning").is_visible()
    assert axe_violations(page) == []  # the warning shown
    # Typing hides the warning and tells the server at once: its answer must come before the
    # server's clock moves on, or the server would hear of the person only after the delay.
    with page.expect_response(lambda response: "/healthz" in response.url):
        page.get_by_label("Titre").fill("Une idée trop lente")
    page.get_by_label("Votre proposition").fill("Envoyée trop tard.")
    clocks.offset += 6 * 60  # the server's delay is over (the page's clock stays)
    with page.expect_navigation():
        page.get_by_role("button", name="Publier ma proposition").click()
    assert "reconnectez-vous pour envoyer" in page.inner_text("main")
    assert axe_violations(page) == []


def test_acting_time_is_warned_of_and_extended_without_leaving_the_page(app, visitor, clocks):
    """A mediator acting for someone: two minutes before the 30 are over an alert focuses
    "Prolonger de 30 minutes"; it extends in the background, the proposal being typed stays,
    the banner says the new time, and sending it then credits the person."""
    mediator = factories.user(roles=("mediator",))
    project = factories.project("consultation")
    db.session.commit()
    profile = participant(mediator, "Yvonne Le Bihan")
    state: dict[str, Any] = {}
    mediation.start_acting(state, mediator, profile)  # 30 minutes from clocks.start
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = mediator.get_id()
        session["_fresh"] = True
        session[mediation.SESSION_KEY] = state[mediation.SESSION_KEY]
    cookie = client.get_cookie("session")
    assert cookie is not None
    someone = visitor(bypass_csp=True)
    someone.context.add_cookies([{"name": "session", "value": cookie.value,
                                  "url": someone.base_url, "httpOnly": True}])
    page = watched_page(someone)
    page.goto(f"{someone.base_url}/projets/{project.slug}/propositions/nouvelle")
    banner = page.locator(".acting [role=status]")
    assert "fin dans 30 min" in banner.inner_text()
    warning = page.locator("#acting-warning")
    page.get_by_label("Titre").fill("Un banc devant la pharmacie")
    page.get_by_label("Votre proposition").fill("Pour attendre assis.")
    clocks.run(page, 27.5)
    assert warning.is_hidden()
    clocks.run(page, 0.75)
    assert warning.is_visible() and warning.get_attribute("role") == "alert"
    assert "Yvonne Le Bihan va se terminer" in warning.inner_text()
    button = warning.get_by_role("button", name="Prolonger de 30 minutes")
    assert button.evaluate("element => element === document.activeElement")
    assert axe_violations(page) == []
    button.click()
    warning.wait_for(state="hidden")
    assert "fin dans 32 min" in banner.inner_text()
    assert page.get_by_label("Votre proposition").input_value() == "Pour attendre assis."
    clocks.run(page, 5)  # past the first 30 minutes: the server extended too
    with page.expect_navigation():
        page.get_by_role("button", name="Publier ma proposition").click()
    saved = _proposals("Un banc devant la pharmacie")
    assert len(saved) == 1
    assert (saved[0].author_id, saved[0].mediator_id) == (profile.user_id, mediator.id)
    assert someone.watch.errors == [] and someone.watch.requests == []
