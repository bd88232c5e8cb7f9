"""No GET or HEAD changes anything: every GET route, as every role, leaves every table as it
was (compared row by row, no column excluded), including the confirmation pages of destructive
actions (withdraw a proposal, delete a comment), which only show a form that POSTs."""

from __future__ import annotations

import pytest

from tests.routes import ROLES, ROUTES, changed_tables, client_for, dump, french_page

GET_ROUTES = [endpoint for endpoint, route in ROUTES.items() if "GET" in route.method_list]


def test_confirmation_pages_exist_for_destructive_actions():
    """Withdrawing a proposal and deleting a comment take GET (a confirmation page) and POST."""
    for endpoint in ("proposals.withdraw", "comments.delete"):
        assert ROUTES[endpoint].method_list == ["GET", "POST"]


@pytest.mark.parametrize("role", [*ROLES, "everything"])
def test_get_and_head_change_nothing(app, world_of, role):
    """Every GET route, GET then HEAD, for this role: the database is unchanged."""
    world = world_of(role)
    changed = []
    before = dump()
    for endpoint in GET_ROUTES:
        route = ROUTES[endpoint]
        for method in ("GET", "HEAD"):
            response = client_for(app, world).open(world.url(route), method=method)
            assert response.status_code < 500, (endpoint, method)
            after = dump()
            if tables := changed_tables(before, after):
                changed.append((endpoint, method, tables))
            before = after
    assert changed == []


@pytest.mark.parametrize("endpoint", ["proposals.withdraw", "comments.delete"])
def test_confirmation_page_is_a_form_that_posts(app, world_of, endpoint):
    """The author's GET shows the confirmation form (POST to the same URL); the item stays."""
    world = world_of("citizen")
    route = ROUTES[endpoint]
    before = dump()
    response = client_for(app, world).get(world.url(route))
    assert response.status_code == 200
    page = french_page(response)
    assert 'method="post"' in page and 'name="csrf_token"' in page
    assert changed_tables(before, dump()) == []
