"""Participation per 1,000 inhabitants: populations loaded and edited, rates against a recount,
on the project page and in syntheses (page, frozen snapshot, PDF)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, text, update

from consultation.core import fragments
from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.reference.models import Territory
from consultation.reference.services import participation_per_thousand
from consultation.syntheses import figures, services
from tests import factories
from tests.proposals.helpers import text as page_text

pytestmark = pytest.mark.usefixtures("printed")

METROPOLE = {"Brest", "Bohars", "Gouesnou", "Guilers", "Guipavas", "Le Relecq-Kerhuon",
             "Plougastel-Daoulas", "Plouzané"}


@pytest.fixture
def printed(monkeypatch):
    """PDFs are not laid out: the print HTML is kept (as in tests/syntheses)."""
    from consultation.syntheses import render

    pages: list[str] = []

    def write_pdf(html: str) -> bytes:
        pages.append(html)
        return b"%PDF-1.7"

    monkeypatch.setattr(render, "write_pdf", write_pdf)
    return pages


def population(name: str) -> int | None:
    """The stored population of a territory."""
    return db.session.scalar(select(Territory.population).where(Territory.name == name))


def known_population(name: str) -> int:
    """The stored population of a territory that has one."""
    found = population(name)
    assert found is not None, name
    return found


def set_population(name: str, value: int | None) -> None:
    """Change a population directly (the admin page is tested below)."""
    db.session.execute(update(Territory).where(Territory.name == name).values(population=value))
    db.session.commit()


@pytest.fixture(autouse=True)
def _restore_populations(app):
    """Territories are reference rows the tests share: put the migration's figures back."""
    from consultation.reference.data import POPULATIONS

    yield
    db.session.rollback()
    for code, value in POPULATIONS.items():
        db.session.execute(update(Territory).where(Territory.code == code)
                           .values(population=value))
    db.session.commit()


def participated(project, commune: str | None, n: int = 1) -> None:
    """`n` people living in `commune` (None: not said) support a proposal of the project."""
    proposal = factories.proposal(project)
    for _ in range(n):
        person = factories.user(commune=factories.territory(commune) if commune else None)
        factories.support(proposal, person)


def busy_project():
    """A project with participants from Brest, Guilers, the Pays d'Iroise and nowhere said;
    every proposal's author is a participant with no commune."""
    project = factories.project()
    participated(project, "Brest", 3)
    participated(project, "Guilers", 2)
    participated(project, "Communauté de communes du Pays d'Iroise", 1)
    participated(project, None, 2)
    db.session.commit()
    return project


def recount(project_id: int) -> dict[str, int]:
    """Participants per commune of residence, counted in SQL from the participation table."""
    rows = db.session.execute(text(
        "SELECT t.name, count(*) FROM project_participants pp JOIN users u ON u.id = pp.user_id "
        "JOIN territories t ON t.id = u.commune_id WHERE pp.project_id = :p GROUP BY t.name"
    ), {"p": project_id})
    return dict(rows.all())


def test_the_migration_loads_insee_populations(app):
    """Every territory has a population; the métropole's communes add up to 211,920 (2021)."""
    territories = db.session.scalars(select(Territory)).all()
    assert all(t.population and t.population > 0 for t in territories)
    assert population("Brest") == 139_619
    assert sum(t.population or 0 for t in territories if t.name in METROPOLE) == 211_920


def test_rates_match_a_recount(app):
    """Participants per territory and per 1,000 inhabitants equal a recount, groups included."""
    project = busy_project()
    data = figures.compute(project)
    counted = recount(project.id)
    rows = {row["name"]: row for row in data["territories"] if row["kind"] != "unknown"}
    for name, row in rows.items():
        assert row["participants"] == counted.get(name, 0), name
        assert row["population"] == population(name)
        assert row["per_thousand"] == round(1000 * counted.get(name, 0) / known_population(name), 2)
    unknown = next(row for row in data["territories"] if row["kind"] == "unknown")
    assert unknown["participants"] == data["participation"]["participants"] - sum(
        counted.values())
    groups = {group["key"]: group for group in data["territory_groups"]}
    assert groups["brest"]["participants"] == 3
    assert groups["brest"]["per_thousand"] == round(3000 / 139_619, 2)
    metropole_population = sum(known_population(n) for n in METROPOLE - {"Brest"})
    assert groups["metropole"]["population"] == metropole_population
    assert groups["metropole"]["per_thousand"] == round(2000 / metropole_population, 2)
    pays = db.session.scalar(
        select(Territory.population).where(Territory.name.contains("Iroise")))
    assert groups["pays"]["participants"] == 1
    assert groups["pays"]["per_thousand"] == round(
        1000 / sum(t.population or 0 for t in db.session.scalars(
            select(Territory).where(Territory.kind == "intercommunalite"))), 2)
    assert pays and rows["Communauté de communes du Pays d'Iroise"]["per_thousand"] == round(
        1000 / pays, 2)


def test_a_territory_without_population_shows_a_dash(app, client):
    """No population: no rate (and no division by zero), for the territory and its group."""
    set_population("Brest", None)
    project = busy_project()
    data = participation_per_thousand({factories.territory().id: (None, 3)})
    assert data["groups"][0] == {"key": "brest", "participants": 3, "population": None,
                                 "per_thousand": None}
    page = page_text(client.get(f"/projets/{project.slug}"))
    found = re.search(r'<th scope="row">Brest</th>(.*?)</tr>', page)
    assert found is not None
    brest_row = found.group(1)
    assert brest_row.count("—") == 2 and ">3<" in brest_row
    assert "Participant·es pour 1 000 habitant·es" in page
    set_population("Guilers", 0)  # a zero stored by hand counts as unknown too
    assert participation_per_thousand({1: (0, 5)})["territories"][0]["per_thousand"] is None


