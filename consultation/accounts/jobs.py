"""Account mails, sent as jobs."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from consultation.accounts.models import User
from consultation.accounts.services import confirmation_token, reset_token
from consultation.core.mail import compose, deliver
from consultation.extensions import db


def send_password_reset(user_id: int) -> None:
    """Email a single-use password reset link to the user."""
    user = db.session.get(User, user_id)
    if user is None or not user.email:
        return
    with force_locale(user.locale or "fr"), current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"]
    ):
        link = url_for("accounts.reset_password", token=reset_token(user), _external=True)
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        message = compose(
            user.email,
            _("Réinitialisation de votre mot de passe"),
            "password_reset",
            user=user,
            link=link,
            minutes=minutes,
        )
    deliver(message)


def send_email_confirmation(user_id: int, email: str) -> None:
    """Email a link confirming `email`, unless the account's email changed or is confirmed."""
    user = db.session.get(User, user_id)
    if user is None or user.email != email or user.email_confirmed:
        return
    with force_locale(user.locale or "fr"), current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"]
    ):
        link = url_for("accounts.confirm_email", token=confirmation_token(user), _external=True)
        days = current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 86400
        message = compose(
            email,
            _("Confirmez votre adresse électronique"),
            "email_confirmation",
            user=user,
            link=link,
            days=days,
        )
    deliver(message)
