"""Rate limits: POSTs of logins, sign-ups, resets and posting counted per address and per
account; past a limit the French 429 page with Retry-After; memory, Redis, and Redis down."""

from __future__ import annotations

import os
import uuid
from html import unescape
from typing import Any

import pytest
from flask import Flask

from consultation.accounts.services import reset_token
from consultation.extensions import db, limiter
from tests import factories
from tests.conftest import login, other_app, services_missing

PASSWORD = "un-mot-de-passe-long"
SMALL = {
    "RATELIMIT_LOGIN_PER_IP": "4/minute",
    "RATELIMIT_LOGIN_PER_ACCOUNT": "3/minute",
    "RATELIMIT_REGISTER_PER_IP": "3/minute",
    "RATELIMIT_REGISTER_PER_ACCOUNT": "2/minute",
    "RATELIMIT_RESET_PER_IP": "4/minute",
    "RATELIMIT_RESET_PER_ACCOUNT": "2/minute",
    "RATELIMIT_POSTING_PER_IP": "5/minute",
    "RATELIMIT_POSTING_PER_ACCOUNT": "3/minute",
}


def limited_app(app: Flask, **settings: Any) -> Flask:
    """A second app on the same database with rate limits on, small enough to reach."""
    # The limiter is one object for the process: a Redis found dead by an earlier test must not
    # make this app count in memory.
    limiter._storage_dead = False
    return other_app(app, RATELIMIT_ENABLED=True, **{**SMALL, **settings})


@pytest.fixture
def limited(app: Flask) -> Flask:
    """Rate limits on, counted in memory."""
    return limited_app(app)


def client_at(app: Flask, address: str) -> Any:
    """A visitor coming from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client: Any, email: str, password: str = "mauvais-mot-de-passe") -> int:
    return client.post("/compte/connexion", data={"email": email, "password": password}).status_code


def assert_refused(response: Any) -> None:
    """The French 429 page, with how long to wait in the page and in Retry-After."""
    assert response.status_code == 429
    page = unescape(response.get_data(as_text=True))
    assert "Trop de tentatives" in page
    assert "Patientez" in page and "puis réessayez" in page
    assert '<html lang="fr">' in page
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    assert f"{seconds} seconde" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_login_limit_gives_the_french_429_page(limited):
    """Past the limit, even the right password waits: a French page and Retry-After."""
    factories.user(email="marie@exemple.fr", password=PASSWORD)
    db.session.commit()
    client = client_at(limited, "192.0.2.1")
    assert [log_in(client, "marie@exemple.fr") for _ in range(3)] == [200, 200, 200]
    assert_refused(client.post(
        "/compte/connexion", data={"email": "marie@exemple.fr", "password": PASSWORD}
    ))
    assert client.get("/compte/profil").status_code == 302  # not logged in


def test_login_limit_per_address_across_accounts(limited):
    """One address trying many accounts is stopped; another address is not."""
    client = client_at(limited, "192.0.2.2")
    codes = [log_in(client, f"personne{n}@exemple.fr") for n in range(4)]
    assert codes == [200, 200, 200, 200]
    assert_refused(client.post(
        "/compte/connexion", data={"email": "encore@exemple.fr", "password": "x" * 12}
    ))
    assert log_in(client_at(limited, "192.0.2.3"), "encore@exemple.fr") == 200


def test_login_limit_per_account_across_addresses(limited):
    """One account tried from many addresses is stopped (any case, spaces around)."""
    codes = [log_in(client_at(limited, f"198.51.100.{n}"), "cible@exemple.fr") for n in range(3)]
    assert codes == [200, 200, 200]
    elsewhere = client_at(limited, "198.51.100.200")
    assert_refused(elsewhere.post(
        "/compte/connexion", data={"email": "  CIBLE@exemple.fr ", "password": "x" * 12}
    ))
    assert log_in(elsewhere, "autre@exemple.fr") == 200


def test_showing_forms_is_not_counted(limited):
    """GETs of the forms never count: after many, the POSTs still have their allowance."""
    client = client_at(limited, "192.0.2.4")
    for _ in range(10):
        assert client.get("/compte/connexion").status_code == 200
        assert client.get("/compte/inscription").status_code == 200
        assert client.get("/compte/mot-de-passe-oublie").status_code == 200
    assert [log_in(client, "marie@exemple.fr") for _ in range(3)] == [200, 200, 200]


def test_only_the_api_counts_reads(limited):
    """Reads outside GETS_COUNTED_UNDER are let through before Flask-Limiter resolves their
    view's limits: that list holds every blueprint a limit of GET, HEAD or OPTIONS is set on."""
    from flask_limiter.util import get_qualified_name

    from consultation.core.ratelimits import GETS_COUNTED_UNDER

    manager = limiter.limit_manager
    reading = {
        name for name in limited.blueprints
        if any(not limit.methods or {"get", "head", "options"} & {m.lower() for m in limit.methods}
               for limit in manager.blueprint_limits(limited, name))
    }
    assert reading == GETS_COUNTED_UNDER
    decorated = 0
    for view in limited.view_functions.values():
        for limit in manager.decorated_limits(get_qualified_name(view)):
            assert limit.methods and {m.lower() for m in limit.methods} == {"post"}, view
            decorated += 1
    assert decorated > 20  # the views' own limits were found: all of them count POSTs only


