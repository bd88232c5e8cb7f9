"""Password reset by emailed link: same answer for every address, single use, expiry, tampering."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from html import unescape
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from consultation.accounts.jobs import send_password_reset
from consultation.accounts.models import User
from consultation.accounts.services import reset_token
from consultation.extensions import db
from tests import factories
from tests.accounts.helpers import fresh, read

OLD_PASSWORD = "ancien-mot-de-passe"
NEW_PASSWORD = "nouveau-mot-de-passe"
SENT = (
    "Si un compte existe avec cette adresse, un lien de réinitialisation vient d'y être "
    "envoyé. Il reste valable une heure."
)
LINK = re.compile(r"https?://[^/\s]+(/compte/reinitialiser/[A-Za-z0-9_.\-]+)")


def outbox(app) -> list[Path]:
    folder = Path(app.config["OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def read_mail(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def ask_reset(client, email: str):
    return client.post("/compte/mot-de-passe-oublie", data={"email": email}, follow_redirects=True)


def reset_path(app) -> str:
    """The path of the link in the only mail of the outbox."""
    mails = outbox(app)
    assert len(mails) == 1
    text = read_mail(mails[0]).get_body(preferencelist=("plain",)).get_content()
    link = LINK.search(text)
    assert link is not None
    return link.group(1)


def link_for(user: User) -> str:
    """The path of a reset link for the user, as the mail would carry it."""
    return f"/compte/reinitialiser/{reset_token(user)}"


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def password_of(user_id: int) -> tuple[bool, bool]:
    """(old password works, new password works) for the user, read fresh from the database."""
    user = fresh(User, user_id)
    return user.check_password(OLD_PASSWORD), user.check_password(NEW_PASSWORD)


@pytest.fixture
def marie(app):
    """A citizen with a known password and an email address."""
    made = factories.user(email="marie@exemple.fr", display_name="Marie", password=OLD_PASSWORD)
    db.session.commit()
    return made


def sign(app, data, signer=TimestampSigner, secret=None, salt="password-reset") -> str:
    serializer = URLSafeTimedSerializer(
        secret or app.config["SECRET_KEY"], salt=salt, signer=signer
    )
    return serializer.dumps(data)


def test_unknown_email_same_message_and_no_mail(app, client):
    """An unknown address gets the usual French message and no mail is written."""
    response = ask_reset(client, "personne@exemple.fr")
    assert response.status_code == 200
    assert response.request.path == "/compte/connexion"
    assert SENT in page_text(response)
    assert outbox(app) == []


def test_answers_do_not_reveal_accounts(app, marie):
    """The page shown after asking is the same for a known and an unknown address."""
    known = ask_reset(app.test_client(), "marie@exemple.fr")
    unknown = ask_reset(app.test_client(), "inconnu@exemple.fr")
    assert known.status_code == unknown.status_code == 200
    assert known.request.path == unknown.request.path == "/compte/connexion"
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", page_text(known)) == token.sub("", page_text(unknown))


def test_known_email_gets_one_mail_through_the_form(app, client, marie):
    """Asking through the form with a known address (any case) writes exactly one mail."""
    ask_reset(client, "  MARIE@exemple.FR ")
    mails = outbox(app)
    assert len(mails) == 1
    assert read_mail(mails[0])["To"] == "marie@exemple.fr"


def test_reset_job_writes_one_french_mail_with_link(app, marie):
    """The reset job writes one French .eml whose link opens the reset form."""
    send_password_reset(marie.id)
    mails = outbox(app)
    assert len(mails) == 1
    message = read_mail(mails[0])
    assert message["To"] == "marie@exemple.fr"
    assert message["Subject"] == "Réinitialisation de votre mot de passe"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Bonjour Marie," in text
    assert "60 minutes" in text
    assert OLD_PASSWORD not in text
    link = LINK.search(text)
    assert link is not None
    path = link.group(1)
    assert path in html
    form = app.test_client().get(path)
    assert form.status_code == 200
    assert "Choisir un nouveau mot de passe" in page_text(form)


def test_reset_job_for_unknown_or_emailless_user_sends_nothing(app):
    """The job quietly does nothing for a deleted user or an account without email."""
    assisted = User(display_name="Personne aidée")
    db.session.add(assisted)
    db.session.commit()
    send_password_reset(assisted.id)
    send_password_reset(987654)
    assert outbox(app) == []


def test_account_without_password_gets_no_mail(app, client):
    """An account created without a password (assisted person) is not sent a link."""
    db.session.add(User(email="assiste@exemple.fr", display_name="Personne aidée"))
    db.session.commit()
    response = ask_reset(client, "assiste@exemple.fr")
    assert SENT in page_text(response)
    assert outbox(app) == []


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "ma\x00rie@exemple.fr"])
def test_forgot_form_refuses_bad_email(app, client, email):
    """A missing or malformed address is a French field error and nothing is sent."""
    response = client.post("/compte/mot-de-passe-oublie", data={"email": email})
    assert response.status_code == 200
    assert "email" in read(response.data).field_errors
    assert outbox(app) == []


def test_reset_link_sets_new_password_once(app, marie):
    """The link shows a form, sets the new password, logs in, and then no longer works."""
    path = link_for(marie)
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Votre mot de passe est changé." in page_text(visitor.get("/"))
    assert visitor.get("/compte/profil").status_code == 200
    assert password_of(marie.id) == (False, True)

    again = app.test_client().get(path)
    assert again.status_code == 400
    assert "n'est plus valable" in page_text(again)
    reuse = app.test_client().post(
        path, data={"password": "troisieme-mdp", "confirm": "troisieme-mdp"}
    )
    assert reuse.status_code == 400
    assert "n'est plus valable" in page_text(reuse)
    assert password_of(marie.id) == (False, True)


def test_new_password_works_at_login(app, marie):
    """After a reset the new password logs in and the old one is refused."""
    app.test_client().post(
        link_for(marie), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    old = app.test_client().post(
        "/compte/connexion", data={"email": "marie@exemple.fr", "password": OLD_PASSWORD}
    )
    assert old.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in page_text(old)
    new = app.test_client().post(
        "/compte/connexion", data={"email": "marie@exemple.fr", "password": NEW_PASSWORD}
    )
    assert new.status_code == 302


def test_reset_refusals_keep_the_link_usable(app, client, marie):
    """A refused new password shows French errors and the link still works afterwards."""
    path = link_for(marie)
    short = client.post(path, data={"password": "court", "confirm": "court"})
    assert short.status_code == 200
    assert read(short.data).field_errors["password"] == "Entre 12 et 200 caractères."
    different = client.post(path, data={"password": NEW_PASSWORD, "confirm": "autre-chose-1"})
    assert read(different.data).field_errors["confirm"] == "Les deux mots de passe diffèrent."
    assert password_of(marie.id) == (True, False)
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert password_of(marie.id) == (False, True)


def test_reset_logs_out_other_sessions(app, client, marie):
    """After a reset, a session opened earlier with the old password is closed."""
    earlier = app.test_client()
    earlier.post("/compte/connexion", data={"email": "marie@exemple.fr", "password": OLD_PASSWORD})
    assert earlier.get("/compte/profil").status_code == 200
    done = client.post(link_for(marie), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    response = earlier.get("/compte/profil")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")


def test_expired_link_is_refused(app, client, marie, monkeypatch):
    """Once the maximum age has passed the link is refused and the password is unchanged."""
    path = link_for(marie)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.get(path)
    assert response.status_code == 400
    assert "n'est plus valable" in page_text(response)
    posted = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 400
    assert password_of(marie.id) == (True, False)


def test_token_signed_two_hours_ago_is_refused(app, client, marie):
    """A correctly signed token dated two hours ago is past the one-hour limit."""

    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - 7200

    class HalfAnHourAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - 1800

    data = {"u": marie.id, "n": marie.session_nonce}
    old = client.get(f"/compte/reinitialiser/{sign(app, data, TwoHoursAgo)}")
    assert old.status_code == 400
    assert "n'est plus valable" in page_text(old)
    recent = client.get(f"/compte/reinitialiser/{sign(app, data, HalfAnHourAgo)}")
    assert recent.status_code == 200


def test_tampered_tokens_are_refused(app, client, marie):
    """Changed signatures, other secrets, forged payloads and junk are all refused."""
    other = factories.user(email="autre@exemple.fr", password=OLD_PASSWORD)
    db.session.commit()
    token = reset_token(marie)
    payload, stamp, signature = token.rsplit(".", 2)
    # The first base64 character carries six signature bits (the last one may carry padding).
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = {"u": other.id, "n": other.session_nonce}
    bad_tokens = [
        f"{payload}.{stamp}.{flipped}",
        f"{payload}x.{stamp}.{signature}",
        f"{payload}.{stamp}",
        sign(app, forged, secret="autre-secret"),
        sign(app, forged, salt="autre-sel"),
        sign(app, {"u": other.id, "n": "0000000000000000"}),
        sign(app, [other.id]),
        sign(app, {"u": str(other.id), "n": other.session_nonce}),
        sign(app, {"u": 987654, "n": other.session_nonce}),
        "n-importe-quoi",
        "a" * 500,
    ]
    for bad in bad_tokens:
        response = client.get(f"/compte/reinitialiser/{bad}")
        assert response.status_code == 400, bad
        assert "n'est plus valable" in page_text(response)
        posted = client.post(
            f"/compte/reinitialiser/{bad}",
            data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
        assert posted.status_code == 400, bad
    assert password_of(marie.id) == (True, False)
    assert password_of(other.id) == (True, False)


def test_link_dies_when_password_changed_otherwise(app, marie):
    """A link made before a password change from the profile no longer works."""
    path = link_for(marie)
    owner = app.test_client()
    owner.post("/compte/connexion", data={"email": "marie@exemple.fr", "password": OLD_PASSWORD})
    changed = owner.post(
        "/compte/mot-de-passe",
        data={"mdp-current": OLD_PASSWORD, "mdp-password": NEW_PASSWORD,
              "mdp-confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert app.test_client().get(path).status_code == 400


def test_mail_follows_the_account_language(app):
    """A person who chose English gets the mail in English."""
    user = factories.user(email="anne@exemple.fr", display_name="Anne")
    user.locale = "en"
    db.session.commit()
    send_password_reset(user.id)
    message = read_mail(outbox(app)[0])
    assert message["Subject"] == "Reset your password"
    assert "Hello Anne," in message.get_body(preferencelist=("plain",)).get_content()


def test_mail_escapes_display_name_in_html(app):
    """A display name with HTML is escaped in the HTML part of the mail."""
    user = factories.user(
        email="eve@exemple.fr", display_name='<a href="https://evil.example">Eve</a>'
    )
    db.session.commit()
    send_password_reset(user.id)
    html = read_mail(outbox(app)[0]).get_body(preferencelist=("html",)).get_content()
    assert '<a href="https://evil.example">' not in html
    assert "&lt;a href=" in html
