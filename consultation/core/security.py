"""Security headers on every response, production settings, and the proxy in front of the app.

Every response, page, error, redirect, static file or PDF alike, carries a strict
Content-Security-Policy (nothing from another host, no inline script or style: the templates
have none, tests/core/test_security.py scans them), nosniff, a referrer policy and a refusal to
be framed. Strict-Transport-Security goes with HTTPS requests, and with every response in
production. Behind PROXY_FIX trusted proxies, X-Forwarded-For and X-Forwarded-Proto say who
asked and whether over HTTPS (rate limits count per real address).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

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
    """Refuse to start in production with the development secret key, or a short one."""
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


def init_app(app: Flask) -> None:
    """Production checks and cookie settings, and the proxy fix (the headers of every response
    are a stage of consultation/pipeline.py)."""
    production = bool(app.config.get("PRODUCTION"))
    if production:
        check_production(app)
        app.config.update(
            SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https"
        )
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0
        )


def security_headers(response: Response) -> Response:
    """Put the security headers on every response (a view may have set its own value)."""
    config = current_app.config
    # setdefault: a view that needs a different value for one response may set its own.
    response.headers.setdefault("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"])
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if config.get("PRODUCTION") or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security",
                                    config["STRICT_TRANSPORT_SECURITY"])
    return response
