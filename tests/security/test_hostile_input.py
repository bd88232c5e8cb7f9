"""Hostile input, property-based: every form and every query parameter the views read.

For each POST route and each GET route that reads its query string (the `form` and `query` of
the catalogue, tests/routes.py), Hypothesis sends bodies and query strings built from hostile
values: 100 kB strings, control characters and NUL bytes, invalid UTF-8 and lone surrogates (as
raw bytes), negative and huge numbers, forged cursors, dates that do not exist, unknown choices,
lists, missing, duplicated and unknown fields. Whatever arrives, the answer is a success or a
redirect, or a 4xx French page: never a 5xx. Public routes are sent by a visitor, the others by
someone holding every role, so the forms themselves are reached.

Bounded for CI: 20 examples per route (`HYPOTHESIS_PROFILE=ci`: always the same ones), one
world per domain; then a few values that broke pages once, in every field.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation.extensions import db
from tests import factories
from tests.routes import (
    PUBLIC,
    ROUTES,
    WALK,
    changed_tables,
    client_for,
    dump,
    french_error,
    french_page,
)

FORM_ROUTES = [endpoint for endpoint in WALK if ROUTES[endpoint].writes]
QUERY_ROUTES = [endpoint for endpoint, route in ROUTES.items()
                if route.query and "GET" in route.method_list]

HOSTILE: list[bytes] = [
    b"", b" ", b"\x00", b"a\x00b", b"\x00" * 50, b"\x01\x02\x1b[31m\x7f", b"\r\n\r\nX-Faux: 1",
    "\u202eevil\u2066".encode(), "\ufeff".encode(), "²".encode(), "２".encode(), "é".encode(),
    "\ud800".encode("utf-8", "surrogatepass"), "\udfff".encode("utf-8", "surrogatepass"),
    b"\xff\xfe\xfd", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80abc",
    b"a" * 100_000, "é".encode() * 50_000, b"\x00" * 100_000,
    b"0", b"-1", b"-0", b"1e309", b"NaN", b"inf", b"0x10", b"1_000", b" 7 ",
    b"2147483647", b"2147483648", b"-2147483649", b"9223372036854775808",
    b"99999999999999999999999999999999999999", b"-99999999999999999999",
    b"2026-02-30", b"0000-00-00", b"9999-12-31", b"0001-01-01", b"10000-01-01",
    b"definitif", b"masquer", b"accepted", b"none", b"hasard", b"soutiens", b"ouverts",
    b"proposal", b"comment", b"user", b"other", b"pour", b"y", b"on", b"fr", b"en", b"xx",
    b"<script>alert(1)</script>", b"' OR 1=1 --", b"%00", b"%", b"_", b"../../etc/passwd",
    b"//exemple.org", b"javascript:alert(1)", b"[]", b"{}", b"null", b"None", b"true",
    b"W10", b"WzAsMV0", b"WzEsMiwzXQ", b"WyJhIl0", b"eyJhIjoxfQ", b"=" * 300, b"\xff" * 300,
]

# Weighted towards the hostile list; the rest is anything at all.
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(HOSTILE),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.integers().map(lambda n: str(n).encode()),
)
Pairs = list[tuple[bytes, bytes, bool]]  # (name, value, sent without percent-escapes)


def encode(pairs: Pairs) -> bytes:
    """An urlencoded body or query string; `raw` values go unescaped (invalid UTF-8 as is)."""
    return b"&".join(
        key + b"=" + (value if raw else quote_from_bytes(value, safe="").encode())
        for key, value, raw in pairs
    )


@st.composite
def payloads(draw: Any, valid: list[tuple[str, str]], names: list[str]) -> Pairs:
    """Mostly a valid form with one or two fields made hostile (some dropped or sent twice);
    otherwise any list of known and unknown names with hostile values."""
    if valid and draw(st.integers(0, 3)):
        pairs = [(name.encode(), value.encode(), False) for name, value in valid]
        for _ in range(draw(st.integers(1, 2))):
            index = draw(st.integers(0, len(pairs) - 1))
            pairs[index] = (pairs[index][0], draw(values), draw(st.booleans()))
        twice = draw(st.integers(0, len(pairs)))
        if twice < len(pairs):
            pairs.append((pairs[twice][0], draw(values), False))
        drop = draw(st.integers(0, 2 * len(pairs)))
        return [pair for i, pair in enumerate(pairs) if i != drop]
    keys = st.sampled_from([name.encode() for name in names] + [b"inconnu", b"page[]"])
    return draw(st.lists(st.tuples(keys, values, st.booleans()), max_size=8))


def answered_calmly(response: Any, endpoint: str, sent: bytes) -> None:
    """A success or redirect, or a 4xx French page; never a 5xx."""
    assert response.status_code < 500, (endpoint, response.status_code, sent[:300])
    if response.status_code >= 400:
        french_page(response)


def _client(app: Any, world: Any, endpoint: str) -> Any:
    if ROUTES[endpoint].rule == PUBLIC:
        return app.test_client()
    return client_for(app, world)


# 20 per route in the suite; HOSTILE_EXAMPLES=500 searches deeper, by hand.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "20"))
BOUNDED = settings(max_examples=EXAMPLES, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
])
# One world per domain (building one costs more than the requests): routes grouped by blueprint.
DOMAINS = sorted({endpoint.split(".")[0] for endpoint in FORM_ROUTES + QUERY_ROUTES})


def _post_hostile(app: Any, world: Any, endpoint: str) -> None:
    route = ROUTES[endpoint]
    valid = list(world.form(route).items())
    names = [name for name, _value in valid] or ["champ"]

    @BOUNDED
    @given(pairs=payloads(valid, names), method=st.sampled_from(route.writes))
    def check(pairs: Pairs, method: str) -> None:
        body = encode(pairs)
        response = _client(app, world, endpoint).open(
            world.url(route), method=method, data=body,
            content_type="application/x-www-form-urlencoded",
        )
        answered_calmly(response, endpoint, body)

    check()


def _get_hostile(app: Any, world: Any, endpoint: str) -> None:
    route = ROUTES[endpoint]

    @BOUNDED
    @given(pairs=payloads([], list(route.query)))
    def check(pairs: Pairs) -> None:
        query = encode(pairs)
        response = _client(app, world, endpoint).get(
            world.url(route), environ_overrides={"QUERY_STRING": query.decode("latin-1")}
        )
        answered_calmly(response, endpoint, query)

    check()


@pytest.mark.parametrize("domain", DOMAINS)
def test_hostile_forms_and_queries_are_answered_calmly(app, world_of, domain):
    """Every form and query string of the domain's routes: never a 5xx."""
    world = world_of("everything")
    for endpoint in FORM_ROUTES:
        if endpoint.startswith(f"{domain}."):
            _post_hostile(app, world, endpoint)
    for endpoint in QUERY_ROUTES:
        if endpoint.startswith(f"{domain}."):
            _get_hostile(app, world, endpoint)


