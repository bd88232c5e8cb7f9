"""The audit log: one entry per act, append-only in the ORM and in the database, the journal
page with its filters, and the CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from consultation.core import audit
from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.projects.models import Project
from tests import factories
from tests.accounts.helpers import read
from tests.moderation.helpers import ROLE_MESSAGE, block, entries, refused, sent_to_login
from tests.proposals.helpers import text as page_text

HEADER = ["numero", "date", "auteur", "action", "cible", "numero_cible", "libelle", "motif",
          "details"]


@pytest.fixture
def moderator(as_role):
    """A logged-in moderator."""
    return as_role("citizen", "moderator", display_name="Morgane Modératrice")


def rows(response) -> list[list[str]]:
    """The CSV rows of an export (BOM checked and removed)."""
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def journal_rows(response) -> list[list[str]]:
    """The table rows of the journal page, as lists of cell texts; of the object (the fourth
    cell), the excerpt between « » that follows its link."""
    assert response.status_code == 200
    page = page_text(response)
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [" ".join(re.sub(r"<[^>]+>", "", c).split())
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) > 3 and (excerpt := re.search(r"«\s*(.*?)\s*»", cells[3])):
            cells[3] = excerpt.group(1)
        found.append(cells)
    return [r for r in found if r != ["Aucune entrée."]]


def entry_at(moment: datetime, action: str = "user.block", label: str = "Cible",
             actor=None) -> AuditEntry:
    """An entry written at a given time (set before the INSERT, never updated)."""
    made = audit.record(actor, action, "user", 1, label, "Motif.")
    made.created_at = moment
    db.session.flush()
    return made


# --- One entry per act ----------------------------------------------------------------------


def test_block_and_unblock_write_one_entry_each(moderator):
    """Blocking and unblocking each write one entry with actor, action, target and reason."""
    citizen = factories.user(display_name="Yann Le Gall")
    db.session.commit()
    url = f"/moderation/comptes/{citizen.id}"
    assert moderator.post(f"{url}/bloquer", data={"duration": "30",
                                                  "reason": "Insultes."}).status_code == 302
    [blocked] = entries()
    assert (blocked.actor_id, blocked.action, blocked.target_kind, blocked.target_id,
            blocked.target_label, blocked.reason) == (
        moderator.user.id, "user.block", "user", citizen.id, "Yann Le Gall", "Insultes.")
    blocked_until = db.session.get_one(type(citizen), citizen.id).blocked_until
    assert blocked_until is not None
    assert blocked.data["until"].startswith(str(blocked_until.date()))

    assert moderator.post(f"{url}/debloquer", data={"reason": "Excuses."}).status_code == 302
    first, unblocked = entries()
    assert first.id == blocked.id
    assert (unblocked.actor_id, unblocked.action, unblocked.target_id, unblocked.reason) == (
        moderator.user.id, "user.unblock", citizen.id, "Excuses.")


def test_definitive_block_is_logged_as_such(moderator):
    """A block for good says so in the entry's details."""
    citizen = factories.user()
    db.session.commit()
    moderator.post(f"/moderation/comptes/{citizen.id}/bloquer",
                   data={"duration": "definitif", "reason": "Usurpation."})
    [entry] = entries("user.block")
    assert entry.data == {"until": "définitif"}


def test_refused_or_invalid_acts_write_nothing(moderator, as_role):
    """A refused block (403), an invalid form, a failed unblock: no entry at all."""
    admin = factories.user(roles=("admin",))
    citizen = factories.user()
    db.session.commit()
    moderator.post(f"/moderation/comptes/{admin.id}/bloquer",
                   data={"duration": "7", "reason": "Abus."})
    moderator.post(f"/moderation/comptes/{citizen.id}/bloquer",
                   data={"duration": "7", "reason": ""})
    moderator.post(f"/moderation/comptes/{citizen.id}/debloquer", data={"reason": "Rien."})
    as_role("citizen").post(f"/moderation/comptes/{citizen.id}/bloquer",
                            data={"duration": "7", "reason": "Abus."})
    assert entries() == []


def test_role_change_writes_one_entry(admin_client):
    """Changing roles writes one entry with the roles before and after."""
    person = factories.user(display_name="Nolwenn Kerbrat")
    db.session.commit()
    response = admin_client.post(f"/admin/utilisateurs/{person.id}/roles",
                                 data={"citizen": "y", "moderator": "y"})
    assert response.status_code == 302
    [entry] = entries()
    assert (entry.actor_id, entry.action, entry.target_kind, entry.target_id,
            entry.target_label) == (admin_client.user.id, "user.roles", "user", person.id,
                                    "Nolwenn Kerbrat")
    assert entry.data == {"before": ["citizen"], "after": ["citizen", "moderator"]}


