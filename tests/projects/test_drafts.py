"""A project is a draft until an admin publishes it: only admins and moderators see a draft
(page, list), nobody contributes to it, and the home page, the search, the API and the open
data know nothing of it; "Publier le projet" asks first, then makes it public everywhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from consultation.core.audit import AuditEntry
from consultation.core.permissions import can
from consultation.extensions import db
from consultation.projects.models import Project
from tests import factories
from tests.forms import submit
from tests.opendata.helpers import build, csv_rows, files
from tests.projects.test_project_admin import form_data
from tests.proposals.helpers import text

TITLE = "Des kiosques solaires sur les quais"


def created_by_form(admin_client: Any) -> Project:
    """A project an admin creates through the form (consultation open today)."""
    from consultation.core.models import today

    day = today()
    data = form_data(title=TITLE)
    data["information_start"] = data["information_end"] = ""
    data["consultation_start"] = (day.replace(day=1)).isoformat()
    data["consultation_end"] = f"{day.year + 1}-01-31"
    for kind in ("information", "synthesis", "follow_up"):
        data[f"{kind}_start"] = data[f"{kind}_end"] = ""
    response = admin_client.post("/admin/projets/nouveau", data=data)
    assert response.status_code == 302, text(response)
    db.session.commit()
    project = db.session.scalars(select(Project).where(Project.title == TITLE)).one()
    assert project.published_at is None and not project.is_published
    return project


def api_ids(client: Any) -> set[int]:
    """The ids of the API's project list."""
    return {item["id"] for item in client.get("/api/v1/projects").get_json()["items"]}


def seen_everywhere(client: Any, project: Project) -> dict[str, bool]:
    """Where a visitor (or a person logged in) meets the project."""
    return {
        "page": client.get(f"/projets/{project.slug}").status_code == 200,
        "list": TITLE in text(client.get("/projets")),
        "home": TITLE in text(client.get("/")),
        "search": TITLE in text(client.get("/recherche?q=kiosques+solaires")),
        "api": project.id in api_ids(client),
        "api_detail": client.get(f"/api/v1/projects/{project.id}").status_code == 200,
    }


def opendata_ids() -> set[int]:
    """The ids of the open data's projects and of the projects its phases belong to."""
    content = files(build())
    return ({int(row["id"]) for row in csv_rows(content["projets.csv"])}
            | {int(row["projet"]) for row in csv_rows(content["phases.csv"])
               if row.get("projet")})


def test_a_new_project_is_a_draft_that_only_staff_see(app, client, as_role, admin_client):
    """Created by the form, a project is a draft: anonymous and citizens meet it nowhere (404,
    lists, home, search, API, open data); moderators and admins see it marked "Brouillon",
    and only admins are offered "Publier le projet"; nobody may contribute to it."""
    factories.project(title="Un projet déjà publié")
    db.session.commit()
    project = created_by_form(admin_client)
    citizen = as_role("citizen")
    for visitor in (client, citizen):
        assert not any(seen_everywhere(visitor, project).values())
    assert project.id not in opendata_ids()

    moderator = as_role("moderator")
    for staff in (moderator, admin_client):
        page = text(staff.get(f"/projets/{project.slug}"))
        assert "Brouillon" in page and "pas encore publié" in page
        listed = text(staff.get("/projets"))
        assert TITLE in listed and "Brouillon" in listed
        assert TITLE not in text(staff.get("/"))  # the home page is the public's
    assert "Publier le projet" not in text(moderator.get(f"/projets/{project.slug}"))
    assert "Publier le projet" in text(admin_client.get(f"/projets/{project.slug}"))
    for user in (citizen.user, moderator.user, admin_client.user):
        assert not can(user, "proposals.create", project)
        assert not can(user, "comments.create", project)
    assert not can(admin_client.user, "followup.manage", project)


def test_publishing_a_project_asks_first_then_shows_it_everywhere(
        app, client, as_role, admin_client):
    """The admin's "Publier le projet" leads to a confirmation page; only its button publishes
    (journal entry, flash); then everyone meets the project, and it cannot be published again;
    a moderator or a citizen may not publish."""
    project = created_by_form(admin_client)
    url = f"/admin/projets/{project.slug}/publier"
    assert as_role("moderator").post(url, data={"confirm": "y"}).status_code == 403
    assert as_role("citizen").get(url).status_code == 403

    asked = admin_client.get(url)
    assert asked.status_code == 200 and "Publier le projet\u00a0?" in text(asked)
    assert "Annuler" in text(asked)
    db.session.expire_all()
    assert not db.session.get_one(Project, project.id).is_published

    done = submit(admin_client, url, asked, "Publier le projet")
    assert done.status_code == 302 and done.headers["Location"] == f"/projets/{project.slug}"
    assert "Le projet est publié" in text(admin_client.get(done.headers["Location"]))
    db.session.expire_all()
    published = db.session.get_one(Project, project.id)
    assert published.is_published
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "project.publish", AuditEntry.target_id == project.id)) == 1

    for visitor in (client, as_role("citizen")):
        assert all(seen_everywhere(visitor, published).values())
    assert project.id in opendata_ids()
    assert "Brouillon" not in text(admin_client.get(f"/projets/{project.slug}"))
    assert "Publier le projet" not in text(admin_client.get(f"/projets/{project.slug}"))
    again = admin_client.get(url)
    assert again.status_code == 403 and "Ce projet est déjà publié." in text(again)
