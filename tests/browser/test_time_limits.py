"""No time limit the reader cannot stop (RGAA 13.1): the page of a PDF being built never
reloads itself, it offers "Actualiser"."""

from __future__ import annotations

from consultation.extensions import db
from consultation.syntheses import services as syntheses
from tests import factories
from tests.browser.conftest import axe_violations, session_cookie

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


def test_a_terminals_idle_time_is_announced_and_can_be_extended(app, visitor):
    """On a town-hall terminal, a minute before the idle end an alert says so and focuses
    "Continuer ma session", which starts the delay again; typing does too; left alone, the
    screen goes back to the start page with the session ended. No meta refresh."""
    person = factories.user()
    db.session.commit()
    someone = visitor(bypass_csp=True)  # for axe-core, put in the page by the test
    opened = someone.context.request.fetch(someone.base_url + "/borne", max_redirects=0)
    assert opened.status == 302
    # The terminal is set up; then the person logs in on it.
    someone.context.add_cookies([{"name": "session", "value": session_cookie(app, person),
                                  "url": someone.base_url, "httpOnly": True}])
    page = someone.context.new_page()
    page.clock.install()
    page.goto(someone.base_url + "/projets")
    assert page.locator(REFRESH).count() == 0
    warning = page.locator("#kiosk-warning")
    assert warning.is_hidden()

    page.clock.run_for("03:50")  # 5 minutes of idle time by default
    assert warning.is_hidden()
    page.clock.run_for("00:15")
    assert warning.is_visible() and warning.get_attribute("role") == "alert"
    assert "votre session va se terminer" in warning.inner_text()
    button = page.get_by_role("button", name="Continuer ma session")
    assert button.evaluate("element => element === document.activeElement")
    assert axe_violations(page) == []  # every rule, the warning shown
    button.click()
    assert warning.is_hidden()

    page.clock.run_for("04:30")  # the delay started again: not over yet
    assert warning.is_visible() and page.url.endswith("/projets")
    page.keyboard.press("Tab")  # any key counts as activity
    assert warning.is_hidden()

    with page.expect_navigation(url=someone.base_url + "/"):
        page.clock.run_for("05:05")
    assert "Votre session a pris fin après 5 minutes sans activité" in page.content()
    assert someone.watch.errors == [] and someone.watch.requests == []
