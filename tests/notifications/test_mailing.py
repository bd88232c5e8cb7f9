"""Notifications by email: each as it happens, daily and weekly digests, one-click
unsubscription; nothing sent twice, a run that failed half-way resumed."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from itertools import count

import pytest
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core import mail
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.notifications import mailing
from consultation.notifications.models import EmailFrequency, Notification, NotificationSettings
from consultation.notifications.services import save_settings
from tests import factories
from tests.accounts.helpers import read
from tests.conftest import login
from tests.mailbox import Outbox, body

_events = count(1)


def notify(user: User, proposal, kind: str = "comment", reason: str = "author",
           event: str | None = None, **values) -> Notification:
    """A notification as the fan-out writes it."""
    row = Notification(user_id=user.id, kind=kind, reason=reason,
                       event=event or f"test:{next(_events)}", project_id=proposal.project_id,
                       proposal_id=proposal.id, **values)
    db.session.add(row)
    db.session.flush()
    return row


def wanting(frequency: EmailFrequency, **kwargs) -> User:
    """A citizen who chose this frequency."""
    user = factories.user(**kwargs)
    save_settings(user, frequency, True)
    return user


def recipients(messages: list[EmailMessage]) -> list[str]:
    """Who each message went to, sorted."""
    return sorted(str(m["To"]) for m in messages)


@pytest.fixture
def proposal():
    """A proposal in an open consultation."""
    return factories.proposal(factories.project("consultation", title="Le tramway"),
                              title="Une ligne vers Guipavas")


def test_an_event_is_emailed_at_once_to_those_who_want_each(app, proposal):
    """send_immediate emails that event's notifications to the "each" people only, once, with
    the one-click unsubscription headers and links to the thing and the settings."""
    each = wanting(EmailFrequency.IMMEDIATE)
    daily = factories.user()
    for user in (each, daily):
        notify(user, proposal, event="answer:1")
    db.session.commit()
    outbox = Outbox(app)
    assert mailing.send_immediate("answer:1") == 1
    [message] = outbox.new()
    assert message["To"] == each.email
    assert "Une ligne vers Guipavas" in message["Subject"]
    text = body(message, "plain")
    assert f"/propositions/{proposal.id}" in text
    assert "/compte/notifications/reglages" in text
    assert "parce que vous êtes l'auteur·rice" in text
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http") and unsubscribe.endswith("/un-clic>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailing.send_immediate("answer:1") == 0
    assert mailing.send_pending_immediate() == 0
    assert outbox.new() == []


def test_the_daily_digest_groups_by_project_and_goes_once_a_day(app, proposal):
    """The default is a daily digest: one message with every news item grouped by project;
    a second run the same day sends nothing, the next day's run sends what came since."""
    other = factories.proposal(factories.project("consultation", title="La médiathèque"),
                               title="Ouvrir le dimanche")
    person = factories.user()
    weekly = wanting(EmailFrequency.WEEKLY)
    notify(person, proposal)
    notify(person, other, kind="answer", reason="follower")
    notify(weekly, proposal)
    db.session.commit()
    outbox = Outbox(app)
    assert mailing.send_digests(EmailFrequency.DAILY) == 1
    [digest] = outbox.new()
    assert digest["To"] == person.email
    assert digest["Subject"] == "Votre résumé du jour\u00a0: 2 notifications"
    text = body(digest, "plain")
    assert text.index("La médiathèque") < text.index("Le tramway")  # grouped, by title
    assert "Ouvrir le dimanche" in text and "Une ligne vers Guipavas" in text
    html = body(digest, "html")
    assert "<h2>Le tramway</h2>" in html
    assert mailing.send_digests(EmailFrequency.DAILY) == 0
    notify(person, proposal, kind="reply")
    db.session.commit()
    assert mailing.send_digests(EmailFrequency.DAILY) == 0  # already had today's
    assert outbox.new() == []
    tomorrow = utcnow() + timedelta(days=1)
    assert mailing.send_digests(EmailFrequency.DAILY, now=tomorrow) == 1
    [again] = outbox.new()
    assert again["Subject"] == "Votre résumé du jour\u00a0: 1 notification"
    assert mailing.send_digests(EmailFrequency.WEEKLY) == 1
    assert recipients(outbox.new()) == [weekly.email]


def test_no_email_for_those_who_want_none_or_have_no_address(app, proposal):
    """People who chose no email, or have no address (registered by a mediator), get nothing
    and their notifications are settled, so a later change of mind sends no old news."""
    silent = wanting(EmailFrequency.NONE)
    assisted = factories.user()
    assisted.email = None  # registered by a mediator
    for user in (silent, assisted):
        notify(user, proposal)
    db.session.commit()
    outbox = Outbox(app)
    assert mailing.send_digests(EmailFrequency.DAILY) == 0
    assert outbox.new() == []
    left = db.session.scalars(select(Notification).where(Notification.emailed_at.is_(None)))
    assert list(left) == []


