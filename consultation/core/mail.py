"""Sending mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/."""

from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from email import charset
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from sqlalchemy import DateTime, ForeignKey, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from consultation.core.db import insert_ignore
from consultation.core.models import utcnow
from consultation.extensions import Model, db

# Bodies in quoted-printable: readable as they travel, unlike base64.
UTF8 = charset.Charset("utf-8")
UTF8.body_encoding = charset.QP

# Any run of white space but the non-breaking ones.
BREAKS = re.compile(r"[^\S\u00a0\u202f]+")


class SentNotice(Model):
    """One person told about one thing (`key`, e.g. "synthesis:12"): a job that runs again
    after failing half-way tells only those it had not told."""

    __tablename__ = "sent_notices"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def compose(to: str, subject: str, template: str, **context: object) -> Message:
    """Build a message from templates/emails/<template>.txt and .html.

    Built with the classic MIME classes: the modern EmailMessage parses and refolds every
    header of every message, which made a digest run for 20,000 people three times slower.
    """
    message = MIMEMultipart("alternative")
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    # A title typed with a line break must not end the header (nor fail the whole mailing);
    # the non-breaking spaces of French typography stay.
    message["Subject"] = BREAKS.sub(" ", subject).strip()
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="consultation.brest")
    for extension, subtype in (("txt", "plain"), ("html", "html")):
        text = render_template(f"emails/{template}.{extension}", **context)
        # The standard library takes a Charset here (its stubs say only str).
        message.attach(MIMEText(text, subtype, UTF8))  # type: ignore[arg-type]
    return message


def deliver(message: Message) -> None:
    """Hand the message to SMTP, or write it to the outbox folder in the embedded mode."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return
    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(message.as_bytes())


def send_once(key: str, people: Iterable[Any], message_for: Callable[[Any], Message]) -> int:
    """Send each person their message about `key` once, however often the job runs; how many
    went now.

    Each person is claimed by a committed row before their message goes (so two workers never
    both send it, and no lock is held while mail travels); a message that cannot be sent gives
    its claim back and the error goes up: the job fails, and its retry tells the others
    without repeating those already told.
    """
    sent = 0
    for person in list(people):
        person_id = person.id
        if not insert_ignore(SentNotice.__table__, key=key, user_id=person_id,
                             sent_at=utcnow()):
            continue
        db.session.commit()
        try:
            deliver(message_for(person))
        except BaseException:
            db.session.rollback()
            db.session.execute(
                delete(SentNotice).where(SentNotice.key == key, SentNotice.user_id == person_id)
            )
            db.session.commit()
            raise
        sent += 1
    return sent
