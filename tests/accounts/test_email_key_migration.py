"""Migration 0018 on each backend: existing accounts get their email key; accounts whose
addresses are look-alikes of one another are not merged: the oldest keeps the key, the others
are left without one, named in the migration's log and by `flask users email-collisions`."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from consultation import create_app
from consultation.accounts.cli import users_cli
from consultation.accounts.services import find_by_email
from consultation.extensions import db
from tests.test_migrations import (  # noqa: F401 (a fixture)
    assert_round_trip,
    fresh_uri,
    schema_differences,
)

# (email, created): the fullwidth and the Turkish look-alikes are newer than the plain address.
ACCOUNTS = [
    ("ｃitoyenne@exemple.fr", "2026-03-01 09:00:00+00:00"),
    ("citoyenne@exemple.fr", "2026-01-05 09:00:00+00:00"),
    ("ci̇toyenne@exemple.fr", "2026-02-01 09:00:00+00:00"),  # "CİTOYENNE".lower()
    ("rené@exemple.fr", "2026-01-06 09:00:00+00:00"),
    ("rene@exemple.fr", "2026-01-07 09:00:00+00:00"),
    (None, "2026-01-08 09:00:00+00:00"),  # an assisted participant: no email, no key
]


def insert_accounts() -> dict[str | None, int]:
    ids: dict[str | None, int] = {}
    for number, (email, created) in enumerate(ACCOUNTS, start=1):
        db.session.execute(text(
            "INSERT INTO users (id, email, display_name, session_nonce, created_at, updated_at)"
            " VALUES (:id, :email, :name, 'n', :created, :created)"),
            {"id": number, "email": email, "name": f"Personne {number}", "created": created})
        ids[email] = number
    db.session.commit()
    return ids


def test_existing_accounts_get_keys_and_collisions_are_reported(fresh_uri, capsys):  # noqa: F811
    """The oldest of look-alike accounts keeps the key; the others keep their address, lose
    nothing, are named in the log and listed by the command; down and up again works."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade(revision="0017")
            ids = insert_accounts()
            capsys.readouterr()
            upgrade(revision="0018")
            log = capsys.readouterr().err
            keys: dict[int, str | None] = {
                row.id: row.email_key
                for row in db.session.execute(text("SELECT id, email_key FROM users"))}
            db.session.rollback()
            plain = ids["citoyenne@exemple.fr"]
            assert keys[plain] == "citoyenne@exemple.fr"
            assert keys[ids["ｃitoyenne@exemple.fr"]] is None
            assert keys[ids["ci̇toyenne@exemple.fr"]] is None
            assert keys[ids["rené@exemple.fr"]] == "rené@exemple.fr"
            assert keys[ids["rene@exemple.fr"]] == "rene@exemple.fr"
            assert keys[ids[None]] is None
            assert "2 compte(s) laissé(s) sans clé d'adresse" in log
            for twin in ("ｃitoyenne@exemple.fr", "ci̇toyenne@exemple.fr"):
                assert (f"compte n° {ids[twin]} <{twin}> : même adresse que le compte n° "
                        f"{plain} <citoyenne@exemple.fr>") in log

            upgrade()
            assert schema_differences() == []
            # Each still logs in by its exact address; a look-alike finds the oldest.
            for typed, expected in (("ｃitoyenne@exemple.fr", ids["ｃitoyenne@exemple.fr"]),
                                    ("ci̇toyenne@exemple.fr", ids["ci̇toyenne@exemple.fr"]),
                                    ("CITOYENNE@exemple.fr", plain)):
                found = find_by_email(typed)
                assert found is not None and found.id == expected, typed
            db.session.rollback()
            listed = app.test_cli_runner().invoke(users_cli, ["email-collisions"]).output
            assert "2 compte(s) dont l'adresse est une variante" in listed
            assert f"- n° {ids['ｃitoyenne@exemple.fr']} <ｃitoyenne@exemple.fr>" in listed
            assert f"même adresse que n° {plain} <citoyenne@exemple.fr>" in listed
            db.session.rollback()

            assert_round_trip("0017", "users", "email_key")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_no_collision_says_so(fresh_uri):  # noqa: F811
    """Without look-alikes, the command says that each address is one account."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_uri, "TESTING": True})
    with app.app_context():
        try:
            upgrade()
            result = app.test_cli_runner().invoke(users_cli, ["email-collisions"])
            assert result.exit_code == 0
            assert "Aucune collision" in result.output
        finally:
            db.session.remove()
            db.engine.dispose()
