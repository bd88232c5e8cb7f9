"""Account services: they change the model and flush, never commit."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, and_, func, or_, select
from werkzeug.security import check_password_hash

from consultation.accounts.emails import email_key
from consultation.accounts.models import ROLES, User, UserRole, dummy_hash
from consultation.core import audit, jobs, personal_data
from consultation.core.errors import DomainError
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.reference.models import Territory

log = logging.getLogger(__name__)

LAST_ADMIN = _l(
    "Vous êtes la seule personne administratrice : donnez d'abord ce rôle à quelqu'un d'autre."
)


CONFIRMATION_LINK_INVALID = _l(
    "Ce lien de confirmation n'est plus valable : il a expiré (au bout de sept jours), il a été "
    "modifié, ou l'adresse du compte a changé depuis."
)


def normalise_email(email: str) -> str:
    """An address as stored, where mails go: lower-case, without surrounding spaces (accounts
    are compared by `email_key`)."""
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The user with this email or a look-alike of it (accounts/emails.py), if any; an account
    left without a key by migration 0018 (its key was an older account's) is found by its exact
    address, before the older account."""
    return db.session.scalar(
        select(User)
        .where(or_(User.email_key == email_key(email),
                   and_(User.email_key.is_(None), User.email == normalise_email(email))))
        .order_by(User.email_key.is_not(None), User.id)
        .limit(1)
    )


def email_collisions() -> list[tuple[User, User | None]]:
    """Accounts with an email but no email key (migration 0018 found an older account with the
    same key), each with the account that holds the key, by id."""
    left = db.session.scalars(
        select(User).where(User.email.is_not(None), User.email_key.is_(None)).order_by(User.id)
    ).all()
    return [(user, db.session.scalar(select(User).where(User.email_key == email_key(user.email))))
            for user in left if user.email is not None]


def register(
    email: str, display_name: str, password: str, commune: Territory | None = None,
    *, confirmed: bool = False, charter_accepted: bool = False,
) -> User:
    """Create a citizen account; unless `confirmed` (an account an admin creates on the command
    line, the demo's), it cannot contribute until its email is confirmed by the emailed link.
    `charter_accepted`: the person ticked the participation charter (the registration form)."""
    if find_by_email(email) is not None:
        raise DomainError(_("Un compte existe déjà avec cette adresse électronique."))
    user = User(email=normalise_email(email), display_name=display_name.strip(), commune=commune,
                confirmation_required=True)
    user.set_password(password)
    user.grant("citizen")
    if charter_accepted:
        user.accept_charter()
    if confirmed:
        user.confirm_email()
    db.session.add(user)
    db.session.flush()
    if not confirmed:
        send_confirmation(user)
    log.info("user %s registered", user.id)
    return user


def _confirmation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-confirmation")


def confirmation_token(user: User) -> str:
    """A signed token naming the user and their current email: it dies when the email changes,
    and after EMAIL_CONFIRMATION_MAX_AGE (seven days)."""
    return _confirmation_serializer().dumps({"u": user.id, "e": user.email})


