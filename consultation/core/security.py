"""Security headers on every response, production settings, and the proxy in front of the app.

Every response, page, error, redirect, static file or PDF alike, carries a strict
Content-Security-Policy (nothing from another host, no inline script or style: the templates
have none, tests/core/test_security.py scans them), nosniff, a referrer policy and a refusal to
be framed. Strict-Transport-Security goes with HTTPS requests, and with every response in
production. Behind PROXY_FIX trusted proxies, X-Forwarded-For and X-Forwarded-Proto say who
asked and whether over HTTPS (rate limits count per real address).

Request size: MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS (config.py says how
they were computed) make Werkzeug refuse a body with the French 413 page before reading it; the
Request below also counts the fields of an urlencoded body, which Werkzeug does not. A view
marked @large_form(rule) accepts up to MAX_CONTENT_LENGTH_LARGE_FORMS from someone the rule
allows.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import IO, Any, TypeVar

from flask import Flask, Response, current_app
from flask import Request as FlaskRequest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Request as WerkzeugRequest

from consultation.core.context import app, this_request

DEFAULT_SECRET_KEY = "dev-only-change-me"
SECRET_KEY_MIN = 32

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class InsecureConfiguration(RuntimeError):
    """The app refuses to start in production with a setting that would make it unsafe."""


def check_production(app: Flask) -> None:
    """Refuse to start in production with the development secret key, or a short one, or with
    rate limits counted in each process's memory."""
    secret = app.config.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET_KEY or len(str(secret)) < SECRET_KEY_MIN:
        raise InsecureConfiguration(
            "Démarrage refusé : en production (APP_ENV=production), SECRET_KEY doit être une "
            f"valeur secrète et aléatoire d'au moins {SECRET_KEY_MIN} caractères, différente "
            "de la valeur de développement. Elle signe les sessions et les liens de "
            "réinitialisation. Créez-en une avec "
            "python3 -c 'import secrets; print(secrets.token_hex(32))', puis donnez-la dans "
            "la variable d'environnement SECRET_KEY ou dans instance/config.py "
            "(SECRET_KEY = \"...\")."
        )
    check_rate_limit_storage(app)


def check_rate_limit_storage(app: Flask) -> None:
    """Refuse rate limits counted in memory: each gunicorn worker would count apart, and
    a limit of 5 logins a minute would let 5 through per worker. Turned off on purpose
    (RATELIMIT_ENABLED=false), they are logged as an error at every start instead."""
    from consultation.core.ratelimits import storage_uri

    if not app.config.get("RATELIMIT_ENABLED", True):
        app.logger.critical(
            "Limites de débit désactivées en production (RATELIMIT_ENABLED=false) : rien ne "
            "freine les essais de mots de passe ni les inscriptions en série. Réactivez-les "
            "avec un stockage partagé (REDIS_URL) dès que possible."
        )
        return
    if storage_uri(app.config).startswith("memory://"):
        raise InsecureConfiguration(
            "Démarrage refusé : en production (APP_ENV=production), les limites de débit "
            "(connexions, inscriptions, réinitialisations, publications) doivent être comptées "
            "dans un stockage partagé par tous les processus. En mémoire, chaque processus "
            "gunicorn compte de son côté : une limite de 5 essais par minute en laisse passer "
            "5 par processus. Donnez l'adresse de Redis dans REDIS_URL (par exemple "
            "redis://127.0.0.1:6379/0), ou un autre stockage dans RATELIMIT_STORAGE_URI "
            "(redis:// ou memcached://), dans l'environnement ou dans instance/config.py."
        )


def init_app(app: Flask) -> None:
    """Production checks and cookie settings, and the proxy fix (the headers of every response
    are a stage of consultation/pipeline.py)."""
    production = bool(app.config.get("PRODUCTION"))
    if production:
        check_production(app)
        app.config.update(
            SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https"
        )
    app.extensions["security_headers"] = ResponseHeaders(app.config)
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0
        )


class ResponseHeaders:
    """The security headers of one app, made once from its settings (they never change while
    it runs): every response only gets the list added, less any header a view set itself."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.always = [("Content-Security-Policy", str(config["CONTENT_SECURITY_POLICY"])),
                       *HEADERS.items()]
        self.hsts = ("Strict-Transport-Security", str(config["STRICT_TRANSPORT_SECURITY"]))
        self.hsts_always = bool(config.get("PRODUCTION"))
        self.names = {name.lower() for name, _ in [*self.always, self.hsts]}

    def add_to(self, headers: Headers, secure: bool) -> None:
        """Add the headers to a response's, keeping the value of any it already has."""
        wanted = [*self.always, self.hsts] if self.hsts_always or secure else self.always
        present = self.names.intersection(headers.keys(lower=True))
        if present:
            wanted = [(name, value) for name, value in wanted if name.lower() not in present]
        headers.extend(wanted)


