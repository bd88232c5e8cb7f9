"""The systemd units of deploy/systemd, checked by `systemd-analyze verify`.

The units name /srv/consultation, where the README installs the platform; the test copies them
with that path replaced by this checkout, so that verify finds the real programs they run
(.venv/bin/gunicorn, .venv/bin/flask, deploy/backup.sh) and checks every directive and timer.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import services_missing

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/srv/consultation"


def unit_files() -> list[Path]:
    return sorted(path for path in UNITS.iterdir() if path.suffix in {".service", ".timer"})


def read_unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def checkout_units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units, pointing at this checkout instead of /srv/consultation."""
    folder = tmp_path_factory.mktemp("units")
    for path in unit_files():
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(text.replace(INSTALLED, str(ROOT)), encoding="utf-8")
    return folder


def verify(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    program = shutil.which("systemd-analyze")
    if program is None:
        services_missing("systemd-analyze (paquet systemd)")
    return subprocess.run([program, "verify", *map(str, paths)], capture_output=True,
                          text=True, timeout=60)


def test_units_verify_without_a_warning(checkout_units: Path) -> None:
    """Every unit and timer passes `systemd-analyze verify` with nothing to say; a template
    is checked through an instance of it (consultation-worker@1)."""
    paths = []
    for path in sorted(checkout_units.iterdir()):
        if path.name.endswith("@.service"):
            instance = path.with_name(path.name.replace("@.", "@1."))
            shutil.copy(path, instance)
            paths.append(instance)
        else:
            paths.append(path)
    result = verify(paths)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_verify_catches_a_mistake(checkout_units: Path, tmp_path: Path) -> None:
    """The check above can fail: a missing program and a misspelt directive are reported."""
    text = (checkout_units / "consultation-web.service").read_text(encoding="utf-8")
    broken = tmp_path / "consultation-web.service"
    broken.write_text(text.replace(".venv/bin/gunicorn", ".venv/bin/gunicorn-absent")
                      .replace("PrivateTmp=yes", "PrivateTemp=yes"), encoding="utf-8")
    result = verify([broken])
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "gunicorn-absent" in output and "PrivateTemp" in output


def test_every_timer_runs_a_service_of_deploy() -> None:
    """A timer starts the service of its own name, which exists and runs once per start."""
    timers = [path for path in unit_files() if path.suffix == ".timer"]
    assert timers
    for timer in timers:
        assert "OnCalendar" in read_unit(timer)["Timer"]
        service = read_unit(timer.with_suffix(".service"))["Service"]
        assert service["Type"] == "oneshot", timer.name


def scheduled_commands() -> set[str]:
    """The `flask ...` commands the README tells to schedule."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = set()
    for line in readme.splitlines():
        if line.startswith(("*", "0", "1", "2", "3", "4", "5")) and "flask " in line:
            found.add(re.sub(r"\s+", " ", line.split("bin/flask ", 1)[1].strip()))
    return found


def test_every_scheduled_command_has_a_timer() -> None:
    """Each command the README's cron lines schedule has a timer, and so does the outbox flush
    and the backup."""
    timed = set()
    for timer in unit_files():
        if timer.suffix != ".timer":
            continue
        command = read_unit(timer.with_suffix(".service"))["Service"]["ExecStart"]
        timed.add(command.removeprefix(f"{INSTALLED}/.venv/bin/flask ")
                  .removeprefix(f"{INSTALLED}/"))
    cron = scheduled_commands()
    assert len(cron) >= 6  # four for notifications, two for open data
    assert cron | {"jobs flush", "deploy/backup.sh"} <= timed


def test_services_are_sandboxed() -> None:
    """Every service runs as the consultation user, with the settings file, writing nowhere
    but where it must."""
    for path in unit_files():
        if path.suffix != ".service":
            continue
        service = read_unit(path)["Service"]
        assert service["User"] == "consultation", path.name
        assert service["EnvironmentFile"] == "/etc/consultation/env", path.name
        assert service["NoNewPrivileges"] == "yes", path.name
        assert service["ProtectSystem"] == "strict", path.name
        assert service["PrivateTmp"] == "yes", path.name
        assert service["ReadWritePaths"] in {f"{INSTALLED}/instance", "/var/backups/consultation"}
