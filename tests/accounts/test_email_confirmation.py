"""Confirming one's email: the link sent at registration, confirming by a POST, expired and
tampered links, sending it again (rate-limited), what an unconfirmed account may not do, people
registered by a mediator, the email changing, and the migration of existing accounts."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, text

from consultation import create_app
from consultation.accounts.jobs import send_email_confirmation
from consultation.accounts.models import User
from consultation.accounts.services import confirmation_token, user_for_confirmation_token
from consultation.comments.models import Comment
from consultation.core.models import today, utcnow
from consultation.core.permissions import can, refusal
from consultation.extensions import db
from consultation.mediation import services as mediation
from consultation.moderation.models import Report
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.accounts.helpers import fresh
from tests.conftest import IsolatedClient, _create_pg_database, _drop_pg_database, login

PASSWORD = factories.PASSWORD
MUST_CONFIRM = (
    "Confirmez d'abord votre adresse électronique\u00a0: le lien vous a été envoyé par courriel."
)
LINK = re.compile(r"https?://[^/\s]+(/compte/confirmer/[A-Za-z0-9_.\-]+)")
INVALID = "Ce lien de confirmation n'est plus valable"
SEVEN_DAYS = timedelta(days=7)


def outbox(app: Flask) -> list[Path]:
    folder = Path(app.config["OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def mails_to(app: Flask, email: str) -> list[Any]:
    """The messages of the outbox sent to `email`."""
    messages = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
                for p in outbox(app)]
    return [m for m in messages if m["To"] == email]


def link_in(message: Any) -> str:
    """The path of the confirmation link in a mail."""
    found = LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert found is not None
    return found.group(1)


def page(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def registration(**changes: str) -> dict[str, str]:
    """The registration form as a browser sends it: every field."""
    return {"email": "marie@exemple.fr", "display_name": "Marie", "commune": "",
            "password": PASSWORD, "confirm": PASSWORD, "charter": "y", **changes}


def register_through_the_form(client: Any, email: str = "marie@exemple.fr") -> User:
    response = client.post("/compte/inscription", data=registration(email=email))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


@pytest.fixture
def unconfirmed(app: Flask) -> User:
    """A person who registered and has not opened their link."""
    made = factories.user(email="anne@exemple.fr", display_name="Anne", confirmed=False)
    db.session.commit()
    return made


# --- Registration sends the link; the link confirms by a POST ---------------------------------


def test_registration_sends_a_working_link(app, client):
    """Registering leaves the account unconfirmed and mails a link; its page shows a button, the
    POST confirms, and the account may then propose."""
    user = register_through_the_form(client)
    assert user.confirmation_required and user.email_confirmed_at is None
    assert user.needs_email_confirmation
    [message] = mails_to(app, "marie@exemple.fr")
    assert message["Subject"] == "Confirmez votre adresse électronique"
    path = link_in(message)
    assert "7 jours" in message.get_body(preferencelist=("plain",)).get_content()

    shown = client.get(path)
    assert shown.status_code == 200
    assert "Confirmer mon adresse" in page(shown)
    assert fresh(User, user.id).email_confirmed_at is None  # opening the link changes nothing

    confirmed = client.post(path, follow_redirects=True)
    assert "Votre adresse électronique est confirmée" in page(confirmed)
    user = fresh(User, user.id)
    assert user.email_confirmed_at is not None and not user.needs_email_confirmation
    project = factories.project("consultation")
    db.session.commit()
    assert can(fresh(User, user.id), "proposals.create", project)


def test_the_header_offers_to_send_the_link_again(app, client):
    """While unconfirmed, every page says so and offers "Renvoyer le lien"."""
    register_through_the_form(client)
    home = page(client.get("/"))
    assert "Confirmez votre adresse électronique." in home
    assert "Renvoyer le lien" in home
    assert 'action="/compte/confirmation/renvoyer"' in home


def test_confirming_twice_is_harmless_and_says_so(app, unconfirmed):
    """The second use of the link changes nothing and says the address already was confirmed."""
    path = f"/compte/confirmer/{confirmation_token(unconfirmed)}"
    client = app.test_client()
    client.post(path)
    first = fresh(User, unconfirmed.id).email_confirmed_at
    assert first is not None
    again = client.post(path, follow_redirects=True)
    assert "était déjà confirmée\u00a0: rien n'a changé" in page(again)
    assert fresh(User, unconfirmed.id).email_confirmed_at == first
    assert "déjà confirmée" in page(client.get(path))


def test_expired_link_is_refused_in_french(app, unconfirmed):
    """Seven days and a minute later, the link gives a French page offering a new one, and
    confirms nothing."""
    path = f"/compte/confirmer/{confirmation_token(unconfirmed)}"
    with time_machine.travel(utcnow() + SEVEN_DAYS + timedelta(minutes=1)):
        client = app.test_client()
        shown = client.get(path)
        assert shown.status_code == 400
        assert INVALID in page(shown)
        assert "Se connecter" in page(shown)  # a visitor: log in, then ask again
        assert client.post(path).status_code == 400
        logged_in = login(app.test_client(), unconfirmed)
        assert "Recevoir un nouveau lien" in page(logged_in.get(path))
    assert fresh(User, unconfirmed.id).email_confirmed_at is None


def test_link_still_valid_just_before_seven_days(app, unconfirmed):
    """Six days and 23 hours later the link still works."""
    path = f"/compte/confirmer/{confirmation_token(unconfirmed)}"
    with time_machine.travel(utcnow() + SEVEN_DAYS - timedelta(hours=1)):
        assert app.test_client().post(path).status_code == 302
    assert fresh(User, unconfirmed.id).email_confirmed_at is not None


@pytest.mark.parametrize("forge", ["tampered", "other_secret", "other_salt", "not_a_dict",
                                   "unknown_user"])
def test_tampered_links_are_refused_in_french(app, unconfirmed, forge):
    """A changed signature, another secret, the password-reset salt, a payload of another shape
    or an unknown account: the French page, nothing confirmed."""
    good = confirmation_token(unconfirmed)
    payload = {"u": unconfirmed.id, "e": unconfirmed.email}
    tokens = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "other_secret": URLSafeTimedSerializer("autre", salt="email-confirmation").dumps(payload),
        "other_salt": URLSafeTimedSerializer(app.config["SECRET_KEY"],
                                             salt="password-reset").dumps(payload),
        "not_a_dict": URLSafeTimedSerializer(app.config["SECRET_KEY"],
                                             salt="email-confirmation").dumps([unconfirmed.id]),
        "unknown_user": URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt="email-confirmation"
        ).dumps({"u": unconfirmed.id + 1000, "e": unconfirmed.email}),
    }
    client = app.test_client()
    response = client.post(f"/compte/confirmer/{tokens[forge]}")
    assert response.status_code == 400
    assert INVALID in page(response)
    assert fresh(User, unconfirmed.id).email_confirmed_at is None


# --- The email changing -------------------------------------------------------------------------


def test_a_new_email_is_unconfirmed_and_old_links_die(app):
    """A confirmed account whose email changes needs the new address confirmed; the link sent to
    the old address no longer works, and the mail waiting for it is not sent."""
    user = factories.user(email="ancien@exemple.fr")
    db.session.commit()
    old_link = confirmation_token(user)
    assert user.email_confirmed and not user.needs_email_confirmation
    user.set_email("nouveau@exemple.fr")
    db.session.commit()
    assert user.email_confirmed_at is None and user.needs_email_confirmation
    assert user_for_confirmation_token(old_link) is None
    send_email_confirmation(user.id, "ancien@exemple.fr")
    assert mails_to(app, "ancien@exemple.fr") == []
    send_email_confirmation(user.id, "nouveau@exemple.fr")
    [message] = mails_to(app, "nouveau@exemple.fr")
    assert app.test_client().post(link_in(message)).status_code == 302
    assert fresh(User, user.id).email_confirmed


# --- Sending it again ---------------------------------------------------------------------------


def test_resend_sends_a_new_link(app, unconfirmed):
    """The logged-in unconfirmed person gets a new link by email, with a French message."""
    before = len(mails_to(app, "anne@exemple.fr"))
    client = login(app.test_client(), unconfirmed)
    response = client.post("/compte/confirmation/renvoyer", data={"next": "/projets"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/projets")
    assert len(mails_to(app, "anne@exemple.fr")) == before + 1
    flashed = page(client.get("/projets"))
    assert "Un nouveau lien de confirmation vient d'être envoyé à anne@exemple.fr" in flashed
    assert client.post(link_in(mails_to(app, "anne@exemple.fr")[-1])).status_code == 302
    assert fresh(User, unconfirmed.id).email_confirmed


def test_resend_for_a_confirmed_account_says_so(app, citizen_client):
    """Already confirmed: nothing is sent, a French message says so."""
    before = len(outbox(app))
    response = citizen_client.post("/compte/confirmation/renvoyer", data={"next": "/"},
                                   follow_redirects=True)
    assert "Votre adresse électronique est déjà confirmée." in page(response)
    assert len(outbox(app)) == before


def test_resend_needs_to_be_logged_in(client):
    response = client.post("/compte/confirmation/renvoyer", data={"next": "/"})
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_resend_goes_back_only_to_a_local_page(app, unconfirmed):
    client = login(app.test_client(), unconfirmed)
    response = client.post("/compte/confirmation/renvoyer",
                           data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/compte/profil")


def test_resend_is_rate_limited(app, unconfirmed):
    """Past the limit, the French 429 page, and no more mail."""
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_RESET_PER_IP": "10/minute",
                          "RATELIMIT_RESET_PER_ACCOUNT": "2/minute"})
    limited.test_client_class = IsolatedClient
    before = len(mails_to(app, "anne@exemple.fr"))
    with limited.app_context():
        client = login(limited.test_client(), unconfirmed)
        codes = [client.post("/compte/confirmation/renvoyer", data={"next": "/"}).status_code
                 for _ in range(3)]
    assert codes == [302, 302, 429]
    assert len(mails_to(app, "anne@exemple.fr")) == before + 2


# --- What an unconfirmed account may not do -----------------------------------------------------


class Stage:
    """A project in consultation, someone else's proposal and comment."""

    def __init__(self) -> None:
        self.project = factories.project("consultation")
        other = factories.user()
        self.proposal = factories.proposal(self.project, author=other)
        self.comment = factories.comment(self.proposal, author=other)
        db.session.commit()


