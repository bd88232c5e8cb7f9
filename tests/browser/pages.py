"""Every page of the site, per role, on the demo data: what the accessibility suite opens.

`PAGES[role]` lists the paths a person of that role opens; `{name}` placeholders are filled
from the world (`build_world()`: the demo data plus a few rows of a citizen's own, a
pre-moderated project, a draft project and two PDFs whose build failed). A new page goes in
the list of the roles that see it; `test_every_html_page_is_in_the_suite` fails until it is there.
`ERRORS` are opened by the citizen (a 403 needs someone logged in) and must answer with their
status; `ENGLISH` pages are opened by a visitor who chose English.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.comments.services import add_comment
from consultation.core.documents import Document
from consultation.demo import data
from consultation.demo.cli import load_demo
from consultation.extensions import db
from consultation.followup.models import Commitment
from consultation.mediation.models import AssistedProfile
from consultation.moderation import services as moderation
from consultation.notifications import mailing
from consultation.opinions.models import DebateParticipant
from consultation.projects.models import Project
from consultation.projects.services import ProjectData, create_project, publish_project
from consultation.proposals.models import Proposal
from consultation.proposals.services import create_proposal
from consultation.rencontres.models import Edition
from consultation.syntheses.models import SynthesisVersion
from tests.factories import phases_for

# The demo accounts by role (consultation/demo/data.py).
ROLES = {
    "citizen": "citoyenne@demo.brest.fr",
    "mediator": "mediation@demo.brest.fr",
    "moderator": "moderation@demo.brest.fr",
    "admin": "admin@demo.brest.fr",
    "elected": "elu@demo.brest.fr",
    # The mediator acting for an assisted participant (the banner on every page).
    "acting": "mediation@demo.brest.fr",
    # Registered (build_world) and not confirmed yet: the notice on every page, the refusals.
    "unconfirmed": "nouvelle.inscrite@demo.brest.fr",
}

PAGES: dict[str, list[str]] = {
    "visitor": [
        "/",
        "/projets",
        "/projets?etat=ouverts&territoire={brest}",
        "/projets/{consultation}",
        "/projets/{information}",
        "/projets/{synthesis}",
        "/projets/{follow_up}",
        "/projets/{consultation}/propositions",
        "/projets/{follow_up}/propositions?tri=soutiens&reponse=accepted",
        "/propositions/{debated}",
        "/propositions/{answered}",
        "/propositions/{merged}",
        "/propositions/{hidden}",
        "/propositions/{withdrawn}",
        "/projets/{follow_up}/synthese",
        "/projets/{follow_up}/synthese/v1",
        "/projets/{follow_up}/synthese/v2/annexe",
        "/projets/{follow_up}/synthese/v2/reponses",
        "/projets/{follow_up}/synthese/v1/pdf",
        "/projets/{information}/synthese",
        "/projets/{follow_up}/suivi",
        "/suivi",
        "/suivi?statut=abandonne&territoire={brest}",
        "/recherche",
        "/recherche?q=v%C3%A9lo",
        "/recherche?q=introuvablissime&type=comment",
        "/projets/{consultation}/propositions?q=v%C3%A9lo",
        "/projets/{consultation}/debat",
        "/projets/{consultation}/debat/carte",
        "/rencontres",
        "/rencontres/{year}",
        "/rencontres/{year}/dossier",
        "/compte/inscription",
        "/compte/connexion",
        "/compte/mot-de-passe-oublie",
        "/compte/reinitialiser/{reset_token}",
        "/compte/confirmer/{confirm_token}",
        "/desabonnement/{unsubscribe_token}",
        "/compte/reclamer",
        "/confidentialite",
        "/accessibilite",
        "/mentions-legales",
        "/contact",
        "/charte",
        "/plan-du-site",
        "/api/v1/docs",
        "/donnees",
        # Last: from here on this browser is a town-hall terminal (large pages, idle end).
        "/borne",
        "/projets/{consultation}",
        "/borne/fin",
    ],
    "citizen": [
        "/",
        "/projets/{consultation}",
        "/projets/{consultation}/propositions",
        "/propositions/{debated}",
        "/propositions/{own}",
        "/projets/{consultation}/propositions/nouvelle",
        "/propositions/{own}/modifier",
        "/projets/{consultation}/debat",
        "/projets/{consultation}/debat/carte",
        "/projets/{consultation}/debat/affirmations/nouvelle",
        "/propositions/{own}/retirer",
        "/commentaires/{comment}/repondre",
        "/commentaires/{own_comment}/modifier",
        "/commentaires/{own_comment}/supprimer",
        "/signaler/proposal/{debated}",
        "/signaler/comment/{comment}",
        "/signaler/user/{author}",
        "/projets/{follow_up}/synthese",
        "/rencontres/{year}",
        "/compte",
        "/compte/profil",
        "/compte/notifications",
        "/compte/notifications/reglages",
        "/compte/supprimer",
    ],
    "mediator": [
        "/",
        "/projets/{consultation}",
        "/propositions/{debated}",
        "/compte/profil",
        "/mediation/participants",
        "/mediation/participants?q=a",
        "/mediation/participants/nouveau",
        "/mediation/participants/{assisted}",
        "/mediation/ateliers/nouveau",
        "/mediation/debats",
        "/mediation/debats/{consultation}/fiche",
        "/mediation/debats/{consultation}/fiches/{sheet}",
        "/borne/quitter",
    ],
    "moderator": [
        "/moderation",
        "/moderation?etat=upheld&type=proposal",
        "/moderation/proposal/{reported}",
        "/moderation/comment/{held}",
        "/moderation/user/{reported_user}",
        "/moderation/attente",
        "/moderation/debats/{consultation}",
        "/moderation/comptes",
        "/moderation/comptes/{blocked}",
        "/moderation/fusion/{debated}",
        "/moderation/journal",
        "/projets/{synthesis}/synthese/brouillon",
        "/projets/{follow_up}/synthese",
        "/projets/{follow_up}/synthese/v1/pdf",
        "/propositions/{hidden}",
        "/propositions/{pending}",
        "/projets/{consultation}",
    ],
    "admin": [
        "/admin/utilisateurs",
        "/admin/utilisateurs?q=demo",
        "/admin/utilisateurs/{citizen_id}/roles",
        "/admin/projets/nouveau",
        "/admin/projets/{consultation}/modifier",
        "/admin/projets/{consultation}/debat",
        "/projets/{draft}",
        "/admin/projets/{draft}/publier",
        "/propositions/{debated}/reponse",
        "/projets/{consultation}",
        "/rencontres",
        "/rencontres/nouvelle",
        "/rencontres/{year}/modifier",
        "/rencontres/{year}/dossier",
        "/moderation/journal",
        "/admin/territoires",
        "/projets/{follow_up}/suivi",
        "/admin/projets/{follow_up}/suivi/nouveau",
        "/admin/suivi/{commitment}/modifier",
        "/admin/suivi/{commitment}/point",
    ],
    "acting": [
        "/",
        "/projets/{consultation}",
        "/propositions/{debated}",
        "/projets/{consultation}/propositions/nouvelle",
        "/projets/{consultation}/debat",
    ],
    "unconfirmed": [
        "/",
        "/projets/{consultation}",
        "/projets/{consultation}/propositions",
        "/projets/{consultation}/debat",
        "/propositions/{debated}",
        "/compte/profil",
    ],
    "elected": [
        "/",
        "/projets/{follow_up}/synthese",
        "/rencontres",
        "/rencontres/{year}",
        "/compte/profil",
        "/compte/notifications",
        "/elus",
        "/suivi",
    ],
}

# Pages read in English (the session's language set to "en"), as a visitor.
ENGLISH = ["/", "/projets/{consultation}", "/propositions/{debated}", "/compte/inscription",
           "/charte", "/projets/{consultation}/debat", "/projets/{consultation}/debat/carte",
           "/recherche?q=v%C3%A9lo", "/donnees"]

# Error pages, by the status they answer with.
ERRORS: dict[str, int] = {
    "/nulle-part": 404,
    "/propositions/999999": 404,
    "/admin/utilisateurs": 403,
    "/compte/deconnexion": 405,
    "/compte/reinitialiser/pas-un-jeton": 400,
    "/compte/confirmer/pas-un-jeton": 400,
}

# GET endpoints that answer with something else than a page.
NOT_HTML = {
    "static": "files",
    "main.favicon": "the mark (SVG)",
    "main.healthz": "JSON",
    "api.comment": "JSON",
    "api.comments": "JSON",
    "api.commitment": "JSON",
    "api.commitments": "JSON",
    "api.debate": "JSON",
    "api.project": "JSON",
    "api.projects": "JSON",
    "api.proposal": "JSON",
    "api.proposals": "JSON",
    "api.syntheses": "JSON",
    "api.synthesis": "JSON",
    "api.territories": "JSON",
    "api.territory": "JSON",
    "api_docs.openapi": "JSON",
    "moderation.journal_csv": "CSV",
    "syntheses.draft_pdf": "PDF",
    "accounts.export_data": "zip",
    "opendata.archive": "zip",
    "opendata.data_file": "CSV and JSON",
    "comments.show": "a redirect to the comment's page of its thread",
}


def fill(path: str, world: dict[str, Any]) -> str:
    """A path of PAGES with its placeholders replaced."""
    return path.format(**world)


def build_world() -> dict[str, Any]:
    """Load the demo and add what it lacks for some pages; the values of the placeholders.

    Flushes, never commits. PDF builds are left to the caller (dispatch after the commit).
    """
    load_demo()
    unconfirmed = accounts.register(ROLES["unconfirmed"], "Nouvelle inscrite", data.PASSWORD)
    users = {role: _user(email) for role, email in ROLES.items()}
    projects = {phase.kind: p for p in db.session.scalars(select(Project))
                if (phase := p.current_phase()) is not None}
    wifi = _project(data.WIFI["title"])
    open_data = _project(data.OPEN_DATA)  # the title
    citizen = users["citizen"]

    own = create_proposal(citizen, wifi, "Des bornes Wi-Fi dans les abris de bus",
                          "Une proposition encore **modifiable** : personne ne l'a commentée.",
                          None)
    debated = db.session.scalars(
        select(Proposal).where(Proposal.project_id == wifi.id, Proposal.status == "published",
                               Proposal.moderation == "visible")
        .order_by(Proposal.comments_count.desc(), Proposal.id)
    ).first()
    assert debated is not None
    comment = db.session.scalars(
        select(Comment).where(Comment.proposal_id == debated.id, Comment.depth == 0,
                              Comment.author_id != citizen.id).order_by(Comment.id)
    ).first()
    assert comment is not None
    own_comment = add_comment(citizen, wifi, "neutre", "Mon avis, que je peux encore modifier.",
                              proposal=debated)
    spammer = _user("rade@demo.brest.fr") if _has_user("rade@demo.brest.fr") else None
    blocked = spammer or next(u for u in db.session.scalars(select(User)) if u.is_blocked)
    author = debated.author
    moderation.report(_user("yann.kerbrat@demo.brest.fr"), "user", author, "other",
                      "Ce nom ressemble à celui d'une autre personne.")

    premoderated = create_project(users["admin"], ProjectData(
        title="Un projet en modération a priori",
        summary="Les contributions y sont publiées après validation.",
        premoderation=True, phases=phases_for("consultation"),
    ))
    publish_project(users["admin"], premoderated)
    # A project still being prepared: its draft page and the admin's publication step.
    draft = create_project(users["admin"], ProjectData(
        title="Un projet en préparation", summary="Il sera publié quand il sera prêt.",
        phases=phases_for("information"),
    ))
    pending = create_proposal(_user("nolwenn.lebris@demo.brest.fr"), premoderated,
                              "Une proposition en attente de validation",
                              "Elle attend la modération.", None)

    db.session.flush()
    return {
        "brest": _territory_id("Brest"),
        "consultation": wifi.slug,
        "information": projects["information"].slug,
        "synthesis": projects["synthesis"].slug,
        "draft": draft.slug,
        "follow_up": open_data.slug,
        "year": date.today().year,
        "debated": debated.id,
        "answered": _first(Proposal.project_id == open_data.id,
                           Proposal.answer_status.is_not(None)),
        "merged": _first(Proposal.status == "merged"),
        "hidden": _first(Proposal.moderation == "hidden"),
        "withdrawn": _first(Proposal.status == "withdrawn"),
        "reported": _reported_proposal(),
        "held": db.session.scalar(select(Comment.id).where(Comment.moderation == "held")),
        "reported_user": author.id,
        "blocked": blocked.id,
        "pending": pending.id,
        "own": own.id,
        "comment": comment.id,
        "own_comment": own_comment.id,
        "author": author.id,
        "citizen_id": citizen.id,
        "commitment": db.session.scalar(
            select(Commitment.id).where(Commitment.project_id == open_data.id)
            .order_by(Commitment.id)),
        "reset_token": accounts.reset_token(citizen),
        "sheet": db.session.scalar(
            select(DebateParticipant.id).where(DebateParticipant.source == "paper")
            .order_by(DebateParticipant.id)),
        "confirm_token": accounts.confirmation_token(unconfirmed),
        "unsubscribe_token": mailing.unsubscribe_token(citizen.id),
        "assisted": db.session.scalar(
            select(AssistedProfile.user_id).where(AssistedProfile.consent_reference.is_not(None))
            .order_by(AssistedProfile.user_id)
        ),
    }


def fail_some_documents() -> None:
    """The first synthesis version's PDF and the edition's dossier failed to build: their
    pages show the state (and the retry button to those who may use it). Commits."""
    version = db.session.scalars(select(SynthesisVersion).where(SynthesisVersion.number == 1)
                                 ).one()
    edition = db.session.scalars(select(Edition)).one()
    db.session.execute(
        update(Document)
        .where(Document.id.in_([version.document_id, edition.document_id]))
        .values(state="failed", content=None, size=None,
                error="RuntimeError: exemple de fabrication échouée")
    )
    db.session.commit()


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _has_user(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def _project(title: str) -> Project:
    return db.session.scalars(select(Project).where(Project.title == title)).one()


def _territory_id(name: str) -> int:
    from consultation.reference.models import Territory

    return db.session.execute(select(Territory.id).where(Territory.name == name)).scalar_one()


def _first(*conditions: Any) -> int:
    found = db.session.scalar(select(Proposal.id).where(*conditions).order_by(Proposal.id))
    assert found is not None, conditions
    return found


def _reported_proposal() -> int:
    from consultation.moderation.models import Report

    return db.session.execute(
        select(Report.target_id).where(Report.target_kind == "proposal",
                                       Report.status == "open").order_by(Report.id)
    ).scalar_one()
