"""Personal data: downloading all of one's data, deleting one's account, the privacy page."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date
from typing import Any

import pytest
from sqlalchemy import ForeignKeyConstraint, MetaData, Table, func, select

from consultation.accounts import services
from consultation.accounts.models import User, UserRole
from consultation.comments.services import add_comment
from consultation.core import jobs, personal_data
from consultation.core.audit import AuditEntry
from consultation.elected.models import ElectedVisit
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.mediation import services as mediation
from consultation.moderation import services as moderation
from consultation.moderation.models import Report
from consultation.notifications.models import Follow, Notification, NotificationSettings
from consultation.opinions.models import Answer, Debate, DebateParticipant, Statement
from consultation.projects.models import ProjectParticipant
from consultation.proposals.services import create_proposal
from consultation.rencontres import services as rencontres
from consultation.rencontres.models import RencontresSubscriber
from consultation.syntheses import figures, render
from consultation.syntheses import services as syntheses
from consultation.syntheses.models import SynthesisSubscriber
from consultation.votes.models import Support
from consultation.votes.services import add_support
from tests import factories
from tests.accounts.helpers import fresh, read
from tests.conftest import login
from tests.recount import assert_counters_exact
from tests.test_pages import check_page, text_of

PASSWORD = "mot-de-passe-de-gwen"
NAME, EMAIL = "Gwenaëlle Kerouac", "gwen.kerouac@exemple.fr"
DELETED = "Participant·e supprimé·e"


def references_to_users(metadata: MetaData) -> set[str]:
    """Every "table.column" whose foreign key points at users.id."""
    return {
        f"{table.name}.{fk.parent.name}"
        for table in metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "users" and fk.column.name == "id"
    }


def archive_of(response) -> dict[str, Any]:
    """The files of a downloaded zip: JSON parsed, README.txt as text."""
    assert response.status_code == 200
    files = {}
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name).decode()
            files[name] = raw if name.endswith(".txt") else json.loads(raw)
    return files


@pytest.fixture
def scene(app):
    """Gwen (Guipavas) proposes, comments, replies, supports, reports and subscribes; Yann
    supports her proposal and comments; a moderator and an admin exist."""
    admin = factories.user(roles=("admin",))
    moderator = factories.user(roles=("moderator",), display_name="Modératrice Morgane")
    gwen = factories.user(email=EMAIL, display_name=NAME, password=PASSWORD,
                          commune=factories.territory("Guipavas"))
    yann = factories.user(email="yann.secret@exemple.fr", display_name="Yann Secret")
    project = factories.project("consultation", actor=admin)
    proposal = factories.proposal(project, author=gwen, title="Des bancs connectés au port",
                                  territory=factories.territory("Brest"))
    other = factories.proposal(project, author=yann, title="Un atelier vélo")
    comment = factories.comment(other, author=gwen, stance="contre", body="Je ne crois pas.")
    yann_comment = factories.comment(proposal, author=yann, body="Bonne idée de Yann.")
    reply = factories.comment(parent=yann_comment, author=gwen, stance="neutre",
                              body="Merci Yann.")
    factories.comment(project, author=gwen, stance="pour", body="Le projet me plaît.")
    factories.support(other, gwen)
    factories.support(proposal, yann)
    moderation.report(gwen, "comment", yann_comment, "other", "Hors sujet selon moi.")
    moderation.report(yann, "comment", comment, "offensive", "")
    syntheses.subscribe(project, gwen)
    rencontres.subscribe(gwen)
    db.session.commit()
    return {"admin": admin, "moderator": moderator, "gwen": gwen, "yann": yann,
            "project": project, "proposal": proposal, "other": other, "comment": comment,
            "reply": reply, "yann_comment": yann_comment}


def gwen_client(app, scene):
    """A client logged in as Gwen through the login form."""
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    return client


# --- the download -------------------------------------------------------------------------------

def test_every_reference_to_users_is_covered_by_the_download(app):
    """Each foreign key to users.id in the schema is covered by a part of the download (a new
    table that references users fails here until its domain registers what it holds)."""
    in_schema = references_to_users(db.metadata)
    assert in_schema, "the schema has references to users"
    missing = in_schema - personal_data.covered()
    assert missing == set(), f"not in the download nor handled at deletion: {sorted(missing)}"
    assert personal_data.covered() - in_schema == set(), "a part covers a column that is gone"


def test_the_coverage_check_catches_a_new_table(app):
    """The check above would fail for a table that references users and is not covered."""
    metadata = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(metadata)
    Table("invitations", metadata,
          db.Column("id", db.Integer, primary_key=True),
          db.Column("guest_id", db.Integer),
          ForeignKeyConstraint(["guest_id"], ["users.id"]))
    assert references_to_users(metadata) - personal_data.covered() == {"invitations.guest_id"}


def test_every_part_finds_its_rows(app, monkeypatch):
    """A person with a row in every table that references users finds each in the download."""
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    staff = factories.user(roles=("admin", "moderator"))
    factories.user(roles=("admin",))
    project = factories.project("consultation", actor=staff)
    proposal = factories.proposal(project, author=staff)
    someone = factories.proposal(project)
    comment = factories.comment(someone)
    factories.comment(someone, author=staff)
    factories.support(someone, staff)
    moderation.report(staff, "proposal", someone, "spam", "")
    moderation.report(factories.user(), "comment", comment, "spam", "")
    # Told of the decision by a mail sent once (a sent notice).
    moderation.report(staff, "comment", comment, "spam", "")
    moderation.hide(staff, "comment", comment, "Publicité.")
    syntheses.subscribe(project, staff)
    rencontres.subscribe(staff)
    syntheses.publish(project, staff, "Le récit.", "")
    syntheses.save_draft(project, staff, "Le récit, suite.", "")
    # The staff member is also a mediator who registered someone and acted for them.
    assisted = mediation.register_participant(
        staff, "Yvonne Le Bihan", None, "75_plus", "Formulaire n° 2026-014", date(2026, 3, 2)
    ).user
    create_proposal(assisted, project, "Un banc au bourg", "Pour se reposer.", None,
                    mediator=staff)
    add_comment(assisted, project, "pour", "Oui.", proposal=someone, mediator=staff)
    add_support(assisted, someone, mediator=staff)
    mediation.enter_workshop(staff, "Mairie de Guilers", date(2026, 3, 9), [
        mediation.WorkshopRow(0, "commentaire", project.id, someone.id, "", "D'accord.",
                              "pour", None),
    ])
    # The staff member, as an admin, published a commitment (its first update is theirs).
    followup.create_commitment(staff, project, followup.CommitmentData(title="Un banc au bourg"))
    # The staff member proposed a statement to the project's debate and answered it, as a
    # mediator would record it.
    debate = Debate(project_id=project.id, question="Qu'en pensez-vous ?")
    db.session.add(debate)
    db.session.flush()
    statement = Statement(debate_id=debate.id, text="Une affirmation.", author_id=staff.id)
    participant = DebateParticipant(debate_id=debate.id, number=1, user_id=staff.id,
                                    recorded_by_id=staff.id)
    db.session.add_all([statement, participant])
    db.session.flush()
    db.session.add(Answer(participant_id=participant.id, statement_id=statement.id, value=1,
                          recorded_by_id=staff.id))
    db.session.add_all([
        Follow(user_id=staff.id, project_id=project.id),
        Notification(user_id=staff.id, kind="comment", reason="author", event="test:1",
                     project_id=project.id, proposal_id=proposal.id),
        NotificationSettings(user_id=staff.id, email_frequency="weekly"),
        ElectedVisit(user_id=staff.id),
    ])
    db.session.commit()
    jobs.dispatch_committed()  # the reporters' emails and the notifications, as after a request
    assert proposal.author_id == staff.id
    for part in personal_data.parts():
        # The assisted profile is the assisted person's; everything else is the staff's.
        subject = assisted if part.covers == ("assisted_profiles.user_id",) else staff
        data = part.collect(subject)
        found = data.get("abonne") if isinstance(data, dict) and "abonne" in data else data
        if isinstance(found, dict) and part.filename == "mediation.json":
            found = all(found.values())
        assert found, f"{part.filename}/{part.key} found nothing"


def test_download_has_every_file_and_a_french_readme(app, scene):
    """The zip holds the account, proposals, comments, supports, reports, subscriptions and a
    README in French naming every file."""
    client = gwen_client(app, scene)
    response = client.get("/compte/mes-donnees.zip")
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=mes-donnees")
    assert "no-store" in response.headers["Cache-Control"]
    files = archive_of(response)
    assert set(files) == {"README.txt"} | {part.filename for part in personal_data.parts()}

    account = files["compte.json"]["compte"]
    assert account["adresse_electronique"] == EMAIL and account["nom_affiche"] == NAME
    assert account["commune"] == "Guipavas" and account["roles"] == ["citizen"]
    assert account["cree_le"] and account["bloque_le"] is None
    assert [p["titre"] for p in files["propositions.json"]["propositions"]] == [
        "Des bancs connectés au port"
    ]
    assert files["propositions.json"]["propositions"][0]["soutiens"] == 1
    assert [c["texte"] for c in files["commentaires.json"]["commentaires"]] == [
        "Je ne crois pas.", "Merci Yann.", "Le projet me plaît."
    ]
    assert [s["titre"] for s in files["soutiens.json"]["soutiens"]] == ["Un atelier vélo"]
    reports = files["signalements.json"]["signalements_faits"]
    assert [(r["sur"], r["motif"], r["precisions"]) for r in reports] == [
        ("comment", "other", "Hors sujet selon moi.")
    ]
    assert [s["projet"] for s in files["abonnements.json"]["syntheses"]] == [
        scene["project"].slug
    ]
    assert files["abonnements.json"]["rencontres"]["abonne"] is True
    assert [p["projet"] for p in files["projets.json"]["participation"]] == [
        scene["project"].slug
    ]

    readme = files["README.txt"]
    assert "Vos données sur la plateforme de consultation de Brest métropole" in readme
    for part in personal_data.parts():
        assert f"- {part.filename} :" in readme
    assert "/confidentialite" in readme


def test_download_holds_no_secret_and_nobody_else(app, scene):
    """Neither the password hash nor the session nonce, nor anything of Yann (who supported and
    reported Gwen's contributions): only counts."""
    client = gwen_client(app, scene)
    raw = b""
    with zipfile.ZipFile(io.BytesIO(client.get("/compte/mes-donnees.zip").data)) as archive:
        for name in archive.namelist():
            raw += archive.read(name)
    gwen = fresh(User, scene["gwen"].id)
    text = raw.decode()
    assert gwen.password_hash not in text and gwen.session_nonce not in text
    assert "Yann Secret" not in text and "yann.secret@exemple.fr" not in text
    assert "Modératrice Morgane" not in text
    assert "offensive" not in text  # Yann's report of Gwen's comment is his, not hers


def test_download_needs_an_account(client):
    """A visitor is sent to the login page."""
    response = client.get("/compte/mes-donnees.zip")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_a_blocked_account_still_downloads_its_data(app, scene):
    """Blocking stops contributions, not the right of access."""
    moderation.block_user(scene["moderator"], scene["gwen"], "Insultes.", None)
    db.session.commit()
    files = archive_of(gwen_client(app, scene).get("/compte/mes-donnees.zip"))
    assert files["compte.json"]["compte"]["motif_du_blocage"] == "Insultes."


def test_profile_offers_the_download_and_the_deletion(app, scene):
    """The account page links to the download, the deletion and the privacy page."""
    url = "/compte/profil"
    response = gwen_client(app, scene).get(url)
    page = response.get_data(as_text=True)
    check_page(url, page)
    assert 'href="/compte/mes-donnees.zip"' in page
    assert 'href="/compte/supprimer"' in page
    assert 'href="/confidentialite"' in page


# --- deleting an account ------------------------------------------------------------------------

def delete(client, password: str = PASSWORD):
    return client.post("/compte/supprimer", data={"password": password})


def test_deletion_page_warns_in_french(app, scene):
    """The page says what happens, asks for the password, and follows the page rules."""
    response = gwen_client(app, scene).get("/compte/supprimer")
    assert response.status_code == 200
    check_page("/compte/supprimer", response.get_data(as_text=True))
    page = text_of(response)
    assert "sans retour possible" in page
    assert "«\u00a0Participant·e supprimé·e\u00a0»" in page
    assert "Vos soutiens restent comptés" in page
    assert read(response.data).types["password"] == "password"


def test_a_wrong_password_deletes_nothing(app, scene):
    """A wrong or missing password shows the form again with a French error."""
    client = gwen_client(app, scene)
    response = delete(client, "pas-le-bon-mot-de-passe")
    assert response.status_code == 200
    assert "Le mot de passe est incorrect." in text_of(response)
    response = delete(client, "")
    assert read(response.data).field_errors["password"]
    gwen = fresh(User, scene["gwen"].id)
    assert gwen.email == EMAIL and gwen.deleted_at is None
    assert client.get("/compte/profil").status_code == 200


def test_deletion_erases_the_person_and_keeps_the_counts(app, scene):
    """Email, name, password, language, roles, subscriptions go; the commune stays for the
    territory figures; supports and contributions stay counted; every session ends."""
    project = scene["project"]
    other_session = gwen_client(app, scene)
    client = gwen_client(app, scene)
    before = figures.compute(project)
    old_nonce = fresh(User, scene["gwen"].id).session_nonce

    response = delete(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Votre compte est supprimé." in text_of(client.get("/"))

    gwen = fresh(User, scene["gwen"].id)
    assert gwen.deleted_at is not None and gwen.is_deleted
    assert (gwen.email, gwen.display_name, gwen.password_hash, gwen.locale) == (
        None, "", None, None
    )
    assert gwen.commune is not None and gwen.commune.name == "Guipavas"
    assert gwen.session_nonce != old_nonce and gwen.roles == set()
    assert db.session.scalar(select(func.count()).select_from(UserRole)
                             .where(UserRole.user_id == gwen.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(SynthesisSubscriber)
                             .where(SynthesisSubscriber.user_id == gwen.id)) == 0
    assert db.session.get(RencontresSubscriber, gwen.id) is None
    assert db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.user_id == gwen.id)) == 1
    assert db.session.get(ProjectParticipant, (project.id, gwen.id)) is not None
    assert db.session.scalar(select(func.count()).select_from(Report)
                             .where(Report.reporter_id == gwen.id)) == 1

    # Logged out here and on her other device.
    for session in (client, other_session):
        response = session.get("/compte/profil")
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]

    assert_counters_exact()
    after = figures.compute(fresh(type(project), project.id))
    before.pop("computed_at"), after.pop("computed_at")
    assert after == before