def user_for_confirmation_token(token: str) -> User | None:
    """The user a valid, unexpired confirmation token belongs to, if their email is still the
    one it was sent to; else None."""
    try:
        data = _confirmation_serializer().loads(
            token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or user.email is None or user.email != data.get("e"):
        return None
    return user


def send_confirmation(user: User) -> None:
    """Email a confirmation link for the person's current email (a job, after the commit)."""
    from consultation.accounts.jobs import send_email_confirmation

    if user.email is None:
        raise DomainError(_("Ce compte n'a pas d'adresse électronique à confirmer."))
    if user.email_confirmed:
        raise DomainError(_("Votre adresse électronique est déjà confirmée."))
    jobs.enqueue(send_email_confirmation, user.id, user.email)
    log.info("email confirmation sent to user %s", user.id)


def confirm_email(token: str) -> tuple[User, bool]:
    """Confirm the email a link was sent to: (the user, True) the first time, (the user, False)
    when it already was confirmed (nothing changes)."""
    user = user_for_confirmation_token(token)
    if user is None:
        raise DomainError(str(CONFIRMATION_LINK_INVALID))
    done = user.confirm_email()
    db.session.flush()
    if done:
        log.info("user %s confirmed their email", user.id)
    return user, done


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password match, or None. An unknown email costs the same as a
    wrong password: its check runs against a real hash (models.dummy_hash), so the time taken
    does not tell which emails have an account."""
    user = find_by_email(email)
    if user is None:
        check_password_hash(dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def end_sessions(user: User) -> None:
    """End every session of the account on the server (logging out): a new session nonce, so
    that a copy of a session or "remember me" cookie no longer logs anyone in."""
    user.end_sessions()
    db.session.flush()
    log.info("user %s logged out", user.id)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def reset_token(user: User) -> str:
    """A signed token naming the user and their session nonce: it dies once used."""
    return _serializer().dumps({"u": user.id, "n": user.session_nonce})


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unused, unexpired reset token belongs to, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    return user if user is not None and user.session_nonce == data.get("n") else None


def request_password_reset(email: str) -> None:
    """Ask for a reset link to be sent if an account has this email; say nothing either way.

    The request does the same whatever the address: it queues the same job, which looks the
    address up and writes the mail in both cases (see jobs.send_password_reset_to), so the
    time taken does not tell which addresses have an account."""
    from consultation.accounts.jobs import send_password_reset_to

    jobs.enqueue_silently(send_password_reset_to, email.strip())
    log.info("password reset asked")


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset token; the token cannot be used again."""
    user = user_for_reset_token(token)
    if user is None:
        raise DomainError(
            _("Ce lien de réinitialisation n'est plus valable. Demandez-en un nouveau.")
        )
    user.set_password(password)
    db.session.flush()
    log.info("user %s reset their password", user.id)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the password after checking the current one; other sessions end."""
    if not user.check_password(current):
        raise DomainError(_("Le mot de passe actuel est incorrect."))
    user.set_password(new)
    db.session.flush()
    log.info("user %s changed their password", user.id)


def update_profile(
    user: User, display_name: str, commune: Territory | None, locale: str | None
) -> None:
    """Change the public name, commune of residence and language."""
    user.display_name = display_name.strip()
    user.commune = commune
    user.locale = locale or None
    db.session.flush()
    log.info("user %s updated their profile", user.id)


def is_last_admin(user: User) -> bool:
    """True when the user is the only admin left: the platform would have nobody to run it."""
    if not user.has_role("admin"):
        return False
    admins = db.session.execute(
        select(func.count()).select_from(UserRole).where(UserRole.role == "admin")
    ).scalar_one()
    return admins <= 1


def export_archive(user: User) -> bytes:
    """The person's data as a zip: one JSON file per subject, and a README.txt in French."""
    files: dict[str, dict[str, Any]] = {}
    for part in personal_data.parts():
        files.setdefault(part.filename, {})[part.key] = part.collect(user)
    described: dict[str, list[str]] = {}
    for part in personal_data.parts():
        described.setdefault(part.filename, []).append(str(part.description))
    readme = render_template(
        "accounts/personal_data_readme.txt", user=user, files=described, at=utcnow()
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        for filename, content in files.items():
            archive.writestr(filename, json.dumps(content, ensure_ascii=False, indent=2) + "\n")
    log.info("user %s downloaded their data", user.id)
    return buffer.getvalue()


def delete_account(user: User, password: str) -> None:
    """Delete one's account after checking the password.

    The row stays as a tombstone, so contributions, supports and participation keep counting
    and "one support per person" still holds: email, name, password, language, block, roles and
    subscriptions go; the commune stays only when a figure counts by it (a participant). Every
    session ends with the nonce; the name shows as "Participant·e supprimé·e" everywhere.
    """
    if user.is_deleted:
        raise DomainError(_("Ce compte est déjà supprimé."))
    if not user.check_password(password):
        raise DomainError(_("Le mot de passe est incorrect."))
    if is_last_admin(user):
        raise DomainError(str(LAST_ADMIN))
    retained: set[str] = set()
    for part in personal_data.parts():
        if part.erase is not None:
            part.erase(user)
        elif part.retains and part.collect(user):
            retained.update(part.retains)
    user.set_email(None)
    user.display_name = ""
    user.password_hash = None
    user.locale = None
    if "commune_id" not in retained:
        user.commune = None
    user.blocked_at = user.blocked_until = user.blocked_reason = None
    user.role_rows = []
    user.end_sessions()
    user.deleted_at = utcnow()
    # The journal says the account went, and by whose act; it names nobody.
    audit.record(user, "user.delete", "user", user.id)
    db.session.flush()
    log.info("user %s deleted their account", user.id)


def set_roles(actor: User, user: User, roles: set[str]) -> None:
    """Give the user exactly these roles; an admin cannot drop their own admin role."""
    if user.is_deleted:
        raise DomainError(_("Ce compte est supprimé : il n'a plus de rôle."))
    unknown = roles - set(ROLES)
    if unknown:
        raise DomainError(_("Rôle inconnu : %(roles)s", roles=", ".join(sorted(unknown))))
    if actor.id == user.id and "admin" not in roles:
        raise DomainError(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur·rice."))
    before = sorted(user.roles)
    for role in ROLES:
        (user.grant if role in roles else user.revoke)(role)
    audit.record(actor, "user.roles", "user", user.id, user.display_name,
                 before=before, after=sorted(roles))
    db.session.flush()
    log.info("user %s set roles of user %s to %s", actor.id, user.id, sorted(roles))


def search_text(typed: str) -> str:
    """What was typed in a search box, safe to search: no control characters (a NUL breaks
    PostgreSQL), 100 characters at most."""
    return "".join(ch for ch in typed if ch.isprintable()).strip()[:100]


def matching(statement: Select[Any], query: str) -> Select[Any]:
    """Restrict a query on users to those whose name or email contains `query` (% and _ are
    searched literally)."""
    if not query:
        return statement
    return statement.where(or_(User.display_name.icontains(query, autoescape=True),
                               User.email.icontains(query, autoescape=True)))