def counts() -> tuple[int, int, int, int]:
    """Proposals, comments, supports and reports in the database."""
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Proposal, Comment, Support, Report)
    )


RULES = ("proposals.create", "comments.create", "comments.reply", "votes.support",
         "reports.create")


def targets(stage: Stage) -> dict[str, Any]:
    return {"proposals.create": stage.project, "comments.create": stage.proposal,
            "comments.reply": stage.comment, "votes.support": stage.proposal,
            "reports.create": stage.proposal}


def test_unconfirmed_cannot_contribute_by_the_rules(app, unconfirmed):
    """Every contribution rule refuses with the French message; reading rules still allow."""
    stage = Stage()
    for name, target in targets(stage).items():
        assert not can(unconfirmed, name, target), name
        assert refusal(unconfirmed, name, target) == MUST_CONFIRM
    assert can(unconfirmed, "accounts.export", unconfirmed)
    assert can(unconfirmed, "syntheses.subscribe", stage.project)


def test_confirmed_can_contribute_by_the_rules(app):
    stage = Stage()
    someone = factories.user()
    db.session.commit()
    for name, target in targets(stage).items():
        assert can(someone, name, target), name


def _posts(stage: Stage) -> list[tuple[str, dict[str, str]]]:
    """Each contribution route with its form as a browser sends it (CRLF in textareas)."""
    body = "Première ligne.\r\nDeuxième ligne."
    return [
        (f"/projets/{stage.project.slug}/propositions/nouvelle",
         {"title": "Une proposition", "body": body, "territory": "", "confirmed": "y"}),
        (f"/propositions/{stage.proposal.id}/commentaires", {"stance": "pour", "body": body}),
        (f"/projets/{stage.project.slug}/commentaires", {"stance": "neutre", "body": body}),
        (f"/commentaires/{stage.comment.id}/repondre", {"stance": "contre", "body": body}),
        (f"/propositions/{stage.proposal.id}/soutenir", {}),
        (f"/signaler/proposal/{stage.proposal.id}", {"reason": "spam", "details": body}),
    ]


