"""`flask rencontres dossier YEAR -o FILE.pdf`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from consultation.core import documents
from consultation.core.documents import write_output
from consultation.rencontres import services
from consultation.rencontres.jobs import dossier_pdf


@click.group("rencontres", help="Rencontres des numériques.")
def rencontres_cli() -> None:
    """Edition commands."""


@rencontres_cli.command("dossier")
@click.argument("year", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Fichier PDF à écrire.")
@with_appcontext
def dossier(year: int, output: Path) -> None:
    """Write an edition's dossier to a file (the stored one when built, else built now)."""
    edition = services.by_year(year)
    if edition is None:
        raise click.ClickException(f"Aucune édition pour l'année {year}.")
    if not edition.syntheses:
        raise click.ClickException(f"L'édition {year} ne rassemble encore aucune synthèse.")
    document = edition.document
    if document is not None and document.is_ready:
        content = documents.content_of(document)
    else:
        content = dossier_pdf(edition)
    write_output(output, content)
