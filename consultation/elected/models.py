"""When each elected official last marked their reading space as seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from consultation.core.models import utcnow
from consultation.extensions import Model


class ElectedVisit(Model):
    """What is "new" in the reading space is what was published after `seen_at`. It moves only
    when the person says so (a POST), never by opening the page: a GET changes nothing, and an
    official who glanced at the page still finds the news there next time."""

    __tablename__ = "elected_visits"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
