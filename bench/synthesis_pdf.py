"""Time and peak memory to build the synthesis PDF of one large project.

    .venv/bin/python -m bench.synthesis_pdf --proposals 2000 --comments 10000

Builds a fresh SQLite database under bench/data/ (or uses DATABASE_URL), generates the project,
publishes its synthesis with the PDF job held back, then builds the PDF in this process as a
worker would, and prints the build time, the process's peak resident memory and the PDF's size.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

from flask import g
from flask_migrate import upgrade

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Generate, publish, build; print and return the measures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--supports", type=int, default=None)
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--keep", help="write the PDF to this file")
    args = parser.parse_args(argv)
    supports = args.supports if args.supports is not None else 4 * args.proposals
    people = args.users or max(200, args.proposals)

    url = os.environ.get("DATABASE_URL")
    if not url:
        path = HERE / "data" / f"pdf-{args.proposals}-{args.comments}.db"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"

    from consultation import create_app
    from consultation.core import documents
    from consultation.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "OUTBOX_DIR": str(HERE / "data" / "outbox")})
    with app.app_context():
        upgrade()
        from bench import generate
        from consultation.accounts.models import User
        from consultation.projects.models import Project
        from consultation.syntheses import jobs as synthesis_jobs
        from consultation.syntheses import services

        started = time.perf_counter()
        ids = generate.users(people)
        project_id = generate.project(
            f"Projet de {args.proposals} propositions",
            generate.Scale(args.proposals, args.comments, supports), ids,
        )
        moderator = db.session.get(User, ids[0])
        moderator.grant("moderator")
        db.session.commit()
        generated = time.perf_counter() - started

        project = db.session.get(Project, project_id)
        version = services.publish(
            project, moderator,
            "## Ce que la consultation a montré\n\nUn texte de synthèse.\n\n[[participation]]", "",
        )
        document_id = version.document_id
        db.session.commit()
        g.pop("committed_jobs", None)  # held back: the build below is the one measured

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        synthesis_jobs.build_pdf(document_id)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        document = db.session.get(documents.Document, document_id)
        if document.state != "ready":
            print(f"Échec : {document.error}", file=sys.stderr)
            raise SystemExit(1)
        content = documents.content_of(document)
        if args.keep:
            Path(args.keep).write_bytes(content)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(content)).pages)
    result = {
        "proposals": args.proposals,
        "comments": args.comments,
        "supports": supports,
        "generate_seconds": round(generated, 1),
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_mb),
        "peak_mb_before_build": round(before / 1024),
        "pdf_kb": len(content) // 1024,
        "pages": pages,
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
