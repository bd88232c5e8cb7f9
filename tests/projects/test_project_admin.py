"""The admin's project forms: create and edit, slugs, French validation, and who may use them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from consultation.core.errors import DomainError
from consultation.extensions import db
from consultation.projects import services as project_services
from consultation.projects.models import Phase, Project
from consultation.reference.models import Orientation
from tests import factories
from tests.proposals.helpers import text

DATES = {
    "information": ("2027-01-04", "2027-01-31"),
    "consultation": ("2027-02-01", "2027-03-31"),
    "synthesis": ("2027-04-01", "2027-04-30"),
    "follow_up": ("2027-05-01", "2028-04-30"),
}


def orientation(slug: str = "services-au-public") -> Orientation:
    """An orientation loaded by the migration."""
    return db.session.scalars(select(Orientation).where(Orientation.slug == slug)).one()


def form_data(**changes: object) -> dict[str, object]:
    """A complete, valid project form; `changes` replace fields (None removes one)."""
    data: dict[str, object] = {
        "title": "Des bornes numériques dans les mairies",
        "slug": "",
        "summary": "Installer une borne accompagnée dans chaque mairie.",
        "plain_summary": "Vous pourrez faire vos démarches **avec de l'aide**.",
        "body": "## Pourquoi\n\nPour que personne ne soit exclu.",
        "orientation": str(orientation().id),
        "territories": [str(factories.territory("Brest").id),
                        str(factories.territory("Guilers").id)],
        "support_limit": "5",
    }
    for kind, (start, end) in DATES.items():
        data[f"{kind}_start"], data[f"{kind}_end"] = start, end
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def checked_territories(page: str) -> list[str]:
    """The names of the territories whose checkbox is checked on the form."""
    return re.findall(
        r'<input checked id="territories-\d+" name="territories" type="checkbox" value="\d+"> '
        r'<label for="territories-\d+">([^<]+)</label>',
        page,
    )


def project_count() -> int:
    """How many projects the database holds."""
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Project)).scalar_one()


def refused_form(response, *messages: str) -> str:
    """Check a form shown again with the French error summary and messages; return the page."""
    assert response.status_code == 200
    page = text(response)
    assert "Le formulaire n'a pas été enregistré" in page
    for message in messages:
        assert message in page, message
    return page


# --- Create and edit ------------------------------------------------------------------------


def test_admin_sees_the_create_form(admin_client):
    """The form offers orientations as a list and territories as checkboxes."""
    response = admin_client.get("/admin/projets/nouveau")
    assert response.status_code == 200
    page = text(response)
    assert "Nouveau projet" in page
    brest = factories.territory("Brest")
    assert f'name="territories" type="checkbox" value="{brest.id}"' in page
    assert checked_territories(page) == []
    assert "Des services au public exemplaires" in page
    for kind in DATES:
        assert f'name="{kind}_start"' in page and f'name="{kind}_end"' in page


def test_admin_creates_a_project(admin_client):
    """A valid form creates the project with its territories, orientation, limit and phases."""
    response = admin_client.post("/admin/projets/nouveau", data=form_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/projets/des-bornes-numeriques-dans-les-mairies"

    db.session.expire_all()
    project = db.session.scalars(select(Project)).one()
    assert project.slug == "des-bornes-numeriques-dans-les-mairies"
    assert project.title == "Des bornes numériques dans les mairies"
    assert project.summary == "Installer une borne accompagnée dans chaque mairie."
    assert project.plain_summary == "Vous pourrez faire vos démarches **avec de l'aide**."
    assert project.orientation_id == orientation().id
    assert sorted(t.name for t in project.territories) == ["Brest", "Guilers"]
    assert project.support_limit == 5
    assert project.created_by_id == admin_client.user.id
    assert {(p.kind, p.starts_on.isoformat(), p.ends_on.isoformat()) for p in project.phases} == {
        (kind, start, end) for kind, (start, end) in DATES.items()
    }
    assert project.proposals_count == project.participants_count == 0

    page = text(admin_client.get(response.headers["Location"]))
    assert "Le projet est créé comme brouillon" in page
    assert "<strong>avec de l'aide</strong>" in page


def test_admin_creates_a_project_without_phases_or_options(admin_client):
    """Only title and summary are required; phases, limit and orientation may stay empty."""
    data = form_data(orientation="", territories=None, support_limit="")
    for kind in DATES:
        data[f"{kind}_start"] = data[f"{kind}_end"] = ""
    response = admin_client.post("/admin/projets/nouveau", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    project = db.session.scalars(select(Project)).one()
    assert project.orientation_id is None
    assert project.territories == []
    assert project.support_limit is None
    assert project.phases == []


def test_slug_is_derived_from_the_title_and_unique(admin_client):
    """Two projects with the same title get distinct slugs."""
    data = form_data(title="Wi-Fi municipal à Brest !")
    first = admin_client.post("/admin/projets/nouveau", data=data)
    second = admin_client.post("/admin/projets/nouveau", data=data)
    assert first.headers["Location"] == "/projets/wi-fi-municipal-a-brest"
    assert second.headers["Location"] == "/projets/wi-fi-municipal-a-brest-2"
    db.session.expire_all()
    slugs = db.session.scalars(select(Project.slug).order_by(Project.id)).all()
    assert slugs == ["wi-fi-municipal-a-brest", "wi-fi-municipal-a-brest-2"]
    assert admin_client.get("/projets/wi-fi-municipal-a-brest-2").status_code == 200


def test_a_chosen_slug_is_kept_unique(admin_client):
    """A slug typed by the admin is used, made unique when another project has it."""
    factories.project(title="Autre", slug="mon-projet")
    db.session.commit()
    response = admin_client.post("/admin/projets/nouveau", data=form_data(slug="mon-projet"))
    assert response.headers["Location"] == "/projets/mon-projet-2"
    refused = admin_client.post("/admin/projets/nouveau", data=form_data(slug="Pas Valide!"))
    refused_form(refused, "Lettres minuscules sans accent, chiffres et tirets seulement.")


def test_admin_edits_a_project(admin_client):
    """The edit form shows the stored values; a valid change is saved, the slug stays."""
    project = factories.project(
        title="Ancien titre",
        orientation_id=orientation().id,
        territory_ids=[factories.territory("Brest").id],
        support_limit=3,
    )
    db.session.commit()
    slug = project.slug
    url = f"/admin/projets/{slug}/modifier"

    page = text(admin_client.get(url))
    assert 'value="Ancien titre"' in page
    assert f'<option selected value="{orientation().id}">' in page
    assert checked_territories(page) == ["Brest"]
    consultation = project.phase("consultation")
    assert consultation is not None
    assert f'value="{consultation.starts_on.isoformat()}"' in page
    assert 'value="3"' in page

    data = form_data(title="Nouveau titre", orientation="", support_limit="",
                     territories=[str(factories.territory("Plouzané").id)])
    data["follow_up_start"] = data["follow_up_end"] = ""
    response = admin_client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projets/{slug}"

    db.session.expire_all()
    project = db.session.scalars(select(Project)).one()
    assert project.title == "Nouveau titre"
    assert project.slug == slug
    assert project.orientation_id is None
    assert project.support_limit is None
    assert [t.name for t in project.territories] == ["Plouzané"]
    assert [p.kind for p in project.phases] == ["information", "consultation", "synthesis"]
    consultation = project.phase("consultation")
    assert consultation is not None and consultation.starts_on == date(2027, 2, 1)
    assert db.session.scalar(select(func.count()).select_from(Phase)) == 3
    assert "Le projet est enregistré." in text(admin_client.get(f"/projets/{slug}"))


def test_edit_to_a_taken_slug_gets_a_unique_one(admin_client):
    """Changing the slug to one already used gives a distinct slug."""
    factories.project(title="Premier", slug="premier")
    second = factories.project(title="Second", slug="second")
    db.session.commit()
    response = admin_client.post(
        f"/admin/projets/{second.slug}/modifier", data=form_data(title="Second", slug="premier")
    )
    assert response.headers["Location"] == "/projets/premier-2"


def test_edit_unknown_project_is_a_french_404(admin_client):
    """Editing a project that does not exist is the French 404 page."""
    response = admin_client.get("/admin/projets/inconnu/modifier")
    assert response.status_code == 404
    assert "Page introuvable" in text(response)


# --- Validation -----------------------------------------------------------------------------


def test_missing_title_is_refused_and_values_kept(admin_client):
    """Without a title the form comes back in French with everything typed still there."""
    data = form_data(title="   ", summary="Un résumé à garder.")
    page = refused_form(admin_client.post("/admin/projets/nouveau", data=data),
                        "Titre\u00a0: Ce champ est obligatoire.")
    assert "Un résumé à garder." in page
    assert 'value="2027-02-01"' in page
    assert f'<option selected value="{orientation().id}">' in page
    assert checked_territories(page) == ["Brest", "Guilers"]
    assert 'value="5"' in page
    assert project_count() == 0


def test_missing_summary_is_refused(admin_client):
    """The summary is required too."""
    refused_form(admin_client.post("/admin/projets/nouveau", data=form_data(summary="")),
                 "Résumé\u00a0: Ce champ est obligatoire.")
    assert project_count() == 0


@pytest.mark.parametrize("missing", ["consultation_start", "synthesis_end"])
def test_one_date_of_a_pair_missing_is_refused(admin_client, missing):
    """A phase needs both dates or none."""
    data = form_data(title="Titre gardé")
    data[missing] = ""
    page = refused_form(admin_client.post("/admin/projets/nouveau", data=data),
                        "Indiquez les deux dates de la phase, ou aucune.")
    assert 'value="Titre gardé"' in page
    kept = "consultation_end" if missing == "consultation_start" else "synthesis_start"
    kind = kept.rsplit("_", 1)[0]
    assert f'value="{DATES[kind][0 if kept.endswith("start") else 1]}"' in page
    assert project_count() == 0


def test_end_before_start_is_refused(admin_client):
    """A phase may not end before it starts."""
    data = form_data(consultation_start="2027-03-31", consultation_end="2027-02-01",
                     synthesis_start="2027-04-01")
    page = refused_form(admin_client.post("/admin/projets/nouveau", data=data),
                        "La fin doit suivre le début.")
    assert 'value="2027-03-31"' in page
    assert project_count() == 0


def test_overlapping_phases_are_refused(admin_client):
    """A phase must start after the previous one ends."""
    data = form_data(information_end="2027-02-10")
    refused_form(admin_client.post("/admin/projets/nouveau", data=data),
                 "Cette phase doit commencer après la fin de la phase «\u00a0Information\u00a0».")
    same_day = form_data(information_end="2027-02-01")
    refused_form(admin_client.post("/admin/projets/nouveau", data=same_day),
                 "Cette phase doit commencer après la fin de la phase «\u00a0Information\u00a0».")
    assert project_count() == 0


def test_phases_out_of_order_are_refused(admin_client):
    """The consultation may not come before the information phase."""
    data = form_data(
        information_start="2027-05-01", information_end="2027-05-31",
        consultation_start="2027-01-01", consultation_end="2027-01-31",
        synthesis_start="2027-06-01", synthesis_end="2027-06-30",
        follow_up_start="2027-07-01", follow_up_end="2027-12-31",
    )
    refused_form(admin_client.post("/admin/projets/nouveau", data=data),
                 "Cette phase doit commencer après la fin de la phase «\u00a0Information\u00a0».")
    assert project_count() == 0


def test_invalid_date_is_refused_in_french(admin_client):
    """A date that is not a date is refused with a French message."""
    data = form_data(consultation_start="31/02/2027")
    page = refused_form(admin_client.post("/admin/projets/nouveau", data=data),
                        "N'est pas une date valide.")
    assert 'value="31/02/2027"' in page
    assert project_count() == 0


@pytest.mark.parametrize("limit", ["0", "-2", "1001"])
def test_support_limit_out_of_range_is_refused(admin_client, limit):
    """The support limit, when given, is between 1 and 1,000."""
    page = refused_form(
        admin_client.post("/admin/projets/nouveau", data=form_data(support_limit=limit)),
        "Entre 1 et 1 000.",
    )
    assert f'value="{limit}"' in page
    assert project_count() == 0


def test_support_limit_not_a_number_is_refused_in_french(admin_client):
    """A support limit that is not a number is refused with a French message."""
    page = refused_form(
        admin_client.post("/admin/projets/nouveau", data=form_data(support_limit="beaucoup")),
        "N'est pas un entier valide.",
    )
    assert 'value="beaucoup"' in page
    assert project_count() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [("99999", "Choisissez une valeur de la liste."),
     ("abc", "Choix non valide, ne peut pas être converti.")],
)
def test_invalid_orientation_is_refused(admin_client, value, message):
    """An orientation id that is not in the list is refused in French."""
    refused_form(
        admin_client.post("/admin/projets/nouveau", data=form_data(orientation=value)),
        f"Orientation stratégique\u00a0: {message}",
    )
    assert project_count() == 0


def test_invalid_territory_is_refused_in_french(admin_client):
    """A territory id that is not in the list is refused in French."""
    page = refused_form(
        admin_client.post("/admin/projets/nouveau", data=form_data(territories=["99999"])),
        "n'est pas un choix valide pour ce champ.",
    )
    assert re.search(r"Territoires concernés\s:\s«\s99999\s» n'est pas un choix valide", page)
    assert checked_territories(page) == []
    assert project_count() == 0


def test_refused_edit_changes_nothing(admin_client):
    """A refused edit shows the typed values and leaves the project as it was."""
    project = factories.project(title="Titre d'origine")
    db.session.commit()
    data = form_data(title="Titre tapé", support_limit="0")
    page = refused_form(admin_client.post(f"/admin/projets/{project.slug}/modifier", data=data),
                        "Entre 1 et 1 000.")
    assert 'value="Titre tapé"' in page
    db.session.expire_all()
    assert db.session.get_one(Project, project.id).title == "Titre d'origine"


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["citizen", "mediator", "moderator"])
def test_other_roles_may_not_create_or_edit(as_role, role):
    """Citizens, mediators and moderators get the French 403 page on create and edit."""
    project = factories.project(title="Intouchable")
    db.session.commit()
    client = as_role(role)
    data = form_data(title="Piraté")
    for method, url in (
        ("get", "/admin/projets/nouveau"),
        ("post", "/admin/projets/nouveau"),
        ("get", f"/admin/projets/{project.slug}/modifier"),
        ("post", f"/admin/projets/{project.slug}/modifier"),
    ):
        response = getattr(client, method)(url, data=data if method == "post" else None)
        assert response.status_code == 403, (method, url)
        page = text(response)
        assert "Action non autorisée" in page
        assert "Cette action est réservée à un rôle que vous n'avez pas." in page
    assert project_count() == 1
    assert db.session.get_one(Project, project.id).title == "Intouchable"
    page = text(client.get(f"/projets/{project.slug}"))
    assert "Modifier le projet" not in page
    assert "/admin/projets/nouveau" not in page


def test_anonymous_is_sent_to_login(client):
    """A visitor who is not logged in is redirected to the login page."""
    project = factories.project(title="Intouchable")
    db.session.commit()
    for method, url in (
        ("get", "/admin/projets/nouveau"),
        ("post", "/admin/projets/nouveau"),
        ("get", f"/admin/projets/{project.slug}/modifier"),
        ("post", f"/admin/projets/{project.slug}/modifier"),
    ):
        response = getattr(client, method)(url, data=form_data() if method == "post" else None)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/compte/connexion"), (method, url)
    assert project_count() == 1
    db.session.expire_all()
    assert db.session.get_one(Project, project.id).title == "Intouchable"


def test_admin_sees_the_edit_and_create_links(admin_client):
    """The admin sees the links to the forms."""
    project = factories.project()
    db.session.commit()
    page = text(admin_client.get(f"/projets/{project.slug}"))
    assert f'href="/admin/projets/{project.slug}/modifier"' in page
    assert 'href="/admin/projets/nouveau"' in page


def test_project_form_has_no_none_attributes(admin_client):
    """No control of the form carries an attribute whose value is the text "None"."""
    page = text(admin_client.get("/admin/projets/nouveau"))
    controls = re.findall(r"<(?:input|select|textarea)[^>]*>", page)
    assert [control for control in controls if '="None"' in control] == []


# --- The service behind the form ------------------------------------------------------------


def test_set_phases_refuses_overlap_and_disorder_in_french(app):
    """The service itself refuses overlapping or out-of-order phases with a French message."""
    project = factories.project(phases={})
    overlapping = {
        "information": (date(2027, 1, 1), date(2027, 2, 1)),
        "consultation": (date(2027, 1, 15), date(2027, 3, 1)),
    }
    out_of_order = {
        "information": (date(2027, 5, 1), date(2027, 5, 31)),
        "consultation": (date(2027, 1, 1), date(2027, 1, 31)),
    }
    backwards = {"consultation": (date(2027, 3, 1), date(2027, 2, 1))}
    for phases in (overlapping, out_of_order, backwards):
        with pytest.raises(DomainError) as refused:
            project_services.set_phases(project, phases)
        assert refused.value.message == "Les phases doivent se suivre sans se chevaucher."
    assert project.phases == []
    project_services.set_phases(project, {"consultation": (date(2027, 1, 1), date(2027, 1, 1))})
    assert [(p.kind, p.starts_on, p.ends_on) for p in project.phases] == [
        ("consultation", date(2027, 1, 1), date(2027, 1, 1))
    ]
