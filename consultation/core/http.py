"""Helpers for thin views: running a service, safe redirects, loading or 404."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, flash
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

from consultation.core import permissions
from consultation.core.acting import acting_user
from consultation.core.context import this_request
from consultation.core.db import abandon_request
from consultation.core.errors import DomainError
from consultation.core.security import SizeLimitedRequest
from consultation.extensions import db

T = TypeVar("T")


class _Failed(Enum):
    """A one-member enum, so that `result is FAILED` narrows what attempt() returned."""

    FAILED = "FAILED"


FAILED = _Failed.FAILED


def attempt(
    action: Callable[[], T], form: FlaskForm | None = None
) -> T | Literal[_Failed.FAILED]:
    """Run a service; on a DomainError undo the transaction and show why (at the field it
    names, else on the form, or flashed), returning FAILED."""
    try:
        return action()
    except DomainError as error:
        abandon_request()
        field = getattr(form, error.field, None) if form is not None and error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        elif form is not None:
            form.form_errors.append(error.message)
        else:
            flash(error.message, "error")
        return FAILED


def require(name: str, obj: Any = None) -> None:
    """Check a named rule for the person acted for (the current user unless a mediator acts
    for someone, see core.acting); a refusal is a French 403 page."""
    permissions.require(acting_user(), name, obj)


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive id the database can hold; anything else is a 404."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def get_or_404(model: type[T], ident: Any) -> T:
    """Load by primary key or show the French 404 page (out-of-range ids included)."""
    if isinstance(ident, str):
        if not (ident.isascii() and ident.isdigit()):
            abort(404)
        ident = int(ident)
    if not 0 < ident <= MAX_ID:
        abort(404)
    found = db.session.get(model, ident)
    if found is None:
        abort(404)
    return found


class Request(SizeLimitedRequest):
    """A request held to the size limits (core.security), whose query string is always UTF-8
    text.

    Werkzeug decodes the raw query string strictly wherever it is read (`args`, `full_path`,
    even on the error page); one that is not UTF-8 is set aside here, and refused with the
    French 400 page by `refuse_undecodable_query`, so that no page trips on it.
    """

    undecodable_query = False

    def __init__(self, environ: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(environ, *args, **kwargs)
        try:
            self.query_string.decode()
        except UnicodeDecodeError:
            self.undecodable_query = True
            self.query_string = b""


def init_app(app: Flask) -> None:
    """Use the Request above (its refusal is a stage of consultation/pipeline.py)."""
    app.request_class = Request


def refuse_undecodable_query() -> None:
    """A query string that is not UTF-8 is a bad request (French 400 page)."""
    if getattr(this_request(), "undecodable_query", False):
        abort(400)


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to after login; anything pointing elsewhere is dropped."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
