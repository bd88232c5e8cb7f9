"""The profile page: public name, commune and language; password change ending other sessions."""

from __future__ import annotations

import pytest

from consultation.accounts.models import User
from consultation.extensions import db
from tests import factories
from tests.accounts.helpers import fresh, read

PASSWORD = "mot-de-passe-actuel"
NEW_PASSWORD = "mot-de-passe-nouveau"


@pytest.fixture
def marie(app):
    """A citizen with a known password, living nowhere in particular."""
    made = factories.user(email="marie@exemple.fr", display_name="Marie", password=PASSWORD)
    db.session.commit()
    return made


def logged_in(app, remember: bool = False):
    """A new client logged in as Marie through the login form."""
    client = app.test_client()
    data = {"email": "marie@exemple.fr", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/compte/connexion", data=data).status_code == 302
    return client


def profile_data(**changes: str) -> dict[str, str]:
    data = {"profil-display_name": "Marie Dupont", "profil-commune": "", "profil-locale": "fr"}
    data.update(changes)
    return data


def password_data(current: str = PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None):
    return {"mdp-current": current, "mdp-password": new,
            "mdp-confirm": new if confirm is None else confirm}


def assert_redirects_to_login(response, target: str = "/compte/profil") -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/compte/connexion")
    assert target.replace("/", "%2F") in location or target in location


def test_anonymous_profile_redirects_to_login(client):
    """A visitor asking for the profile is sent to the login page, with a way back."""
    assert_redirects_to_login(client.get("/compte/profil"))
    page = client.get("/compte/profil", follow_redirects=True)
    assert "Connectez-vous pour accéder à cette page." in page.get_data(as_text=True)


def test_anonymous_cannot_post_profile_or_password(client):
    """Anonymous POSTs to the profile and password URLs go to login and change nothing."""
    assert_redirects_to_login(client.post("/compte/profil", data=profile_data()))
    assert_redirects_to_login(
        client.post("/compte/mot-de-passe", data=password_data()), "/compte/mot-de-passe"
    )


def test_password_url_is_post_only(marie, app):
    """GET on the password-change URL is the French 405 page."""
    response = logged_in(app).get("/compte/mot-de-passe")
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.get_data(as_text=True)


def test_profile_shows_current_values(marie, app):
    """The profile page shows the email, name, commune and language of the account."""
    brest = factories.territory("Brest")
    user = db.session.get_one(User, marie.id)
    user.commune_id, user.locale = brest.id, "fr"
    db.session.commit()
    response = logged_in(app).get("/compte/profil")
    assert response.status_code == 200
    assert "marie@exemple.fr" in response.get_data(as_text=True)
    page = read(response.data)
    assert page.values["profil-display_name"] == "Marie"
    assert page.values["profil-commune"] == str(brest.id)
    assert page.values["profil-locale"] == "fr"


def test_profile_edit_saves_and_switches_language(marie, app):
    """Saving name, commune and English stores them and the next page is in English."""
    plougastel = factories.territory("Plougastel-Daoulas")
    client = logged_in(app)
    response = client.post(
        "/compte/profil",
        data=profile_data(**{"profil-display_name": "  Marie D.  ",
                             "profil-commune": str(plougastel.id), "profil-locale": "en"}),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/profil"
    user = fresh(User, marie.id)
    assert (user.display_name, user.commune_id, user.locale) == (
        "Marie D.", plougastel.id, "en"
    )
    html = client.get("/compte/profil").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_profile_commune_can_be_cleared(marie, app):
    """Choosing the blank commune stores no commune."""
    user = db.session.get_one(User, marie.id)
    user.commune_id = factories.territory("Brest").id
    db.session.commit()
    response = logged_in(app).post("/compte/profil", data=profile_data())
    assert response.status_code == 302
    assert fresh(User, marie.id).commune_id is None


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"profil-display_name": "X"}, "profil-display_name", "Entre 2 et 80 caractères."),
        ({"profil-display_name": ""}, "profil-display_name", "Ce champ est obligatoire."),
        ({"profil-display_name": "Ma\x1brie"}, "profil-display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"profil-commune": "999999"}, "profil-commune", "Choisissez une valeur de la liste."),
        ({"profil-locale": "de"}, "profil-locale", "N'est pas un choix valide."),
    ],
)
def test_profile_refusals_keep_values(marie, app, changes, field, message):
    """A refused profile shows a French error and what was typed; nothing is saved."""
    brest_id = factories.territory("Brest").id
    data = profile_data(**{"profil-display_name": "Nouveau nom",
                           "profil-commune": str(brest_id), "profil-locale": "en"})
    data.update(changes)
    response = logged_in(app).post("/compte/profil", data=data)
    assert response.status_code == 200
    page = read(response.data)
    assert page.field_errors.get(field) == message, page.field_errors
    for name in ("profil-display_name", "profil-commune", "profil-locale"):
        if name != field:
            assert page.values[name] == data[name], name
    assert page.values["profil-display_name"] == data["profil-display_name"]
    user = fresh(User, marie.id)
    assert (user.display_name, user.commune_id, user.locale) == ("Marie", None, None)