def test_unconfirmed_is_refused_by_every_route_and_nothing_is_saved(app, unconfirmed):
    """Each POST is the French 403 page with the message; nothing is written."""
    stage = Stage()
    client = login(app.test_client(), unconfirmed)
    before = counts()
    for url, form in _posts(stage):
        response = client.post(url, data=form)
        assert response.status_code == 403, url
        assert MUST_CONFIRM in page(response), url
    assert counts() == before
    # The pages say why instead of showing the buttons.
    shown = page(client.get(f"/propositions/{stage.proposal.id}"))
    assert "Soutenir cette proposition" not in shown
    assert "Publier mon commentaire" not in shown
    assert MUST_CONFIRM in shown
    listing = page(client.get(f"/projets/{stage.project.slug}/propositions"))
    assert "Déposer une proposition" not in listing and MUST_CONFIRM in listing


def test_once_confirmed_every_route_works(app, unconfirmed):
    """The same person, after using the link, proposes, comments, replies, supports, reports."""
    stage = Stage()
    client = login(app.test_client(), unconfirmed)
    assert client.post(f"/compte/confirmer/{confirmation_token(unconfirmed)}").status_code == 302
    before = counts()
    for url, form in _posts(stage):
        response = client.post(url, data=form)
        assert response.status_code == 302, (url, response.status_code)
    assert counts() == (before[0] + 1, before[1] + 3, before[2] + 1, before[3] + 1)
    proposal = db.session.scalars(select(Proposal).where(Proposal.title == "Une proposition")
                                  ).one()
    assert "Deuxième ligne." in proposal.body
    assert "Renvoyer le lien" not in page(client.get("/"))