def test_a_digest_run_that_failed_half_way_is_resumed_without_duplicates(
        app, proposal, monkeypatch):
    """The mail server fails on the third message: the run stops with the error, the next
    run sends the rest, and nobody gets two digests."""
    people = [factories.user() for _ in range(5)]
    for person in people:
        notify(person, proposal)
    db.session.commit()
    outbox = Outbox(app)
    real = mail.deliver
    calls = count(1)

    def flaky(message):
        if next(calls) == 3:
            raise ConnectionError("le serveur de courrier ne répond pas")
        real(message)

    monkeypatch.setattr(mailing, "deliver", flaky)
    with pytest.raises(ConnectionError):
        mailing.send_digests(EmailFrequency.DAILY)
    first = outbox.new()
    assert len(first) == 2
    assert mailing.send_digests(EmailFrequency.DAILY) == 3
    second = outbox.new()
    assert sorted(recipients(first) + recipients(second)) == sorted(str(p.email) for p in people)
    assert mailing.send_digests(EmailFrequency.DAILY) == 0


def test_an_immediate_mail_that_failed_is_sent_by_the_sweep(app, proposal, monkeypatch):
    """A notification whose mail failed is given back, and `send --immediate` sends it."""
    each = wanting(EmailFrequency.IMMEDIATE)
    notify(each, proposal, event="answer:9")
    db.session.commit()

    def down(message):
        raise ConnectionError("indisponible")

    monkeypatch.setattr(mailing, "deliver", down)
    with pytest.raises(ConnectionError):
        mailing.send_immediate("answer:9")
    monkeypatch.undo()
    outbox = Outbox(app)
    assert mailing.send_pending_immediate() == 1
    assert recipients(outbox.new()) == [each.email]


def test_digests_speak_the_persons_language(app, proposal):
    """An English-speaking person's digest is in English."""
    english = factories.user()
    english.locale = "en"
    notify(english, proposal)
    db.session.commit()
    outbox = Outbox(app)
    mailing.send_digests(EmailFrequency.DAILY)
    [digest] = outbox.new()
    assert digest["Subject"] == "Your daily digest: 1 notification"
    assert "Hello" in body(digest, "plain")
    assert "because you are the author" in body(digest, "plain")


def test_settings_page_shows_the_defaults_and_saves_as_a_browser_sends(app, client):
    """Daily digest and auto-follow by default; unticking the box (absent from the form) and
    choosing "weekly" is saved; a forged frequency is refused in French, as typed."""
    user = factories.user()
    db.session.commit()
    login(client, user)
    page = client.get("/compte/notifications/reglages")
    assert page.status_code == 200
    form = read(page.get_data(as_text=True))
    assert form.values["email_frequency"] == "daily"
    assert form.values["auto_follow"] == "y"
    token = form.values["csrf_token"]
    response = client.post("/compte/notifications/reglages",
                           data={"csrf_token": token, "email_frequency": "weekly"})
    assert response.status_code == 302
    row = db.session.get(NotificationSettings, user.id)
    assert row is not None and row.email_frequency == "weekly" and row.auto_follow is False
    refused = client.post("/compte/notifications/reglages",
                          data={"csrf_token": token, "email_frequency": "hourly",
                                "auto_follow": "y"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "Choisissez l&#39;une des fréquences proposées." in page
    assert read(page).values["auto_follow"] == "y"  # as typed
    db.session.expire_all()
    assert db.session.get_one(NotificationSettings, user.id).email_frequency == "weekly"


def test_one_click_unsubscribe_needs_no_login_nor_form_token(app, client, proposal):
    """The link of the List-Unsubscribe header works with a bare POST (RFC 8058); the page of
    the link in the text asks first (a GET changes nothing); a made-up link is a French 404."""
    person = factories.user()
    db.session.commit()
    token = mailing.unsubscribe_token(person.id)
    page = client.get(f"/desabonnement/{token}")
    assert page.status_code == 200
    assert db.session.get(NotificationSettings, person.id) is None
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/desabonnement/{token}/un-clic",
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get_one(NotificationSettings, person.id).email_frequency == "none"
    bad = client.post("/desabonnement/pas-un-lien/un-clic")
    assert bad.status_code == 404
    assert "lien de désabonnement" in bad.get_data(as_text=True)


def test_the_scheduled_commands(app, proposal):
    """`flask notifications send --daily` sends the digests, `announce` tells the followers of
    a consultation opening today, each once however often it runs; a run without a choice is
    refused."""
    from consultation.notifications.models import Follow

    person = factories.user()
    notify(person, proposal)
    opening = factories.project("consultation")  # opened five days ago
    db.session.add(Follow(user_id=person.id, project_id=opening.id))
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "send", "--daily"])
    assert first.exit_code == 0 and "1 courriel(s) envoyé(s)." in first.output
    assert "0 courriel(s)" in runner.invoke(args=["notifications", "send", "--daily"]).output
    assert runner.invoke(args=["notifications", "send"]).exit_code == 2
    announced = runner.invoke(args=["notifications", "announce"])
    assert "1 notification(s)" in announced.output
    assert "0 notification(s)" in runner.invoke(args=["notifications", "announce"]).output
