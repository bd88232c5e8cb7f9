"""Security headers on every response (pages, errors, redirects, static files, PDFs, pages kept
in memory), HSTS over HTTPS and in production, the production mode's cookies and its refusal of
a weak SECRET_KEY, and templates free of inline script, style and event handlers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from consultation import ROOT, create_app
from consultation.accounts.services import reset_token
from consultation.config import from_environment
from consultation.core.security import DEFAULT_SECRET_KEY, InsecureConfiguration
from consultation.extensions import db
from tests import factories
from tests.conftest import IsolatedClient
from tests.core.test_pagecache import queries_of
from tests.core.test_rate_limits import limited_app
from tests.test_pages import admin_urls, citizen_urls, moderator_urls, public_urls, site

__all__ = ["site"]  # the pages' data, shared with tests/test_pages.py

STRONG_SECRET = "k" * 32
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens: starting must not need Redis
SAME_EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def assert_secured(response: Any, what: str, https: bool = False) -> None:
    """The headers every response carries; HSTS only over HTTPS (or in production)."""
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}
    assert directives.get("default-src") == ["'self'"], (what, policy)
    assert directives.get("script-src") == ["'self'"], (what, policy)
    assert directives.get("style-src") == ["'self'"], (what, policy)
    assert directives.get("frame-ancestors") == ["'none'"], (what, policy)
    assert directives.get("object-src") == ["'none'"], (what, policy)
    assert directives.get("base-uri") == ["'none'"], (what, policy)
    assert directives.get("form-action") == ["'self'"], (what, policy)
    assert "unsafe" not in policy and "http" not in policy and "*" not in policy, (what, policy)
    for name, value in SAME_EVERYWHERE.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    assert "camera=()" in headers.get("Permissions-Policy", ""), what
    assert ("Strict-Transport-Security" in headers) is https, (what, https)
    if https:
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), what


def get_routes_without_arguments(app: Flask) -> list[str]:
    """Every GET route of the app that builds without arguments."""
    return sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    )


# --- every response -----------------------------------------------------------------------------

def test_every_route_without_arguments(app, client, as_role):
    """Each GET route without arguments, for a visitor, a citizen and staff, whatever its status."""
    factories.project("consultation")
    db.session.commit()
    routes = get_routes_without_arguments(app)
    assert {"/", "/projets", "/healthz", "/compte/connexion", "/moderation/journal.csv"} <= set(
        routes
    )
    staff = as_role("citizen", "admin", "moderator")
    statuses = set()
    for who in (client, as_role("citizen"), staff):
        for url in routes:
            response = who.get(url)
            statuses.add(response.status_code)
            assert_secured(response, url)
    assert {200, 302, 403} <= statuses  # pages, redirects to login and refusals alike


def test_pages_with_arguments(client, site):
    """The pages of every kind, on data like the demo's, for each kind of visitor."""
    for who, urls in ((client, public_urls(site)), (site["citizen"], citizen_urls(site)),
                      (site["admin"], admin_urls(site)), (site["moderator"], moderator_urls(site))):
        for url in urls:
            response = who.get(url)
            assert response.status_code == 200, url
            assert_secured(response, url)
    slug, moderator = site["project"].slug, site["moderator"]
    more = [
        (moderator, f"/moderation/proposal/{site['proposal'].id}"),
        (moderator, f"/moderation/comptes/{site['citizen'].user.id}"),
        (moderator, f"/moderation/fusion/{site['proposal'].id}"),
        (site["admin"], f"/signaler/proposal/{site['proposal'].id}"),
        (site["admin"], f"/propositions/{site['proposal'].id}/reponse"),
        (client, f"/compte/reinitialiser/{reset_token(site['citizen'].user)}"),
        (client, f"/projets/{slug}/synthese/v1/pdf"),
        (client, "/rencontres/2026/dossier"),
        (client, "/static/style.css"),
        (client, "/static/print.css"),
    ]
    for who, url in more:
        response = who.get(url)
        assert response.status_code == 200, url
        assert_secured(response, url)