def test_project_create_and_update_write_one_entry_each(admin_client):
    """Creating then editing a project writes project.create then project.update."""
    from tests.projects.test_project_admin import form_data

    response = admin_client.post("/admin/projets/nouveau", data=form_data())
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    [created] = entries()
    assert (created.actor_id, created.action, created.target_kind, created.target_id,
            created.target_label) == (admin_client.user.id, "project.create", "project",
                                      project.id, "Des bornes numériques dans les mairies")
    response = admin_client.post(f"/admin/projets/{project.slug}/modifier",
                                 data=form_data(title="Des bornes dans chaque mairie"))
    assert response.status_code == 302
    assert [e.action for e in entries()] == ["project.create", "project.update"]
    assert entries()[1].target_label == "Des bornes dans chaque mairie"


# --- Append-only ----------------------------------------------------------------------------


@pytest.fixture
def logged(app):
    """Two committed entries."""
    first = audit.record(None, "user.block", "user", 1, "Premier", "Motif d'origine.")
    audit.record(None, "user.unblock", "user", 1, "Premier", "Levée.")
    db.session.commit()
    return first.id


def unchanged(first_id: int) -> None:
    """The entries are as they were written."""
    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2
    assert db.session.get_one(AuditEntry, first_id).reason == "Motif d'origine."


def test_orm_refuses_to_change_an_entry(logged):
    """Changing an entry through the ORM raises ValueError at flush."""
    entry = db.session.get_one(AuditEntry, logged)
    entry.reason = "Motif réécrit."
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    unchanged(logged)


def test_orm_refuses_to_delete_an_entry(logged):
    """Deleting an entry through the ORM raises ValueError at flush."""
    db.session.delete(db.session.get(AuditEntry, logged))
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    unchanged(logged)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET reason = 'x'",
    "UPDATE audit_entries SET reason = 'x' WHERE id = (SELECT MIN(id) FROM audit_entries)",
    "DELETE FROM audit_entries",
    "DELETE FROM audit_entries WHERE id = (SELECT MIN(id) FROM audit_entries)",
])
def test_database_refuses_raw_sql_changes(logged, statement):
    """The database itself refuses UPDATE and DELETE, whatever code sends them."""
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    unchanged(logged)


