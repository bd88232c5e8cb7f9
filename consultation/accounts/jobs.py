"""Account mails, sent as jobs."""

from __future__ import annotations

from email.message import Message

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from consultation.accounts.models import User, new_nonce
from consultation.accounts.services import confirmation_token, find_by_email, reset_token
from consultation.core.mail import compose, deliver
from consultation.extensions import db


def _reset_message(user: User, email: str) -> Message:
    with force_locale(user.locale or "fr"), current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"]
    ):
        link = url_for("accounts.reset_password", token=reset_token(user), _external=True)
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        return compose(
            email,
            _("Réinitialisation de votre mot de passe"),
            "password_reset",
            user=user,
            link=link,
            minutes=minutes,
        )


def send_password_reset_to(email: str) -> None:
    """Email a single-use password reset link if an account with a password has this address.

    Without Redis this job runs inside the request that asked for it: the mail is written
    whether or not the address has an account (for nobody, to a stand-in), so the request
    takes the same time either way; only a real account's mail is delivered."""
    user = find_by_email(email)
    real = user is not None and user.email is not None and user.password_hash is not None
    if not real:
        user = User(id=0, display_name="", session_nonce=new_nonce())
    assert user is not None
    message = _reset_message(user, user.email if real and user.email else email)
    if real:
        deliver(message)


def send_password_reset(user_id: int) -> None:
    """Email a single-use password reset link to the user (jobs queued before
    send_password_reset_to, which is asked for now)."""
    user = db.session.get(User, user_id)
    if user is None or not user.email:
        return
    deliver(_reset_message(user, user.email))


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
