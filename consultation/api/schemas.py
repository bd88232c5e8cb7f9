"""The API's documents and query parameters, as marshmallow schemas (they write the OpenAPI
document; the views build the same shapes directly, and the tests check them against it)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from consultation.comments.models import MAX_DEPTH
from consultation.core.http import MAX_ID
from consultation.followup.models import CommitmentStatus
from consultation.projects.models import PhaseKind
from consultation.proposals.models import ANY_ANSWER, NO_ANSWER, AnswerStatus, Stance

CURSOR_MAX = 100  # characters


# --- query parameters ---------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    """An opaque cursor: the position after the last item of a page."""
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Cursor(fields.Field):
    """The `cursor` parameter: given back by a page, read as the id after which to go on."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = value
        try:
            if not isinstance(text, str):
                raise ValueError
            if len(text) > CURSOR_MAX or not text.isascii():
                raise ValueError
            decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            after = decoded["after"]
            if type(after) is not int or not 0 <= after <= MAX_ID:
                raise ValueError
            return after
        except (ValueError, TypeError, KeyError, binascii.Error):
            raise ValidationError("invalid cursor") from None


class Since(fields.AwareDateTime):
    """An ISO 8601 moment; without an offset it is taken as UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not 1970 <= moment.year <= 9998:
            raise ValidationError("out of range")
        return moment


def _id(description: str) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": description, "example": 1}
    )


class Paging(Schema):
    """Paging, common to every list."""

    limit = fields.Integer(
        validate=validate.Range(1, 200),
        metadata={"description": "Nombre d'éléments par page (1 à 200 ; 50 par défaut).",
                  "example": 50},
    )
    cursor = Cursor(
        metadata={"description": "Le curseur opaque donné par `next` de la page précédente.",
                  "type": "string", "minLength": 1, "maxLength": CURSOR_MAX},
    )


class PageQuery(Paging):
    """Paging and incremental sync."""

    updated_since = Since(
        metadata={"description": "Seulement ce dont le contenu visible ou les nombres ont changé "
                                 "depuis ce moment (ISO 8601 ; sans décalage, l'heure est UTC).",
                  "example": "2026-05-01T00:00:00Z"},
    )


class ProjectQuery(PageQuery):
    territory = _id("Seulement les projets de ce territoire (son identifiant).")


class ProposalQuery(PageQuery):
    project = _id("Seulement les propositions de ce projet (son identifiant).")
    territory = _id("Seulement les propositions de ce territoire (son identifiant).")
    state = fields.String(
        validate=validate.OneOf(["published", "merged"]),
        metadata={"description": "`published` (publiée) ou `merged` (fusionnée dans une autre)."},
    )
    answer = fields.String(
        validate=validate.OneOf([*AnswerStatus, NO_ANSWER, ANY_ANSWER]),
        metadata={"description": "La réponse officielle : `accepted`, `rejected`, "
                                 "`under_study`, `given` (l'une des trois) ou `none` (pas "
                                 "encore de réponse)."},
    )


class CommentQuery(PageQuery):
    project = _id("Seulement les commentaires de ce projet.")
    proposal = _id("Seulement les commentaires de cette proposition.")
    stance = fields.String(validate=validate.OneOf(list(Stance)),
                           metadata={"description": "La position : `pour`, `contre`, `neutre`."})


class CommitmentQuery(PageQuery):
    project = _id("Seulement les engagements de ce projet.")
    status = fields.String(
        validate=validate.OneOf(list(CommitmentStatus)),
        metadata={"description": "`prevu`, `en_cours`, `realise` ou `abandonne`."},
    )


class SynthesisQuery(PageQuery):
    project = _id("Seulement les versions de la synthèse de ce projet.")


# --- documents ----------------------------------------------------------------------------------


def _nullable_id(description: str) -> fields.Integer:
    return fields.Integer(allow_none=True, required=True, metadata={"description": description})


class ProblemSchema(Schema):
    """An error, as RFC 9457 describes it (application/problem+json)."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Requête incorrecte"})
    status = fields.Integer(required=True, metadata={"example": 400})
    detail = fields.String(
        required=True,
        metadata={"example": "Paramètre « limit » refusé : un nombre entier de 1 à 200."},
    )


class PhaseSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(PhaseKind)))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class ProjectCounts(Schema):
    proposals = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    supports = fields.Integer(required=True)
    participants = fields.Integer(required=True)


class ProjectSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 1})
    slug = fields.String(required=True, metadata={"example": "tram-ligne-b"})
    url = fields.String(required=True, metadata={"description": "Sa page sur le site."})
    title = fields.String(required=True)
    summary = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Présentation (markdown)."})
    territories = fields.List(fields.Integer(), required=True,
                              metadata={"description": "Identifiants des territoires."})
    phases = fields.List(fields.Nested(PhaseSchema), required=True)
    counts = fields.Nested(ProjectCounts, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class ProposalCounts(Schema):
    supports = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    pour = fields.Integer(required=True)
    contre = fields.Integer(required=True)
    neutre = fields.Integer(required=True)


class AnswerSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(list(AnswerStatus)))
    body = fields.String(required=True, metadata={"description": "Texte (markdown)."})
    answered_at = fields.DateTime(required=True, allow_none=True)


class ProposalSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 42})
    url = fields.String(required=True)
    project = fields.Integer(required=True, metadata={"description": "Identifiant du projet."})
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Texte (markdown)."})
    territory = _nullable_id("Identifiant du territoire, ou null.")
    state = fields.String(required=True, validate=validate.OneOf(["published", "merged"]))
    merged_into = _nullable_id("La proposition dans laquelle elle a été fusionnée, ou null.")
    counts = fields.Nested(ProposalCounts, required=True)
    answer = fields.Nested(AnswerSchema, required=True, allow_none=True,
                           metadata={"description": "La réponse officielle, ou null."})
    with_mediator = fields.Boolean(
        required=True, metadata={"description": "Déposée avec l'aide d'un·e médiateur·rice."})
    from_workshop = fields.Boolean(
        required=True, metadata={"description": "Saisie depuis un atelier sur papier."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class CommentSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 7})
    project = fields.Integer(required=True)
    proposal = _nullable_id("La proposition commentée, ou null (commentaire sur le projet).")
    parent = _nullable_id("Le commentaire auquel il répond, ou null.")
    depth = fields.Integer(required=True, validate=validate.Range(0, MAX_DEPTH))
    stance = fields.String(required=True, validate=validate.OneOf(list(Stance)))
    body = fields.String(required=True, metadata={"description": "Texte (markdown)."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class CommitmentUpdateSchema(Schema):
    happened_on = fields.Date(required=True)
    text = fields.String(required=True, metadata={"description": "Texte (markdown)."})
    status = fields.String(required=True, validate=validate.OneOf(list(CommitmentStatus)))
    progress = fields.Integer(required=True, validate=validate.Range(0, 100))
    reason = fields.String(required=True, metadata={
        "description": "Le motif, pour un abandon ; vide sinon."})


class CommitmentSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 3})
    url = fields.String(required=True)
    project = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Texte (markdown)."})
    service = fields.String(required=True, metadata={"description": "Le service chargé."})
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(list(CommitmentStatus)))
    progress = fields.Integer(required=True, validate=validate.Range(0, 100))
    abandon_reason = fields.String(required=True)
    proposals = fields.List(fields.Integer(), required=True,
                            metadata={"description": "Les propositions visibles auxquelles il "
                                                     "répond."})
    updates = fields.List(fields.Nested(CommitmentUpdateSchema), required=True,
                          metadata={"description": "Le calendrier, le plus récent d'abord."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class SynthesisSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 2})
    url = fields.String(required=True)
    project = fields.Integer(required=True)
    number = fields.Integer(required=True, metadata={"description": "Numéro de version."})
    narrative = fields.String(required=True, metadata={"description": "Texte (markdown)."})
    change_note = fields.String(required=True)
    published_at = fields.DateTime(required=True)
    figures = fields.Dict(required=True, metadata={"description": "Les chiffres figés à la "
                                                                  "publication."})


class TerritorySchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 1})
    code = fields.String(required=True, metadata={"description": "Code INSEE ou SIREN."})
    name = fields.String(required=True, metadata={"example": "Brest"})
    kind = fields.String(required=True)
    population = fields.Integer(required=True, allow_none=True)


class DebateStatementSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 12})
    text = fields.String(required=True, metadata={"description": "L'affirmation (140 signes)."})
    seed = fields.Boolean(required=True, metadata={
        "description": "Écrite par les organisateurs du débat avant les premières réponses."})
    created_at = fields.DateTime(required=True)


class DebateSchema(Schema):
    project = fields.Integer(required=True, metadata={"example": 1})
    question = fields.String(required=True)
    participants = fields.Integer(required=True,
                                  metadata={"description": "Personnes ayant répondu."})
    statements = fields.List(fields.Nested(DebateStatementSchema), required=True,
                             metadata={"description": "Les affirmations publiées."})
    answers = fields.List(
        fields.List(fields.Integer()), required=True,
        metadata={"description": "La matrice des réponses, une ligne par réponse "
                                 "([participant, affirmation, valeur]), la valeur 1 (d'accord), "
                                 "-1 (pas d'accord) ou 0 (je ne sais pas). Le participant "
                                 "n'est qu'un numéro propre à ce débat, comme dans les données "
                                 "ouvertes de Pol.is, jamais un compte.",
                  "example": [[1, 12, 1], [1, 13, -1], [2, 12, 0]]},
    )


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The schema of a page of a list: its items and the link to the next page."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "limit": fields.Integer(required=True),
            "next": fields.String(required=True, allow_none=True, metadata={
                "description": "L'adresse de la page suivante, ou null à la dernière."}),
        },
        name=name,
    )
