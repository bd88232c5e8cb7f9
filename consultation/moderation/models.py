"""Reports (signalements): one per person per item, decided by a moderator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultation.accounts.models import User
from consultation.core.models import DomainEnum, one_of, utcnow
from consultation.extensions import Model


class ReportKind(DomainEnum):
    """What a report is about."""

    PROPOSAL = "proposal"
    COMMENT = "comment"
    USER = "user"


class ReportReason(DomainEnum):
    """Why someone reports; "other" asks for details."""

    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


class ReportStatus(DomainEnum):
    """A report waits for a moderator, who upholds it (the item is hidden) or dismisses it."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Report(Model):
    """Someone reports a proposal, a comment or an account."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_kind", "target_id"),
        CheckConstraint(one_of("target_kind", ReportKind), name="target_kind"),
        CheckConstraint(one_of("reason", ReportReason), name="reason"),
        CheckConstraint(one_of("status", ReportStatus), name="status"),
        Index("ix_reports_target", "target_kind", "target_id", "status"),
        Index("ix_reports_status_project", "status", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column()
    # The project of the reported content (None for an account), for the queue's filter.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(15))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
