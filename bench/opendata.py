"""Time and peak memory to build the open data zip on the city dataset.

    .venv/bin/python -m bench.opendata [--quick]
    .venv/bin/python -m bench.opendata --database URL

The first form builds (once, then reuses) the city dataset (`full`: 20,000 proposals, 100,000
comments, 400,000 supports; `quick`: a tenth), with BENCH_DATABASE_URL on PostgreSQL; the
second uses an existing database. Either way the zip is built in a fresh process, as a worker
would, and the build time, the process's peak resident memory (before and after) and the
sizes are printed as JSON. The zip built is removed afterwards: the dataset stays as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.measure import peak_rss_mb

HERE = Path(__file__).resolve().parent


def _reset_peak() -> bool:
    # Linux: writing 5 to clear_refs resets the peak resident size (VmHWM), so that the peak
    # read after the build is the build's, not the app's start (imports, migrations check).
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(url: str) -> dict[str, Any]:
    """Build the open data zip of the database at `url` in this process."""
    from sqlalchemy import delete

    from bench.generate import _app
    from consultation.core.documents import Document
    from consultation.extensions import db
    from consultation.opendata import services

    app = _app(url)
    with app.app_context():
        document_id = services.ask()
        before = peak_rss_mb()
        reset = _reset_peak()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = services.build(document_id)
        seconds = time.perf_counter() - started
        # CPU time too: on a busy machine the wall time mostly measures the others.
        cpu_seconds = time.process_time() - cpu_started
        peak_mb = peak_rss_mb()
        if result != "ready":
            document = db.session.get_one(Document, document_id)
            print(f"Échec : {document.error}", file=sys.stderr)
            raise SystemExit(1)
        current = services.published()
        assert current is not None
        package = services.descriptor(current)
        rows = {resource_["name"]: resource_["x-rows"] for resource_ in package["resources"]
                if resource_["format"] == "csv"}
        csv_mb = sum(r.get("bytes", 0) for r in package["resources"]) / 2**20
        json_mb = sum(r.get("x-bytes", 0) for r in package["resources"]) / 2**20
        db.session.execute(delete(Document).where(Document.kind == services.KIND))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "peak_mb": round(peak_mb),
        "peak_mb_before_build": round(before),
        "peak_reset": reset,
        "zip_mb": round(current.size / 2**20, 1),
        "csv_mb": round(csv_mb, 1),
        "json_mb": round(json_mb, 1),
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure one build; print and return the measures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the city")
    parser.add_argument("--database", help="an existing database")
    args = parser.parse_args(argv)

    if args.database:
        result = measure(args.database)
        print(json.dumps(result, indent=2))
        return result

    from bench import databases, generate

    spec = generate.city("quick" if args.quick else "full")
    url = databases.url_for(os.environ.get("BENCH_DATABASE_URL"), spec.name)
    built = generate.ensure(url, spec, log=lambda line: print(line, file=sys.stderr))
    # A fresh process: its peak memory is the build's, not the generator's.
    output = subprocess.run([sys.executable, "-m", "bench.opendata", "--database", url],
                            check=True, capture_output=True, text=True, cwd=HERE.parent).stdout
    result = json.loads(output)
    result.update({"dataset": spec.name, "backend": url.split(":", 1)[0],
                   "generate_seconds": getattr(built, "seconds", None)})
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