def test_database_refuses_bulk_orm_statements(logged):
    """Bulk UPDATE and DELETE statements skip the ORM events: the triggers still refuse."""
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(update(AuditEntry).values(reason="x"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(delete(AuditEntry))
    unchanged(logged)


def test_entries_can_still_be_added(logged):
    """Append-only does not mean read-only: new entries are written."""
    audit.record(None, "project.create", "project", 2, "Projet")
    db.session.commit()
    assert len(entries()) == 3


# --- The journal page -----------------------------------------------------------------------


def test_journal_lists_entries_newest_first(moderator):
    """The journal shows each entry's date, actor, action label, target and reason."""
    citizen = factories.user(display_name="Yann Le Gall")
    db.session.commit()
    url = f"/moderation/comptes/{citizen.id}"
    moderator.post(f"{url}/bloquer", data={"duration": "7", "reason": "Insultes."})
    moderator.post(f"{url}/debloquer", data={"reason": "Excuses."})
    audit.record(None, "project.create", "project", 9, "Projet des bornes")
    db.session.commit()

    response = moderator.get("/moderation/journal")
    assert "3 entrées" in page_text(response)
    table = journal_rows(response)
    assert [r[1:] for r in table] == [
        ["la plateforme", "Création d'un projet", "Projet des bornes", ""],
        ["Morgane Modératrice", "Déblocage d'un compte", "Yann Le Gall", "Excuses."],
        ["Morgane Modératrice", "Blocage d'un compte", "Yann Le Gall", "Insultes."],
    ]
    assert all(r[0] for r in table)  # a date on each row


def test_journal_escapes_what_people_typed(moderator):
    """A reason with HTML is shown as text."""
    audit.record(moderator.user, "user.block", "user", 1, "<b>Cible</b>",
                 "<script>alert(1)</script>")
    db.session.commit()
    raw = moderator.get("/moderation/journal").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;" in raw


@pytest.fixture
def mixed(app):
    """Entries of each family, by two actors."""
    anne = factories.user(roles=("admin",), display_name="Anne Admin")
    marc = factories.user(roles=("moderator",), display_name="Marc Modo")
    for actor, action, label in [
        (anne, "project.create", "Projet A"), (anne, "project.update", "Projet A"),
        (marc, "user.block", "Compte B"), (anne, "user.roles", "Compte C"),
        (anne, "proposal.answer", "Proposition D"), (marc, "user.unblock", "Compte B"),
    ]:
        audit.record(actor, action, "x", 1, label, "")
    db.session.commit()


@pytest.mark.parametrize(("query", "labels"), [
    ("action=user.", ["Compte B", "Compte C", "Compte B"]),
    ("action=project.", ["Projet A", "Projet A"]),
    ("action=proposal.", ["Proposition D"]),
    ("action=inconnu", ["Compte B", "Proposition D", "Compte C", "Compte B", "Projet A",
                        "Projet A"]),
    ("actor=marc", ["Compte B", "Compte B"]),
    ("actor=ANNE+adm", ["Proposition D", "Compte C", "Projet A", "Projet A"]),
    ("actor=anne&action=user.", ["Compte C"]),
    ("actor=Personne", []),
    ("actor=%25", []),
])
def test_journal_filters_by_action_and_actor(moderator, mixed, query, labels):
    """The action family and the actor's name (part of it, any case) filter the page."""
    response = moderator.get(f"/moderation/journal?{query}")
    assert [r[3] for r in journal_rows(response)] == labels
    if not labels:
        assert "Aucune entrée." in page_text(response)


@pytest.fixture
def around_midnight(app):
    """Entries around midnight in Brest (UTC+2 in summer): the dates are Brest's dates."""
    entry_at(datetime(2026, 7, 14, 21, 30, tzinfo=UTC), label="Le 14 à 23 h 30")
    entry_at(datetime(2026, 7, 14, 22, 30, tzinfo=UTC), label="Le 15 à 0 h 30")
    entry_at(datetime(2026, 7, 16, 12, 0, tzinfo=UTC), label="Le 16 à midi")
    db.session.commit()


@pytest.mark.parametrize(("query", "labels"), [
    ("since=2026-07-15", ["Le 16 à midi", "Le 15 à 0 h 30"]),
    ("until=2026-07-14", ["Le 14 à 23 h 30"]),
    ("since=2026-07-15&until=2026-07-15", ["Le 15 à 0 h 30"]),
    ("since=2026-07-14&until=2026-07-16", ["Le 16 à midi", "Le 15 à 0 h 30", "Le 14 à 23 h 30"]),
    ("since=2026-07-17", []),
    ("since=2026-07-16&until=2026-07-14", []),
])
def test_journal_filters_by_brest_dates(moderator, around_midnight, query, labels):
    """since and until are whole days in Brest's time, both included."""
    assert [r[3] for r in journal_rows(moderator.get(f"/moderation/journal?{query}"))] == labels


@pytest.mark.parametrize("query", [
    "since=2026-13-45", "until=hier", "since=15/07/2026", "until=99999-01-01",
    "since=2026-02-30&until=x",
])
def test_invalid_dates_show_a_french_error(moderator, around_midnight, query):
    """An invalid date is a French field error next to the field; the page still lists."""
    response = moderator.get(f"/moderation/journal?{query}")
    assert response.status_code == 200
    form = read(response.get_data(as_text=True))
    field = query.split("=")[0]
    assert field in form.field_errors, form.field_errors
    message = form.field_errors[field]
    assert "date" in message.lower()
    assert "Not a valid" not in message and "valid date" not in message, message
    assert len(journal_rows(response)) >= 1


@pytest.mark.parametrize("query", [
    "since=0001-01-01", "until=9999-12-31", "since=0001-01-01&until=9999-12-31",
])
def test_extreme_dates_do_not_break_the_journal(moderator, around_midnight, query):
    """The first and last dates a date field accepts filter nothing out, and never 500."""
    response = moderator.get(f"/moderation/journal?{query}")
    assert len(journal_rows(response)) == 3
    assert len(rows(moderator.get(f"/moderation/journal.csv?{query}"))) == 4


@pytest.mark.parametrize("query", [
    "endpoint=x", "_external=1&_scheme=javascript&_anchor=%0Aalert(1)", "_method=POST",
    "values=1", "_anchor=x",
])
def test_odd_query_parameters_do_not_break_the_journal(moderator, query):
    """Query parameters are data, never options of the export link (no 500, no script URL)."""
    audit.record(None, "user.block", "user", 1, "Cible", "Motif.")
    db.session.commit()
    response = moderator.get(f"/moderation/journal?{query}")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    links = re.findall(r'href="([^"]*journal\.csv[^"]*)"', raw)
    assert len(links) == 1
    assert links[0].startswith("/moderation/journal.csv")
    assert not re.search(r'(href|action)="\s*javascript', raw, re.I)


def test_export_link_keeps_the_filters(moderator, mixed):
    """The export link of a filtered page carries the same filters."""
    raw = moderator.get("/moderation/journal?action=user.&actor=marc&since=2020-01-01"
                        ).get_data(as_text=True)
    [link] = re.findall(r'href="([^"]*journal\.csv[^"]*)"', raw)
    link = link.replace("&amp;", "&")
    exported = rows(moderator.get(link))
    assert [r[6] for r in exported[1:]] == ["Compte B", "Compte B"]


def test_journal_pages_by_fifty(moderator):
    """Fifty entries a page; the 51st is on page 2."""
    for n in range(51):
        audit.record(None, "user.block", "user", n + 1, f"Cible {n}", "Motif.")
    db.session.commit()
    first = journal_rows(moderator.get("/moderation/journal"))
    assert len(first) == 50
    assert first[0][3] == "Cible 50"
    second = journal_rows(moderator.get("/moderation/journal?page=2"))
    assert [r[3] for r in second] == ["Cible 0"]


def test_admin_reads_the_journal(admin_client):
    """An admin reads the journal too."""
    assert admin_client.get("/moderation/journal").status_code == 200
    assert rows(admin_client.get("/moderation/journal.csv")) == [HEADER]


@pytest.mark.parametrize("role", ["citizen", "mediator"])
def test_citizen_and_mediator_may_not_read_the_journal(as_role, role):
    """The journal and its export are a French 403 for a citizen and a mediator."""
    client = as_role("citizen", role)
    for url in ("/moderation/journal", "/moderation/journal.csv",
                "/moderation/journal?action=user."):
        refused(client.get(url), ROLE_MESSAGE)


def test_anonymous_is_sent_to_login(client):
    """A visitor is sent to the login page."""
    sent_to_login(client.get("/moderation/journal"))
    sent_to_login(client.get("/moderation/journal.csv"))


# --- CSV export -----------------------------------------------------------------------------


def test_csv_has_a_header_and_one_line_per_entry(moderator):
    """Header, then one line per entry, newest first, with every column filled."""
    citizen = factories.user(display_name="Yann Le Gall")
    db.session.commit()
    block(citizen, 7, actor=moderator.user, reason="Insultes;\n« répétées »")
    audit.record(None, "project.create", "project", 4, "Projet des bornes")
    db.session.commit()

    table = rows(moderator.get("/moderation/journal.csv"))
    assert table[0] == HEADER
    assert len(table) == 3
    platform, blocked = table[1], table[2]
    assert platform[2:8] == ["plateforme", "project.create", "project", "4",
                             "Projet des bornes", ""]
    [entry] = entries("user.block")
    assert blocked[0] == str(entry.id)
    assert blocked[1].startswith(str(entry.created_at.date()))
    assert blocked[2:8] == ["Morgane Modératrice", "user.block", "user", str(citizen.id),
                            "Yann Le Gall", "Insultes;\n« répétées »"]
    assert json.loads(blocked[8])["until"] == entry.data["until"]


@pytest.mark.parametrize(("query", "labels"), [
    ("action=project.", ["Projet A", "Projet A"]),
    ("actor=marc", ["Compte B", "Compte B"]),
    ("action=user.&actor=anne", ["Compte C"]),
])
def test_csv_applies_the_same_filters(moderator, mixed, query, labels):
    """The export filters as the page does."""
    table = rows(moderator.get(f"/moderation/journal.csv?{query}"))
    assert table[0] == HEADER
    assert [r[6] for r in table[1:]] == labels


def test_csv_applies_the_date_filters(moderator, around_midnight):
    """The export uses Brest's dates as the page does; an invalid date filters nothing."""
    table = rows(moderator.get("/moderation/journal.csv?since=2026-07-15&until=2026-07-15"))
    assert [r[6] for r in table[1:]] == ["Le 15 à 0 h 30"]
    assert len(rows(moderator.get("/moderation/journal.csv?since=n'importe"))) == 4


def test_csv_neutralises_formulas(moderator):
    """Cells that a spreadsheet would run as formulas come out prefixed with a quote."""
    citizen = factories.user(display_name="@SOMME(A1:A9)")
    db.session.commit()
    block(citizen, 7, actor=moderator.user, reason='=HYPERLINK("x")')
    audit.record(None, "project.update", "project", 3, "+33 2 98 00 00 00", "-1+1")
    audit.record(None, "project.update", "project", 3, "\tTab", "\rRetour")
    db.session.commit()
    table = rows(moderator.get("/moderation/journal.csv"))
    tabbed, signed, blocked = table[1], table[2], table[3]
    assert blocked[7] == "'=HYPERLINK(\"x\")"
    assert blocked[6] == "'@SOMME(A1:A9)"
    assert signed[6:8] == ["'+33 2 98 00 00 00", "'-1+1"]
    assert tabbed[6:8] == ["'\tTab", "'\rRetour"]
    for row in table[1:]:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