def test_a_deleted_account_cannot_log_in_nor_reset_and_its_email_is_free(app, scene):
    """No login, no reset link, nothing found by email; the address registers anew."""
    client = gwen_client(app, scene)
    token = services.reset_token(scene["gwen"])  # asked for before the deletion
    delete(client)
    assert client.get(f"/compte/reinitialiser/{token}").status_code == 400
    response = client.post("/compte/connexion", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in text_of(response)
    client.post("/compte/mot-de-passe-oublie", data={"email": EMAIL})
    outbox = app.config["OUTBOX_DIR"]
    assert not os.path.isdir(outbox) or os.listdir(outbox) == []
    assert services.find_by_email(EMAIL) is None
    response = client.post("/compte/inscription", data={
        "email": EMAIL, "display_name": "Gwen, de retour", "commune": "",
        "password": "un-autre-mot-de-passe", "confirm": "un-autre-mot-de-passe",
        "charter": "y"})
    assert response.status_code == 302
    new = services.find_by_email(EMAIL)
    assert new is not None and new.id != scene["gwen"].id
    # The new account starts afresh: none of the old contributions or supports are its own.
    assert db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.user_id == new.id)) == 0


def pages_showing_names(scene, version_number: int) -> dict[str, list[str]]:
    """Pages that show who wrote what, by who may read them."""
    project, proposal, other = scene["project"], scene["proposal"], scene["other"]
    slug = project.slug
    return {
        "public": [
            f"/propositions/{proposal.id}",
            f"/propositions/{other.id}",
            f"/projets/{slug}",
            f"/projets/{slug}/propositions",
            f"/projets/{slug}/propositions?tri=soutiens",
            f"/projets/{slug}/synthese",
            f"/projets/{slug}/synthese/v{version_number}",
            f"/projets/{slug}/synthese/v{version_number}/annexe",
            f"/projets/{slug}/synthese/v{version_number}/reponses",
        ],
        "moderator": [
            "/moderation",
            "/moderation?statut=tous",
            f"/moderation/comment/{scene['comment'].id}",
            f"/moderation/comment/{scene['yann_comment'].id}",
            "/moderation/comptes",
            f"/moderation/comptes/{scene['gwen'].id}",
            f"/moderation/user/{scene['gwen'].id}",
            "/moderation/journal",
            "/moderation/journal.csv",
            f"/projets/{slug}/synthese/brouillon",
        ],
        "admin": ["/admin/utilisateurs", f"/admin/utilisateurs/{scene['gwen'].id}/roles"],
    }


