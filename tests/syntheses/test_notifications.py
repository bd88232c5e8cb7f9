"""On publication, elected officials and the project's subscribers get one email each."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update

from consultation.accounts.models import User
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.syntheses import jobs as synthesis_jobs
from consultation.syntheses import render, services
from tests import factories


@pytest.fixture(autouse=True)
def stand_in_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFs are not laid out here (a second each): mail is what these tests look at."""
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")


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


def test_publication_mails_elected_officials_and_subscribers_once(app, as_role):
    """Each reader gets one email with the links; blocked, email-less and other projects'
    readers get none; a second run of the job sends nothing."""
    project = factories.project(title="La rade de Brest")
    other = factories.project(title="Le téléphérique")
    factories.user(roles=("elected",), email="elue@exemple.fr")
    blocked_elected = factories.user(roles=("elected",), email="elu-bloque@exemple.fr")
    silent_elected = factories.user(roles=("elected",), email="sans-adresse@exemple.fr")
    subscriber = factories.user(email="abonnee@exemple.fr")
    elected_subscriber = factories.user(roles=("elected",), email="elu-abonne@exemple.fr")
    elsewhere = factories.user(email="autre-projet@exemple.fr")
    factories.user(email="citoyen@exemple.fr")
    for reader in (subscriber, elected_subscriber):
        services.subscribe(project, reader)
    services.subscribe(other, elsewhere)
    moderation.block_user(factories.user(roles=("moderator",)), blocked_elected, "Insultes.", None)
    db.session.execute(update(User).where(User.id == silent_elected.id).values(email=None))
    db.session.commit()
    outbox = Outbox(app)
    outbox.new()
    expected = {"elue@exemple.fr", "abonnee@exemple.fr", "elu-abonne@exemple.fr"}
    assert {user.email for user in services.recipients(project.id)} == expected

    moderator = as_role("moderator", email="moderatrice@exemple.fr")
    url = f"/projets/{project.slug}/synthese"
    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "La synthèse.", "change_note": "", "publish": "Publier"})
    assert response.status_code == 302
    messages = outbox.new()
    assert sorted(str(m["To"]) for m in messages) == sorted(expected)  # one each
    public = app.config["PUBLIC_URL"].rstrip("/")
    for message in messages:
        assert "La rade de Brest" in str(message["Subject"])
        for part in (body(message, "plain"), body(message, "html")):
            assert f"{public}{url}/v1" in part
            assert f"{public}{url}/v1/pdf" in part
            assert "La rade de Brest" in part
    version = services.version(project, 1)
    assert version is not None
    assert version.notified_at is not None

    synthesis_jobs.notify_published(version.id)
    assert outbox.new() == []

    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "La synthèse complétée.", "change_note": "Les réponses sont ajoutées.",
        "publish": "Publier"})
    assert response.status_code == 302
    messages = outbox.new()
    assert sorted(str(m["To"]) for m in messages) == sorted(expected)
    for message in messages:
        text = body(message, "plain")
        assert f"{public}{url}/v2" in text and f"{public}{url}/v2/pdf" in text
        assert "Les réponses sont ajoutées." in text


def test_publication_with_nobody_to_tell_sends_nothing(app, as_role):
    """No elected official and no subscriber: the publication sends no email at all."""
    project = factories.project()
    db.session.commit()
    outbox = Outbox(app)
    outbox.new()
    moderator = as_role("moderator")
    response = moderator.post(f"/projets/{project.slug}/synthese/brouillon", data={
        "narrative": "La synthèse.", "change_note": "", "publish": "Publier"})
    assert response.status_code == 302
    assert outbox.new() == []
    first = services.version(project, 1)
    assert first is not None and first.notified_at is not None
