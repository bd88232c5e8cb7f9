"""Time and peak memory to build the synthesis PDF of one large project.

    .venv/bin/python -m bench.synthesis_pdf --proposals 2000 --comments 10000
    .venv/bin/python -m bench.synthesis_pdf --database URL --project SLUG

The first form builds (once, then reuses) a SQLite dataset under bench/data/ holding one project
of that size with a published synthesis; the second uses a project of an existing database that
has one (bench.run passes its working copy). Either way the PDF of the latest version is built
again in a fresh process, as a worker would, and the build time, the process's peak resident
memory and the PDF's size are printed as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import peak_rss_mb

HERE = Path(__file__).resolve().parent


def measure(url: str, slug: str, keep: str | None = None) -> dict[str, float]:
    """Build the latest synthesis PDF of project `slug` at `url` in this process."""
    from bench.generate import _app
    from consultation.core import documents
    from consultation.extensions import db
    from consultation.projects.services import by_slug
    from consultation.syntheses import jobs as synthesis_jobs
    from consultation.syntheses import services

    app = _app(url)
    with app.app_context():
        project = by_slug(slug)
        if project is None:
            raise SystemExit(f"Aucun projet « {slug} » dans cette base.")
        version = services.latest(project)
        if version is None:
            raise SystemExit(f"Le projet « {slug} » n'a pas de synthèse publiée.")
        proposals = project.proposals_count
        document_id = version.document_id
        assert document_id is not None  # every published version has its PDF document
        # Whatever was stored (a stand-in, or an earlier build) is built again.
        db.session.execute(
            db.update(documents.Document).where(documents.Document.id == document_id)
            .values(state="pending", content=None, size=None, error=None)
        )
        db.session.commit()

        before = peak_rss_mb()
        started = time.perf_counter()
        synthesis_jobs.build_pdf(document_id)
        seconds = time.perf_counter() - started
        peak_mb = peak_rss_mb()
        document = db.session.get_one(documents.Document, document_id)
        if document.state != "ready":
            print(f"Échec : {document.error}", file=sys.stderr)
            raise SystemExit(1)
        content = documents.content_of(document)
        if keep:
            Path(keep).write_bytes(content)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(content)).pages)
        db.session.remove()
        db.engine.dispose()
    return {
        "proposals": proposals,
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_mb),
        "peak_mb_before_build": round(before),
        "pdf_kb": len(content) // 1024,
        "pages": pages,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Measure one build; print and return the measures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--supports", type=int, default=None)
    parser.add_argument("--database", help="an existing database (with --project)")
    parser.add_argument("--project", help="slug of a project with a published synthesis")
    parser.add_argument("--keep", help="write the PDF to this file")
    args = parser.parse_args(argv)

    if args.database:
        if not args.project:
            parser.error("--database demande --project")
        result = measure(args.database, args.project, args.keep)
        print(json.dumps(result, indent=2))
        return result

    from bench import databases, generate

    supports = args.supports if args.supports is not None else 4 * args.proposals
    spec = generate.DatasetSpec(
        f"pdf_{args.proposals}_{args.comments}_{supports}",
        max(200, args.proposals) + 2,
        (generate.ProjectSpec(f"Projet de {args.proposals} propositions", "synthesis",
                              args.proposals, args.comments, supports, featured=True),),
        accounts=1,
    )
    url = databases.url_for(None, spec.name)
    built = generate.ensure(url, spec, log=lambda line: print(line, file=sys.stderr))
    # A fresh process: its peak memory is the build's, not the generator's.
    command = [sys.executable, "-m", "bench.synthesis_pdf", "--database", url,
               "--project", built.featured_slug]
    if args.keep:
        command += ["--keep", args.keep]
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            cwd=HERE.parent).stdout
    result = json.loads(output)
    result.update({"comments": args.comments, "supports": supports,
                   "generate_seconds": built.seconds})
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