def test_the_deleted_name_shows_nowhere(app, scene, as_role, monkeypatch):
    """After deletion no page (public, moderation, admin, PDF) shows her name or email; the
    pages that named her say "Participant·e supprimé·e"."""
    printed: list[str] = []

    def write_pdf(html: str) -> bytes:
        printed.append(html)
        return b"%PDF-1.7"

    monkeypatch.setattr(render, "write_pdf", write_pdf)
    moderation.report(scene["yann"], "user", scene["gwen"], "other", "Pseudonyme trompeur.")
    syntheses.publish(scene["project"], scene["moderator"], "Une synthèse.", "")
    db.session.commit()
    from consultation.core import jobs

    jobs.dispatch_committed()
    clients = {"public": app.test_client(), "moderator": as_role("moderator"),
               "admin": as_role("admin")}
    pages = pages_showing_names(scene, 2)
    # Before: these pages do name her (so the check below is not vacuous).
    for who, url in (("public", pages["public"][0]), ("moderator", pages["moderator"][2]),
                     ("moderator", pages["moderator"][4]), ("admin", pages["admin"][0])):
        assert NAME in text_of(clients[who].get(url)), url
    delete(gwen_client(app, scene))
    syntheses.publish(scene["project"], scene["moderator"], "Une synthèse revue.", "Revue.")
    db.session.commit()
    jobs.dispatch_committed()
    assert printed, "the PDFs were laid out"

    for who, urls in pages.items():
        for url in urls:
            response = clients[who].get(url)
            assert response.status_code == 200, (who, url)
            page = text_of(response)
            assert NAME not in page and EMAIL not in page, (who, url)
    for html in printed:
        assert NAME not in html and EMAIL not in html

    def shows_deleted(client, url: str) -> bool:
        return DELETED in text_of(client.get(url))

    public = clients["public"]
    assert shows_deleted(public, f"/propositions/{scene['proposal'].id}")  # author and reply
    assert shows_deleted(public, f"/propositions/{scene['other'].id}")  # her comment
    assert shows_deleted(public, f"/projets/{scene['project'].slug}")  # the project's debate
    assert shows_deleted(public, f"/projets/{scene['project'].slug}/propositions")
    moderator = clients["moderator"]
    assert shows_deleted(moderator, f"/moderation/comment/{scene['comment'].id}")
    assert shows_deleted(moderator, f"/moderation/comment/{scene['yann_comment'].id}")
    assert shows_deleted(moderator, f"/moderation/user/{scene['gwen'].id}")
    assert shows_deleted(moderator, "/moderation/comptes")
    assert shows_deleted(moderator, "/moderation/journal")  # the deletion, by its holder
    assert shows_deleted(clients["admin"], "/admin/utilisateurs")


