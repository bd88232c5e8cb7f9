"""Time and peak memory of the notifications at city scale.

    .venv/bin/python -m bench.notifications            # the city dataset, on SQLite
    .venv/bin/python -m bench.notifications --quick    # a tenth of it
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m bench.notifications        # on PostgreSQL

On a copy of the city dataset (bench/generate.py), every account (20,000) follows the proposal
with 200 comments. Then, each in a fresh process, as a worker would run them:
1. the fan-out of one official answer on that proposal (one notification per follower);
2. the daily digest run for the 20,000 people notified (default settings: a daily digest),
   written as .eml files to a temporary folder as the embedded mode does.
Printed as JSON: seconds, peak resident memory (MB) and how many rows or emails each made.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import peak_rss_mb

HERE = Path(__file__).resolve().parent


def prepare(url: str, proposal_id: int) -> int:
    """Every account follows the proposal; nothing notified or sent yet; how many follow."""
    from sqlalchemy import delete, func, insert, literal, select

    from bench.generate import _app
    from consultation.accounts.models import User
    from consultation.extensions import db
    from consultation.notifications.models import Follow, Notification, NotificationSettings

    app = _app(url)
    with app.app_context():
        db.session.execute(delete(Notification))
        db.session.execute(delete(NotificationSettings))
        db.session.execute(delete(Follow))
        db.session.execute(insert(Follow).from_select(
            ["user_id", "proposal_id", "created_at"],
            select(User.id, literal(proposal_id), func.current_timestamp())
            .where(User.email.is_not(None)),
        ))
        db.session.commit()
        followers = db.session.scalar(select(func.count()).select_from(Follow)) or 0
        db.session.remove()
        db.engine.dispose()
    return followers


def fan_out(url: str, proposal_id: int) -> dict[str, float]:
    """Answer the proposal officially (as an admin does), then run its fan-out job."""
    from sqlalchemy import func, select

    from bench.generate import _app
    from consultation.accounts.models import User
    from consultation.core import jobs
    from consultation.extensions import db
    from consultation.notifications.models import Notification
    from consultation.proposals.models import Proposal
    from consultation.proposals.services import give_answer

    app = _app(url)
    with app.app_context():
        admin = db.session.scalars(
            select(User).where(User.email == "moderation@bench.example")).one()
        proposal = db.session.get_one(Proposal, proposal_id)
        started = time.perf_counter()
        give_answer(admin, proposal, "accepted", "La métropole retient cette proposition.")
        db.session.commit()
        answered = time.perf_counter() - started
        started = time.perf_counter()
        jobs.dispatch_committed()  # the fan-out job, run inline as without Redis
        seconds = time.perf_counter() - started
        made = db.session.scalar(select(func.count()).select_from(Notification)) or 0
        db.session.remove()
        db.engine.dispose()
    return {"answer_seconds": round(answered, 3), "fan_out_seconds": round(seconds, 2),
            "notifications": made, "peak_mb": round(peak_rss_mb())}


def digest(url: str) -> dict[str, float]:
    """Run the daily digest for everyone notified."""
    from bench.generate import _app
    from consultation.extensions import db
    from consultation.notifications import mailing
    from consultation.notifications.models import EmailFrequency

    with tempfile.TemporaryDirectory() as outbox:
        app = _app(url)
        app.config["OUTBOX_DIR"] = outbox
        with app.app_context():
            started = time.perf_counter()
            sent = mailing.send_digests(EmailFrequency.DAILY)
            seconds = time.perf_counter() - started
            again = mailing.send_digests(EmailFrequency.DAILY)
            db.session.remove()
            db.engine.dispose()
        files = len(os.listdir(outbox))
    return {"digest_seconds": round(seconds, 1), "emails": sent, "eml_files": files,
            "sent_by_a_second_run": again, "peak_mb": round(peak_rss_mb())}


def _child(step: str, url: str, proposal_id: int) -> dict[str, float]:
    # A fresh process per step: its peak memory is the step's alone.
    output = subprocess.run(
        [sys.executable, "-m", "bench.notifications", "--step", step, "--database", url,
         "--proposal", str(proposal_id)],
        check=True, capture_output=True, text=True, cwd=HERE.parent,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Build or reuse the dataset, copy it, measure both steps; print and return them."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="un dixième de la ville")
    parser.add_argument("--step", choices=("prepare", "fan_out", "digest"))
    parser.add_argument("--database")
    parser.add_argument("--proposal", type=int)
    args = parser.parse_args(argv)
    if args.step:
        if args.step == "prepare":
            result: dict[str, object] = {"followers": prepare(args.database, args.proposal)}
        elif args.step == "fan_out":
            result = dict(fan_out(args.database, args.proposal))
        else:
            result = dict(digest(args.database))
        print(json.dumps(result))
        return result

    from bench import databases, generate

    backend = os.environ.get("BENCH_DATABASE_URL")
    spec = generate.city("quick" if args.quick else "full")
    source = databases.url_for(backend, spec.name)
    built = generate.ensure(source, spec, log=lambda line: print(line, file=sys.stderr))
    work = databases.url_for(backend, "notifications_run")
    databases.copy(source, work)
    proposal_id = built.commented_proposal_id
    result = {"dataset": spec.name, "backend": "sqlite" if databases.is_sqlite(work)
              else "postgresql"}
    result.update(_child("prepare", work, proposal_id))
    result["fan_out"] = _child("fan_out", work, proposal_id)
    result["digest"] = _child("digest", work, proposal_id)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
