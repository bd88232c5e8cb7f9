"""`flask opendata build`: the command to schedule (cron, systemd timer)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from consultation.core import documents
from consultation.opendata import services

opendata_cli = AppGroup("opendata", help="Les données ouvertes (/donnees).")


@opendata_cli.command("build")
@click.option("--force", is_flag=True, help="Reconstruire même si rien n'a changé.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Écrire aussi le zip dans ce fichier.")
@with_appcontext
def build_command(force: bool, output: Path | None) -> None:
    """Build the open data zip when a change waits for it or the data changed since the last
    build (always with --force); to schedule, e.g. every 10 minutes."""
    current = services.state()
    changed = services.last_change()
    up_to_date = (current.ready is not None and current.waiting is None
                  and (changed is None or changed <= current.ready))
    if up_to_date and not force:
        click.echo("Données ouvertes à jour : rien à reconstruire.")
    else:
        result = services.build(current.waiting or services.ask())
        if result != "ready":
            raise click.ClickException(f"Échec de la fabrication des données ouvertes ({result}).")
    published = services.published()
    if published is None:
        raise click.ClickException("Aucune donnée ouverte n'est prête.")
    click.echo(f"Données ouvertes du {published.created.isoformat(timespec='seconds')} : "
               f"{published.size // 1024} Ko.")
    if output is not None:
        documents.write_output(output, services.zip_bytes(published))
