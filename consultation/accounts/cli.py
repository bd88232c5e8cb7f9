"""`flask users create EMAIL --role admin` and `flask users grant EMAIL ROLE`."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from consultation.accounts import passwords, services
from consultation.accounts.forms import (
    DISPLAY_NAME_MAX,
    DISPLAY_NAME_MIN,
    PASSWORD_MIN,
    is_control,
)
from consultation.accounts.models import ROLES, User
from consultation.core.errors import DomainError
from consultation.extensions import db


@click.group("users", help="Gérer les comptes.")
def users_cli() -> None:
    """Manage accounts from the command line."""


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "display_name", help="Nom affiché (par défaut : la partie avant @).")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="Rôle à donner.")
@click.option(
    "--password", prompt="Mot de passe", hide_input=True, confirmation_prompt=True,
    help="Mot de passe (demandé s'il n'est pas donné).",
)
@with_appcontext
def create(email: str, display_name: str | None, roles: tuple[str, ...], password: str) -> None:
    """Create an account with the given roles (citizen is always given)."""
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(
            f"Le mot de passe doit faire au moins {PASSWORD_MIN} caractères."
        )
    email = email.strip()
    try:
        # The same check as the web form's Email() validator.
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.ClickException(
            f"« {email} » n'est pas une adresse électronique valide."
        ) from error
    if len(email) > 254:
        raise click.ClickException("L'adresse électronique dépasse 254 caractères.")
    name = (display_name or email.split("@")[0]).strip()
    if not DISPLAY_NAME_MIN <= len(name) <= DISPLAY_NAME_MAX:
        raise click.ClickException(
            f"Le nom affiché doit faire entre {DISPLAY_NAME_MIN} et {DISPLAY_NAME_MAX} "
            "caractères (option --name)."
        )
    if any(is_control(ch) for ch in name):
        raise click.ClickException("Le nom affiché contient des caractères non autorisés.")
    refused = passwords.refusal(password, email, name)
    if refused:
        raise click.ClickException(refused)
    try:
        # Created by an admin, who gives the address: it counts as confirmed.
        user = services.register(email, name, password, confirmed=True)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    for role in roles:
        user.grant(role)
    db.session.commit()
    click.echo(f"Compte {user.email} créé (n° {user.id}), rôles : {', '.join(sorted(user.roles))}.")


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def grant(email: str, role: str) -> None:
    """Give a role to an existing account."""
    user: User | None = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"Aucun compte avec l'adresse {email}.")
    user.grant(role)
    db.session.commit()
    click.echo(f"{user.email} a maintenant les rôles : {', '.join(sorted(user.roles))}.")


@users_cli.command("revoke")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def revoke(email: str, role: str) -> None:
    """Take a role back from an account."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"Aucun compte avec l'adresse {email}.")
    user.revoke(role)
    db.session.commit()
    click.echo(f"{user.email} a maintenant les rôles : {', '.join(sorted(user.roles)) or 'aucun'}.")


@users_cli.command("email-collisions")
@with_appcontext
def email_collisions() -> None:
    """List the accounts left without an email key by migration 0018: their address is a
    look-alike of an older account's (the same person twice, or two people to tell apart)."""
    found = services.email_collisions()
    if not found:
        click.echo("Aucune collision : chaque adresse électronique désigne un seul compte.")
        return
    click.echo(f"{len(found)} compte(s) dont l'adresse est une variante de celle d'un compte "
               "plus ancien (ils se connectent avec leur adresse exacte) :")
    for user, holder in found:
        other = f"n° {holder.id} <{holder.email}>" if holder is not None else "aucun compte"
        click.echo(f"- n° {user.id} <{user.email}>, créé le {user.created_at:%d/%m/%Y} : "
                   f"même adresse que {other}")
    click.echo("Après accord des personnes, supprimez ou changez l'adresse du compte en double.")
