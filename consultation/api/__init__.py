"""The public API: read-only JSON under /api/v1/ for what a visitor sees on the site.

It sits at the top of the domains (it reads the models of projects, proposals, comments,
votes, followup and syntheses; nothing imports it). Built with flask-smorest: the views'
query schemas and documents write the OpenAPI document (`/api/v1/openapi.json`), which
`/api/v1/docs` shows as a page of the site.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Flask
from flask_limiter.util import get_remote_address
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint

from consultation.core.http import MAX_ID, IdConverter
from consultation.extensions import limiter

PREFIX = "/api/v1"

bp = Blueprint(
    "api", __name__, url_prefix=PREFIX,
    description="Les données publiques de la consultation, en lecture seule.",
)
# The OpenAPI document and its page: outside the described operations.
docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix=PREFIX)


class Api(SmorestApi):
    """flask-smorest's Api without its error handlers: the site's handlers already draw every
    error, as problem documents under /api/ (core.errors.render_errors_under)."""

    def _register_error_handlers(self) -> None:
        pass


SETTINGS: dict[str, Any] = {
    "API_TITLE": "API de la consultation de Brest métropole",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    # No page of flask-smorest's (they load Swagger UI or ReDoc from a CDN): ours is served
    # by docs_bp.
    "OPENAPI_URL_PREFIX": None,
}


def _per_address() -> str:
    from flask import current_app

    return str(current_app.config["RATELIMIT_API_PER_IP"])


# Every GET of the API counts against one allowance per address, its document and page included.
for _blueprint in (bp, docs_bp):
    limiter.shared_limit(_per_address, scope="api", key_func=get_remote_address,
                         methods=["GET", "HEAD"])(_blueprint)


def current_api() -> Api:
    """The application's Api (its OpenAPI document)."""
    from flask import current_app

    api: Api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api


def init_app(app: Flask) -> None:
    """Describe and register the API, its document and page, its limit and its errors."""
    from consultation.api import problems, views  # noqa: F401  (the routes join bp)
    from consultation.core.errors import render_errors_under

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = Api(app)  # one per application: the tests build several
    api.register_converter(IdConverter, lambda converter: {
        "type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    render_errors_under("/api/", problems.problem)
