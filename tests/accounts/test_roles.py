"""Role management: the admin pages (who may see them, search, grant, revoke) and the CLI."""

from __future__ import annotations

import contextvars
from html import unescape

import pytest
from sqlalchemy import func, select

from consultation.accounts.models import User
from consultation.extensions import db
from tests import factories
from tests.accounts.helpers import fresh, read

ROLE_REFUSAL = "Cette action est réservée à un rôle que vous n'avez pas."
OWN_ADMIN = "Vous ne pouvez pas retirer votre propre rôle d'administrateur·rice."


def roles_of(user_id: int) -> set[str]:
    return fresh(User, user_id).roles


def roles_form(*roles: str) -> dict[str, str]:
    return {role: "y" for role in roles}


@pytest.mark.parametrize(
    "roles", [("citizen",), ("citizen", "mediator"), ("citizen", "moderator")]
)
def test_users_pages_refused_without_admin_role(as_role, roles):
    """Citizens, mediators and moderators get the French 403 page and change nothing."""
    target = factories.user()
    db.session.commit()
    client = as_role(*roles)
    for response in (
        client.get("/admin/utilisateurs"),
        client.get(f"/admin/utilisateurs/{target.id}/roles"),
        client.post(f"/admin/utilisateurs/{target.id}/roles", data=roles_form("admin")),
    ):
        assert response.status_code == 403
        html = unescape(response.get_data(as_text=True))
        assert "Action non autorisée" in html
        assert ROLE_REFUSAL in html
    assert roles_of(target.id) == {"citizen"}
    assert 'href="/admin/utilisateurs"' not in client.get("/").get_data(as_text=True)


