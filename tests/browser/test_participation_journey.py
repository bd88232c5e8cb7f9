"""The whole participation journey, in Chromium: register, confirm the address by the emailed
link, propose (past the similar proposals, published anyway), comment with a stance, support,
report. Once with the keyboard alone (Tab,
Shift+Tab, Enter, Space, arrows, typing: never a click), focus always visible; once with
JavaScript off, by clicks. The database then holds each contribution under the new account."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from consultation.accounts.services import find_by_email
from consultation.comments.models import Comment
from consultation.extensions import db
from consultation.moderation.models import Report
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.accounts.test_email_confirmation import link_in, mails_to
from tests.browser.a11y import BLOCKING, FOCUSED
from tests.browser.conftest import axe_violations

PROPOSAL_TITLE = "Des prises de recharge dans les abris de bus"
PROPOSAL_BODY = "Pour recharger son téléphone en attendant le bus."
STEP = "Des propositions semblables existent déjà"
COMMENT_TEXT = "Je crains que ce soit coûteux à entretenir."


@pytest.fixture
def consultation(app):
    """A project in consultation with a proposal by someone else, and a comment on it."""
    project = factories.project("consultation", title="Des bancs connectés")
    someone = factories.user(display_name="Awen Le Floc'h")
    proposal = factories.proposal(project, author=someone,
                                  title="Des bancs à l'ombre près des bornes Wi-Fi")
    comment = factories.comment(proposal, author=factories.user(), stance="pour",
                                body="Bonne idée, surtout l'été.")
    # Like the proposal of the journey: it is shown before that one is published.
    like = factories.proposal(project, author=someone,
                              title="Des prises de recharge aux arrêts de bus",
                              body="Recharger son téléphone à l'arrêt du bus.")
    db.session.commit()
    return {"project": project, "proposal": proposal, "comment": comment, "like": like}


# --- the keyboard ---------------------------------------------------------------------------

def focused(page: Any) -> dict[str, Any] | None:
    """What has the focus, and how it shows."""
    return page.evaluate(FOCUSED)


def assert_focus_visible(element: dict[str, Any] | None) -> None:
    """Whatever has the keyboard focus (link, button, field, scrollable table) shows an
    outline or a ring. (None: past the last element, the focus is in the browser's own bar.)"""
    if element is None:
        return
    assert element["outline"] != "none" or element["boxShadow"] not in ("", "none"), (
        f"focus not visible on {element}"
    )


def tab_to(page: Any, selector: str, limit: int = 60, key: str = "Tab") -> dict[str, Any]:
    """Press Tab (or `key`) until the focused element matches `selector`; every element met
    must show its focus. Fails, naming where the focus went, after `limit` presses."""
    met = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        assert_focus_visible(element)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return element  # type: ignore[return-value]
        met.append(element and f"{element['tag']}#{element['id']} {element['href'] or ''}"
                   f"{element['text'][:30]}")
    pytest.fail(f"{selector!r} not reached after {limit} presses of {key}; met: {met}")


def press_and_wait(page: Any, key: str) -> None:
    """Press a key that sends a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def arrow_to(page: Any, value: str, key: str, limit: int = 10) -> None:
    """Move through a radio group or a select with an arrow key until `value` is chosen."""
    for _ in range(limit):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press(key)
    pytest.fail(f"the value {value!r} was not reached with {key}")


def flash(page: Any) -> str:
    """The page's status messages."""
    return page.locator(".flashes").inner_text() if page.locator(".flashes").count() else ""


def open_confirmation_link(app: Any, someone: Any, page: Any, email: str) -> None:
    """Open the link of the confirmation mail sent to `email`, as from the mail program."""
    [message] = mails_to(app, email)
    page.goto(someone.base_url + link_in(message))
    assert page.locator("h1").inner_text() == "Confirmer mon adresse électronique"


def test_the_journey_with_the_keyboard_alone(app, visitor, consultation):
    """Skip link first, focus visible all along, every step done without a pointer."""
    proposal, comment = consultation["proposal"], consultation["comment"]
    someone = visitor()
    page = someone.open("/compte/inscription")

    first = tab_to(page, "a", limit=1)
    assert first["href"] == "#contenu" and first["text"] == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"

    # Register.
    tab_to(page, "#email", limit=3)
    page.keyboard.type("awena@exemple.fr")
    tab_to(page, "#display_name")
    page.keyboard.type("Awena")
    tab_to(page, "#commune")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") != ""
    tab_to(page, "#password")
    page.keyboard.type("un mot de passe solide")
    tab_to(page, "#confirm")
    page.keyboard.type("un mot de passe solide")
    tab_to(page, "#password", limit=3, key="Shift+Tab")
    tab_to(page, "#charter")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    tab_to(page, "main button[type=submit]")
    press_and_wait(page, "Enter")
    assert "Bienvenue" in flash(page)

    # Confirm the address with the link of the mail, then its button.
    open_confirmation_link(app, someone, page, "awena@exemple.fr")
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page, "Enter")
    assert "Votre adresse électronique est confirmée" in flash(page)

    # Propose, from the home page through the menu.
    tab_to(page, "header a[href='/projets']")
    press_and_wait(page, "Enter")
    tab_to(page, f"main a[href='/projets/{consultation['project'].slug}']")
    press_and_wait(page, "Enter")
    tab_to(page, "main a[href$='/propositions/nouvelle']")
    press_and_wait(page, "Enter")
    tab_to(page, "#title")
    page.keyboard.type(PROPOSAL_TITLE)
    tab_to(page, "#body")
    page.keyboard.type(PROPOSAL_BODY)
    tab_to(page, "#territory")
    page.keyboard.press("ArrowDown")
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page, "Space")
    assert page.locator("h1").inner_text() == STEP
    tab_to(page, "main button[name=confirmed]")
    press_and_wait(page, "Space")
    assert page.locator("h1").inner_text() == PROPOSAL_TITLE

    # Comment with a stance, on the other proposal.
    tab_to(page, "main .breadcrumb a[href$='/propositions']")
    press_and_wait(page, "Enter")
    tab_to(page, f"main a[href='/propositions/{proposal.id}']")
    press_and_wait(page, "Enter")
    tab_to(page, "input[name=stance]")
    arrow_to(page, "contre", "ArrowUp")
    assert page.is_checked("input[name=stance][value=contre]")
    tab_to(page, ".comment-form #body")
    page.keyboard.type(COMMENT_TEXT)
    tab_to(page, ".comment-form button[type=submit]")
    press_and_wait(page, "Enter")
    assert COMMENT_TEXT in page.locator("main").inner_text()
    # The message rides on a cookie of its own (core/notices.py): shown once, then gone.
    assert "Votre commentaire est publié." in flash(page)

    # Support it.
    tab_to(page, "form[action$='/soutenir'] button", key="Shift+Tab")
    press_and_wait(page, "Space")
    assert "Vous soutenez cette proposition." in page.locator("#soutien").inner_text()
    assert flash(page) == "Votre soutien est enregistré."

    # Report the other person's comment.
    tab_to(page, f"a[href='/signaler/comment/{comment.id}']")
    press_and_wait(page, "Enter")
    tab_to(page, "input[name=reason]")
    page.keyboard.press("Space")
    arrow_to(page, "off_topic", "ArrowDown")
    tab_to(page, "#details")
    page.keyboard.type("Sans rapport avec la proposition.")
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page, "Enter")
    assert "Votre signalement est reçu" in flash(page)

    assert_journey_recorded("awena@exemple.fr", consultation)


