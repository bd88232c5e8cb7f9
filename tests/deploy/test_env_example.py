"""`.env.example` lists every setting the app reads from the environment, and nothing else."""

from __future__ import annotations

import ast
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from consultation import config, create_app
from consultation.core.security import InsecureConfiguration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
# A setting line, in use or commented out to keep its default: `KEY=value` or `# KEY=value`.
SETTING = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def settings_read_by_config() -> set[str]:
    """The names config.py reads: its conversion table, and every `environ.get("NAME")`."""
    names = set(config._ENV)
    tree = ast.parse(Path(config.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "environ" and node.args
                and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value))
    return names


def settings_listed() -> list[str]:
    return SETTING.findall(EXAMPLE.read_text(encoding="utf-8"))


def test_config_reads_more_than_its_table() -> None:
    """The scan finds the names read outside the table too (else the next test proves less)."""
    assert {"APP_ENV", "PORT", "SECRET_KEY", "DATABASE_URL"} <= settings_read_by_config()


def test_every_setting_is_listed_once_and_nothing_else() -> None:
    """Each environment variable config.py reads appears once in .env.example, and every
    variable of .env.example is one the app reads."""
    listed = settings_listed()
    duplicates = sorted({name for name in listed if listed.count(name) > 1})
    assert duplicates == []
    read = settings_read_by_config()
    assert sorted(read - set(listed)) == [], "missing from .env.example"
    assert sorted(set(listed) - read) == [], "listed in .env.example but never read"


def environment_of_example() -> dict[str, str]:
    """What a shell gets from the file (`set -a; . file`), as the README's commands load it."""
    output = subprocess.run(
        ["sh", "-c", 'set -a; . "$0"; env -0', str(EXAMPLE)], env={"PATH": "/usr/bin:/bin"},
        capture_output=True, check=True).stdout.decode()
    pairs = (entry.partition("=") for entry in output.split("\0") if "=" in entry)
    return {key: value for key, _, value in pairs}


def test_values_read_as_written_by_a_shell() -> None:
    """Quoted values keep their spaces, and the production settings are on."""
    environment = environment_of_example()
    assert environment["MAIL_SENDER"].startswith("Consultation Brest métropole <")
    assert environment["LEGAL_HOST"] == "Nom de l'hébergeur, adresse, téléphone"
    assert environment["APP_ENV"] == "production"
    assert environment["PROXY_FIX"] == "1"
    assert environment["RATELIMIT_STORAGE_URI"].startswith("redis://")
    found = config.from_environment(environment)
    assert found["PRODUCTION"] is True
    assert found["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_the_example_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copied without replacing its placeholder, the file does not start a production app."""
    for key, value in environment_of_example().items():
        if key in settings_read_by_config():
            monkeypatch.setenv(key, value)
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        create_app()


def test_the_admin_flask_command_reads_the_settings_file(tmp_path: Path) -> None:
    """deploy/flask runs a command with the settings of the file the units read: here it
    migrates the database that file names."""
    settings = tmp_path / "env"
    database = tmp_path / "from-settings.db"
    settings.write_text(f"DATABASE_URL=sqlite:///{database}\n", encoding="utf-8")
    result = subprocess.run([str(ROOT / "deploy" / "flask"), "db", "upgrade"],
                            env={"PATH": "/usr/bin:/bin", "CONSULTATION_ENV": str(settings)},
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alembic_version", "users", "proposals"} <= tables


def test_the_admin_flask_command_needs_the_settings_file(tmp_path: Path) -> None:
    """Without a readable settings file it stops before flask can run on the defaults."""
    result = subprocess.run([str(ROOT / "deploy" / "flask"), "db", "upgrade"],
                            env={"PATH": "/usr/bin:/bin",
                                 "CONSULTATION_ENV": str(tmp_path / "absent")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Réglages illisibles" in result.stderr