def test_a_deleted_account_is_neither_blocked_nor_given_roles(app, scene, as_role):
    """Nothing is left to block or to give a role to: both are refused in French."""
    delete(gwen_client(app, scene))
    gwen_id = scene["gwen"].id
    response = as_role("moderator").post(f"/moderation/comptes/{gwen_id}/bloquer",
                                         data={"duration": "7", "reason": "Test."})
    assert response.status_code == 403
    assert "Ce compte a été supprimé par son·sa titulaire." in text_of(response)
    response = as_role("admin").post(f"/admin/utilisateurs/{gwen_id}/roles",
                                     data={"citizen": "y", "moderator": "y"})
    assert response.status_code == 200
    assert "Ce compte est supprimé\u00a0: il n'a plus de rôle." in text_of(response)
    assert fresh(User, gwen_id).roles == set()


def test_a_blocked_account_may_delete_itself(app, scene):
    """Erasure is a right even while blocked; the block ends with the account."""
    moderation.block_user(scene["moderator"], scene["gwen"], "Insultes.", 30)
    db.session.commit()
    assert delete(gwen_client(app, scene)).status_code == 302
    gwen = fresh(User, scene["gwen"].id)
    assert gwen.is_deleted and gwen.blocked_at is None and gwen.blocked_reason is None
    # The journal keeps the block, as the law asks: its label names the account as it was.
    block = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.block")).one()
    assert block.target_id == gwen.id and block.reason == "Insultes."