# --- without JavaScript ---------------------------------------------------------------------

def submit(page: Any, button: str) -> None:
    """Click a submit button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.click(button)


def test_the_journey_without_javascript(app, visitor, consultation):
    """The same journey, JavaScript disabled, with clicks and typing: every step succeeds."""
    proposal, comment = consultation["proposal"], consultation["comment"]
    someone = visitor(javascript=False)
    page = someone.open("/compte/inscription")
    assert page.evaluate("1 + 1") == 2  # Playwright still reads the page; the page runs none

    page.fill("#email", "bleuenn@exemple.fr")
    page.fill("#display_name", "Bleuenn")
    page.select_option("#commune", label="Brest")
    page.fill("#password", "un mot de passe solide")
    page.fill("#confirm", "un mot de passe solide")
    page.check("#charter")
    submit(page, "main button[type=submit]")
    assert "Bienvenue" in flash(page)
    open_confirmation_link(app, someone, page, "bleuenn@exemple.fr")
    submit(page, "main form button[type=submit]")
    assert "Votre adresse électronique est confirmée" in flash(page)

    submit(page, "header a[href='/projets']")
    submit(page, f"main a[href='/projets/{consultation['project'].slug}']")
    submit(page, "main a[href$='/propositions/nouvelle']")
    page.fill("#title", PROPOSAL_TITLE)
    page.fill("#body", PROPOSAL_BODY)
    submit(page, "main form button[type=submit]")
    assert page.locator("h1").inner_text() == STEP
    submit(page, "main button[name=confirmed]")
    assert page.locator("h1").inner_text() == PROPOSAL_TITLE

    page.goto(f"{someone.base_url}/propositions/{proposal.id}")
    page.check("input[name=stance][value=contre]")
    page.fill(".comment-form #body", COMMENT_TEXT)
    submit(page, ".comment-form button[type=submit]")
    assert COMMENT_TEXT in page.locator("main").inner_text()
    assert "Votre commentaire est publié." in flash(page)

    submit(page, "form[action$='/soutenir'] button")
    assert "Vous soutenez cette proposition." in page.locator("#soutien").inner_text()
    assert flash(page) == "Votre soutien est enregistré."

    submit(page, f"a[href='/signaler/comment/{comment.id}']")
    page.check("input[name=reason][value=off_topic]")
    page.fill("#details", "Sans rapport avec la proposition.")
    submit(page, "main form button[type=submit]")
    assert "Votre signalement est reçu" in flash(page)

    assert someone.watch.errors == [] and someone.watch.dialogs == []
    assert_journey_recorded("bleuenn@exemple.fr", consultation)


def test_the_similar_proposals_step(app, visitor, consultation):
    """The page of similar proposals passes axe-core; "Modifier ma proposition" gives the form
    back as typed, line breaks included, and the proposal is then published as typed."""
    author = factories.user()
    db.session.commit()
    someone = visitor(user=author, bypass_csp=True)
    page = someone.open(f"/projets/{consultation['project'].slug}/propositions/nouvelle")
    page.fill("#title", PROPOSAL_TITLE)
    page.fill("#body", "Pour recharger son téléphone.\nEn attendant le bus.")
    submit(page, "main form button[type=submit]")
    assert page.locator("h1").inner_text() == STEP
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, blocking
    like = consultation["like"].id
    assert page.locator(f"main form[action='/propositions/{like}/soutenir'] button").count() == 1
    submit(page, "main button[name=revise]")
    assert page.input_value("#title") == PROPOSAL_TITLE
    assert page.input_value("#body") == "Pour recharger son téléphone.\nEn attendant le bus."
    submit(page, "main form button[type=submit]")
    submit(page, "main button[name=confirmed]")
    assert page.locator("h1").inner_text() == PROPOSAL_TITLE
    db.session.rollback()
    made = db.session.scalars(select(Proposal).where(Proposal.author_id == author.id)).one()
    assert made.body == "Pour recharger son téléphone.\nEn attendant le bus."
    assert someone.watch.errors == [] and someone.watch.dialogs == []


def assert_journey_recorded(email: str, consultation: dict[str, Any]) -> None:
    """The account exists and is the author of the proposal, the comment (contre), the
    support and the report."""
    db.session.rollback()
    user = find_by_email(email)
    assert user is not None
    proposal, comment = consultation["proposal"], consultation["comment"]
    mine = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id)).all()
    assert [(p.title, p.project_id) for p in mine] == [
        (PROPOSAL_TITLE, consultation["project"].id)]
    said = db.session.scalars(select(Comment).where(Comment.author_id == user.id)).all()
    assert [(c.proposal_id, c.stance, c.body) for c in said] == [
        (proposal.id, "contre", COMMENT_TEXT)]
    supports = db.session.scalars(select(Support.proposal_id).where(Support.user_id == user.id))
    assert list(supports) == [proposal.id]
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id)).all()
    assert [(r.target_kind, r.target_id, r.reason) for r in reports] == [
        ("comment", comment.id, "off_topic")]
