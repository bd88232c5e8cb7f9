"""A form sent back refused, in Chromium under the site's CSP: the title starts with "Erreur :"
and, with JavaScript, the error summary has the focus (so a screen reader reads it first and
Tab goes on to the fields it links to); without JavaScript the title says it all the same."""

from __future__ import annotations

from consultation.extensions import db
from tests import factories

FOCUSED = """() => {
  const summary = document.querySelector('.error-summary');
  return Boolean(summary) && summary.contains(document.activeElement);
}"""


def test_the_error_summary_takes_the_focus(visitor):
    """Login sent empty: the summary has the focus, the title starts with "Erreur :", and its
    first link leads to the email field."""
    someone = visitor()
    page = someone.open("/compte/connexion")
    assert page.evaluate(FOCUSED) is False
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.title().startswith("Erreur\u00a0: ")
    assert page.evaluate(FOCUSED) is True
    page.keyboard.press("Tab")  # from the summary, the keyboard goes to its first link
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#email"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "email"
    assert someone.watch.errors == [] and someone.watch.console == []


def test_a_refused_comment_form_focuses_its_summary(visitor):
    """The same on a form of another kind, a logged-in person's comment sent empty."""
    project = factories.project("consultation")
    person = factories.user()
    db.session.commit()
    page = visitor(person).open(f"/projets/{project.slug}")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier mon commentaire").click()
    assert page.title().startswith("Erreur\u00a0: ")
    assert page.evaluate(FOCUSED) is True


def test_without_javascript_the_title_says_it(visitor):
    """Without JavaScript nothing moves the focus; the title starts with "Erreur :" and the
    summary is there, above the form."""
    page = visitor(javascript=False).open("/compte/connexion")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.title().startswith("Erreur\u00a0: ")
    assert page.locator(".error-summary a[href='#email']").count() == 1
