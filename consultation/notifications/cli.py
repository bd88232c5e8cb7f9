"""`flask notifications ...`: the scheduled runs (digests, phase openings, missed emails)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consultation.core.models import today
from consultation.extensions import db
from consultation.notifications import mailing, services
from consultation.notifications.models import EmailFrequency


@click.group("notifications", help="Notifications : courriels, résumés, ouvertures de phase.")
def notifications_cli() -> None:
    """Notification commands, meant for cron or systemd timers."""


@notifications_cli.command("send")
@click.option("--immediate", "which", flag_value="immediate",
              help="Les notifications « à chaque fois » restées en attente (toutes les 5 min).")
@click.option("--daily", "which", flag_value="daily", help="Le résumé quotidien (chaque matin).")
@click.option("--weekly", "which", flag_value="weekly",
              help="Le résumé hebdomadaire (le lundi matin).")
@with_appcontext
def send(which: str | None) -> None:
    """Send the emails of one kind of run; running it twice sends nothing twice."""
    if which is None:
        raise click.UsageError("Choisissez --immediate, --daily ou --weekly.")
    if which == "immediate":
        count = mailing.send_pending_immediate()
    else:
        count = mailing.send_digests(EmailFrequency(which))
    click.echo(f"{count} courriel(s) envoyé(s).")


@notifications_cli.command("announce")
@with_appcontext
def announce() -> None:
    """Tell followers that a consultation opened today (or in the week, if a run was missed);
    running it twice tells nobody twice."""
    made = services.announce_opened_phases(today())
    db.session.commit()
    click.echo(f"{made} notification(s) d'ouverture de consultation.")