def test_change_password_requires_current(marie, app):
    """A wrong current password is refused in French and nothing changes."""
    client = logged_in(app)
    response = client.post("/compte/mot-de-passe", data=password_data(current="pas-le-bon-mdp"))
    assert response.status_code == 200
    page = read(response.data)
    assert "Le mot de passe actuel est incorrect." in page.summary
    assert page.values["profil-display_name"] == "Marie"
    assert not page.values["mdp-current"] and not page.values["mdp-password"]
    user = fresh(User, marie.id)
    assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)
    assert client.get("/compte/profil").status_code == 200


@pytest.mark.parametrize(
    "data, field, message",
    [
        (password_data(new="court", confirm="court"), "mdp-password",
         "Entre 12 et 200 caractères."),
        (password_data(confirm="autre-chose-encore"), "mdp-confirm",
         "Les deux mots de passe diffèrent."),
        (password_data(current=""), "mdp-current", "Ce champ est obligatoire."),
    ],
)
def test_change_password_form_errors(marie, app, data, field, message):
    """Short, mismatched or missing passwords are French field errors; nothing changes."""
    response = logged_in(app).post("/compte/mot-de-passe", data=data)
    assert response.status_code == 200
    assert read(response.data).field_errors.get(field) == message
    assert fresh(User, marie.id).check_password(PASSWORD)


def test_change_password_ends_other_sessions(marie, app):
    """After a change this session stays open; one opened earlier elsewhere is closed."""
    mine = logged_in(app)
    other = logged_in(app)
    assert other.get("/compte/profil").status_code == 200
    response = mine.post("/compte/mot-de-passe", data=password_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/profil"
    page = mine.get("/compte/profil")
    assert page.status_code == 200
    assert ("Votre mot de passe est changé\u00a0; vos autres sessions sont fermées."
            in page.get_data(as_text=True))
    assert_redirects_to_login(other.get("/compte/profil"))
    user = fresh(User, marie.id)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)


def test_change_password_ends_remembered_sessions(marie, app):
    """A 'remember me' cookie from before the change no longer logs anyone in."""
    remembered = logged_in(app, remember=True)
    remembered.delete_cookie("session")
    assert remembered.get("/compte/profil").status_code == 200
    remembered.delete_cookie("session")
    logged_in(app).post("/compte/mot-de-passe", data=password_data())
    assert_redirects_to_login(remembered.get("/compte/profil"))


def test_profile_escapes_display_name(app, as_role):
    """A display name with HTML is shown escaped on the profile page and in the menu."""
    client = as_role("citizen", display_name='<img src=x onerror="alert(1)">')
    html = client.get("/compte/profil").get_data(as_text=True)
    assert "<img" not in html
    assert "&lt;img src=x" in html
