"""Header injection: user text in an e-mail's subject never adds a header or stops the mail."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from flask import current_app

from consultation.core.mail import compose, deliver
from consultation.extensions import db
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
    version = syntheses.publish(project, moderator, "Le texte de la synthèse.", "")
    db.session.commit()
    # The publication's email is written by the notifications' email side with compose().
    with current_app.test_request_context():
        assert elected.email is not None
        deliver(compose(elected.email, f"Synthèse publiée : {project.title}",
                        "synthesis_published", user=elected, version=version, link="/",
                        pdf_link="/"))
    outbox = Path(app.config["OUTBOX_DIR"])
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in outbox.glob("*.eml")]
    [message] = [m for m in messages if m["To"] == elected.email]
    assert message["Subject"] == (
        "Synthèse publiée : Wi-Fi public Bcc: victime@exemple.fr <b>x</b>")
    assert message["Bcc"] is None
    assert "victime@exemple.fr" not in str(message["To"])
