"""Screenshots of the demo site and of its PDFs, for docs/screenshots/ (a look at the site as
people meet it, kept in the repository so that a change of layout shows in review).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Loads the demo into a temporary SQLite database (as `flask db upgrade` and `flask demo load`
do; the PDFs are built for real by WeasyPrint), serves the app on a free local port in a
thread, and opens the home, a project, a proposal and a synthesis in Debian's Chromium
(`/usr/bin/chromium`, or CHROMIUM_PATH) at 1366 and 360 CSS px wide, full page. The synthesis
PDF and the Rencontres dossier are turned into PNG pages by `pdftoppm` (poppler-utils).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTHS = (1366, 360)
# A full page whose PNG weighs more than MAX_BYTES is cut at MAX_HEIGHT px: small enough to
# review and to keep in the repository.
MAX_HEIGHT = 3000
MAX_BYTES = 600_000
PDF_PAGES = 4
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"]


def chromium() -> str:
    """Debian's Chromium, or the one CHROMIUM_PATH names."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        sys.exit("Chromium est introuvable (apt install chromium, ou CHROMIUM_PATH).")
    return path


def build_site(workdir: Path) -> tuple[Any, dict[str, str], dict[str, bytes]]:
    """The app on a migrated, demo-loaded database: (app, page paths, PDFs by name)."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from consultation import create_app
    from consultation.core import jobs
    from consultation.demo.cli import load_demo
    from consultation.extensions import db
    from consultation.projects.models import Project
    from consultation.proposals.models import Proposal
    from consultation.rencontres.models import Edition
    from consultation.syntheses.models import SynthesisVersion

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.db'}",
        "SECRET_KEY": "screenshots",
        "OUTBOX_DIR": str(workdir / "outbox"),
        "REDIS_URL": None,
        "MAIL_SERVER": None,
        "PAGE_CACHE_SECONDS": 0,
    })
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        jobs.dispatch_committed()  # the PDFs, built now as `flask demo load` does without Redis
        projects = list(db.session.scalars(select(Project).order_by(Project.id)))
        open_project = max((p for p in projects if p.is_open), key=lambda p: p.proposals_count)
        proposal = db.session.scalars(
            select(Proposal).where(Proposal.project_id == open_project.id,
                                   Proposal.status == "published",
                                   Proposal.moderation == "visible")
            .order_by(Proposal.comments_count.desc(), Proposal.id)
        ).first()
        version = db.session.scalars(
            select(SynthesisVersion).order_by(SynthesisVersion.number.desc(),
                                              SynthesisVersion.id.desc())
        ).first()
        edition = db.session.scalars(
            select(Edition).where(Edition.document_id.is_not(None))
            .order_by(Edition.year.desc())
        ).first()
        assert proposal is not None and version is not None and edition is not None
        paths = {
            "accueil": "/",
            "projet": f"/projets/{open_project.slug}",
            "propositions": f"/projets/{open_project.slug}/propositions",
            "proposition": f"/propositions/{proposal.id}",
            "synthese": f"/projets/{version.project.slug}/synthese",
        }
        pdfs = {}
        for name, document in (("synthese", version.document), ("dossier", edition.document)):
            if document is None or document.content is None:
                sys.exit(f"Le PDF « {name} » n'a pas été construit : {document and document.error}")
            pdfs[name] = document.content
        db.session.remove()
    return app, paths, pdfs


def shoot(base_url: str, paths: dict[str, str], out: Path) -> list[Path]:
    """Full-page PNGs of each page at each width; the heaviest cut at MAX_HEIGHT px."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 800},
                                          locale="fr-FR")
            page = context.new_page()
            for name, path in paths.items():
                page.goto(base_url + path, wait_until="load")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                if target.stat().st_size > MAX_BYTES:
                    page.screenshot(path=str(target), full_page=True, clip={
                        "x": 0, "y": 0, "width": width, "height": MAX_HEIGHT})
                written.append(target)
            context.close()
        browser.close()
    return written


def pdf_pages(pdfs: dict[str, bytes], out: Path, workdir: Path) -> list[Path]:
    """The first PDF_PAGES pages of each PDF as PNG at 60 dpi (pdf-<name>-<n>.png)."""
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm est introuvable (apt install poppler-utils).")
    written = []
    for name, content in pdfs.items():
        source = workdir / f"{name}.pdf"
        source.write_bytes(content)
        prefix = workdir / f"pdf-{name}"
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(PDF_PAGES),
                        str(source), str(prefix)], check=True)
        for made in sorted(workdir.glob(f"pdf-{name}-*.png")):
            number = int(made.stem.rsplit("-", 1)[1])
            target = out / f"pdf-{name}-{number}.png"
            shutil.move(made, target)
            written.append(target)
    return written


def main() -> None:
    """Load the demo, serve it, take the screenshots, turn the PDFs into pictures."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        workdir = Path(tmp)
        app, paths, pdfs = build_site(workdir)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            written = shoot(f"http://127.0.0.1:{server.server_port}", paths, out)
        finally:
            server.shutdown()
            thread.join(timeout=30)
            server.server_close()
        written += pdf_pages(pdfs, out, workdir)
    for path in written:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f" ({path.stat().st_size // 1024} Ko)")


if __name__ == "__main__":
    main()
