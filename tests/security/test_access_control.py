"""Every route x every role answers as the permission registry says.

For each route of the catalogue (tests/routes.py) and each of the seven roles (anonymous,
citizen, mediator, moderator, admin, elected, blocked citizen), every method is sent with a
valid form. The expected answer is computed from `can(user, rule, target)` just before the
request: allowed, the page shows (200, or a redirect elsewhere than the login page) and a valid
POST does what it says (the database changes); refused, a visitor is sent to the login page and
a logged-in user gets the French 403 page, and the database is left exactly as it was.
`count_checks()` in tests/routes.py gives the number of route x role pairs: 94 x 7 = 658 today,
861 requests. Account deletion is walked last (tests/routes.py, WALK).

Then acting on someone else's content by changing an id in the URL, and unknown ids.
"""

from __future__ import annotations

from string import Formatter

import pytest

from consultation.core.permissions import rules
from tests.routes import (
    ROLES,
    ROUTES,
    WALK,
    Route,
    World,
    changed_tables,
    client_for,
    count_checks,
    dump,
    french_error,
    goes_to_login,
)


def _send(app, world: World, route: Route, method: str, **swap):
    data = world.form(route) if method != "GET" else None
    return client_for(app, world).open(world.url(route, **swap), method=method, data=data)


def judge(world: World, route: Route, method: str, allowed: bool, response,
          changed: list[str]) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    if allowed:
        if goes_to_login(response) or status not in (200, 302, 303):
            return f"allowed, but answered {status} {response.headers.get('Location', '')}"
        if method == "GET" and changed:
            return f"a GET changed {changed}"
        if method != "GET" and route.changes and not changed:
            return f"allowed POST answered {status} but changed nothing"
        return None
    if changed:
        return f"refused, but changed {changed}"
    if world.me_id is None:
        return None if goes_to_login(response) else f"visitor not sent to login: {status}"
    if status != 403:
        return f"refused, but answered {status}"
    try:
        french_error(response, 403)
    except AssertionError as error:
        return f"403 without the French page: {error}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_as_the_registry_says(app, world_of, role):
    """Each route x method, for this role: allowed or refused exactly as can() says."""
    world = world_of(role)
    problems, checked, allowed_count = [], 0, 0
    before = dump()
    for endpoint in WALK:
        route = ROUTES[endpoint]
        for method in route.method_list:
            allowed = world.allows(route)
            response = _send(app, world, route, method)
            after = dump()  # only the requests write: the state after one is before the next
            changed, before = changed_tables(before, after), after
            problem = judge(world, route, method, allowed, response, changed)
            if problem:
                problems.append((endpoint, method, problem))
            checked += 1
            allowed_count += allowed
    assert problems == []
    assert checked == count_checks()["requests"] // len(ROLES)
    # Not vacuous: each role is allowed some routes and refused others (visitors: public ones).
    assert 0 < allowed_count < checked


# --- Someone else's content, by its id in the URL ---------------------------------------------

# For each placeholder naming the acting user's own content, another user's item of that kind.
SOMEONE_ELSES = {"proposal": "to_hide", "withdrawable": "to_hide", "comment": "their_comment",
                 "deletable": "their_comment"}


def _author_routes() -> list[str]:
    """The routes whose rule asks for the author."""
    registry = rules()
    return [endpoint for endpoint, route in ROUTES.items() if route.rule in registry
            and any(p.name == "is_author" for p in registry[route.rule].predicates)]


def test_author_routes_are_known():
    """Every route reserved to authors takes its content from a placeholder swapped below."""
    endpoints = _author_routes()
    assert set(endpoints) >= {"proposals.edit", "proposals.withdraw", "comments.edit",
                              "comments.delete"}
    for endpoint in endpoints:
        names = {n for _, n, _, _ in Formatter().parse(ROUTES[endpoint].url) if n}
        assert names & set(SOMEONE_ELSES), endpoint


@pytest.mark.parametrize("endpoint", ["proposals.edit", "proposals.withdraw", "comments.edit",
                                      "comments.delete"])
def test_someone_elses_content_by_changing_the_id(app, world_of, endpoint):
    """Citizen A opening or posting the edit, withdraw or delete of B's item: French 403, and
    nothing changes; the same request on A's own item works."""
    assert endpoint in _author_routes()
    world = world_of("citizen")
    route = ROUTES[endpoint]
    swap = {name: world.ids[other] for name, other in SOMEONE_ELSES.items()}
    for method in route.method_list:
        before = dump()
        french_error(_send(app, world, route, method, **swap), 403)
        assert changed_tables(before, dump()) == [], (endpoint, method)
    response = _send(app, world, route, "POST")
    assert response.status_code == 302 and not goes_to_login(response)
    assert changed_tables(before, dump()) != []


UNKNOWN = {"slug": "inconnu", "other_slug": "inconnu", "year": 2999}


def _with_ids() -> list[str]:
    """The routes whose URL names an object (all but the reset and confirmation links, whose
    tokens are checked by tests/accounts)."""
    found = []
    for endpoint, route in ROUTES.items():
        names = {n for _, n, _, _ in Formatter().parse(route.url) if n}
        if names and names.isdisjoint({"reset_token", "confirm_token"}):
            found.append(endpoint)
    return found


def test_unknown_ids_are_a_french_404(app, world_of):
    """Every URL naming an object that does not exist (an id, a project, a year) answers the
    French 404 page, to someone holding every role, and changes nothing."""
    world = world_of("everything")
    endpoints = _with_ids()
    assert len(endpoints) > 35
    before = dump()
    for endpoint in endpoints:
        route = ROUTES[endpoint]
        swap = {name: UNKNOWN.get(name, 999_999) for name in world.ids}
        for method in route.method_list:
            response = _send(app, world, route, method, **swap)
            assert response.status_code == 404, (endpoint, method, response.status_code)
            french_error(response, 404)
    assert changed_tables(before, dump()) == []
