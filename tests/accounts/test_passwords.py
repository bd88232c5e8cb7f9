"""Passwords: 12 characters at least, not a common one, not one's email or name; scrypt; reset
links that die with any password change and end every other session."""

from __future__ import annotations

import contextvars
from html import unescape

import pytest
from sqlalchemy import func, select

from consultation.accounts import passwords
from consultation.accounts.models import User
from consultation.accounts.services import reset_token
from consultation.demo import data as demo
from consultation.extensions import db
from tests import factories
from tests.accounts.helpers import fresh, read

GOOD = "un-mot-de-passe-long"
COMMON = "Ce mot de passe est trop courant"
PERSONAL = ("Choisissez un mot de passe différent de votre adresse électronique et de votre "
            "nom affiché.")


def users_count() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def registration(**changes: str) -> dict[str, str]:
    data = {"email": "marie.dupont@exemple.fr", "display_name": "Marie Dupont de Brest",
            "commune": "", "password": GOOD, "confirm": GOOD, "charter": "y"}
    data.update(changes)
    return data


# --- the list and the checks --------------------------------------------------------------------

def test_list_is_read_whole_without_its_header():
    """About 20,000 passwords, the header lines left out, passwords starting with # kept."""
    listed = passwords.common_passwords()
    assert len(listed) > 19_000
    assert {"123456", "azerty", "motdepasse", "soleil", "qwerty123456", "#1bitch"} <= listed
    assert not any(entry.startswith("# ") for entry in listed)
    assert "" not in listed


@pytest.mark.parametrize(
    "password",
    ["qwerty123456", "QWERTY123456", "azertyuiop123", "Azertyuiop2026!", "password1234",
     "mot de passe 12", "Mot-De-Passe-2026", "!!soleil123456", "123456123456"],
)
def test_common_passwords_and_their_padded_forms_are_refused(password):
    """Listed passwords, and listed ones padded with digits and signs, are too common."""
    assert passwords.is_common(password)
    refusal = passwords.refusal(password)
    assert refusal is not None and refusal.startswith(COMMON)


@pytest.mark.parametrize(
    "password",
    [GOOD, demo.PASSWORD, factories.PASSWORD, "x83920174652", "vélo-cidre-phare-granit",
     "ab-9f3k2m8q1z"],
)
def test_uncommon_passwords_pass(password):
    """Passwords off the list pass, including a few letters before random digits."""
    assert not passwords.is_common(password)
    assert passwords.refusal(password, "marie@exemple.fr", "Marie") is None


def test_the_demo_accounts_password_is_still_accepted():
    """The demo accounts keep their documented password: the form would accept it too."""
    assert passwords.refusal(demo.PASSWORD, "admin@demo.brest.fr", "Administratrice") is None


@pytest.mark.parametrize(
    "password",
    ["marie.dupont@exemple.fr", "  MARIE.DUPONT@EXEMPLE.FR ", "marie.dupont",
     "Marie Dupont de Brest"],
)
def test_own_email_or_name_is_refused(password):
    """The email (any case), what precedes its @, or the display name are refused."""
    assert passwords.is_personal(password, "Marie.Dupont@exemple.fr", "Marie Dupont de Brest")
    assert passwords.refusal(password, "marie.dupont@exemple.fr", "Marie Dupont de Brest") == (
        PERSONAL
    )


# --- the forms ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "password, message",
    [
        ("onze-signes", "Entre 12 et 200 caractères."),
        ("azertyuiop123", COMMON),
        ("marie.dupont@exemple.fr", PERSONAL),
        ("Marie Dupont de Brest", PERSONAL),
    ],
)
def test_registration_refuses_short_common_or_personal(app, client, password, message):
    """Each refusal is a French message on the password field; what was typed is kept."""
    response = client.post("/compte/inscription",
                           data=registration(password=password, confirm=password))
    assert response.status_code == 200
    page = read(response.data)
    assert page.field_errors["password"].startswith(message), page.field_errors
    assert page.values["email"] == "marie.dupont@exemple.fr"
    assert page.values["display_name"] == "Marie Dupont de Brest"
    assert users_count() == 0


def test_registration_accepts_twelve_characters(app, client):
    """Twelve characters that are neither common nor personal make an account."""
    password = "douze-signes"
    assert len(password) == 12
    response = client.post("/compte/inscription",
                           data=registration(password=password, confirm=password))
    assert response.status_code == 302
    assert users_count() == 1