def test_pdf_responses(client, site):
    """A synthesis PDF and an edition's dossier are PDFs carrying the same headers."""
    for url in (f"/projets/{site['project'].slug}/synthese/v1/pdf", "/rencontres/2026/dossier"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf", url
        assert response.data.startswith(b"%PDF"), url
        assert_secured(response, url)


def test_error_responses(app, client, as_role):
    """400, 403, 404, 405, 429, 500 and redirects carry the headers too."""
    citizen = as_role("citizen")
    answers = {
        400: client.get("/compte/reinitialiser/pas-un-jeton"),
        403: citizen.get("/admin/utilisateurs"),
        404: client.get("/nulle-part"),
        405: client.get("/compte/deconnexion"),
        302: client.get("/compte/profil"),
    }
    limited = limited_app(app)
    visitor = limited.test_client()
    for n in range(4):
        visitor.post("/compte/connexion", data={"email": f"{n}@exemple.fr", "password": "x" * 12})
    answers[429] = visitor.post("/compte/connexion", data={"email": "y@exemple.fr",
                                                            "password": "x" * 12})
    failing = create_app({**app.config})

    def broken() -> str:
        raise RuntimeError("panne")

    failing.add_url_rule("/panne", "panne", broken)
    failing.test_client_class = IsolatedClient
    answers[500] = failing.test_client().get("/panne")
    protected = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    protected.test_client_class = IsolatedClient
    answers[4000] = protected.test_client().post("/compte/connexion", data={"email": "a@b.fr"})
    for status, response in answers.items():
        assert response.status_code == (400 if status == 4000 else status), status
        assert_secured(response, str(status))
    assert "Erreur du serveur" in answers[500].get_data(as_text=True)


def test_pages_kept_in_memory_carry_the_headers(app):
    """A page served from the anonymous page memory, without a query, has them too."""
    project = factories.project(title="Un projet en mémoire")
    db.session.commit()
    cached = create_app({**app.config, "PAGE_CACHE_SECONDS": 60})
    cached.test_client_class = IsolatedClient
    url = f"/projets/{project.slug}"
    queries_of(cached, cached.test_client(), url)
    client = cached.test_client()
    counted, _page = queries_of(cached, client, url)
    assert counted == 0  # from memory
    assert_secured(client.get(url), url)


# --- HTTPS, the proxy, production ---------------------------------------------------------------

def test_hsts_only_over_https(client):
    """Plain HTTP gets no HSTS (it would be ignored, and breaks local use); HTTPS does."""
    assert_secured(client.get("/"), "http", https=False)
    assert_secured(client.get("/", base_url="https://localhost"), "https", https=True)


def test_forwarded_proto_is_trusted_only_behind_a_declared_proxy(app):
    """X-Forwarded-Proto counts only when PROXY_FIX names the proxies in front."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    direct = create_app({**app.config}).test_client()
    assert "Strict-Transport-Security" not in direct.get("/", headers=forwarded).headers
    proxied = create_app({**app.config, "PROXY_FIX": 1}).test_client()
    assert_secured(proxied.get("/", headers=forwarded), "behind a proxy", https=True)
    assert_secured(proxied.get("/"), "behind a proxy, plain http", https=False)


def test_rate_limits_count_the_address_behind_the_proxy(app):
    """Behind PROXY_FIX proxies, visitors are counted by their own address, not the proxy's."""
    limited = limited_app(app, PROXY_FIX=1)
    emails = (f"personne{n}@exemple.fr" for n in range(10))  # one account each: per address

    def attempt(address: str) -> int:
        client = limited.test_client()
        return client.post(
            "/compte/connexion", headers={"X-Forwarded-For": address},
            data={"email": next(emails), "password": "x" * 12},
        ).status_code

    assert [attempt("203.0.113.8") for _ in range(4)] == [200] * 4
    assert attempt("203.0.113.8") == 429
    assert attempt("203.0.113.9") == 200


def production_app(app: Flask, **settings: Any) -> Flask:
    """The app as production runs it."""
    made = create_app({**app.config, "PRODUCTION": True, "SECRET_KEY": STRONG_SECRET,
                       **settings})
    made.test_client_class = IsolatedClient
    return made


def test_production_sends_hsts_and_secure_cookies(app):
    """In production HSTS goes with every response; session and remember cookies are Secure."""
    user = factories.user(email="marie@exemple.fr", password="un-mot-de-passe-long")
    db.session.commit()
    production = production_app(app)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    client = production.test_client()
    assert_secured(client.get("/"), "production", https=True)
    response = client.post("/compte/connexion", base_url="https://localhost", data={
        "email": user.email, "password": "un-mot-de-passe-long", "remember": "y",
    })
    assert response.status_code == 302
    assert_secured(response, "production login", https=True)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        attributes = {part.strip().lower() for part in cookies[name].split(";")}
        assert {"secure", "httponly", "samesite=lax"} <= attributes, cookies[name]


def test_cookies_outside_production(app):
    """Without production, cookies are HttpOnly and SameSite=Lax (and usable over plain HTTP)."""
    user = factories.user(email="marie@exemple.fr", password="un-mot-de-passe-long")
    db.session.commit()
    assert app.config["PRODUCTION"] is False
    response = app.test_client().post("/compte/connexion", data={
        "email": user.email, "password": "un-mot-de-passe-long", "remember": "y",
    })
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        attributes = {part.strip().lower() for part in cookies[name].split(";")}
        assert {"httponly", "samesite=lax"} <= attributes, cookies[name]
        assert "secure" not in attributes, cookies[name]


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, "", None, "k" * 31])
def test_production_refuses_a_weak_secret_key(app, secret):
    """The development key, none, or under 32 characters: the app does not start."""
    with pytest.raises(InsecureConfiguration) as refused:
        create_app({**app.config, "PRODUCTION": True, "SECRET_KEY": secret})
    assert isinstance(refused.value, RuntimeError)
    message = str(refused.value)
    assert "SECRET_KEY" in message and "32 caractères" in message
    assert "Démarrage refusé" in message


def test_production_accepts_a_long_secret_key(app):
    """32 characters or more that are not the development value: the app starts."""
    assert production_app(app).config["PRODUCTION"] is True