def test_project_page_shows_the_gap(app, client):
    """The project page compares Brest, the other communes and the rest of the Pays de Brest."""
    project = busy_project()
    page = page_text(client.get(f"/projets/{project.slug}"))
    assert "La participation dans chaque territoire" in page
    for label in ("Brest", "Autres communes de Brest métropole", "Reste du Pays de Brest"):
        assert f'<th scope="row">{label}</th>' in page, label
    rate = round(2000 / sum(known_population(n) for n in METROPOLE - {"Brest"}), 2)
    shown = f"{rate:.2f}".rstrip("0").replace(".", ",")
    assert shown in page


def test_the_synthesis_freezes_the_rates_and_old_versions_stay_readable(app, client, printed):
    """Published: the page, the snapshot and the PDF carry the rates; a version published
    before rates existed still reads, without the table."""
    project = busy_project()
    version = services.publish(project, factories.user(roles=("moderator",)), "Texte.", "")
    db.session.commit()
    from consultation.core import jobs

    jobs.dispatch_committed()
    frozen = json.loads(version.figures_json)
    assert [g["key"] for g in frozen["territory_groups"]] == ["brest", "metropole", "pays"]
    page = page_text(client.get(f"/projets/{project.slug}/synthese/v1"))
    assert "Participant·es pour 1 000 habitant·es" in page
    assert "Autres communes de Brest métropole" in page
    assert printed and "Pour 1 000 habitant·es" in printed[-1]
    assert "<details" not in printed[-1]  # the PDF shows the detail unfolded

    # A later population change does not move the published figures.
    set_population("Brest", 200_000)
    again = page_text(client.get(f"/projets/{project.slug}/synthese/v1"))
    assert "139 619" in again.replace("\u202f", " ").replace("\xa0", " ")

    # A snapshot from before: no groups, no population in the rows.
    for row in frozen["territories"]:
        row.pop("population", None)
        row.pop("per_thousand", None)
    del frozen["territory_groups"]
    db.session.execute(text("UPDATE synthesis_versions SET figures_json = :f WHERE id = :i"),
                       {"f": json.dumps(frozen), "i": version.id})
    db.session.commit()
    db.session.expire_all()
    # Written past the ORM, as a migration would: no version moved, the kept pages start anew.
    store = fragments.store()
    if store is not None:
        store.clear()
    old = client.get(f"/projets/{project.slug}/synthese/v1")
    assert old.status_code == 200
    assert "Participant·es pour 1 000 habitant·es" not in page_text(old)
    assert "La participation par territoire" in page_text(old)


# --- The admin's page -------------------------------------------------------------------------

def field_name(name: str) -> str:
    """The form field of a territory."""
    return f"population_{factories.territory(name).id}"


def test_admin_lists_and_saves_populations_with_a_journal_entry(admin_client):
    """The page lists every territory with its population; a change is saved and logged."""
    from tests.test_pages import check_page

    page = page_text(admin_client.get("/admin/territoires"))
    check_page("/admin/territoires", admin_client.get("/admin/territoires").get_data(as_text=True))
    assert "<h1>Territoires et populations</h1>" in page
    assert 'value="139619"' in page and "Plouzané" in page
    assert "Communauté de communes du Pays des Abers" in page
    response = admin_client.post("/admin/territoires", data={
        field_name("Brest"): "140 993", field_name("Bohars"): "",
        **{field_name(n): str(population(n)) for n in METROPOLE - {"Brest", "Bohars"}},
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert population("Brest") == 140_993 and population("Bohars") is None
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "territory.population")
        .order_by(AuditEntry.id)).all()
    assert [(e.target_label, e.data) for e in entries] == [
        ("Brest", {"before": 139_619, "after": 140_993}),
        ("Bohars", {"before": 3_615, "after": None}),
    ]
    assert "2 populations enregistrées." in page_text(admin_client.get("/admin/territoires"))
    journal = page_text(admin_client.get("/moderation/journal"))
    assert "Population d'un territoire" in journal


@pytest.mark.parametrize("typed, message", [
    ("-5", "Le nombre d'habitant·es doit être supérieur à zéro."),
    ("0", "Le nombre d'habitant·es doit être supérieur à zéro."),
    ("beaucoup", "Indiquez un nombre entier d'habitant·es, en chiffres"),
    ("12,5", "Indiquez un nombre entier d'habitant·es, en chiffres"),
    ("١٢٣", "Indiquez un nombre entier d'habitant·es, en chiffres"),
    ("99999999", "Ce nombre dépasse 10 000 000 d'habitant·es\u00a0: vérifiez-le."),
])
def test_bad_input_is_a_french_field_error_that_keeps_what_was_typed(admin_client, typed,
                                                                      message):
    """Nothing is saved; the field says why and shows what was typed."""
    name = field_name("Guilers")
    response = admin_client.post("/admin/territoires", data={name: typed})
    assert response.status_code == 200
    from tests.test_pages import check_page

    check_page("/admin/territoires (refusé)", response.get_data(as_text=True))
    page = page_text(response)
    assert "Le formulaire n'a pas été enregistré" in page
    assert message in page
    assert f'id="{name}" inputmode="numeric" name="{name}" type="text" value="{typed}"' in page
    assert 'aria-invalid="true"' in page
    db.session.expire_all()
    assert population("Guilers") == 8_170


def test_only_admins_manage_territories(citizen_client, as_role, client):
    """Citizens and moderators are refused; a visitor is sent to log in."""
    assert citizen_client.get("/admin/territoires").status_code == 403
    moderator = as_role("citizen", "moderator")
    assert moderator.post("/admin/territoires", data={}).status_code == 403
    assert client.get("/admin/territoires").status_code == 302