def test_registration_form_says_what_is_expected(client):
    """The password's hint tells the rule before anyone is refused."""
    html = unescape(client.get("/compte/inscription").get_data(as_text=True))
    assert ("12 caractères au moins\u00a0; ni un mot de passe courant, ni votre adresse, ni votre "
            "nom.") in html


@pytest.fixture
def marie(app):
    """A citizen with a known password."""
    made = factories.user(email="marie.dupont@exemple.fr", display_name="Marie Dupont de Brest",
                          password=GOOD)
    db.session.commit()
    return made


@pytest.mark.parametrize(
    "password, message",
    [("motdepasse2026", COMMON), ("Marie.Dupont@exemple.fr", PERSONAL),
     ("marie dupont de brest", PERSONAL)],
)
def test_reset_refuses_common_or_personal_and_keeps_the_link(app, client, marie, password,
                                                            message):
    """A reset to a common or personal password is refused; the link still works after."""
    path = f"/compte/reinitialiser/{reset_token(marie)}"
    refused = client.post(path, data={"password": password, "confirm": password})
    assert refused.status_code == 200
    assert read(refused.data).field_errors["password"].startswith(message)
    assert fresh(User, marie.id).check_password(GOOD)
    done = client.post(path, data={"password": "nouveau-mot-de-passe", "confirm":
                                   "nouveau-mot-de-passe"})
    assert done.status_code == 302


@pytest.mark.parametrize(
    "password, message",
    [("qwertyuiop123", COMMON), ("marie.dupont", PERSONAL)],
)
def test_change_refuses_common_or_personal(app, client, marie, password, message):
    """Changing to a common or personal password is refused on the field; nothing changes."""
    client.post("/compte/connexion", data={"email": "marie.dupont@exemple.fr", "password": GOOD})
    response = client.post("/compte/mot-de-passe", data={
        "mdp-current": GOOD, "mdp-password": password, "mdp-confirm": password,
    })
    assert response.status_code == 200
    assert read(response.data).field_errors["mdp-password"].startswith(message)
    assert fresh(User, marie.id).check_password(GOOD)


def test_cli_refuses_a_common_password(app):
    """`flask users create` applies the same rule."""
    runner = app.test_cli_runner()
    result = contextvars.Context().run(
        runner.invoke, args=["users", "create", "gwen@exemple.fr", "--password", "azerty123456"]
    )
    assert result.exit_code != 0
    assert COMMON in result.output
    assert users_count() == 0


# --- storage and reset links --------------------------------------------------------------------

@pytest.mark.real_hashing
def test_passwords_are_stored_with_scrypt(app, client):
    """Registration stores a scrypt hash (werkzeug's default), never the password."""
    client.post("/compte/inscription", data=registration())
    db.session.rollback()
    stored = db.session.scalars(select(User)).one().password_hash
    assert stored is not None
    assert stored.startswith("scrypt:")
    assert GOOD not in stored


def test_using_one_reset_link_kills_every_other(app, marie):
    """Two links asked in a row: once one has set the password, the other is refused."""
    first = f"/compte/reinitialiser/{reset_token(marie)}"
    second = f"/compte/reinitialiser/{reset_token(marie)}"
    done = app.test_client().post(second, data={"password": "nouveau-mot-de-passe",
                                                "confirm": "nouveau-mot-de-passe"})
    assert done.status_code == 302
    late = app.test_client().post(first, data={"password": "troisieme-mot-de-passe",
                                               "confirm": "troisieme-mot-de-passe"})
    assert late.status_code == 400
    assert "n'est plus valable" in unescape(late.get_data(as_text=True))
    user = fresh(User, marie.id)
    assert user.check_password("nouveau-mot-de-passe")
    assert not user.check_password("troisieme-mot-de-passe")


def test_reset_ends_remembered_sessions(app, marie):
    """A 'remember me' cookie from before a reset no longer logs anyone in."""
    remembered = app.test_client()
    remembered.post("/compte/connexion",
                    data={"email": "marie.dupont@exemple.fr", "password": GOOD, "remember": "y"})
    remembered.delete_cookie("session")
    assert remembered.get("/compte/profil").status_code == 200  # back in through the cookie
    remembered.delete_cookie("session")
    app.test_client().post(f"/compte/reinitialiser/{reset_token(marie)}",
                           data={"password": "nouveau-mot-de-passe",
                                 "confirm": "nouveau-mot-de-passe"})
    response = remembered.get("/compte/profil")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")
