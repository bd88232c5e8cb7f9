"""The admin sets a project's debate up: turned on as a feature of the consultation phase,
its question, pre-moderation and seed statements (one per line, 140 characters at most, no
duplicates), more seeds later, turned off with its data kept; every act in the journal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from consultation.extensions import db
from consultation.opinions.models import Debate, Statement
from consultation.projects.models import Phase, Project
from tests import factories
from tests.forms import submit
from tests.moderation.helpers import entries
from tests.opinions.debates import QUESTION, plain
from tests.test_pages import check_page


def _phase(project: Project) -> Phase:
    db.session.expire_all()
    return db.session.scalars(
        select(Phase).where(Phase.project_id == project.id, Phase.kind == "consultation")
    ).one()


def test_the_admin_turns_the_debate_on_with_seeds(admin_client):
    """From the project's edit page to the debate's form: on, a question, seeds typed with
    CRLF and blank lines; the phase gets the feature, the seeds are published, the project
    page and the debate offer it, and the journal says so."""
    project = factories.project("consultation")
    db.session.commit()
    edit = admin_client.get(f"/admin/projets/{project.slug}/modifier")
    assert f'href="/admin/projets/{project.slug}/debat"' in edit.get_data(as_text=True)
    url = f"/admin/projets/{project.slug}/debat"
    page = admin_client.get(url)
    assert page.status_code == 200
    check_page(url, page.get_data(as_text=True))
    seeds = "Les quais doivent rester piétons.\n\n  Il faut plus de bancs.  \nOn manque d'ombre.\n"
    response = submit(
        admin_client,
        url,
        page,
        "Enregistrer",
        {"question": QUESTION, "seeds": seeds.replace("\n", "\r\n")},
    )
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"])
    assert "Le débat par affirmations est enregistré." in plain(page)
    check_page(url, page.get_data(as_text=True))

    debate = db.session.scalars(select(Debate)).one()
    assert (debate.question, debate.premoderation) == (QUESTION, True)
    texts = db.session.scalars(select(Statement.text).order_by(Statement.id)).all()
    assert texts == [
        "Les quais doivent rester piétons.",
        "Il faut plus de bancs.",
        "On manque d'ombre.",
    ]
    assert set(db.session.scalars(select(Statement.state))) == {"published"}
    assert all(db.session.scalars(select(Statement.is_seed)))
    assert _phase(project).added_features == "opinions"
    assert project.allows("opinions")
    assert f'href="/projets/{project.slug}/debat"' in admin_client.get(
        f"/projets/{project.slug}"
    ).get_data(as_text=True)
    logged = entries("opinions.configure")
    assert len(logged) == 1 and logged[0].target_id == project.id
    assert logged[0].data == {"enabled": True, "premoderation": True, "seeds": 3}


def test_a_long_line_is_refused_with_its_number_and_the_form_comes_back(admin_client):
    """A line past 140 characters is refused with a French message naming its line; the form
    comes back as typed and nothing is saved."""
    project = factories.project("consultation")
    db.session.commit()
    url = f"/admin/projets/{project.slug}/debat"
    page = admin_client.get(url)
    long = "x" * 141
    typed = f"Une affirmation correcte.\r\n\r\n{long}\r\nUne autre."
    response = submit(
        admin_client, url, page, "Enregistrer", {"question": "Une question ?", "seeds": typed}
    )
    assert response.status_code == 200
    body = plain(response)
    assert "Ligne 3 : 141 caractères, 140 au maximum." in body
    assert "Le formulaire n'a pas été enregistré" in body
    assert long in body and "Une question ?" in body  # as typed
    check_page(url, response.get_data(as_text=True))
    assert db.session.scalars(select(Debate)).all() == []
    assert _phase(project).added_features == ""


def test_duplicates_are_refused_within_the_text_and_against_the_debate(admin_client):
    """The same statement twice in the textarea, or one already in the debate (whatever its
    capitals and spaces), is refused with its line number."""
    project = factories.project("consultation")
    db.session.commit()
    url = f"/admin/projets/{project.slug}/debat"
    response = admin_client.post(
        url,
        data={
            "enabled": "y",
            "question": QUESTION,
            "premoderation": "y",
            "seeds": "Plus de bancs.\r\nplus  de BANCS.",
        },
    )
    assert "Ligne 2 : cette affirmation est déjà dans le débat." in plain(response)
    response = admin_client.post(
        url,
        data={
            "enabled": "y",
            "question": QUESTION,
            "premoderation": "y",
            "seeds": "Plus de bancs.",
        },
    )
    assert response.status_code == 303
    response = admin_client.post(
        url,
        data={
            "enabled": "y",
            "question": QUESTION,
            "premoderation": "y",
            "seeds": "Moins de voitures.\r\nPlus de bancs.",
        },
    )
    assert "Ligne 2 : cette affirmation est déjà dans le débat." in plain(response)
    assert db.session.scalars(select(Statement.text)).all() == ["Plus de bancs."]


def test_more_seeds_later_and_turning_off_keeps_the_data(admin_client):
    """Seeds are added to those there; unticking the box takes the feature off the phase
    (the debate's page says it is closed) and keeps the debate and its statements; ticking it
    again opens it with everything."""
    project = factories.project("consultation")
    db.session.commit()
    url = f"/admin/projets/{project.slug}/debat"
    admin_client.post(
        url,
        data={"enabled": "y", "question": QUESTION, "premoderation": "y", "seeds": "Une première."},
    )
    page = admin_client.get(url)
    assert "Une première." in plain(page)
    response = submit(admin_client, url, page, "Enregistrer", {"seeds": "Une deuxième."})
    assert response.status_code == 303
    # Unticked: the browser sends no value for the box.
    response = admin_client.post(
        url, data={"question": QUESTION, "premoderation": "y", "seeds": ""}
    )
    assert response.status_code == 303
    assert _phase(project).added_features == ""
    assert len(db.session.scalars(select(Statement)).all()) == 2
    closed = plain(admin_client.get(f"/projets/{project.slug}/debat"))
    assert "Le débat n'est pas ouvert en ce moment" in closed
    page = admin_client.get(url)
    assert 'name="enabled"' in page.get_data(as_text=True)
    assert "checked" not in page.get_data(as_text=True).split('name="enabled"')[1][:40]
    admin_client.post(url, data={"enabled": "y", "question": QUESTION, "seeds": ""})
    assert _phase(project).added_features == "opinions"
    debate = db.session.scalars(select(Debate)).one()
    assert debate.premoderation is False  # unticked the last time
    assert len(entries("opinions.configure")) == 4


def test_a_project_without_consultation_phase_cannot_have_a_debate(admin_client):
    """Turning the debate on needs a consultation phase: a French message."""
    project = factories.project("consultation", phases={})
    db.session.commit()
    response = admin_client.post(
        f"/admin/projets/{project.slug}/debat",
        data={"enabled": "y", "question": QUESTION, "premoderation": "y", "seeds": ""},
    )
    assert response.status_code == 200
    assert "Ce projet n'a pas de phase de consultation" in plain(response)
    assert db.session.scalars(select(Debate)).all() == []


def test_only_admins_set_debates_up(as_role, client):
    """Citizens, moderators and mediators get the French 403 page; a visitor the login."""
    project = factories.project("consultation")
    db.session.commit()
    url = f"/admin/projets/{project.slug}/debat"
    for role in ("citizen", "moderator", "mediator"):
        response = as_role(role).post(url, data={"enabled": "y", "question": QUESTION})
        assert response.status_code == 403
        assert "Cette action est réservée à un rôle que vous n'avez pas." in plain(response)
    assert client.get(url).headers["Location"].startswith("/compte/connexion")
    assert db.session.scalars(select(Debate)).all() == []


def test_after_the_consultation_the_project_page_leads_to_the_map(client):
    """While the phase runs, the project page offers to answer; once it is over, the debate's
    map stays reachable from it (and a project without a debate offers neither)."""
    from tests.opinions.debates import debate

    made = debate()
    plain_project = factories.project("consultation")
    db.session.commit()
    page = client.get(f"/projets/{made.project.slug}").get_data(as_text=True)
    assert f'href="/projets/{made.project.slug}/debat"' in page
    for phase in db.session.scalars(select(Phase).where(Phase.project_id == made.project_id)):
        phase.starts_on -= timedelta(days=400)
        phase.ends_on -= timedelta(days=400)
    db.session.commit()
    page = client.get(f"/projets/{made.project.slug}").get_data(as_text=True)
    assert f'href="/projets/{made.project.slug}/debat"' not in page
    assert f'href="/projets/{made.project.slug}/debat/carte"' in page
    other = client.get(f"/projets/{plain_project.slug}").get_data(as_text=True)
    assert "/debat" not in other
