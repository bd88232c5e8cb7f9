"""A form sent back refused says so at once: its page's title starts with "Erreur :" and it
carries its error summary (links to each field in error), which takes the focus (checked in
Chromium by tests/browser/test_form_errors.py). Every form of the route catalogue
(tests/routes.py) is sent with its fields emptied, as a person who clicks too fast does."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.routes import PUBLIC, ROUTES, World, client_for

# Forms that empty fields cannot refuse: every field is optional, or the form is only a button.
NOTHING_TO_REFUSE = {
    "accounts.resend_confirmation": "a button; its one field is the page to come back to",
    "accounts.user_roles": "no role at all is a choice",
    "main.language": "a button; its fields are the language and the page to come back to",
    "mediation.extend": "a button; its one field is the page to come back to",
    "moderation.unmerge": "a button of the journal, which says why it refused in a message",
    "notifications.read": "a button; its one field is the page to come back to",
    "opinions.decide": "approving a statement is a button: only refusing or hiding needs a "
                       "reason, and one refused without it says why in a message",
    "notifications.unsubscribe_one_click": "what mail programs send, with no page",
    "projects.publish": "a confirmation: sent without its button, the page is shown again",
    "reference.territories": "every population is optional",
    "syntheses.draft": "a draft may be empty",
}
FORMS = sorted(endpoint for endpoint, route in ROUTES.items()
               if route.form and route.writes and endpoint not in NOTHING_TO_REFUSE)

TITLE = re.compile(r"<title>([^<]*)</title>")


def emptied(form: dict[str, str]) -> dict[str, str]:
    """The form with every field emptied (a button's name and value kept: it says what to do)."""
    return {name: (value if name in ("save", "confirmed", "next") else "")
            for name, value in form.items()}


def refused(app: Any, world: World, endpoint: str) -> Any:
    """The answer to the route's form sent empty, by whoever may send it."""
    route = ROUTES[endpoint]
    client = app.test_client() if route.rule == PUBLIC else client_for(app, world)
    return client.post(world.url(route), data=emptied(world.form(route)))


@pytest.fixture
def world(app, monkeypatch) -> World:
    """The catalogue's data, seen by someone who holds every role."""
    return World("everything", monkeypatch)


def test_every_form_sent_back_refused_says_so_in_its_title(app, world):
    """Each form comes back (200 or 422) with "Erreur :" first in its title and its error
    summary, a list of links to the fields in error."""
    assert len(FORMS) > 20
    faults = {}
    for endpoint in FORMS:
        response = refused(app, world, endpoint)
        page = response.get_data(as_text=True)
        title = TITLE.search(page)
        problems = []
        if response.status_code not in (200, 422):
            problems.append(f"status {response.status_code}")
        if not title or not title.group(1).startswith("Erreur\u00a0: "):
            problems.append(f"title {title.group(1) if title else None!r}")
        if 'class="error-summary"' not in page:
            problems.append("no error summary")
        if problems:
            faults[endpoint] = problems
    assert not faults, "\n".join(f"{k}: {v}" for k, v in faults.items())


def test_a_page_without_refusal_keeps_its_title(app, world):
    """The form shown for the first time, and a refused form's own page afterwards, have the
    plain title."""
    client = client_for(app, world)
    page = client.get("/admin/projets/nouveau").get_data(as_text=True)
    assert "<title>Nouveau projet" in page and "error-summary" not in page
    assert "forms.js" not in page
    refused_page = client.post("/admin/projets/nouveau", data={"title": "", "summary": ""})
    text = refused_page.get_data(as_text=True)
    assert "<title>Erreur\u00a0: Nouveau projet" in text
    assert '<script src="/static/forms.js" defer></script>' in text


def test_a_list_filter_with_a_wrong_value_is_no_refusal(app, world):
    """A list's filters (a GET form) given a value they ignore: no "Erreur :", no script."""
    page = app.test_client().get("/suivi?statut=zzz").get_data(as_text=True)
    assert "<title>Suivi des engagements" in page and "forms.js" not in page