def test_app_env_production_sets_production(app, monkeypatch):
    """APP_ENV=production in the environment turns production on, and with it the check."""
    assert from_environment({"APP_ENV": "production"})["PRODUCTION"] is True
    assert "PRODUCTION" not in from_environment({"APP_ENV": "development"})
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfiguration):
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SECRET_KEY": DEFAULT_SECRET_KEY})
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(InsecureConfiguration):  # rate limits counted per worker
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    monkeypatch.setenv("REDIS_URL", UNREACHABLE_REDIS)
    started = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert started.config["SESSION_COOKIE_SECURE"] is True
    assert started.config["RATELIMIT_STORAGE_URI"] == UNREACHABLE_REDIS


@pytest.mark.parametrize("storage", [{}, {"RATELIMIT_STORAGE_URI": "memory://"},
                                     {"REDIS_URL": "", "RATELIMIT_STORAGE_URI": ""}])
def test_production_refuses_rate_limits_counted_per_worker(app, storage):
    """Rate limits on and counted in memory (no REDIS_URL, or memory:// named): each gunicorn
    worker would count apart (19 of 25 wrong logins went through 5 a minute with four): the
    app does not start, and says what to set."""
    settings = {**app.config, "PRODUCTION": True, "SECRET_KEY": STRONG_SECRET,
                "RATELIMIT_ENABLED": True, "REDIS_URL": None, "RATELIMIT_STORAGE_URI": None,
                **storage}
    with pytest.raises(InsecureConfiguration) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "Démarrage refusé" in message and "REDIS_URL" in message
    assert "RATELIMIT_STORAGE_URI" in message and "par processus" in message


@pytest.mark.parametrize("storage", [{"REDIS_URL": UNREACHABLE_REDIS},
                                     {"RATELIMIT_STORAGE_URI": UNREACHABLE_REDIS}])
def test_production_starts_with_a_shared_rate_limit_storage(app, storage):
    """REDIS_URL, or a RATELIMIT_STORAGE_URI of its own: the app starts (Redis need not answer
    yet; while it does not, the limiter counts in memory, see core/ratelimits.py)."""
    made = create_app({**app.config, "PRODUCTION": True, "SECRET_KEY": STRONG_SECRET,
                       "RATELIMIT_ENABLED": True, "REDIS_URL": None,
                       "RATELIMIT_STORAGE_URI": None, **storage})
    assert made.config["RATELIMIT_STORAGE_URI"] == UNREACHABLE_REDIS


def test_production_with_rate_limits_off_starts_but_says_so(app, caplog):
    """RATELIMIT_ENABLED=false is a choice written down, not a default: the app starts, and
    logs a critical line at every start."""
    with caplog.at_level("CRITICAL"):
        made = create_app({**app.config, "PRODUCTION": True, "SECRET_KEY": STRONG_SECRET,
                           "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                           "RATELIMIT_STORAGE_URI": None})
    assert made.config["PRODUCTION"] is True
    critical = [r.getMessage() for r in caplog.records if r.levelname == "CRITICAL"]
    assert any("Limites de débit désactivées en production" in line for line in critical)


def test_development_starts_with_the_default_key(app):
    """Outside production the development key is accepted: `make run` needs nothing set."""
    started = create_app({**app.config, "SECRET_KEY": DEFAULT_SECRET_KEY})
    assert started.config["PRODUCTION"] is False
    assert started.config["SESSION_COOKIE_SECURE"] is False


# --- the templates ------------------------------------------------------------------------------

FORBIDDEN = [
    # The one script the site has is a file of its own (static/kiosk.js), never inline.
    ("<script", re.compile(
        r"<script(?! src=\"\{\{ url_for\('static', filename='[\w.]+\.js'\) \}\}\""
        r" defer></script>)",
        re.IGNORECASE,
    )),
    ("<style", re.compile(r"<style", re.IGNORECASE)),
    ("style attribute", re.compile(r"\sstyle\s*=", re.IGNORECASE)),
    ("event handler", re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)),
    ("javascript: URL", re.compile(r"javascript:", re.IGNORECASE)),
]


def test_templates_have_no_inline_script_style_or_handlers():
    """The strict policy holds because no template has inline script, style or handlers."""
    files = [path for path in (ROOT / "templates").rglob("*") if path.is_file()]
    assert len(files) > 30
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{Path(path).relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_the_scan_would_see_them():
    """The patterns catch what they are meant to."""
    sample = '<p style="color:red" onclick="x()"><script>1</script><STYLE>p{}</STYLE>'
    assert all(pattern.search(sample) for _what, pattern in FORBIDDEN[:4])
    assert not any(pattern.search('<svg fill="#1f4e9c" class="chart"><a href="/x">')
                   for _what, pattern in FORBIDDEN)
    own = """<script src="{{ url_for('static', filename='kiosk.js') }}" defer></script>"""
    assert not FORBIDDEN[0][1].search(own)
    assert FORBIDDEN[0][1].search(own.replace("></script>", ">alert(1)</script>"))
