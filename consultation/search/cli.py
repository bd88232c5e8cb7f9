"""`flask search reindex`: rebuild the search index from the content."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consultation.extensions import db
from consultation.search import services


@click.group("search", help="Recherche : l'index du texte intégral.")
def search_cli() -> None:
    """Search index commands."""


@search_cli.command("reindex")
@click.option("--if-empty", is_flag=True,
              help="Seulement si l'index est vide (première mise à jour d'une base existante).")
@with_appcontext
def reindex(if_empty: bool) -> None:
    """Rebuild the whole index in one transaction (after a restore or a bulk import)."""
    if if_empty and not services.is_empty():
        click.echo("L'index contient déjà des entrées : rien à faire.")
        return
    counts = services.reindex()
    db.session.commit()
    click.echo("Index reconstruit : " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
