"""Configuration: defaults here, then instance/config.py, then environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class Defaults:
    """Values that make `make run` work on a fresh machine with nothing else installed."""

    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'consultation.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_RECORD_QUERIES = False
    REDIS_URL: str | None = None
    RQ_QUEUE = "consultation"
    REDIS_TIMEOUT = 2  # seconds a request waits for Redis before keeping its jobs for later
    JOB_MAX_FAILURES = 5  # a job that raised this many times waits for a person
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_SENDER = "Consultation Brest métropole <ne-pas-repondre@consultation.brest.example>"
    OUTBOX_DIR = str(INSTANCE / "outbox")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("fr", "en")
    WTF_CSRF_TIME_LIMIT: int | None = None
    PER_PAGE = 20
    REPORT_THRESHOLD = 3  # distinct reports that hide an item until a moderator decides
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_CONFIRMATION_MAX_AGE = 7 * 24 * 3600  # a confirmation link is valid seven days
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Base of the links in emails. Unset in the environment, it follows PORT outside production
    # (`PORT=8000 make run`), see from_environment().
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Where people write about their personal data (the métropole's data-protection contact),
    # shown on /confidentialite. A placeholder until the deployment sets the real address.
    PRIVACY_CONTACT = "donnees-personnelles@consultation.brest.example"
    # Anonymous pages are kept this many seconds per worker (core/pagecache.py); 0: never.
    PAGE_CACHE_SECONDS = 2.0
    # Parts of pages made once and reused across people, keyed on the rows' versions
    # (core/fragments.py): per worker, bounded; also in Redis with FRAGMENT_CACHE_REDIS.
    FRAGMENT_CACHE = True
    FRAGMENT_CACHE_ITEMS = 20_000
    FRAGMENT_CACHE_BYTES = 64 * 1024 * 1024
    FRAGMENT_CACHE_REDIS = False
    # Pages and the stylesheet travel compressed (brotli, else gzip): a list page of 14 KB
    # arrives in under 4 KB on an old phone's slow connection.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "deflate"]  # static files are streamed: no gzip there
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/plain", "text/csv", "application/json"]
    COMPRESS_MIN_SIZE = 500
    COMPRESS_LEVEL = 6
    COMPRESS_BR_LEVEL = 5
    # Done by extensions.ConditionalCompress, only for a request with a condition to answer.
    COMPRESS_EVALUATE_CONDITIONAL_REQUEST = False
    # Benchmarks only: each response says how many SQL statements it ran (X-Query-Count).
    QUERY_COUNT_HEADER = False
    # A town-hall terminal: every browser of this instance is a shared kiosk (core/kiosk.py);
    # without it, a terminal becomes one by opening /borne once.
    KIOSK_MODE = False
    KIOSK_IDLE_MINUTES = 5  # a kiosk session ends after this long without a request
    # The accessibility statement (/accessibilite): where to write, and since when it stands.
    ACCESSIBILITY_CONTACT = "accessibilite@consultation.brest.example"
    ACCESSIBILITY_POSTAL_ADDRESS = (
        "Brest métropole, mission accessibilité numérique, 24 rue Coat-ar-Guéven, "
        "29238 Brest Cedex 2"
    )
    ACCESSIBILITY_STATEMENT_DATE = "2026-12-01"
    # Who runs the site (header, footer, /mentions-legales) and where to write (/contact).
    # None: the page says "À renseigner" with the setting's name, until the deployment sets it.
    LEGAL_PUBLISHER = "Brest métropole"  # the body that publishes the platform
    LEGAL_PUBLISHER_ADDRESS: str | None = None  # its postal address and telephone
    LEGAL_DIRECTOR: str | None = None  # the director of publication: name and position
    LEGAL_HOST: str | None = None  # the host: name, postal address and telephone
    CONTACT_EMAIL = "contact@consultation.brest.example"  # everything without an address below
    CONTACT_POSTAL_ADDRESS: str | None = None
    MODERATION_CONTACT = "moderation@consultation.brest.example"  # appeals of a decision
    # Open data (/donnees): a publication rebuilds the zip at most once per this many minutes;
    # `flask opendata build`, scheduled, publishes what came in between.
    OPENDATA_REBUILD_MINUTES = 10

    # Security (core/security.py). APP_ENV=production sets PRODUCTION: cookies only over HTTPS,
    # HSTS on every response, and the app refuses to start without a real SECRET_KEY.
    PRODUCTION = False
    # Number of proxies in front of the app (load balancer, nginx) whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted; 0: none, the headers are ignored.
    PROXY_FIX = 0
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )
    STRICT_TRANSPORT_SECURITY = "max-age=31536000"
    # Rate limits (Flask-Limiter): only POSTs count. Counted in memory per worker, or in Redis
    # when REDIS_URL is set; an unreachable Redis falls back to memory and the site keeps serving.
    # In production the app refuses to start with memory (core/security.py check_production).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None  # None: REDIS_URL's Redis, else memory
    RATELIMIT_LOGIN_PER_IP = "10/minute;50/hour"
    RATELIMIT_LOGIN_PER_ACCOUNT = "5/minute;20/hour"  # per email typed
    RATELIMIT_REGISTER_PER_IP = "5/minute;30/hour"
    RATELIMIT_REGISTER_PER_ACCOUNT = "3/minute"  # per email typed
    RATELIMIT_RESET_PER_IP = "5/minute;30/hour"  # asking for a link, and choosing the password
    RATELIMIT_RESET_PER_ACCOUNT = "3/minute;10/hour"  # per email typed, or per link
    RATELIMIT_POSTING_PER_IP = "120/minute;1000/hour"  # proposals, comments, supports, reports
    RATELIMIT_POSTING_PER_ACCOUNT = "30/minute;300/hour"
    # The public API (/api/v1/): its GETs count, per address, all endpoints together.
    RATELIMIT_API_PER_IP = "300/minute;5000/hour"
    API_PAGE_SIZE = 50  # the default `limit` of the API's lists (at most 200)

    # Request size (Werkzeug refuses past these with the 413 page, before reading the body;
    # core/security.py). Forms are sent urlencoded: a character of 4 bytes in UTF-8 travels as
    # 12 (%F0%9F%98%80). The largest form, the synthesis editor (60,000 + 500 characters),
    # weighs at most 60,500 x 12 = 726,000 bytes; 2 MiB leaves a margin of 2.9 and is nginx's
    # client_max_body_size 2m (deploy/). The 600,000-field POST of the audit weighs 1.2 MB:
    # MAX_FORM_PARTS stops it. The JSON API only answers GET: no other body is read.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # A paper workshop (mediation) at its 100 rows, each with 10,000 + 150 characters of
    # 4 bytes, weighs 100 x 10,150 x 12 + ~16 KB of names = 12.2 MB: only its page allows more,
    # and only to someone the rule `mediation.workshop` allows (a mediator), never to a visitor.
    MAX_CONTENT_LENGTH_LARGE_FORMS = 16 * 1024 * 1024
    # One text field of a multipart body (no form is multipart; a forged one may be): the
    # longest field, 60,000 characters of 4 bytes, is 240,000 bytes; 512 KiB leaves 2.1.
    MAX_FORM_MEMORY_SIZE = 512 * 1024
    # Fields of a form, multipart or urlencoded (Werkzeug counts only multipart; core/security.py
    # counts the urlencoded ones too). The most, a workshop at 100 rows: 100 x 7 + 4 = 704;
    # a follow-up commitment has one per proposal ticked. 1,000 leaves 1.4 over the workshop.
    MAX_FORM_PARTS = 1000


# Environment variables read, and how each value is converted.
_ENV: dict[str, Any] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": lambda v: v.lower() in {"1", "true", "yes", "oui"},
    "MAIL_SENDER": str,
    "OUTBOX_DIR": str,
    "PUBLIC_URL": str,
    "PRIVACY_CONTACT": str,
    "PER_PAGE": int,
    "REPORT_THRESHOLD": int,
    "PAGE_CACHE_SECONDS": float,
    "FRAGMENT_CACHE": lambda v: v.lower() in {"1", "true", "yes", "oui"},
    "FRAGMENT_CACHE_ITEMS": int,
    "FRAGMENT_CACHE_BYTES": int,
    "FRAGMENT_CACHE_REDIS": lambda v: v.lower() in {"1", "true", "yes", "oui"},
    "QUERY_COUNT_HEADER": lambda v: v.lower() in {"1", "true", "yes", "oui"},
    "PROXY_FIX": int,
    "RATELIMIT_ENABLED": lambda v: v.lower() in {"1", "true", "yes", "oui"},
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_API_PER_IP": str,
    "MAX_CONTENT_LENGTH": int,
    "MAX_CONTENT_LENGTH_LARGE_FORMS": int,
    "MAX_FORM_MEMORY_SIZE": int,
    "MAX_FORM_PARTS": int,
    "KIOSK_MODE": lambda v: v.lower() in {"1", "true", "yes", "oui"},
    "KIOSK_IDLE_MINUTES": int,
    "ACCESSIBILITY_CONTACT": str,
    "ACCESSIBILITY_POSTAL_ADDRESS": str,
    "ACCESSIBILITY_STATEMENT_DATE": str,
    "LEGAL_PUBLISHER": str,
    "LEGAL_PUBLISHER_ADDRESS": str,
    "LEGAL_DIRECTOR": str,
    "LEGAL_HOST": str,
    "CONTACT_EMAIL": str,
    "CONTACT_POSTAL_ADDRESS": str,
    "MODERATION_CONTACT": str,
    "OPENDATA_REBUILD_MINUTES": float,
}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the settings given by environment variables (DATABASE_URL names the database)."""
    environ = dict(os.environ if environ is None else environ)
    found: dict[str, Any] = {}
    for name, convert in _ENV.items():
        value = environ.get(name)
        if value:
            key = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
            found[key] = convert(value)
    if environ.get("APP_ENV", "").strip().lower() in {"production", "prod"}:
        found["PRODUCTION"] = True
    port = environ.get("PORT", "").strip()
    # The development server's port (`PORT=8000 make run`) is where links in emails must lead;
    # in production the public address is the proxy's, never guessed from a port.
    if "PUBLIC_URL" not in found and "PRODUCTION" not in found and port.isascii() \
            and port.isdigit() and 0 < int(port) < 65536:
        found["PUBLIC_URL"] = f"http://127.0.0.1:{int(port)}"
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for postgres URLs written the short way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
