"""Look-alike addresses are one account: a fullwidth letter, a combining accent, the Turkish
dotted capital I, a punycode or unicode domain all find the account of the plain address, at
registration (refused as a duplicate), at login, for a reset link, on the command line and when
a participant takes their account over."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consultation.accounts import services
from consultation.accounts.cli import users_cli
from consultation.accounts.emails import email_key
from consultation.accounts.models import User
from consultation.core.errors import DomainError
from consultation.extensions import db
from consultation.mediation import services as mediation
from tests import factories
from tests.accounts.helpers import read
from tests.factories import PASSWORD
from tests.mailbox import Outbox
from tests.mediation.helpers import participant

PLAIN = "citoyenne@exemple.fr"
ACCENTED = "rené@exemple.fr"  # é precomposed (U+00E9)
UNICODE_DOMAIN = "agent@bréstmétropole.fr"
DUPLICATE = "Un compte existe déjà avec cette adresse électronique."

# (look-alike, the address of the account it is the same as)
LOOK_ALIKES = [
    ("ｃitoyenne@exemple.fr", PLAIN),  # fullwidth c (U+FF43)
    ("ＣＩＴＯＹＥＮＮＥ@ＥＸＥＭＰＬＥ.ＦＲ", PLAIN),  # fullwidth capitals
    ("CİTOYENNE@exemple.fr", PLAIN),  # Turkish dotted capital I (U+0130)
    ("Citoyenne@Exemple.FR", PLAIN),  # plain case
    ("rene\u0301@exemple.fr", ACCENTED),  # e + combining acute accent (U+0301)
    ("RENÉ@exemple.fr", ACCENTED),
    ("agent@xn--brstmtropole-cebd.fr", UNICODE_DOMAIN),  # the same domain in punycode
    ("agent@BRÉSTMÉTROPOLE.FR", UNICODE_DOMAIN),
]


@pytest.fixture
def accounts(app):
    """The three accounts whose look-alikes are tried."""
    made = {email: factories.user(email=email) for email in (PLAIN, ACCENTED, UNICODE_DOMAIN)}
    db.session.commit()
    return {email: user.id for email, user in made.items()}


def found_id(email: str) -> int | None:
    """The id of the account find_by_email finds, or None."""
    user = services.find_by_email(email)
    return user.id if user is not None else None


def users_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_keys_of_look_alikes_meet():
    """Each look-alike has the key of its plain address; different mailboxes stay apart."""
    for look_alike, plain in LOOK_ALIKES:
        assert email_key(look_alike) == email_key(plain), look_alike
    # Accents are not stripped: "rené" and "rene" may be two people.
    assert email_key("rene@exemple.fr") != email_key(ACCENTED)
    # U+0130 is folded to a plain i, not to i + combining dot (Unicode's default folding).
    assert "CİTOYENNE".casefold() != "citoyenne"
    assert email_key("CİTOYENNE@exemple.fr") == "citoyenne@exemple.fr"
    # As lower() stored it before: "i" + U+0307, the same letter seen.
    assert email_key("CİTOYENNE@exemple.fr".lower()) == "citoyenne@exemple.fr"
    # A domain IDNA refuses still has one stable key.
    assert email_key("a@exemple_b.fr") == email_key("A@EXEMPLE_B.FR")
    # A key longer than its column (NFKC and punycode lengthen) is a digest of it.
    long_one = "\ufdfa" * 60 + "@exemple.fr"
    assert len(long_one) < 254 and len(email_key(long_one)) <= 254
    assert email_key(long_one) == email_key(long_one.upper()) != email_key("a" + long_one)


@pytest.mark.parametrize(("look_alike", "plain"), LOOK_ALIKES)
def test_registering_a_look_alike_is_refused_as_a_duplicate(app, client, accounts, look_alike,
                                                            plain):
    """Registering with a look-alike of an existing address is refused with the message of a
    plain duplicate, and makes no account."""
    before = users_count()
    response = client.post("/compte/inscription", data={
        "email": look_alike, "display_name": "Double", "commune": "",
        "password": "un-mot-de-passe-long", "confirm": "un-mot-de-passe-long", "charter": "y",
    })
    assert response.status_code == 200
    page = read(response.data)
    assert DUPLICATE in page.summary + list(page.field_errors.values())
    assert users_count() == before


@pytest.mark.parametrize(("look_alike", "plain"), LOOK_ALIKES)
def test_logging_in_with_a_look_alike_finds_the_account(app, accounts, look_alike, plain):
    """The login form finds the account of the plain address."""
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": look_alike, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["_user_id"].split(":")[0] == str(accounts[plain])


def test_a_different_accent_is_another_account(app, client, accounts):
    """"rene@" is not "rené@": it registers as an account of its own."""
    before = users_count()
    response = client.post("/compte/inscription", data={
        "email": "rene@exemple.fr", "display_name": "René sans accent", "commune": "",
        "password": "un-mot-de-passe-long", "confirm": "un-mot-de-passe-long", "charter": "y",
    })
    assert response.status_code == 302
    assert users_count() == before + 1


def test_a_reset_asked_with_a_look_alike_goes_to_the_account(app, client, accounts):
    """The reset link goes to the address the account has, not to the look-alike typed."""
    mails = Outbox(app)
    client.post("/compte/mot-de-passe-oublie", data={"email": "ｃitoyenne@exemple.fr"})
    sent = mails.new()
    assert [message["To"] for message in sent] == [PLAIN]


def test_the_command_line_refuses_a_look_alike(app, accounts):
    """`flask users create` with a look-alike is refused; `grant` finds the account."""
    runner = app.test_cli_runner()
    result = runner.invoke(users_cli, ["create", "CİTOYENNE@exemple.fr", "--password",
                                       "un-mot-de-passe-long"])
    assert result.exit_code != 0
    assert DUPLICATE in result.output
    result = runner.invoke(users_cli, ["grant", "ｃitoyenne@exemple.fr", "moderator"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    granted = db.session.get(User, accounts[PLAIN])
    assert granted is not None and granted.has_role("moderator")


def test_taking_an_account_over_with_a_look_alike_is_refused(app, accounts):
    """A participant taking their account over cannot use a look-alike of a taken address."""
    mediator = factories.user(roles=("mediator",))
    profile = participant(mediator)
    code = mediation.new_claim_code(mediator, profile)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        mediation.claim(code, "rene\u0301@exemple.fr", "un-mot-de-passe-long", None)
    assert refused.value.message == DUPLICATE


def test_the_database_holds_one_account_per_key(app, accounts):
    """The unique email key refuses a look-alike written past the services."""
    db.session.add(User(email="ｃitoyenne@exemple.fr", display_name="Contournement",
                        session_nonce="x"))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        db.session.flush()
    db.session.rollback()


def test_find_by_email_finds_an_account_left_without_a_key(app, accounts):
    """An account left without a key by the migration (its key was an older account's) is
    found by its exact address, and listed by `flask users email-collisions`."""
    twin = factories.user(email="jumelle@exemple.fr")
    db.session.commit()
    twin_id = twin.id
    # As migration 0018 leaves it: the address of an older account's look-alike, no key.
    db.session.execute(User.__table__.update().where(User.id == twin_id)
                       .values(email="ｃitoyenne@exemple.fr", email_key=None))
    db.session.commit()
    assert found_id("ｃitoyenne@exemple.fr") == twin_id
    assert found_id(PLAIN) == accounts[PLAIN]
    result = app.test_cli_runner().invoke(users_cli, ["email-collisions"])
    assert result.exit_code == 0
    assert f"n° {twin_id} <ｃitoyenne@exemple.fr>" in result.output
    assert f"même adresse que n° {accounts[PLAIN]} <{PLAIN}>" in result.output