# Values that broke pages once, sent in every field of every form (the rest of it valid), and
# in every query parameter: a NUL (refused by PostgreSQL in text), invalid UTF-8 sent raw, a
# number past 64 bits, a lone surrogate.
KILLERS: list[tuple[bytes, bool]] = [
    (b"a\x00b", False), (b"\xff\xfe", True), (b"99999999999999999999999", False),
    (b"\xed\xa0\x80", False),
]


def test_known_killers_in_every_field(app, world_of):
    """Each killer value in each field of each form, and in each query parameter."""
    world = world_of("everything")
    for endpoint in FORM_ROUTES:
        route = ROUTES[endpoint]
        valid = world.form(route)
        for name in valid:
            for value, raw in KILLERS:
                pairs = [(k.encode(), v.encode(), False) for k, v in valid.items() if k != name]
                body = encode([(name.encode(), value, raw), *pairs])
                response = _client(app, world, endpoint).open(
                    world.url(route), method=route.writes[0], data=body,
                    content_type="application/x-www-form-urlencoded",
                )
                answered_calmly(response, endpoint, body)
    for endpoint in QUERY_ROUTES:
        route = ROUTES[endpoint]
        for name in route.query:
            for value, raw in KILLERS:
                query = encode([(name.encode(), value, raw)])
                response = _client(app, world, endpoint).get(
                    world.url(route), environ_overrides={"QUERY_STRING": query.decode("latin-1")}
                )
                answered_calmly(response, endpoint, query)


