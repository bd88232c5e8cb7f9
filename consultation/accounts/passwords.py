"""What makes a password refused beyond its length: too common, or one's own email or name.

The list of common passwords is common_passwords.txt (its header says where it comes from).
A password is too common when it is on the list, or when what is left once the digits and
signs around it are taken off is ("azertyuiop123", "Soleil2026!", "mot de passe 12"): the
first guesses of anyone trying accounts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

LIST = Path(__file__).with_name("common_passwords.txt")
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits, signs and spaces at either end
_SEPARATORS = re.compile(r"[\W_]+")
CORE_MIN = 4


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list, lower-case, read once per process."""
    lines = LIST.read_text(encoding="utf-8").splitlines()
    start = 0
    while start < len(lines) and lines[start].startswith("# "):
        start += 1
    return frozenset(line for line in lines[start:] if line)


def is_common(password: str) -> bool:
    """True for a listed password, also once digits and signs around it are taken off."""
    listed = common_passwords()
    lowered = password.strip().lower()
    core = _AROUND.sub("", lowered)
    # A core of a few letters ("x" before eleven random digits) says little: four at least.
    cores = {core, _SEPARATORS.sub("", core)}
    return lowered in listed or any(len(c) >= CORE_MIN and c in listed for c in cores)


def is_personal(password: str, email: str | None, display_name: str | None) -> bool:
    """True when the password is the email, what comes before its @, or the display name."""
    lowered = password.strip().casefold()
    email = (email or "").strip().casefold()
    names = {email, email.partition("@")[0], (display_name or "").strip().casefold()}
    return lowered in names - {""}


def refusal(password: str, email: str | None = None, display_name: str | None = None) -> str | None:
    """Why a (long enough) password is refused, in French; None when it is acceptable."""
    if is_personal(password, email, display_name):
        return _("Choisissez un mot de passe différent de votre adresse électronique et de "
                 "votre nom affiché.")
    if is_common(password):
        return _("Ce mot de passe est trop courant : il fait partie des premiers essayés par "
                 "qui veut entrer dans un compte. Choisissez-en un autre, par exemple trois ou "
                 "quatre mots sans rapport entre eux.")
    return None
