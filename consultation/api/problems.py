"""How the API answers: JSON with an ETag (304 when unchanged), CORS for GET, and errors as
problem documents (RFC 9457), in French unless Accept-Language prefers English."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, abort, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from consultation.core.context import this_request
from consultation.core.errors import EXPLANATIONS, TITLES

PROBLEM = "application/problem+json"
JSON = "application/json"
# What a browser on another site may read of the answers (CORS).
EXPOSED = "ETag, Link, Retry-After, Content-Language"

# What each query parameter expects: the detail of a 400 that refuses it.
EXPECTED: dict[str, Any] = {
    "limit": _l("un nombre entier de 1 à 200"),
    "cursor": _l("le curseur donné par la page précédente, tel quel"),
    "updated_since": _l("une date et heure ISO 8601, par exemple 2026-05-01T00:00:00Z"),
    "project": _l("l'identifiant d'un projet (nombre entier positif)"),
    "proposal": _l("l'identifiant d'une proposition (nombre entier positif)"),
    "territory": _l("l'identifiant d'un territoire (nombre entier positif)"),
    "state": _l("published ou merged"),
    "answer": _l("accepted, rejected, under_study ou none"),
    "stance": _l("pour, contre ou neutre"),
    "status": _l("prevu, en_cours, realise ou abandonne"),
}


def language() -> str:
    """The language of the API's texts: French, unless the client prefers English."""
    return request.accept_languages.best_match(["fr", "en"], default="fr") or "fr"


def _refused_parameters(error: BaseException | None) -> list[str]:
    messages = getattr(error, "data", {}).get("messages") if error is not None else None
    if not isinstance(messages, dict):
        return []
    names: list[str] = []
    for fields in messages.values():
        if isinstance(fields, dict):
            names.extend(str(name) for name in fields)
    return names


def problem(status: int, detail: str | None, headers: dict[str, str],
            error: BaseException | None = None) -> Response:
    """An error of the API as a problem document."""
    status = status if status in TITLES else 500
    with force_locale(language()):
        title = str(TITLES[status])
        refused = _refused_parameters(error)
        if refused:
            detail = " ".join(
                str(_l("Paramètre « %(name)s » refusé : attendu %(expected)s.", name=name,
                       expected=EXPECTED.get(name, _l("une autre valeur"))))
                for name in refused
            )
        text = str(detail) if detail else str(EXPLANATIONS[status])
    body = {"type": "about:blank", "title": title, "status": status, "detail": text}
    response = Response(json.dumps(body, ensure_ascii=False), status, mimetype=PROBLEM)
    response.headers.update(headers)
    response.headers["Content-Language"] = language()
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return response


def negotiate() -> None:
    """A client that accepts neither JSON nor a problem document gets a 406."""
    if "Accept" not in request.headers:
        return
    accepted = request.accept_mimetypes
    if not (accepted.quality(JSON) or accepted.quality(PROBLEM)):
        abort(406)


def json_response(payload: Any, headers: dict[str, str] | None = None) -> Response:
    """The JSON answer, with an ETag of its bytes; 304 when the client has it already."""
    negotiate()
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    extra = {"Cache-Control": "no-cache", **(headers or {})}
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body, 200, mimetype=JSON)
    response.set_etag(etag)
    response.headers.update(extra)
    return response


def cors_headers(response: Response) -> Response:
    """Stage after the view: anyone's page may read the API (GET only), preflight included."""
    asked = this_request()
    if asked.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if asked.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = (
                "Accept, Accept-Language, If-None-Match"
            )
            response.headers["Access-Control-Max-Age"] = "86400"
    return response
