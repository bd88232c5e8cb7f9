"""What the notification tests share: settle the jobs, read who was told, read a page."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select

from consultation.core import jobs
from consultation.extensions import db
from consultation.notifications.models import Follow, Notification


def settle() -> None:
    """Commit, then run the jobs the commit asked for (the fan-out), as after a request."""
    db.session.commit()
    jobs.dispatch_committed()


def told(**where: Any) -> list[tuple[int, str, str]]:
    """(user_id, kind, reason) of the notifications matching `where`, in id order."""
    db.session.commit()
    statement = select(Notification).order_by(Notification.id)
    for name, wanted in where.items():
        statement = statement.where(getattr(Notification, name) == wanted)
    return [(n.user_id, n.kind, n.reason) for n in db.session.scalars(statement)]


def follows_of(user_id: int) -> set[tuple[str, int | None]]:
    """What someone follows: ("project", id) and ("proposal", id)."""
    db.session.commit()
    rows = db.session.scalars(select(Follow).where(Follow.user_id == user_id))
    return {("project", row.project_id) if row.project_id else ("proposal", row.proposal_id)
            for row in rows if (row.project_id or row.proposal_id) is not None}


def page(response: Any) -> str:
    """A page's HTML with entities decoded, non-breaking spaces as plain ones."""
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")