def test_the_commune_goes_when_no_figure_needs_it(app):
    """Someone who never took part has their commune erased with the rest."""
    user = factories.user(email="passant@exemple.fr", password=PASSWORD,
                          commune=factories.territory("Bohars"))
    db.session.commit()
    client = login(app.test_client(), user)
    assert delete(client).status_code == 302
    assert fresh(User, user.id).commune_id is None


def test_staff_may_delete_their_account_and_lose_their_roles(app, scene):
    """A moderator (and an admin, while another admin remains) deletes their account; their
    roles go, their past acts stay in the journal."""
    moderator = scene["moderator"]
    moderator.set_password(PASSWORD)
    moderation.hide(moderator, "comment", scene["comment"], "Propos blessants.")
    db.session.commit()
    client = login(app.test_client(), moderator)
    assert delete(client).status_code == 302
    gone = fresh(User, moderator.id)
    assert gone.is_deleted and gone.roles == set()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.actor_id == gone.id)) == 2  # hide, delete
    assert_counters_exact()

    second_admin = factories.user(roles=("admin",), password=PASSWORD)
    db.session.commit()
    assert delete(login(app.test_client(), second_admin)).status_code == 302
    assert fresh(User, second_admin.id).is_deleted


def test_the_last_admin_cannot_delete_their_account(app, scene):
    """The only admin is told to hand the role on first; the page and the action agree."""
    admin = scene["admin"]
    admin.set_password(PASSWORD)
    db.session.commit()
    client = login(app.test_client(), admin)
    message = ("Vous êtes la seule personne administratrice\u00a0: donnez d'abord ce rôle à "
               "quelqu'un d'autre.")
    profile = text_of(client.get("/compte/profil"))
    assert message in profile and "/compte/supprimer" not in profile
    for response in (client.get("/compte/supprimer"), delete(client)):
        assert response.status_code == 403 and message in text_of(response)
    assert not fresh(User, admin.id).is_deleted


