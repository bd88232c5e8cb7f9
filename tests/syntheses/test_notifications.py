"""On publication, the project's followers, elected officials and the project's subscribers are
notified once each (the email goes with the notification, by the notifications' email side)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from consultation.accounts.models import User
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.notifications import jobs as fan_out
from consultation.notifications import services as follows
from consultation.notifications.models import Notification
from consultation.syntheses import render, services
from tests import factories


@pytest.fixture(autouse=True)
def stand_in_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFs are not laid out here (a second each): notifications are what these tests see."""
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")


def told(event_prefix: str) -> dict[int, str]:
    """Who was notified of the events starting so, with the reason."""
    db.session.commit()
    return {n.user_id: n.reason for n in db.session.scalars(
        select(Notification).where(Notification.event.startswith(event_prefix)))}


def test_publication_tells_followers_elected_officials_and_subscribers_once(app, as_role):
    """Each reader is notified once, with the reason; blocked accounts, other projects' readers
    and the publishing moderator are not; a second run of the job makes nothing."""
    project = factories.project(title="La rade de Brest")
    other = factories.project(title="Le téléphérique")
    elected = factories.user(roles=("elected",), email="elue@exemple.fr")
    blocked_elected = factories.user(roles=("elected",), email="elu-bloque@exemple.fr")
    silent_elected = factories.user(roles=("elected",), email="sans-adresse@exemple.fr")
    subscriber = factories.user(email="abonnee@exemple.fr")
    elected_subscriber = factories.user(roles=("elected",), email="elu-abonne@exemple.fr")
    follower = factories.user(email="suiveuse@exemple.fr")
    elsewhere = factories.user(email="autre-projet@exemple.fr")
    factories.user(email="citoyen@exemple.fr")
    for reader in (subscriber, elected_subscriber):
        services.subscribe(project, reader)
    services.subscribe(other, elsewhere)
    follows.follow(follower, project=project)
    follows.follow(elsewhere, project=other)
    moderation.block_user(factories.user(roles=("moderator",)), blocked_elected, "Insultes.", None)
    db.session.execute(update(User).where(User.id == silent_elected.id).values(email=None))
    db.session.commit()

    moderator = as_role("moderator", "elected", email="moderatrice@exemple.fr")
    url = f"/projets/{project.slug}/synthese"
    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "La synthèse.", "change_note": "", "confirm": "y"})
    assert response.status_code == 302
    version = services.version(project, 1)
    assert version is not None
    assert told(f"synthesis:{version.id}") == {
        elected.id: "elected", silent_elected.id: "elected", subscriber.id: "subscriber",
        elected_subscriber.id: "elected", follower.id: "follower",
    }
    assert fan_out.notify_synthesis(version.id) == 0  # run again: nobody twice

    response = moderator.post(f"{url}/brouillon", data={
        "narrative": "La synthèse complétée.", "change_note": "Les réponses sont ajoutées.",
        "confirm": "y"})
    assert response.status_code == 302
    second = services.version(project, 2)
    assert second is not None
    assert len(told(f"synthesis:{second.id}")) == 5
    page = login_page(app, follower)
    assert f"{url}/v2" in page and f"{url}/v1" in page
    assert "Synthèse publiée sur le projet « La rade de Brest »" in page
    assert "parce que vous suivez ce projet" in page


def login_page(app, user) -> str:
    """The notifications page as `user` sees it, entities decoded."""
    import html

    from tests.conftest import login

    return html.unescape(login(app.test_client(), user).get("/compte/notifications")
                         .get_data(as_text=True)).replace("\xa0", " ")


def test_publication_with_nobody_to_tell_makes_nothing(app, as_role):
    """No follower, elected official or subscriber: the publication notifies nobody."""
    project = factories.project()
    db.session.commit()
    moderator = as_role("moderator")
    response = moderator.post(f"/projets/{project.slug}/synthese/brouillon", data={
        "narrative": "La synthèse.", "change_note": "", "confirm": "y"})
    assert response.status_code == 302
    assert told("synthesis:") == {}
