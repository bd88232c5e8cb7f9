"""The OpenAPI document: what flask-smorest writes from the views, completed with what every
operation shares (ETag and 304, paging links, problem documents for errors, 429, CORS)."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app

INTRODUCTION = """\
Les données publiques de la plateforme de consultation de Brest métropole, en lecture seule
et en JSON : projets et phases, propositions, commentaires, engagements et leur suivi,
versions publiées des synthèses, territoires. Exactement ce qu'un·e visiteur·se voit sur le
site : rien de masqué, d'en attente de modération, de retiré ni de brouillon, et aucune
donnée personnelle (ni auteur, ni adresse, ni identifiant de compte). Licence Ouverte 2.0.

**Pages.** Chaque liste est rangée par identifiant croissant. `limit` fixe la taille de la
page (50 par défaut, 200 au plus) ; `next` (et l'en-tête `Link: <…>; rel="next"`) donne
l'adresse de la page suivante, `null` à la dernière. Le curseur est opaque : reprenez-le tel
quel.

**Synchronisation.** `updated_since` (ISO 8601) ne garde que ce dont le contenu visible ou les
nombres ont changé depuis ce moment. Ce qui a cessé d'être visible n'apparaît plus : un
parcours complet, de temps en temps, le fait voir.

**Cache.** Chaque réponse porte un `ETag` ; renvoyez-le dans `If-None-Match` : `304 Not
Modified` sans corps s'il n'a pas changé.

**Limites.** Les requêtes sont comptées par adresse ; au-delà, `429` avec `Retry-After`
(en secondes).

**Erreurs.** `application/problem+json` (RFC 9457) : `type`, `title`, `status`, `detail`, en
français, en anglais si `Accept-Language` le préfère.

**Navigateurs.** Toute origine peut lire l'API (CORS, `Access-Control-Allow-Origin: *`).
"""

PROBLEM = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Une erreur (RFC 9457).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Requête incorrecte"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string",
                   "example": "Paramètre « limit » refusé : attendu un nombre entier de 1 à 200."},
    },
}
ETAG = {"description": "L'empreinte de la réponse, à renvoyer dans If-None-Match.",
        "schema": {"type": "string"}}
LINK = {"description": "`<adresse>; rel=\"next\"` quand une page suit.",
        "schema": {"type": "string"}}
RETRY_AFTER = {"description": "Secondes à attendre avant de réessayer.",
               "schema": {"type": "integer"}}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "L'ETag d'une réponse déjà reçue : 304 si rien n'a changé.",
    "schema": {"type": "string"},
}
ERRORS = {
    "400": "Un paramètre est refusé (detail dit lequel et ce qui est attendu).",
    "404": "Rien de visible à cette adresse.",
    "406": "Le client n'accepte pas JSON.",
    "429": "Trop de requêtes depuis cette adresse : attendez Retry-After secondes.",
    "500": "Erreur du serveur.",
    "503": "Service momentanément indisponible.",
}


def _problem(description: str, status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM}},
    }
    if status in {"429", "503"}:
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def complete(spec: dict[str, Any]) -> dict[str, Any]:
    """The document flask-smorest wrote, with the responses every operation shares."""
    spec = copy.deepcopy(spec)
    spec["info"]["description"] = INTRODUCTION
    spec["info"]["license"] = {"name": "Licence Ouverte / Open Licence 2.0",
                               "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
    components = spec.setdefault("components", {})
    components.pop("responses", None)
    schemas = components.setdefault("schemas", {})
    schemas.pop("Error", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, operations in spec["paths"].items():
        for parameter in operations.get("parameters", []):
            parameter.setdefault("description", "Identifiant (nombre entier positif).")
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("default", None)
            ok = responses["200"]
            ok["headers"] = {"ETag": ETAG}
            if "{" not in path:
                ok["headers"]["Link"] = LINK
            responses["304"] = {"description": "Inchangé depuis l'ETag envoyé : pas de corps.",
                                "headers": {"ETag": ETAG}}
            for status, description in ERRORS.items():
                responses[status] = _problem(description, status)
            operation.setdefault("parameters", []).append(IF_NONE_MATCH)
    return spec


def document(api: Any) -> dict[str, Any]:
    """The OpenAPI document, completed once per application."""
    cached = current_app.extensions.get("api_document")
    if cached is None:
        cached = current_app.extensions["api_document"] = complete(api.spec.to_dict())
    return cached
