"""The catalogue of routes (tests/routes.py) is the app's URL map, entry for entry."""

from __future__ import annotations

from string import Formatter

from consultation.core.permissions import rules
from tests.routes import ACCOUNT, PUBLIC, ROLES, ROUTES, count_checks

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_every_endpoint_is_in_the_catalogue(app):
    """A route added to the app without its line in tests/routes.py fails here."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES))
    assert missing == [], f"add these endpoints to ROUTES in tests/routes.py: {missing}"
    assert sorted(set(ROUTES) - endpoints) == [], "entries for endpoints that no longer exist"


def test_methods_and_rules_are_those_of_the_app(app):
    """Each entry lists the route's methods, and names a registered rule (or public/account)."""
    known = set(rules())
    for rule in app.url_map.iter_rules():
        route = ROUTES[rule.endpoint]
        assert set(route.methods.split()) == set(rule.methods or ()) - IGNORED_METHODS, \
            rule.endpoint
        assert route.rule in known | {PUBLIC, ACCOUNT}, rule.endpoint


def test_every_url_reaches_its_endpoint(app, world_of):
    """The URL built from the world is matched by the endpoint it is listed under."""
    world = world_of("citizen")
    adapter = app.url_map.bind("localhost")
    for endpoint, route in ROUTES.items():
        for method in route.method_list:
            matched, _args = adapter.match(world.url(route), method=method)
            assert matched == endpoint, (endpoint, method)
        names = {name for _, name, _, _ in Formatter().parse(route.url) if name}
        assert names <= set(world.ids), (endpoint, names - set(world.ids))


def test_count_of_checks():
    """The access-control walk covers every route for the seven roles."""
    counted = count_checks()
    assert counted["roles"] == len(ROLES) == 7
    assert counted["endpoints"] == len(ROUTES) >= 58
    assert counted["route_role_pairs"] == len(ROUTES) * 7 >= 406
    print(f"\naccess control: {counted}")
