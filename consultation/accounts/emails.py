"""When two typed addresses are the same account: the email key.

Registration, login, a password reset, a mediator's account hand-over and the command line
all look accounts up by `email_key()`, and the database holds it unique (users.email_key), so
that an address written with look-alike characters never opens a second account:
- NFKC folds compatibility characters: a fullwidth "ｃ" is "c", a ligature "ﬁ" is "fi";
  and composes accents: "e" followed by U+0301 is the precomposed "é";
- case folding of the local part and of the domain ("CITOYENNE", "Straße" as "strasse");
- the capital I with a dot above (U+0130, Turkish) is folded to a plain "i": Unicode's
  default case folding (and Python's lower(), with which addresses were stored before) gives
  "i" plus a combining dot above (U+0307), which no reader tells apart from "i" on screen or
  paper. So a combining dot above an "i" or a "j", letters that already carry one, is dropped.
  Other accents are NOT removed: "rené" and "rene" are different mailboxes, and only the
  owner of each can confirm it;
- the domain in its IDNA (punycode) form, so that "bréstmétropole.fr" and its
  "xn--brstmtropole-cebd.fr" are one domain.

The address itself is kept as typed (stripped, lower-case): it is where mails go.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import idna

KEY_MAX = 254  # the column's length (users.email_key)
DOTTED_CAPITAL_I = "\u0130"
# A combining dot above (U+0307) on a letter that already has its dot: it changes nothing seen.
_DOT_ON_DOTTED = re.compile("([ij])\u0307")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace(DOTTED_CAPITAL_I, "i")
    # Case folding may decompose ("ǰ"): compose again, so that every spelling meets.
    folded = unicodedata.normalize("NFKC", text.casefold())
    return _DOT_ON_DOTTED.sub(r"\1", folded)


def _ascii_domain(domain: str) -> str:
    """The domain in ASCII: IDNA 2008 with the UTS 46 mapping; a domain it refuses (an emoji,
    an underscore) still gets one stable form, label by label."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        labels = []
        for label in domain.split("."):
            if label.isascii():
                labels.append(label)
            else:
                labels.append("xn--" + label.encode("punycode").decode("ascii"))
        return ".".join(labels)


def email_key(email: str) -> str:
    """The form under which two addresses are the same account (see the module's docstring)."""
    local, at, domain = email.strip().rpartition("@")
    if not at:
        key = _fold(email.strip())
    else:
        key = f"{_fold(local)}@{_ascii_domain(_fold(domain).rstrip('.'))}"
    # NFKC and punycode may lengthen a 254-character address ("ﷺ" is 18 letters): a key too
    # long for its column is its digest, as unique.
    if len(key) > KEY_MAX:
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key