def test_deletion_needs_an_account(client):
    """A visitor is sent to the login page."""
    response = delete(client)
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


# --- the privacy page -------------------------------------------------------------------------

def test_privacy_page(client):
    """A proper French page: headings for each subject, the rights, the contact."""
    response = client.get("/confidentialite")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check_page("/confidentialite", html)
    page = text_of(response)
    for heading in ("Ce que nous gardons", "Pourquoi\u00a0: les bases légales", "Combien de temps",
                    "Qui voit quoi", "Rien n'est envoyé ailleurs",
                    "Vos droits et comment les exercer", "Contact"):
        assert f">{heading}</h2>" in page, heading
    for said in ("mission d'intérêt public", "consentement", "Personne, publiquement, ne voit "
                 "qui a soutenu quoi", "pas de pisteur", "Télécharger mes données",
                 "Supprimer mon compte", "journal de modération", "obligation légale"):
        assert said in page, said
    assert 'href="mailto:donnees-personnelles@consultation.brest.example"' in html


def test_privacy_contact_is_a_setting(app, client):
    """PRIVACY_CONTACT names the address shown (from the environment too)."""
    from consultation.config import from_environment

    assert from_environment({"PRIVACY_CONTACT": "dpd@exemple.fr"}) == {
        "PRIVACY_CONTACT": "dpd@exemple.fr"
    }
    app.config["PRIVACY_CONTACT"] = "dpd@exemple.fr"
    assert 'href="mailto:dpd@exemple.fr"' in client.get("/confidentialite").get_data(
        as_text=True
    )


def test_privacy_page_is_linked_from_every_page_and_the_registration_form(client):
    """The footer links it on every page; the registration form says where to read it."""
    for url in ("/", "/projets", "/compte/connexion"):
        assert 'href="/confidentialite"' in client.get(url).get_data(as_text=True), url
    form = client.get("/compte/inscription").get_data(as_text=True)
    assert form.count('href="/confidentialite"') == 2  # the form's own and the footer's


def test_an_edition_keeps_its_figures_after_a_deletion(app, scene, monkeypatch):
    """An edition gathering the synthesis keeps its year's figures when someone leaves."""
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    version = syntheses.publish(scene["project"], scene["moderator"], "Texte.", "")
    edition = rencontres.save(None, scene["admin"], year=2026, title="Rencontres 2026",
                              held_on=date(2026, 12, 4), venue="Brest", programme="",
                              version_ids=[version.id])
    db.session.commit()
    before = rencontres.year_figures(edition)
    delete(gwen_client(app, scene))
    after = rencontres.by_year(2026)
    assert after is not None and rencontres.year_figures(after) == before