def test_users_pages_send_anonymous_to_login(client):
    """A visitor is redirected to the login page, and a POST changes nothing."""
    target = factories.user()
    db.session.commit()
    for response in (
        client.get("/admin/utilisateurs"),
        client.get(f"/admin/utilisateurs/{target.id}/roles"),
        client.post(f"/admin/utilisateurs/{target.id}/roles", data=roles_form("admin")),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/compte/connexion")
    assert roles_of(target.id) == {"citizen"}


def test_admin_sees_the_list(admin_client):
    """The admin sees every account with its roles, and the menu links to the page."""
    factories.user(display_name="Yann Le Gall", email="yann@exemple.fr",
                   roles=("citizen", "moderator"))
    db.session.commit()
    assert 'href="/admin/utilisateurs"' in admin_client.get("/").get_data(as_text=True)
    response = admin_client.get("/admin/utilisateurs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 comptes" in html
    assert "Yann Le Gall" in html and "yann@exemple.fr" in html
    assert "Citoyen·ne, Modérateur·rice" in html
    assert "Citoyen·ne, Administrateur·rice" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("yann", {"Yann Le Gall"}),
        ("YANN", {"Yann Le Gall"}),
        ("le gall", {"Yann Le Gall"}),
        ("@brest.example", {"Katell Morvan"}),
        ("KATELL@", {"Katell Morvan"}),
        ("personne-inconnue", set()),
        ("%", set()),
        ("_", {"Nolwenn_Rio"}),
        ("\x00", {"Yann Le Gall", "Katell Morvan", "Nolwenn_Rio"}),
    ],
)
def test_admin_search(admin_client, query, expected):
    """Search matches name or email, ignores case, and treats % and _ literally."""
    names = {"Yann Le Gall": "yann@exemple.fr", "Katell Morvan": "katell@brest.example",
             "Nolwenn_Rio": "nolwenn@exemple.fr"}
    for name, email in names.items():
        factories.user(display_name=name, email=email)
    db.session.commit()
    response = admin_client.get("/admin/utilisateurs", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert {name for name in names if name in html} == expected
    assert read(response.data).values["q"] == (query if query.isprintable() else "")


def test_admin_list_bad_page_is_404(admin_client):
    """A bad page number on the users list is the French 404 page."""
    response = admin_client.get("/admin/utilisateurs?page=abc")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_roles_form_shows_current_roles(admin_client):
    """The roles page ticks the roles the account holds."""
    target = factories.user(display_name="Yann", roles=("citizen", "mediator"))
    db.session.commit()
    page = read(admin_client.get(f"/admin/utilisateurs/{target.id}/roles").data)
    ticked = {name: page.values[name] for name in ("citizen", "mediator", "moderator", "admin")}
    assert ticked == {"citizen": "y", "mediator": "y", "moderator": None, "admin": None}


def test_admin_grants_and_revokes(admin_client):
    """The admin gives roles, then takes some back; the list says so in French."""
    target = factories.user(display_name="Yann")
    db.session.commit()
    url = f"/admin/utilisateurs/{target.id}/roles"
    response = admin_client.post(url, data=roles_form("citizen", "moderator", "mediator"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/utilisateurs"
    assert roles_of(target.id) == {"citizen", "moderator", "mediator"}
    assert "Les rôles de Yann sont enregistrés." in admin_client.get(
        "/admin/utilisateurs"
    ).get_data(as_text=True)
    admin_client.post(url, data=roles_form("citizen"))
    assert roles_of(target.id) == {"citizen"}
    admin_client.post(url, data=roles_form("citizen", "admin"))
    assert roles_of(target.id) == {"citizen", "admin"}


def test_granted_role_takes_effect_on_next_request(admin_client, app):
    """A citizen made admin can open the users page on their next request."""
    target = factories.user(email="futur-admin@exemple.fr", password="mot-de-passe-solide")
    db.session.commit()
    other = app.test_client()
    other.post("/compte/connexion",
               data={"email": "futur-admin@exemple.fr", "password": "mot-de-passe-solide"})
    assert other.get("/admin/utilisateurs").status_code == 403
    admin_client.post(f"/admin/utilisateurs/{target.id}/roles", data=roles_form("citizen",
                                                                                 "admin"))
    assert other.get("/admin/utilisateurs").status_code == 200


def test_admin_cannot_drop_own_admin_role(admin_client):
    """Removing one's own admin role is refused with a French message; roles stay."""
    me = admin_client.user
    response = admin_client.post(f"/admin/utilisateurs/{me.id}/roles",
                                 data=roles_form("citizen", "moderator"))
    assert response.status_code == 200
    page = read(response.data)
    assert OWN_ADMIN in page.summary
    assert page.values["moderator"] == "y" and page.values["admin"] is None
    assert roles_of(me.id) == {"citizen", "admin"}
    assert admin_client.get("/admin/utilisateurs").status_code == 200


def test_admin_may_remove_another_admin(admin_client):
    """An admin can take the admin role from another admin."""
    other = factories.user(roles=("citizen", "admin"))
    db.session.commit()
    admin_client.post(f"/admin/utilisateurs/{other.id}/roles", data=roles_form("citizen"))
    assert roles_of(other.id) == {"citizen"}


def test_roles_of_unknown_user_is_404(admin_client):
    """An unknown account id gives the French 404 page."""
    for response in (admin_client.get("/admin/utilisateurs/987654/roles"),
                     admin_client.post("/admin/utilisateurs/987654/roles",
                                       data=roles_form("admin"))):
        assert response.status_code == 404
        assert "Page introuvable" in response.get_data(as_text=True)


def test_roles_of_out_of_range_id_is_404(admin_client):
    """An id too large for the database is an unknown account: French 404, not 500."""
    response = admin_client.get("/admin/utilisateurs/99999999999999999999/roles")
    assert response.status_code == 404


def test_users_list_escapes_names(admin_client):
    """A display name with HTML is escaped on the list and the roles page."""
    target = factories.user(display_name="<script>alert(1)</script>")
    db.session.commit()
    for url in ("/admin/utilisateurs", f"/admin/utilisateurs/{target.id}/roles"):
        html = admin_client.get(url).get_data(as_text=True)
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Command line -------------------------------------------------------------------------------


@pytest.fixture
def cli(app):
    """Run `flask users ...` in its own application context, as the flask command does."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = contextvars.Context().run(runner.invoke, args=["users", *args])
        db.session.rollback()
        return result

    return invoke


def count_users(email: str) -> int:
    db.session.rollback()
    return db.session.execute(
        select(func.count()).select_from(User).where(User.email == email)
    ).scalar_one()


def by_email(email: str) -> User:
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == email)).one()


def test_cli_create_admin(cli):
    """`users create EMAIL --role admin --password ...` makes a citizen and admin account."""
    result = cli("create", "Gwen@Brest.Example", "--role", "admin", "--password",
                 "mot-de-passe-admin")
    assert result.exit_code == 0, result.output
    user = by_email("gwen@brest.example")
    assert user.roles == {"citizen", "admin"}
    assert user.display_name == "Gwen"
    assert user.check_password("mot-de-passe-admin")
    assert "gwen@brest.example" in result.output and "créé" in result.output


def test_cli_create_with_name_and_roles(cli):
    """--name sets the display name; --role can be given several times."""
    result = cli("create", "med@exemple.fr", "--name", "Médiatrice Bibliothèque", "--role",
                 "mediator", "--role", "moderator", "--password", "mot-de-passe-long")
    assert result.exit_code == 0, result.output
    user = by_email("med@exemple.fr")
    assert user.display_name == "Médiatrice Bibliothèque"
    assert user.roles == {"citizen", "mediator", "moderator"}


def test_cli_create_duplicate_fails(cli):
    """A second account with the same email (any case) fails in French, exit code non-zero."""
    assert cli("create", "gwen@brest.example", "--password", "mot-de-passe-un").exit_code == 0
    result = cli("create", "GWEN@brest.example", "--role", "admin", "--password",
                 "mot-de-passe-deux")
    assert result.exit_code != 0
    assert "Un compte existe déjà" in result.output
    assert count_users("gwen@brest.example") == 1
    assert by_email("gwen@brest.example").roles == {"citizen"}


def test_cli_create_short_password_refused(cli):
    """A password under 12 characters is refused and no account is made."""
    result = cli("create", "court@exemple.fr", "--password", "123456789")
    assert result.exit_code != 0
    assert "Le mot de passe doit faire au moins 12 caractères." in result.output
    assert count_users("court@exemple.fr") == 0


@pytest.mark.parametrize("email", ["pas-une-adresse", "a@b", "deux@@exemple.fr"])
def test_cli_create_invalid_email_refused(cli, email):
    """An address that is not an email is refused in French and no account is made."""
    result = cli("create", email, "--password", "mot-de-passe-long")
    assert result.exit_code != 0
    assert "adresse électronique" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("name", ["X", "N" * 81, "Nom\x1bbizarre"])
def test_cli_create_bad_display_name_refused(cli, name):
    """A display name the web form would refuse is refused by the CLI too."""
    result = cli("create", "nom@exemple.fr", "--name", name, "--password", "mot-de-passe-long")
    assert result.exit_code != 0
    assert "Nom affiché" in result.output or "nom affiché" in result.output
    assert count_users("nom@exemple.fr") == 0


def test_cli_grant_and_revoke(cli):
    """`users grant EMAIL moderator` adds the role; `users revoke` takes it back."""
    factories.user(email="yann@exemple.fr")
    db.session.commit()
    result = cli("grant", "YANN@exemple.fr", "moderator")
    assert result.exit_code == 0, result.output
    assert by_email("yann@exemple.fr").roles == {"citizen", "moderator"}
    assert "moderator" in result.output
    assert cli("grant", "yann@exemple.fr", "moderator").exit_code == 0
    assert by_email("yann@exemple.fr").roles == {"citizen", "moderator"}
    assert cli("revoke", "yann@exemple.fr", "moderator").exit_code == 0
    assert by_email("yann@exemple.fr").roles == {"citizen"}


def test_cli_grant_unknown_email_fails_cleanly(cli):
    """Granting to an unknown address fails with a French message and no traceback."""
    result = cli("grant", "inconnu@exemple.fr", "admin")
    assert result.exit_code != 0
    assert "Aucun compte avec l'adresse inconnu@exemple.fr." in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    result = cli("revoke", "inconnu@exemple.fr", "admin")
    assert result.exit_code != 0
    assert "Aucun compte" in result.output


def test_cli_grant_unknown_role_fails(cli):
    """An unknown role name is refused by the command and nothing changes."""
    factories.user(email="yann@exemple.fr")
    db.session.commit()
    result = cli("grant", "yann@exemple.fr", "superuser")
    assert result.exit_code != 0
    assert by_email("yann@exemple.fr").roles == {"citizen"}
