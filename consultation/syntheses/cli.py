"""`flask syntheses pdf PROJECT_SLUG -o FILE.pdf [--draft]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from consultation.core import documents
from consultation.core.documents import write_output
from consultation.projects.services import by_slug
from consultation.syntheses import figures, render, services
from consultation.syntheses.jobs import version_pdf


@click.group("syntheses", help="Synthèses des projets.")
def syntheses_cli() -> None:
    """Synthesis commands."""


@syntheses_cli.command("pdf")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Fichier PDF à écrire.")
@click.option("--draft", is_flag=True, help="Le brouillon actuel, avec les chiffres du moment.")
@with_appcontext
def pdf(slug: str, output: Path, draft: bool) -> None:
    """Write the latest published synthesis of a project (or its current draft) to a file."""
    project = by_slug(slug)
    if project is None:
        raise click.ClickException(f"Aucun projet n'a l'identifiant « {slug} ».")
    if draft:
        saved = services.draft_of(project)
        content = render.synthesis_pdf(project, figures.compute(project),
                                       saved.narrative if saved else "",
                                       number=None, published_at=None)
    else:
        latest = services.latest(project)
        if latest is None:
            raise click.ClickException(
                f"Le projet « {slug} » n'a pas de synthèse publiée (essayez --draft)."
            )
        document = latest.document
        if document is not None and document.is_ready:
            content = documents.content_of(document)
        else:
            content = version_pdf(latest)
    write_output(output, content)