def test_a_successful_login_counts_too(limited):
    """Every POST counts, whatever its outcome: a login that succeeds is one of them."""
    factories.user(email="marie@exemple.fr", password=PASSWORD)
    db.session.commit()
    client = client_at(limited, "192.0.2.5")
    assert [log_in(client, "marie@exemple.fr", PASSWORD) for _ in range(3)] == [302] * 3
    assert log_in(client, "marie@exemple.fr", PASSWORD) == 429


def test_registration_limit_per_address(limited):
    """Sign-ups from one address stop at the limit; nothing is created past it."""
    client = client_at(limited, "192.0.2.6")

    def register(n: int) -> int:
        client.post("/compte/deconnexion")
        return client.post("/compte/inscription", data={
            "email": f"nouveau{n}@exemple.fr", "display_name": f"Nouveau {n}",
            "commune": "", "password": PASSWORD, "confirm": PASSWORD, "charter": "y",
        }).status_code

    assert [register(n) for n in range(3)] == [302, 302, 302]
    assert register(3) == 429
    assert factories.accounts.find_by_email("nouveau3@exemple.fr") is None


def test_reset_request_limit_per_email(limited):
    """Reset links asked for one address stop at its limit, from any address."""
    codes = [
        client_at(limited, f"203.0.113.{n}").post(
            "/compte/mot-de-passe-oublie", data={"email": "marie@exemple.fr"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_reset_link_limit(limited):
    """Choosing a new password through one link stops at the limit; showing it is free."""
    user = factories.user(email="marie@exemple.fr", password=PASSWORD)
    db.session.commit()
    path = f"/compte/reinitialiser/{reset_token(user)}"
    client = client_at(limited, "192.0.2.7")
    for _ in range(5):
        assert client.get(path).status_code == 200
    bad = {"password": "court", "confirm": "court"}
    assert [client.post(path, data=bad).status_code for _ in range(3)] == [200, 200, 429]


def posting_urls(proposal_id: int) -> list[tuple[str, dict[str, str]]]:
    """Posting actions of different kinds, in turn."""
    comment = {"stance": "pour", "body": "Un avis argumenté."}
    return [
        (f"/propositions/{proposal_id}/soutenir", {}),
        (f"/propositions/{proposal_id}/retirer-soutien", {}),
        (f"/propositions/{proposal_id}/commentaires", comment),
        (f"/propositions/{proposal_id}/soutenir", {}),
    ]


def test_posting_limit_per_account_is_shared_by_every_kind(limited):
    """Supports, withdrawals and comments share one count per account."""
    proposal = factories.proposal(factories.project("consultation"))
    citizen, other = factories.user(), factories.user()
    db.session.commit()
    mine = login(client_at(limited, "192.0.2.8"), citizen)
    codes = [mine.post(url, data=data).status_code for url, data in posting_urls(proposal.id)]
    assert codes == [302, 302, 302, 429]
    # Another account at the same address still posts.
    theirs = login(client_at(limited, "192.0.2.8"), other)
    assert theirs.post(f"/propositions/{proposal.id}/soutenir").status_code == 302
    # The same account from another address is still over its limit.
    again = login(client_at(limited, "192.0.2.9"), citizen)
    assert_refused(again.post(f"/propositions/{proposal.id}/soutenir"))


def test_posting_limit_per_address(limited):
    """Many accounts posting from one address stop at the address's limit."""
    proposal = factories.proposal(factories.project("consultation"))
    people = [factories.user() for _ in range(3)]
    db.session.commit()
    codes = []
    for person in people:
        client = login(client_at(limited, "192.0.2.10"), person)
        codes += [client.post(f"/propositions/{proposal.id}/soutenir").status_code
                  for _ in range(2)]
    assert codes == [302, 302, 302, 302, 302, 429]


def test_posting_forms_are_not_counted(limited):
    """Opening a posting form (a new proposal, a reply) many times costs nothing."""
    project = factories.project("consultation")
    root = factories.comment(factories.proposal(project))
    citizen = factories.user()
    db.session.commit()
    client = login(client_at(limited, "192.0.2.11"), citizen)
    for _ in range(6):
        assert client.get(f"/projets/{project.slug}/propositions/nouvelle").status_code == 200
        assert client.get(f"/commentaires/{root.id}/repondre").status_code == 200
    assert client.post(f"/commentaires/{root.id}/repondre",
                       data={"stance": "neutre", "body": "Une réponse."}).status_code == 302


def test_limits_off_by_setting(app):
    """RATELIMIT_ENABLED=False (as in the other tests) never refuses."""
    client = client_at(app, "192.0.2.12")
    assert all(log_in(client, "marie@exemple.fr") == 200 for _ in range(15))


def redis_url() -> str:
    """The test Redis, or a skip (a failure under REQUIRE_SERVICES=1)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # not running, refused, unknown host
        services_missing(f"Redis ({error.__class__.__name__})")
    return url


def test_counts_in_redis_when_redis_url_is_set(app):
    """With REDIS_URL the counts live in Redis, shared by every worker and machine."""
    from redis import Redis

    url = redis_url()
    marker = uuid.uuid4().hex
    email = f"{marker}@exemple.fr"
    first = limited_app(app, REDIS_URL=url, RATELIMIT_STORAGE_URI=None)
    assert type(limiter.storage).__name__ == "RedisStorage"
    # Addresses of this run only: the shared Redis keeps an earlier run's counts for a minute.
    third, fourth = int(marker[:2], 16), int(marker[2:4], 16) % 84 * 3
    client = client_at(first, f"198.18.{third}.{fourth}")
    connection = Redis.from_url(url)
    try:
        assert [log_in(client, email) for _ in range(2)] == [200, 200]
        assert list(connection.scan_iter(f"*{marker}*"))
        # Another worker (another app, the same Redis) sees the same counts.
        second = limited_app(app, REDIS_URL=url, RATELIMIT_STORAGE_URI=None)
        assert log_in(client_at(second, f"198.18.{third}.{fourth + 1}"), email) == 200
        assert_refused(client_at(second, f"198.18.{third}.{fourth + 2}").post(
            "/compte/connexion", data={"email": email, "password": "x" * 12}
        ))
    finally:
        for key in connection.scan_iter(f"*{marker}*"):
            connection.delete(key)


def test_site_keeps_serving_when_redis_is_unreachable(app):
    """Nothing listens on the Redis port: pages and forms answer, and limits count in memory."""
    factories.user(email="marie@exemple.fr", password=PASSWORD)
    db.session.commit()
    down = limited_app(app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = client_at(down, "192.0.2.16")
    assert client.get("/").status_code == 200
    assert client.get("/compte/connexion").status_code == 200
    assert [log_in(client, "marie@exemple.fr") for _ in range(3)] == [200, 200, 200]
    assert_refused(client.post(
        "/compte/connexion", data={"email": "marie@exemple.fr", "password": PASSWORD}
    ))
    other = client_at(down, "192.0.2.17")
    assert log_in(other, "autre@exemple.fr", PASSWORD) == 200


def test_claim_codes_cannot_be_tried_in_a_row(limited):
    """Taking an account over with a mediator's code is counted as a sign-up is."""
    client = client_at(limited, "192.0.2.18")

    def claim(n: int) -> int:
        return client.post("/compte/reclamer", data={
            "code": f"ABCD-EFGH-JKL{n}", "email": f"reprise{n}@exemple.fr",
            "password": PASSWORD, "confirm": PASSWORD,
        }).status_code

    assert [claim(n) for n in range(3)] == [200, 200, 200]  # unknown codes, refused on the form
    assert_refused(client.post("/compte/reclamer", data={"code": "ABCD-EFGH-JKLM"}))
    assert client.get("/compte/reclamer").status_code == 200


def checks_recorded(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Flask-Limiter's checks of the requests that follow, each by its `in_middleware` (True
    before the view, False for a view's own limits); every check still runs."""
    from flask_limiter import Limiter

    asked: list[bool] = []
    whole_way = Limiter._check_request_limit

    def recorded(self: Any, callable_name: str | None = None, in_middleware: bool = True) -> None:
        asked.append(in_middleware)
        whole_way(self, callable_name=callable_name, in_middleware=in_middleware)

    monkeypatch.setattr(Limiter, "_check_request_limit", recorded)
    return asked


def test_a_page_read_with_limits_on_skips_flask_limiter_s_lookup(limited, monkeypatch):
    """Before the view, a GET no limit counts, and a POST outside any limited blueprint, are let
    through before Flask-Limiter looks limits up (extensions.QuickLimiter): an API read still
    goes the whole way (its blueprint has limits), and a POST meets its view's own limits."""
    from consultation.api import PREFIX

    asked = checks_recorded(monkeypatch)
    proposal = factories.proposal(factories.project("consultation"))
    citizen = factories.user()
    db.session.commit()
    client = login(client_at(limited, "192.0.2.20"), citizen)
    asked.clear()
    assert client.get(f"/propositions/{proposal.id}").status_code == 200
    assert asked == []
    assert client.get(f"{PREFIX}/projects").status_code == 200
    assert asked == [True]  # the API's reads count
    asked.clear()
    assert client.post(f"/propositions/{proposal.id}/soutenir").status_code == 302
    assert asked == [False]  # the view's own limits
    # A default limit (none is set) would count every request before its view.
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [object()])
    asked.clear()
    assert client.post(f"/propositions/{proposal.id}/retirer-soutien").status_code == 302
    assert asked == [True, False]


def test_views_limits_are_checked_only_for_a_post_with_limits_on(limited, monkeypatch):
    """A view's own limits (core/ratelimits.limited) count POSTs only: its form's GET, and any
    request while the limiter is off, goes to the view without Flask-Limiter's decorators
    resolving limits that cannot count it. A POST with limits on still meets them, and is
    still refused past them (test_posting_limit_per_account_is_shared_by_every_kind)."""
    asked = checks_recorded(monkeypatch)
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    citizen = factories.user()
    db.session.commit()
    client = login(client_at(limited, "192.0.2.23"), citizen)
    asked.clear()
    assert client.get(f"/projets/{project.slug}/propositions/nouvelle").status_code == 200
    assert client_at(limited, "192.0.2.23").get("/compte/connexion").status_code == 200
    assert asked == []
    assert client.post(f"/propositions/{proposal.id}/soutenir").status_code == 302
    assert asked == [False]
    monkeypatch.setattr(limiter, "enabled", False)  # RATELIMIT_ENABLED=0, as in the benchmark
    asked.clear()
    assert client.post(f"/propositions/{proposal.id}/retirer-soutien").status_code == 302
    assert asked == []
    assert log_in(client_at(limited, "192.0.2.23"), str(citizen.email)) == 200
    assert asked == []


def test_meta_limits_keep_flask_limiter_s_path_for_every_request(limited, monkeypatch):
    """Flask-Limiter checks meta limits even for a request its filters exempt: with any set,
    the quick path is not taken."""
    from flask_limiter import Limiter

    asked: list[bool] = []
    monkeypatch.setattr(Limiter, "_check_request_limit",
                        lambda self, callable_name=None, in_middleware=True:
                        asked.append(in_middleware))
    monkeypatch.setattr(limiter, "_meta_limits", [object()])
    assert client_at(limited, "192.0.2.21").get("/").status_code == 200
    assert asked == [True]


def test_limit_texts_are_parsed_once(limited):
    """Flask-Limiter reads a view's limits through the config at every request and parses them
    with the function extensions.py replaces: a new version that stopped calling it would let
    this test know. The items parsed once are the same for every request, and count as before
    (test_posting_limit_per_address)."""
    import flask_limiter._limits as flask_limiter_limits

    from consultation.extensions import _parse_many, _parsed_limits

    assert flask_limiter_limits.parse_many is _parsed_limits
    proposal = factories.proposal(factories.project("consultation"))
    citizen = factories.user()
    db.session.commit()
    client = login(client_at(limited, "192.0.2.22"), citizen)
    client.post(f"/propositions/{proposal.id}/soutenir")
    before = _parse_many.cache_info()
    client.post(f"/propositions/{proposal.id}/soutenir")
    after = _parse_many.cache_info()
    assert after.hits > before.hits and after.misses == before.misses
    assert [str(item) for item in _parsed_limits("5/minute;30/hour")] == [
        "5 per 1 minute", "30 per 1 hour"]