def security_headers(response: Response) -> Response:
    """Put the security headers on every response (a view may have set its own value)."""
    made: ResponseHeaders = app().extensions["security_headers"]
    # A view that needs a different value for one response may set its own.
    made.add_to(response.headers, this_request().is_secure)
    return response


# --- Request size ------------------------------------------------------------------------------

V = TypeVar("V", bound=Callable[..., Any])


def large_form(rule: str) -> Callable[[V], V]:
    """Decorate a view whose form may weigh more than MAX_CONTENT_LENGTH: its POSTs from
    someone the permission `rule` allows may reach MAX_CONTENT_LENGTH_LARGE_FORMS."""

    def mark(view: V) -> V:
        view.large_form_rule = rule  # type: ignore[attr-defined]
        return view

    return mark


def _large_form_allowed(endpoint: str | None) -> bool:
    view = app().view_functions.get(endpoint or "")
    rule = getattr(view, "large_form_rule", None)
    if rule is None:
        return False
    # Asked only on this view's requests: the user is loaded from the signed session, so a
    # visitor, or someone the rule refuses, keeps the ordinary limit.
    from flask_login import current_user

    from consultation.core import permissions

    return bool(current_user.is_authenticated and permissions.can(current_user, rule))


class CountedFormParser(FormDataParser):
    """Werkzeug's parser, counting the fields of an urlencoded body against MAX_FORM_PARTS
    too (Werkzeug counts only multipart ones): 600,000 empty fields fit in 1.2 MB. A chunked
    body (no Content-Length) longer than MAX_CONTENT_LENGTH is refused, where Werkzeug would
    read its first MAX_CONTENT_LENGTH bytes as if they were the whole form."""

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None,
        options: dict[str, str],
    ) -> Any:
        data = stream.read()
        # At MAX_CONTENT_LENGTH, Werkzeug's stream raises 413 on the next read if more came.
        if stream.read(1):
            raise RequestEntityTooLarge()
        if self.max_form_parts is not None and data.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()
        return super()._parse_urlencoded(io.BytesIO(data), mimetype, content_length, options)


def _configured_limit(own: str, index: int, doc: str) -> Any:
    """A size limit of the request as Flask's property gives it (the one set on this request,
    else the config's), the config read once per request (`SizeLimitedRequest._limit`)."""

    def read(request: SizeLimitedRequest) -> int | None:
        value: int | None = getattr(request, own)
        return value if value is not None else request._limit(index)

    def write(request: SizeLimitedRequest, value: int | None) -> None:
        setattr(request, own, value)

    return property(read, write, doc=doc)


class SizeLimitedRequest(FlaskRequest):
    """A request held to the size limits of the config (see the module's docstring)."""

    form_data_parser_class = CountedFormParser
    _large_form: bool | None = None  # asked once per request, on first need
    _limits: tuple[int | None, int | None, int | None] | None = None

    def _limit(self, index: int) -> int | None:
        """MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE or MAX_FORM_PARTS (0, 1, 2) of the app's
        config, read once per request. Flask's own properties ask `current_app` (a proxy:
        core/context.py) twice at every read, and a form's parse reads them eight times;
        outside an app, Werkzeug's defaults, as Flask's properties give."""
        limits = self._limits
        if limits is None:
            try:
                config = app().config
            except RuntimeError:  # no app context
                return (WerkzeugRequest.max_content_length, WerkzeugRequest.max_form_memory_size,
                        WerkzeugRequest.max_form_parts)[index]
            limits = self._limits = (config["MAX_CONTENT_LENGTH"],
                                     config["MAX_FORM_MEMORY_SIZE"], config["MAX_FORM_PARTS"])
        return limits[index]

    max_form_memory_size = _configured_limit(
        "_max_form_memory_size", 1, "MAX_FORM_MEMORY_SIZE, unless this request has its own.")
    max_form_parts = _configured_limit(
        "_max_form_parts", 2, "MAX_FORM_PARTS, unless this request has its own.")

    @property
    def max_content_length(self) -> int | None:
        """MAX_CONTENT_LENGTH, or MAX_CONTENT_LENGTH_LARGE_FORMS on a @large_form view (unless
        this request was given its own, Flask's rule)."""
        if self._max_content_length is not None:
            return self._max_content_length
        ordinary = self._limit(0)
        if ordinary is None:
            return ordinary
        if self._large_form is None:
            self._large_form = _large_form_allowed(self.endpoint)
        if self._large_form:
            return max(ordinary, int(current_app.config["MAX_CONTENT_LENGTH_LARGE_FORMS"]))
        return ordinary

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