# --- People registered by a mediator ------------------------------------------------------------


def test_a_mediator_acts_for_a_person_without_email(app):
    """A person registered with consent has no email: never concerned, a mediator acts for them
    and their proposal is saved."""
    mediator = factories.user(roles=("mediator",))
    stage = Stage()
    profile = mediation.register_participant(
        mediator, "Yvonne Le Bihan", None, "75_plus", "Formulaire n° 2026-001", today())
    db.session.commit()
    person = profile.user
    assert not person.needs_email_confirmation
    assert can(person, "proposals.create", stage.project)
    assert can(person, "votes.support", stage.proposal)
    client = login(app.test_client(), mediator)
    assert client.post(f"/mediation/participants/{person.id}/agir").status_code == 302
    response = client.post(f"/projets/{stage.project.slug}/propositions/nouvelle", data={
        "title": "Un banc à l'arrêt de bus", "body": "Pour attendre assise.\r\nMerci.",
        "territory": "", "confirmed": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(Proposal.author_id).where(
        Proposal.title == "Un banc à l'arrêt de bus")) == person.id
    assert "Renvoyer le lien" not in page(client.get("/"))


def test_claiming_sends_a_link_and_keeps_the_account_contributing(app):
    """The person who takes their account over gets a link for the email typed; the account,
    opened with a recorded consent, keeps contributing meanwhile; the link confirms it."""
    mediator = factories.user(roles=("mediator",))
    stage = Stage()
    profile = mediation.register_participant(
        mediator, "Jean Kerouredan", None, None, "Formulaire n° 2026-002", today())
    code = mediation.new_claim_code(mediator, profile)
    db.session.commit()
    client = app.test_client()
    response = client.post("/compte/reclamer", data={
        "code": code, "email": "jean@exemple.fr", "display_name": "", "password": PASSWORD,
        "confirm": PASSWORD, "charter": "y"})
    assert response.status_code == 302
    user = fresh(User, profile.user_id)
    assert user.email == "jean@exemple.fr" and user.email_confirmed_at is None
    assert not user.needs_email_confirmation
    assert can(user, "proposals.create", stage.project)
    assert client.post(f"/propositions/{stage.proposal.id}/soutenir").status_code == 302
    profile_page = page(client.get("/compte/profil"))
    assert "Renvoyer le lien de confirmation" in profile_page
    [message] = mails_to(app, "jean@exemple.fr")
    assert client.post(link_in(message)).status_code == 302
    assert fresh(User, profile.user_id).email_confirmed


# --- Existing accounts, the migration -----------------------------------------------------------


def test_migration_marks_existing_accounts_confirmed(database_uri, tmp_path):
    """Upgraded from 0011, an account with an email is confirmed and not required to confirm;
    an account without one (a mediator's participant) is not concerned."""
    sqlite = database_uri.startswith("sqlite")
    # A database of its own, on the backend of the run: the shared one is at head already.
    uri = f"sqlite:///{tmp_path / 'before.db'}" if sqlite else _create_pg_database(database_uri)
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade(revision="0011")
            db.session.execute(text(
                "INSERT INTO users (id, email, display_name, session_nonce, created_at, "
                "updated_at) VALUES (1, 'ancienne@exemple.fr', 'Ancienne', 'n1', "
                "'2026-01-01 10:00:00', '2026-01-01 10:00:00'), (2, NULL, 'Assistée', 'n2', "
                "'2026-01-01 10:00:00', '2026-01-01 10:00:00')"))
            db.session.commit()
            upgrade()
            db.session.expire_all()
            old, assisted = db.session.get(User, 1), db.session.get(User, 2)
            assert old is not None and assisted is not None
            assert old.email_confirmed and not old.needs_email_confirmation
            assert old.confirmation_required is False
            assert assisted.email_confirmed_at is None and not assisted.needs_email_confirmation
        finally:
            db.session.remove()
            db.engine.dispose()
            if not sqlite:
                _drop_pg_database(uri)