def test_every_route_that_reads_input_is_fuzzed():
    """The catalogue names the query parameters of the list pages (a sanity check of it)."""
    assert {"projects.index", "proposals.index", "moderation.queue", "moderation.journal",
            "accounts.users"} <= set(QUERY_ROUTES)
    assert len(FORM_ROUTES) >= 35


# The placeholders of the catalogue that take text (the others are ids, refused as a 404 by the
# URL converter when they are not numbers).
TEXT_SEGMENTS = ("slug", "other_slug", "reset_token", "unsubscribe_token")
SEGMENTS = [b"a\x00b", b"\x00", b"\xff\xfe", b"\xed\xa0\x80", "é".encode(), b"a" * 5000,
            b"..", b"%00", b"-", b"UPPER"]


def test_hostile_path_segments(app, world_of):
    """Hostile text in place of a project slug or a reset token, on every route that takes
    one: a French 4xx (or the page), never a 5xx."""
    world = world_of("everything")
    routes = [endpoint for endpoint, route in ROUTES.items()
              if any(f"{{{name}}}" in route.url for name in TEXT_SEGMENTS)]
    assert len(routes) >= 14
    for endpoint in routes:
        route = ROUTES[endpoint]
        for segment in SEGMENTS:
            marker = "\x01marker\x01"
            path = world.url(route, **{name: marker for name in TEXT_SEGMENTS})
            raw = path.encode().replace(marker.encode(), segment)
            for method in route.method_list:
                response = _client(app, world, endpoint).open(
                    "/", method=method, data=world.form(route) if method != "GET" else None,
                    environ_overrides={"PATH_INFO": raw.decode("latin-1")},
                )
                answered_calmly(response, endpoint, raw)


# --- The fixes the walk above called for ------------------------------------------------------

@pytest.mark.parametrize("body", ["Un avis\x00 caché", "Un avis \x1b[31mcoloré", "\x7f" * 3])
def test_control_characters_in_text_are_a_french_field_error(app, world_of, body):
    """A NUL (which PostgreSQL refuses in text) or another control character in a text field:
    the form comes back with a French message on the field, what was typed kept, nothing
    stored."""
    world = world_of("citizen")
    route = ROUTES["comments.on_proposal"]
    before = dump()
    response = client_for(app, world).post(world.url(route), data={"stance": "pour",
                                                                   "body": body})
    assert response.status_code == 200
    page = french_page(response)
    assert "Ce champ contient des caractères non autorisés." in page
    assert 'aria-invalid="true"' in page
    assert changed_tables(before, dump()) == []


def test_tabs_and_line_breaks_are_text(app, world_of):
    """Tabs and line breaks stay allowed in text."""
    world = world_of("citizen")
    response = client_for(app, world).post(
        world.url(ROUTES["comments.on_proposal"]),
        data={"stance": "pour", "body": "Premier point :\r\n\tun détail.\n\nSecond point."},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/projets", "/compte/connexion", "/nulle-part"])
def test_query_string_that_is_not_utf8_is_a_french_400(app, url):
    """Raw bytes that are not UTF-8 in the query string: the French 400 page, with the page
    memory on as in production (it reads the query string before any view)."""
    from consultation import create_app
    from tests.conftest import IsolatedClient

    for application in (app, create_app({**app.config, "PAGE_CACHE_SECONDS": 60})):
        application.test_client_class = IsolatedClient
        response = application.test_client().get(
            url, environ_overrides={"QUERY_STRING": "q=%ED%A0&x=\xff\xfe"}
        )
        french_error(response, 400)
        # Escaped, the same bytes are only unusual text: the page shows.
        assert application.test_client().get(f"{url}?q=%ff%fe").status_code in (200, 404)


@pytest.mark.parametrize("slug", ["a\x00b", "Projet", "a" * 121, "é"])
def test_what_cannot_be_a_slug_is_a_french_404(client, slug):
    """A project address that no slug can have is the French 404 page, without asking the
    database (PostgreSQL refuses a NUL in text)."""
    project = factories.project(slug="un-projet-2026")
    db.session.commit()
    for url in (f"/projets/{slug}", f"/projets/{slug}/propositions",
                f"/projets/{slug}/synthese"):
        french_error(client.get(url), 404)
    assert client.get(f"/projets/{project.slug}").status_code == 200
