"""Domain errors and the French error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from consultation.core.db import undo_request
from consultation.extensions import db, login_manager


class DomainError(Exception):
    """An action the rules refuse; `message` is shown to the person, in their language."""

    status = 409
    # The form field the refusal is about, if one: attempt() shows it there.
    field: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    """A model refuses to change state this way (hide what is hidden, publish what is
    published...); the message says why, in the person's language."""

    def __init__(self, message: str) -> None:
        # Made a plain string now: a lazy one could not be flashed into the session.
        super().__init__(str(message))


class NotAllowed(DomainError):
    """The permission registry refused the action."""

    status = 403


TITLES = {
    400: _l("Requête incorrecte"),
    403: _l("Action non autorisée"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    406: _l("Format non disponible"),
    409: _l("Action impossible"),
    413: _l("Envoi trop volumineux"),
    429: _l("Trop de tentatives"),
    500: _l("Erreur du serveur"),
    503: _l("Service momentanément indisponible"),
}

EXPLANATIONS = {
    400: _l(
        "La requête envoyée n'a pas pu être comprise. Revenez à la page précédente et réessayez."
    ),
    403: _l("Vous n'avez pas le droit d'effectuer cette action."),
    404: _l("La page demandée n'existe pas ou n'existe plus."),
    405: _l("Cette adresse ne s'utilise pas de cette façon."),
    406: _l("Cette adresse ne répond qu'en JSON (application/json)."),
    409: _l("Cette action n'est pas possible dans l'état actuel."),
    413: _l(
        "Ce que vous avez envoyé dépasse la taille autorisée : le site l'a refusé sans le lire, "
        "et rien n'a été enregistré."
    ),
    429: _l("Vous avez fait trop de tentatives. Patientez un peu avant de réessayer."),
    500: _l("Une erreur inattendue s'est produite. L'équipe a été prévenue ; réessayez plus tard."),
    503: _l(
        "Le service est momentanément indisponible : la base de données ne répond pas. "
        "Réessayez dans quelques instants. Si vous envoyiez un formulaire, il n'a sans doute "
        "pas été enregistré : vérifiez-le puis recommencez."
    ),
}
# Seconds a client is asked to wait before trying again when the database is unreachable.
RETRY_AFTER = 30


# Errors of the paths under a prefix drawn otherwise than as French pages (the JSON API's
# problem documents): a domain registers its renderer; core imports no domain.
ErrorRenderer = Callable[[int, "str | None", "dict[str, str]", "BaseException | None"], Any]
_RENDERERS: dict[str, ErrorRenderer] = {}


def render_errors_under(prefix: str, renderer: ErrorRenderer) -> None:
    """Have the errors of every path under `prefix` drawn by `renderer(status, detail,
    headers, error)` instead of the French HTML page."""
    _RENDERERS[prefix] = renderer


def renderer_for_path() -> ErrorRenderer | None:
    """The renderer registered for the request's path, if any."""
    path = request.path
    return next((r for prefix, r in _RENDERERS.items() if path.startswith(prefix)), None)


def database_unavailable(error: BaseException | None) -> bool:
    """True for errors that say the database cannot be used now (down, restarting, locked
    for too long, every connection taken), rather than that the request was wrong."""
    if isinstance(error, OperationalError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def back_path() -> str | None:
    """The page the request came from, when it is one of this site's (the Referer)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme not in ("http", "https") or referrer.netloc != request.host:
        return None
    path = referrer.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path + (f"?{referrer.query}" if referrer.query else "")


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """Render the French error page for an HTTP status."""
    status = status if status in TITLES else 500
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES[status],
            message=message or EXPLANATIONS[status],
            # A body refused unread cannot be given back: the page sends back to the form.
            back=back_path() if status == 413 else None,
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    """Every error becomes a French page, never a stack trace."""

    def unavailable(error: BaseException | None):
        """The database cannot be reached: a French 503 page drawn without it."""
        try:
            db.session.rollback()
        except Exception:  # the connection went with the server; the pool replaces it
            db.session().invalidate()
        # Nobody can be loaded without the database: the page is drawn for a visitor.
        g._login_user = login_manager.anonymous_user()
        app.logger.warning("Base de données indisponible sur %s %s : %s", request.method,
                           request.path, error)
        if (renderer := renderer_for_path()) is not None:
            return renderer(503, None, {"Retry-After": str(RETRY_AFTER)}, error)
        body, status = render_error(503)
        return body, status, {"Retry-After": str(RETRY_AFTER)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """Render an HTTP error as a page; a custom description from abort() is kept."""
        if isinstance(error, InternalServerError) and database_unavailable(
            error.original_exception
        ):
            # The commit at the request boundary failed: the database went away meanwhile.
            return unavailable(error.original_exception)
        status = error.code or 500
        custom = error.description if getattr(error, "custom_message", False) else None
        allow = (
            {"Allow": ", ".join(error.valid_methods)}
            if isinstance(error, MethodNotAllowed) and error.valid_methods else {}
        )
        if (renderer := renderer_for_path()) is not None:
            return renderer(status, custom, allow, error)
        body, status = render_error(status, custom)
        if allow:
            return body, status, allow
        return body, status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        """A form sent without a valid token: most often a page left open too long."""
        return render_error(
            400,
            str(_l("Le formulaire a expiré ou ne vient pas de ce site. Revenez à la page "
                   "précédente, rechargez-la et envoyez-le à nouveau.")),
        )

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        """A refusal; a visitor who is not logged in is sent to the login page first."""
        undo_request()
        if not current_user.is_authenticated and request.method == "GET":
            flash(error.message, "info")
            return redirect(url_for("accounts.login", next=request.full_path))
        return render_error(403, error.message)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        """A refused action that reached the boundary: undo and explain."""
        undo_request()
        return render_error(error.status, error.message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        """Log the error and show a calm page."""
        if database_unavailable(error):
            return unavailable(error)
        db.session.rollback()
        app.logger.exception("Erreur non gérée sur %s %s", request.method, request.path)
        if (renderer := renderer_for_path()) is not None:
            return renderer(500, None, {}, error)
        return render_error(500)


def abort_with(status: int, message: str) -> None:
    """Abort the request with a French message shown on the error page."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[status](description=message)
    error.custom_message = True  # type: ignore[attr-defined]
    raise error
