"""Registration, login and logout: what is allowed, what is refused, and what the form keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consultation.accounts.models import User
from consultation.extensions import db
from consultation.reference.models import Territory
from tests import factories
from tests.accounts.helpers import read

GOOD_PASSWORD = "un-mot-de-passe-long"


def registration(**changes: str) -> dict[str, str]:
    data = {
        "email": "Marie.Dupont@Exemple.FR",
        "display_name": "Marie D.",
        "commune": "",
        "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD,
        "charter": "y",
    }
    data.update(changes)
    return data


def users_count() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def assert_logged_in(client) -> None:
    assert client.get("/compte/profil").status_code == 200


def assert_logged_out(client) -> None:
    response = client.get("/compte/profil")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")


def test_register_success(app, client):
    """A registration creates a citizen with a lower-case email, logs them in, goes home."""
    brest = factories.territory("Brest")
    brest_id = brest.id
    response = client.post(
        "/compte/inscription", data=registration(display_name="  Marie D.  ", commune=str(brest_id))
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    db.session.rollback()
    user = db.session.scalars(select(User)).one()
    assert user.email == "marie.dupont@exemple.fr"
    assert user.display_name == "Marie D."
    assert user.roles == {"citizen"}
    assert user.commune_id == brest_id
    assert user.password_hash and GOOD_PASSWORD not in user.password_hash
    assert user.check_password(GOOD_PASSWORD)
    assert_logged_in(client)


@pytest.mark.real_hashing
def test_passwords_are_stored_with_a_strong_hash(app, client):
    """The stored hash uses scrypt or PBKDF2 with many rounds, never the password itself."""
    client.post("/compte/inscription", data=registration())
    db.session.rollback()
    stored = db.session.scalars(select(User)).one().password_hash
    assert stored is not None
    method = stored.split("$", 1)[0]
    assert GOOD_PASSWORD not in stored
    if method.startswith("pbkdf2:"):
        assert int(method.rsplit(":", 1)[1]) >= 600_000
    else:
        assert method.startswith("scrypt:")


def test_register_welcome_message(app, client):
    """After registering, the next page shows the French welcome message."""
    response = client.post("/compte/inscription", data=registration(), follow_redirects=True)
    assert response.status_code == 200
    assert "Bienvenue, votre compte est créé." in response.get_data(as_text=True)


def test_register_form_renders(client):
    """The registration page shows every field with a label, in French."""
    html = client.get("/compte/inscription").get_data(as_text=True)
    assert "Créer un compte" in html
    for name in ("email", "display_name", "commune", "password", "confirm"):
        assert f'name="{name}"' in html
        assert f'for="{name}"' in html


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"email": "pas-une-adresse"}, "email",
         "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        ({"email": "marie@exemple"}, "email",
         "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        ({"email": ""}, "email", "Ce champ est obligatoire."),
        ({"password": "onze-signes", "confirm": "onze-signes"}, "password",
         "Entre 12 et 200 caractères."),
        ({"confirm": "autre-mot-de-passe"}, "confirm", "Les deux mots de passe diffèrent."),
        ({"display_name": "M"}, "display_name", "Entre 2 et 80 caractères."),
        ({"display_name": "M" * 81}, "display_name", "Entre 2 et 80 caractères."),
        ({"display_name": "Marie\x07Dupont"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"display_name": "Marie\x00Dupont"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"display_name": "\x1b[31mMarie"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"display_name": "Marie\tDupont"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"display_name": "Marie\x7fDupont"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"display_name": "Marie\x85Dupont"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"display_name": "Marie\u202eDupont"}, "display_name",
         "Ce champ contient des caractères non autorisés."),
        ({"commune": "999999"}, "commune", "Choisissez une valeur de la liste."),
        ({"commune": "abc"}, "commune", "Choix non valide, ne peut pas être converti."),
    ],
)
def test_register_refusals_keep_what_was_typed(app, client, changes, field, message):
    """Each refusal shows a French error on its field and shows the typed email and name."""
    data = registration(**changes)
    response = client.post("/compte/inscription", data=data)
    assert response.status_code == 200
    page = read(response.data)
    assert page.field_errors.get(field) == message, page.field_errors
    assert any(message in line for line in page.summary)
    if field != "email":
        assert page.values["email"] == data["email"].strip()
    if field != "display_name":
        assert page.values["display_name"] == data["display_name"].strip()
    assert not page.values["password"] and not page.values["confirm"]
    assert users_count() == 0
    assert_logged_out(client)


def test_register_refusal_keeps_commune_choice(app, client):
    """A refused form keeps the chosen commune selected."""
    brest_id = factories.territory("Brest").id
    response = client.post(
        "/compte/inscription", data=registration(commune=str(brest_id), confirm="différent!!")
    )
    page = read(response.data)
    assert page.values["commune"] == str(brest_id)
    assert "confirm" in page.field_errors


def test_register_duplicate_email(app, client):
    """An email already used (in any case) is refused with a French message; nothing created."""
    factories.user(email="marie.dupont@exemple.fr")
    db.session.commit()
    response = client.post(
        "/compte/inscription",
        data=registration(email="  MARIE.DUPONT@exemple.fr ", display_name="Autre Marie"),
    )
    assert response.status_code == 200
    page = read(response.data)
    assert any("Un compte existe déjà" in line for line in page.summary)
    assert page.values["email"] == "MARIE.DUPONT@exemple.fr"
    assert page.values["display_name"] == "Autre Marie"
    assert users_count() == 1
    assert_logged_out(client)


def test_register_with_nul_in_email_is_refused(app, client):
    """A NUL byte in the email is a form error, not a database error."""
    response = client.post("/compte/inscription", data=registration(email="ma\x00rie@exemple.fr"))
    assert response.status_code == 200
    assert "email" in read(response.data).field_errors
    assert users_count() == 0


def test_register_when_logged_in_goes_home(citizen_client):
    """A logged-in person does not see the registration form again."""
    response = citizen_client.get("/compte/inscription")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_register_follows_local_next_only(app, client):
    """After registering, a local `next` is followed and an outside one is dropped."""
    response = client.post("/compte/inscription?next=/projets", data=registration())
    assert response.headers["Location"] == "/projets"
    other = app.test_client()
    response = other.post(
        "/compte/inscription?next=https://evil.example/",
        data=registration(email="autre@exemple.fr"),
    )
    assert response.headers["Location"] == "/"


@pytest.fixture
def marie(app):
    """A registered citizen with a known password."""
    made = factories.user(email="marie@exemple.fr", display_name="Marie", password=GOOD_PASSWORD)
    db.session.commit()
    return made


def test_login_success(marie, client):
    """Good credentials log in (email in any case) and go home with a French message."""
    response = client.post(
        "/compte/connexion", data={"email": " MARIE@Exemple.fr", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Vous êtes connecté·e." in client.get("/").get_data(as_text=True)
    assert_logged_in(client)


@pytest.mark.parametrize(
    "email, password",
    [
        ("marie@exemple.fr", "mauvais-mot-de-passe"),
        ("marie@exemple.fr", GOOD_PASSWORD.upper()),
        ("inconnue@exemple.fr", GOOD_PASSWORD),
    ],
)
def test_login_failure(marie, client, email, password):
    """Wrong password and unknown email get the same French message; the email is kept."""
    response = client.post("/compte/connexion", data={"email": email, "password": password})
    assert response.status_code == 200
    page = read(response.data)
    assert page.summary == ["Adresse électronique ou mot de passe incorrect."]
    assert page.values["email"] == email
    assert not page.values["password"]
    assert_logged_out(client)


def test_login_empty_fields(client):
    """An empty login form shows French required-field errors."""
    page = read(client.post("/compte/connexion", data={"email": "", "password": ""}).data)
    assert page.field_errors == {
        "email": "Ce champ est obligatoire.",
        "password": "Ce champ est obligatoire.",
    }


def test_login_follows_local_next(marie, client):
    """A local path in `next` is followed after login, with its query string."""
    response = client.post(
        "/compte/connexion?next=/projets%3Fetat%3Douverts",
        data={"email": "marie@exemple.fr", "password": GOOD_PASSWORD},
    )
    assert response.headers["Location"] == "/projets?etat=ouverts"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/compte",
        "https://evil.example",
        "http://evil.example/projets",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        "evil.example",
        " //evil.example",
    ],
)
def test_login_ignores_outside_next(marie, client, target):
    """A `next` pointing to another site is ignored: the login goes home."""
    response = client.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": "marie@exemple.fr", "password": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example"])
def test_login_next_with_control_characters_stays_local(marie, client, target):
    """Browsers drop tabs and newlines from URLs: such a `next` must not become //evil."""
    response = client.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": "marie@exemple.fr", "password": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n")
    assert cleaned.startswith("/") and not cleaned.startswith("//")
    assert "\\" not in cleaned


def test_login_page_passes_next_to_register_link(client):
    """The login page's 'create an account' link keeps the `next` target."""
    html = client.get("/compte/connexion?next=/projets").get_data(as_text=True)
    assert "/compte/inscription?next=/projets" in html


def test_logout_is_post_only(marie, client):
    """GET on the logout URL is a French 405 page and does not log out; POST logs out."""
    client.post("/compte/connexion", data={"email": "marie@exemple.fr", "password": GOOD_PASSWORD})
    response = client.get("/compte/deconnexion")
    assert response.status_code == 405
    html = response.get_data(as_text=True)
    assert "Méthode non autorisée" in html
    assert "Cette adresse ne s'utilise pas de cette façon." in html
    assert "POST" in response.headers.get("Allow", "")
    assert_logged_in(client)
    response = client.post("/compte/deconnexion")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Vous êtes déconnecté·e, sur tous vos appareils." in home
    assert_logged_out(client)


def test_territories_offered_at_registration(app, client):
    """The commune select lists the territories loaded by the migration."""
    html = client.get("/compte/inscription").get_data(as_text=True)
    for territory in db.session.scalars(select(Territory)).all()[:8]:
        assert territory.name in html
