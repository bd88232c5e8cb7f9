"""Reading the mail the app writes to its outbox folder (no MAIL_SERVER in tests)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import Flask


class Outbox:
    """The .eml files the app writes, read as messages; `new()` gives those not yet seen."""

    def __init__(self, app: Flask) -> None:
        """Watch the app's outbox folder."""
        self.folder = Path(app.config["OUTBOX_DIR"])
        self.seen: set[Path] = set()

    def new(self) -> list[EmailMessage]:
        """The messages written since the last call."""
        paths = set(self.folder.glob("*.eml")) if self.folder.exists() else set()
        fresh = sorted(paths - self.seen)
        self.seen |= paths
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in fresh]


def body(message: EmailMessage, subtype: str) -> str:
    """The plain-text or HTML part of a message."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return part.get_content()
