"""Header injection: user text in an e-mail's subject never adds a header or stops the mail."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from consultation.core import jobs
from consultation.extensions import db
from consultation.notifications.models import EmailFrequency
from consultation.notifications.services import save_settings
from consultation.syntheses import render as print_render
from consultation.syntheses import services as syntheses
from tests import factories


def test_a_title_with_line_breaks_stays_in_one_subject_line(app, monkeypatch):
    """A project title holding CR LF and a header (a form sent by hand keeps them) gives the
    elected official one mail whose subject is one line, and no extra recipient."""
    monkeypatch.setattr(print_render, "write_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")
    elected = factories.user(roles=("elected",), email="elu@exemple.fr")
    moderator = factories.user(roles=("moderator",))
    project = factories.project(title="Wi-Fi public\r\nBcc: victime@exemple.fr\n\n<b>x</b>")
    save_settings(elected, EmailFrequency.IMMEDIATE, True)
    syntheses.publish(project, moderator, "Le texte de la synthèse.", "")
    db.session.commit()
    jobs.dispatch_committed()  # the notifications, then their email, as after a request
    outbox = Path(app.config["OUTBOX_DIR"])
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in outbox.glob("*.eml")]
    [message] = [m for m in messages if m["To"] == elected.email]
    assert message["Subject"] == (
        "Synthèse publiée sur le projet «\u00a0Wi-Fi public Bcc: victime@exemple.fr "
        "<b>x</b>\u00a0»")
    assert message["Bcc"] is None
    assert "victime@exemple.fr" not in str(message["To"])
