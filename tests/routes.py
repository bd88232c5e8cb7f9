"""The catalogue of every endpoint of the app's URL map: how to reach it, and who may.

The tests of tests/security/ walk this catalogue: every POST refuses a missing or wrong CSRF
token, no GET changes the database, every route answers every role as the permission registry
says, and no form or query parameter, however hostile, gives a 500. An endpoint of
`app.url_map` that is missing here fails `tests/security/test_catalogue.py`: a new route needs
its line.

Adding a route is one line in ROUTES (keep the alphabetical order):

    "domain.view": Route("/path/{proposal}/action", "GET POST", "proposals.edit", "proposal",
                         form={"title": "Un titre"}, query=("page",)),

- url: the path; each {placeholder} is a name of World.ids (listed in World's docstring).
- methods: the methods of the route, as declared (HEAD and OPTIONS aside), space-separated.
- rule: the registry rule the view requires (`can(user, rule, target)`), or PUBLIC for a page
  anyone may open, or ACCOUNT for one that only needs to be logged in.
- target: the name of the World object the rule is asked about (None: the rule takes none).
- form: a valid form for the POST, as a browser sends it (the tests add the CSRF token);
  values may hold {placeholders} too.
- query: the query-string parameters the view reads (the hostile-input tests fuzz them).
- changes: False when a valid, allowed POST leaves the database as it was (log in, language).
- csrf: False for the route whose URL secret stands in for the CSRF token, and for the
  language switch (checked only for a logged-in person: tests/security/test_csrf.py).
- ends_account: True when a valid POST deletes the acting account: the walks send it last
  (WALK), so the routes after it are still reached by someone.

`count_checks()` says how many route x role pairs the access-control walk checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import g
from flask_login import AnonymousUserMixin

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.audit import AuditEntry
from consultation.core.models import today
from consultation.core.permissions import can
from consultation.extensions import db
from consultation.followup.models import Commitment
from consultation.mediation.models import AssistedProfile
from consultation.moderation import services as moderation
from consultation.notifications import mailing
from consultation.notifications.models import Notification
from consultation.opinions.models import Debate, DebateParticipant, Statement
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from tests import factories

PUBLIC = "public"
ACCOUNT = "account"
ROLES = ("anonymous", "citizen", "mediator", "moderator", "admin", "elected", "blocked")
TEXT = "Un texte tout à fait correct."
NEW_PASSWORD = "un-nouveau-mot-de-passe"
STAND_IN = b"%PDF-1.7\n% stand-in for a laid-out PDF\n%%EOF\n"


@dataclass(frozen=True)
class Route:
    """How to reach one endpoint and which rule guards it (see the module docstring)."""

    url: str
    methods: str
    rule: str
    target: str | None = None
    form: dict[str, str] = field(default_factory=dict)
    query: tuple[str, ...] = ()
    changes: bool = True
    ends_account: bool = False
    # False only where a secret in the URL stands in for the form's token (RFC 8058's
    # one-click unsubscription, which mail programs POST without a page).
    csrf: bool = True

    @property
    def method_list(self) -> list[str]:
        """The methods, GET first."""
        return sorted(self.methods.split(), key=lambda m: (m != "GET", m))

    @property
    def writes(self) -> list[str]:
        """The methods that may change state (everything but GET)."""
        return [m for m in self.method_list if m != "GET"]


_API_PAGE = ("limit", "cursor", "updated_since")
_PROPOSAL = {"title": "Une proposition de plus", "body": TEXT, "territory": ""}
_COMMENT = {"stance": "pour", "body": TEXT}
_REASON = {"reason": "Un motif clair."}
_EDITION = {"title": "Rencontres", "held_on": "2026-12-04", "venue": "Brest",
            "programme": "- Accueil", "syntheses": "{version_id}"}

ROUTES: dict[str, Route] = {
    # The public API: GETs open to anyone; its errors are French problem documents.
    "api.comment": Route("/api/v1/comments/{their_comment}", "GET", PUBLIC),
    "api.comments": Route("/api/v1/comments", "GET", PUBLIC, query=_API_PAGE + (
        "project", "proposal", "stance")),
    "api.commitment": Route("/api/v1/commitments/{commitment}", "GET", PUBLIC),
    "api.commitments": Route("/api/v1/commitments", "GET", PUBLIC,
                             query=_API_PAGE + ("project", "status")),
    "api.debate": Route("/api/v1/projects/{project}/debate", "GET", PUBLIC),
    "api.project": Route("/api/v1/projects/{project}", "GET", PUBLIC),
    "api.projects": Route("/api/v1/projects", "GET", PUBLIC, query=_API_PAGE + ("territory",)),
    "api.proposal": Route("/api/v1/proposals/{their_proposal}", "GET", PUBLIC),
    "api.proposals": Route("/api/v1/proposals", "GET", PUBLIC, query=_API_PAGE + (
        "project", "territory", "state", "answer")),
    "api.syntheses": Route("/api/v1/syntheses", "GET", PUBLIC, query=_API_PAGE + ("project",)),
    "api.synthesis": Route("/api/v1/syntheses/{version_id}", "GET", PUBLIC),
    "api.territories": Route("/api/v1/territories", "GET", PUBLIC, query=("limit", "cursor")),
    "api.territory": Route("/api/v1/territories/{territory}", "GET", PUBLIC),
    "api_docs.docs": Route("/api/v1/docs", "GET", PUBLIC),
    "api_docs.openapi": Route("/api/v1/openapi.json", "GET", PUBLIC),
    "accounts.change_password": Route(
        "/compte/mot-de-passe", "POST", ACCOUNT,
        form={"mdp-current": factories.PASSWORD, "mdp-password": NEW_PASSWORD,
              "mdp-confirm": NEW_PASSWORD}),
    # Deletes the acting account (a tombstone): walked last, after accounts.change_password
    # gave it its new password.
    # Confirms the address of a person who registered and has not used their link yet.
    "accounts.confirm_email": Route("/compte/confirmer/{confirm_token}", "GET POST", PUBLIC),
    "accounts.delete_account": Route("/compte/supprimer", "GET POST", "accounts.delete", "me",
                                     form={"password": NEW_PASSWORD}, ends_account=True),
    "accounts.export_data": Route("/compte/mes-donnees.zip", "GET", "accounts.export", "me"),
    "accounts.forgot_password": Route(
        "/compte/mot-de-passe-oublie", "GET POST", PUBLIC, form={"email": "{other_email}"},
        changes=False),
    "accounts.login": Route(
        "/compte/connexion", "GET POST", PUBLIC,
        form={"email": "{other_email}", "password": factories.PASSWORD}, query=("next",),
        changes=False),
    "accounts.logout": Route("/compte/deconnexion", "POST", PUBLIC, changes=False),
    "accounts.profile": Route(
        "/compte/profil", "GET POST", "accounts.edit_profile", "me",
        form={"profil-display_name": "Un autre nom", "profil-commune": "",
              "profil-locale": "fr"}),
    # Logged-in people are sent home; a visitor's valid registration creates an account.
    "accounts.register": Route(
        "/compte/inscription", "GET POST", PUBLIC,
        form={"email": "nouvelle@exemple.fr", "display_name": "Nouvelle personne",
              "commune": "", "password": factories.PASSWORD, "confirm": factories.PASSWORD,
              "charter": "y"},
        query=("next",), changes=False),
    # Sends a mail (a job after the commit); the database stays as it was. The walk's people
    # are confirmed already: they are sent back with a message.
    "accounts.resend_confirmation": Route("/compte/confirmation/renvoyer", "POST", ACCOUNT,
                                          form={"next": "/projets"}, changes=False),
    "accounts.reset_password": Route(
        "/compte/reinitialiser/{reset_token}", "GET POST", PUBLIC,
        form={"password": "un-nouveau-mot-de-passe", "confirm": "un-nouveau-mot-de-passe"}),
    "accounts.space": Route("/compte", "GET", "accounts.space", "me"),
    "accounts.user_roles": Route(
        "/admin/utilisateurs/{target_user}/roles", "GET POST", "users.manage",
        form={"citizen": "y", "mediator": "y"}),
    "accounts.users": Route("/admin/utilisateurs", "GET", "users.manage", query=("q", "page")),
    "comments.delete": Route("/commentaires/{deletable}/supprimer", "GET POST",
                             "comments.delete", "deletable"),
    "comments.edit": Route("/commentaires/{comment}/modifier", "GET POST", "comments.edit",
                           "comment", form={"stance": "contre", "body": "Un avis changé."}),
    "comments.on_project": Route("/projets/{slug}/commentaires", "POST", "comments.create",
                                 "project", form=_COMMENT),
    "comments.on_proposal": Route("/propositions/{their_proposal}/commentaires", "POST",
                                  "comments.create", "their_proposal", form=_COMMENT),
    "comments.show": Route("/commentaires/{comment}", "GET", PUBLIC),
    "comments.reply": Route("/commentaires/{their_comment}/repondre", "GET POST",
                            "comments.reply", "their_comment", form=_COMMENT),
    "elected.mark_seen": Route("/elus/vu", "POST", "elected.read"),
    "elected.space": Route("/elus", "GET", "elected.read"),
    "followup.create": Route("/admin/projets/{slug}/suivi/nouveau", "GET POST",
                             "followup.manage", "project",
                             form={"title": "Un engagement de plus", "description": TEXT,
                                   "service": "Voirie", "starts_on": "2027-01-01",
                                   "ends_on": "", "proposals": "{their_proposal}",
                                   "status": "prevu", "progress": "0", "reason": ""}),
    "followup.edit": Route("/admin/suivi/{commitment}/modifier", "GET POST", "followup.manage",
                           "project", form={"title": "Un engagement renommé", "description": "",
                                            "service": "", "starts_on": "", "ends_on": "",
                                            "proposals": "{their_proposal}"}),
    "followup.index": Route("/suivi", "GET", PUBLIC,
                            query=("statut", "orientation", "territoire", "page")),
    "followup.project": Route("/projets/{slug}/suivi", "GET", PUBLIC),
    "followup.update": Route("/admin/suivi/{commitment}/point", "GET POST", "followup.manage",
                             "project", form={"text": TEXT, "status": "en_cours",
                                              "progress": "50", "reason": ""}),
    "main.accessibility": Route("/accessibilite", "GET", PUBLIC),
    "main.charter": Route("/charte", "GET", PUBLIC),
    "main.contact": Route("/contact", "GET", PUBLIC),
    # The mark, for programs that ask for /favicon.ico without reading the page (an SVG).
    "main.favicon": Route("/favicon.ico", "GET", PUBLIC),
    "main.healthz": Route("/healthz", "GET", PUBLIC),
    "main.home": Route("/", "GET", PUBLIC),
    # Logs out and empties the session (a cookie, not the database).
    "main.kiosk_end": Route("/borne/terminer", "POST", PUBLIC, changes=False),
    # A GET that logs out, on a terminal only: where an idle page's meta refresh leads (a
    # refresh cannot POST); it ends the session cookie, not a row.
    "main.kiosk_idle": Route("/borne/fin", "GET", PUBLIC),
    # A GET that logs out: a link typed on the terminal by who looks after it; cookies only.
    "main.kiosk_quit": Route("/borne/quitter", "GET", "kiosk.quit"),
    # A GET that logs out: the address a terminal is set up with; cookies only.
    "main.kiosk_start": Route("/borne", "GET", PUBLIC),
    "main.language": Route("/langue", "POST", PUBLIC, form={"lang": "fr", "next": "/projets"},
                           changes=False, csrf=False),
    "main.legal": Route("/mentions-legales", "GET", PUBLIC),
    "main.privacy": Route("/confidentialite", "GET", PUBLIC),
    "main.sitemap": Route("/plan-du-site", "GET", PUBLIC),
    # Logged-in people are sent home; a visitor's valid code takes the account over.
    "mediation.claim": Route(
        "/compte/reclamer", "GET POST", PUBLIC,
        form={"code": "{claim_code}", "email": "reclame@exemple.fr", "display_name": "",
              "password": factories.PASSWORD, "confirm": factories.PASSWORD, "charter": "y"},
        changes=False),
    "mediation.claim_code": Route("/mediation/participants/{participant}/code", "POST",
                                  "mediation.claim_code", "participant"),
    # Acting lives in the session cookie; without an acting session (each request of the walk
    # comes from a fresh browser), a mediator is sent back to the participants.
    "mediation.extend": Route("/mediation/agir/prolonger", "POST", "mediation.register",
                              form={"next": "/projets"}, changes=False),
    "mediation.participant": Route("/mediation/participants/{participant}", "GET",
                                   "mediation.register"),
    "mediation.participants": Route("/mediation/participants", "GET", "mediation.register",
                                    query=("q", "tous", "page")),
    "mediation.register": Route(
        "/mediation/participants/nouveau", "GET POST", "mediation.register",
        form={"display_name": "Marcel Quéré", "commune": "", "age_bracket": "60_74",
              "consent": "y", "consent_reference": "Formulaire n° 2026-015",
              "consented_on": "2026-11-30", "charter": "y"}),
    # Acting lives in the session cookie, not the database.
    "mediation.start": Route("/mediation/participants/{participant}/agir", "POST",
                             "mediation.act", "participant", changes=False),
    "mediation.stop": Route("/mediation/agir/arreter", "POST", "mediation.register",
                            changes=False),
    "mediation.workshop": Route(
        "/mediation/ateliers/nouveau", "GET POST", "mediation.workshop",
        form={"place": "Médiathèque de Bellevue", "held_on": "2026-11-30",
              "rows-0-kind": "proposition", "rows-0-project": "{project}",
              "rows-0-proposal": "", "rows-0-title": "Un écrivain public",
              "rows-0-body": TEXT, "rows-0-stance": "", "rows-0-author": "{participant}",
              "rows-1-kind": "commentaire", "rows-1-project": "{project}",
              "rows-1-proposal": "{their_proposal}", "rows-1-title": "", "rows-1-body": TEXT,
              "rows-1-stance": "pour", "rows-1-author": "anonyme"}),
    "moderation.account": Route("/moderation/comptes/{target_user}", "GET", "users.block"),
    "moderation.accounts": Route("/moderation/comptes", "GET", "users.block",
                                 query=("q", "page")),
    "moderation.block": Route("/moderation/comptes/{target_user}/bloquer", "POST",
                              "users.block", "target_user",
                              form={"duration": "7", "reason": "Un motif clair."}),
    "moderation.decide": Route("/moderation/proposal/{to_hide}/masquer", "POST",
                               "moderation.decide", form=_REASON),
    "moderation.item": Route("/moderation/proposal/{reported}", "GET", "moderation.decide"),
    "moderation.journal": Route("/moderation/journal", "GET", "audit.read",
                                query=("action", "actor", "since", "until", "page")),
    "moderation.journal_csv": Route("/moderation/journal.csv", "GET", "audit.read",
                                    query=("action", "actor", "since", "until")),
    "moderation.merge": Route("/moderation/fusion/{duplicate}", "GET POST",
                              "moderation.decide",
                              form={"target": "{their_proposal}", **_REASON},
                              query=("q", "target")),
    "moderation.pending": Route("/moderation/attente", "GET", "moderation.decide"),
    "moderation.queue": Route("/moderation", "GET", "moderation.decide",
                              query=("etat", "type", "motif", "projet", "page")),
    "moderation.report": Route("/signaler/proposal/{reported}", "GET POST", "reports.create",
                               "reported", form={"reason": "spam", "details": ""}),
    "moderation.unblock": Route("/moderation/comptes/{blocked_user}/debloquer", "POST",
                                "users.block", "blocked_user", form=_REASON),
    "moderation.unmerge": Route("/moderation/journal/{merge_entry}/annuler-fusion", "POST",
                                "moderation.decide", form=_REASON),
    # The debate by statements of the project in consultation.
    "opinions.add_statement": Route("/projets/{slug}/debat/affirmations/nouvelle", "GET POST",
                                    "opinions.add_statement", "debate",
                                    form={"text": "Une affirmation de plus."}),
    "opinions.answer": Route("/projets/{slug}/debat/reponse", "POST", "opinions.answer",
                             "debate", form={"statement_id": "{statement}", "value": "1"}),
    "opinions.debate": Route("/projets/{slug}/debat", "GET", PUBLIC),
    "opinions.decide": Route("/moderation/affirmations/{pending_statement}/approuver", "POST",
                             "opinions.moderate", form={"reason": ""}),
    "opinions.edit_sheet": Route(
        "/mediation/debats/{slug}/fiches/{sheet}", "GET POST", "opinions.record_sheet",
        "debate", form={"label": "Atelier de Guipavas, fiche 1",
                        "affirmation_{statement}": "-1"}),
    "opinions.manage": Route("/admin/projets/{slug}/debat", "GET POST", "opinions.manage",
                             "project", form={"enabled": "y", "question": "Une question ?",
                                              "premoderation": "y",
                                              "seeds": "Une affirmation de départ de plus."}),
    "opinions.moderation": Route("/moderation/debats/{slug}", "GET", "opinions.moderate"),
    "opinions.sheet": Route("/mediation/debats/{slug}/fiche", "GET POST",
                            "opinions.record_sheet", "debate",
                            form={"label": "Atelier de Guipavas, fiche 2",
                                  "affirmation_{statement}": "1"}),
    "opinions.sheet_debates": Route("/mediation/debats", "GET", "opinions.record_sheet"),
    # The project in information: the walk's comments made `me` follow the other one.
    "notifications.follow_project": Route("/projets/{other_slug}/suivre", "POST",
                                          "notifications.follow", "other_project"),
    "notifications.follow_proposal": Route("/propositions/{reported}/suivre", "POST",
                                           "notifications.follow", "reported"),
    "notifications.index": Route("/compte/notifications", "GET", ACCOUNT, query=("page",)),
    # Walked before read_all: each marks one of the acting user's two unread notifications.
    "notifications.read": Route("/compte/notifications/{notification}/lu", "POST",
                                "notifications.read", "notification", form={"next": "/"}),
    "notifications.read_all": Route("/compte/notifications/tout-lu", "POST", ACCOUNT),
    "notifications.unfollow_project": Route("/projets/{other_slug}/ne-plus-suivre", "POST",
                                            "notifications.follow", "other_project"),
    "notifications.unfollow_proposal": Route("/propositions/{reported}/ne-plus-suivre", "POST",
                                             "notifications.follow", "reported"),
    "notifications.settings": Route(
        "/compte/notifications/reglages", "GET POST", "notifications.settings", "me",
        form={"email_frequency": "weekly"}),
    "notifications.unsubscribe": Route("/desabonnement/{unsubscribe_token}", "GET POST", PUBLIC),
    # Walked after notifications.unsubscribe, which already took target_user off the mail.
    "notifications.unsubscribe_one_click": Route(
        "/desabonnement/{unsubscribe_token}/un-clic", "POST", PUBLIC,
        form={"List-Unsubscribe": "One-Click"}, csrf=False, changes=False),
    # Served from the stored zip, built by the World's publications (a 503 before the first).
    "opendata.archive": Route("/donnees/donnees.zip", "GET", PUBLIC),
    "opendata.data_file": Route("/donnees/propositions.csv", "GET", PUBLIC),
    "opendata.index": Route("/donnees", "GET", PUBLIC),
    "opinions.map_page": Route("/projets/{slug}/debat/carte", "GET", PUBLIC),
    "opinions.recompute": Route("/projets/{slug}/debat/carte/recalculer", "POST",
                                "opinions.recompute", "debate"),
    "projects.create": Route("/admin/projets/nouveau", "GET POST", "projects.create",
                             form={"title": "Un nouveau projet", "summary": "Son résumé."}),
    "projects.edit": Route("/admin/projets/{other_slug}/modifier", "GET POST", "projects.edit",
                           "other_project",
                           form={"title": "Un projet renommé", "summary": "Son résumé."}),
    "projects.publish": Route("/admin/projets/{draft_slug}/publier", "GET POST",
                              "projects.publish", "draft_project", form={"confirm": "y"}),
    "projects.index": Route("/projets", "GET", PUBLIC,
                            query=("orientation", "territoire", "etat", "page")),
    "projects.show": Route("/projets/{slug}", "GET", PUBLIC, query=("page",)),
    "proposals.answer": Route("/propositions/{their_proposal}/reponse", "GET POST",
                              "proposals.answer", "their_proposal",
                              form={"status": "under_study", "body": TEXT}),
    "proposals.create": Route("/projets/{slug}/propositions/nouvelle", "GET POST",
                              "proposals.create", "project",
                              form={**_PROPOSAL, "confirmed": "y"}),
    "proposals.edit": Route("/propositions/{proposal}/modifier", "GET POST", "proposals.edit",
                            "proposal", form={**_PROPOSAL, "title": "Un titre changé"}),
    "proposals.index": Route("/projets/{slug}/propositions", "GET", PUBLIC,
                             query=("tri", "graine", "territoire", "reponse", "apres", "rang",
                                    "q")),
    "proposals.show": Route("/propositions/{their_proposal}", "GET", PUBLIC, query=("page",)),
    "proposals.withdraw": Route("/propositions/{withdrawable}/retirer", "GET POST",
                                "proposals.withdraw", "withdrawable"),
    "search.index": Route("/recherche", "GET", PUBLIC,
                          query=("q", "type", "projet", "territoire", "phase", "apres", "rang")),
    "reference.territories": Route("/admin/territoires", "GET POST", "territories.manage",
                                   form={"population_{territory}": "140000"}),
    "rencontres.create": Route("/rencontres/nouvelle", "GET POST", "rencontres.manage",
                               form={**_EDITION, "year": "2031"}),
    "rencontres.dossier": Route("/rencontres/{year}/dossier", "GET", PUBLIC),
    "rencontres.edit": Route("/rencontres/{year}/modifier", "GET POST", "rencontres.manage",
                             form={**_EDITION, "year": "{year}", "title": "Rencontres, titre"}),
    "rencontres.index": Route("/rencontres", "GET", PUBLIC),
    "rencontres.publish": Route("/rencontres/{year}/publier", "POST", "rencontres.manage",
                                "edition"),
    # Only a failed build is built again: the world's dossier is ready.
    "rencontres.retry_dossier": Route("/rencontres/{year}/dossier/relancer", "POST",
                                      "rencontres.manage", "edition", changes=False),
    "rencontres.show": Route("/rencontres/{year}", "GET", PUBLIC),
    "rencontres.subscription": Route("/rencontres/abonnement", "POST", "rencontres.subscribe"),
    "static": Route("/static/style.css", "GET", PUBLIC, query=("v",)),
    "syntheses.annex": Route("/projets/{slug}/synthese/v1/annexe", "GET", PUBLIC,
                             query=("page",)),
    "syntheses.answers": Route("/projets/{slug}/synthese/v1/reponses", "GET", PUBLIC,
                               query=("page",)),
    "syntheses.draft": Route("/projets/{slug}/synthese/brouillon", "GET POST",
                             "syntheses.write", "project",
                             form={"narrative": TEXT, "change_note": "",
                                   "save": "Enregistrer le brouillon"}),
    "syntheses.draft_pdf": Route("/projets/{slug}/synthese/brouillon/apercu.pdf", "GET",
                                 "syntheses.write", "project"),
    "syntheses.pdf": Route("/projets/{slug}/synthese/v1/pdf", "GET", PUBLIC),
    # Only a failed build is built again: the world's PDF is ready.
    "syntheses.retry_pdf": Route("/projets/{slug}/synthese/v1/pdf/relancer", "POST",
                                 "syntheses.write", "project", changes=False),
    "syntheses.show": Route("/projets/{slug}/synthese", "GET", PUBLIC),
    "syntheses.show_version": Route("/projets/{slug}/synthese/v1", "GET", PUBLIC),
    "syntheses.subscription": Route("/projets/{slug}/synthese/abonnement", "POST",
                                    "syntheses.subscribe", "project"),
    "votes.support": Route("/propositions/{their_proposal}/soutenir", "POST", "votes.support",
                           "their_proposal"),
    "votes.withdraw": Route("/propositions/{supported}/retirer-soutien", "POST",
                            "votes.withdraw", "supported"),
}


# The order of the stateful walks: the catalogue's, with the routes that delete the acting
# account last.
WALK: list[str] = sorted(ROUTES, key=lambda endpoint: ROUTES[endpoint].ends_account)


def count_checks() -> dict[str, int]:
    """How many checks the access-control walk makes: endpoints, roles, route x role pairs,
    and requests (one per method of each route, for each role)."""
    methods = sum(len(route.method_list) for route in ROUTES.values())
    return {
        "endpoints": len(ROUTES),
        "roles": len(ROLES),
        "route_role_pairs": len(ROUTES) * len(ROLES),
        "requests": methods * len(ROLES),
    }


# --- The world the URLs are built from ------------------------------------------------------

ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    "citizen": (),
    "mediator": ("mediator",),
    "moderator": ("moderator",),
    "admin": ("admin",),
    "elected": ("elected",),
    "blocked": (),
    # Holds every role: it passes every rule, so the forms themselves are reached.
    "everything": ("mediator", "moderator", "admin", "elected"),
}

# The World object each id placeholder loads, for can() and for checks after a request.
MODELS: dict[str, type[Any]] = {
    "me": User, "other": User, "target_user": User, "blocked_user": User,
    "proposal": Proposal, "withdrawable": Proposal, "their_proposal": Proposal,
    "reported": Proposal, "to_hide": Proposal, "duplicate": Proposal, "supported": Proposal,
    "comment": Comment, "deletable": Comment, "their_comment": Comment,
    "project": Project, "other_project": Project, "draft_project": Project,
    "merge_entry": AuditEntry,
    "participant": AssistedProfile, "commitment": Commitment, "notification": Notification,
    "debate": Debate, "statement": Statement, "pending_statement": Statement,
    "sheet": DebateParticipant,
}


class World:
    """Factory data for every route, seen by one acting role.

    `me` is the acting user (None for "anonymous"); "my" content is written by `me`, or by
    `other` when nobody is logged in. Placeholders of World.ids:
    slug / other_slug (a project in consultation, with a published synthesis v1 and its ready
    PDF / a project in information), draft_slug and draft_project (a project not published
    yet), proposal (mine, editable), withdrawable (mine),
    their_proposal (other's, commented by both), reported, to_hide and duplicate (other's),
    supported (other's, supported by me), comment (mine), deletable (mine), their_comment
    (other's), target_user (a citizen to block or give roles), blocked_user, merge_entry (a merge
    in the journal), year (a published edition with its ready dossier), version_id,
    reset_token (a valid link for target_user), confirm_token (a valid confirmation link of
    a person who registered and has not confirmed yet), other_email, participant (an assisted
    participant with a recorded consent, registered by another mediator), claim_code (a valid
    one-time code of another participant), territory (Brest), commitment (a commitment of the
    project, answering their_proposal), notification (one of the two unread notifications of
    `me`, or of `other` for a visitor), debate (the project's debate by statements),
    statement (its published statement), pending_statement (one waiting for a moderator),
    sheet (a paper sheet entered by a mediator).
    one-time code of another participant), territory (Brest), unsubscribe_token (the
    secret of target_user's unsubscribe link).
    """

    def __init__(self, role: str, monkeypatch: Any = None) -> None:
        from consultation.followup import services as followup
        from consultation.mediation import services as mediation
        from consultation.opendata import services as opendata
        from consultation.opinions import services as opinions
        from consultation.rencontres import services as rencontres
        from consultation.syntheses import render
        from consultation.syntheses import services as syntheses

        if monkeypatch is not None:  # PDFs are laid out elsewhere (tests/syntheses)
            monkeypatch.setattr(render, "write_pdf", lambda html: STAND_IN)
        self.role = role
        staff = factories.user(roles=("moderator", "admin"))
        other = factories.user()
        me = None if role == "anonymous" else factories.user(roles=ROLE_GRANTS[role])
        author = me or other
        project = factories.project("consultation", actor=staff)
        other_project = factories.project("information", actor=staff)
        draft_project = factories.project("consultation", actor=staff, published=False)
        proposal = factories.proposal(project, author=author)
        withdrawable = factories.proposal(project, author=author)
        theirs = factories.proposal(project, author=other)
        reported = factories.proposal(project, author=other)
        to_hide = factories.proposal(project, author=other)
        duplicate = factories.proposal(project, author=other)
        supported = factories.proposal(project, author=other)
        merged = factories.proposal(project, author=other)
        if me is not None:
            factories.support(supported, me)
        comment = factories.comment(theirs, author=author)
        deletable = factories.comment(theirs, author=author)
        their_comment = factories.comment(theirs, author=other, stance="contre")
        factories.comment(project, author=other, stance="neutre")
        factories.support(theirs, staff)
        target_user = factories.user()
        unconfirmed = factories.user(confirmed=False)
        blocked_user = factories.user()
        moderation.block_user(staff, blocked_user, "Pour voir.", None)
        moderation.report(staff, "proposal", reported, "spam", "")
        entry = moderation.merge(staff, merged, supported, "Doublon.")
        commitment = followup.create_commitment(
            staff, project, followup.CommitmentData(title="Un engagement de la métropole",
                                                    proposal_ids=[theirs.id]))
        db.session.commit()
        version = syntheses.publish(project, staff, "## Ce que nous retenons\n\nUn texte.", "")
        edition = rencontres.save(
            None, staff, year=2026, title="Rencontres 2026", held_on=date(2026, 12, 4),
            venue="Brest", programme="- Accueil", version_ids=[version.id],
        )
        rencontres.publish(edition, staff)
        if role == "blocked" and me is not None:
            moderation.block_user(staff, me, "Pour voir.", 30)
        # The PDFs are ready without being laid out, and nobody is emailed: the jobs asked
        # for are dropped (tests/syntheses and tests/rencontres run them).
        for document in (version.document, edition.document):
            assert document is not None  # asked for by the publication
            document.state, document.content, document.size = "ready", STAND_IN, len(STAND_IN)
        db.session.commit()
        # Assisted participants, registered by a mediator who is not `me`.
        mediator = factories.user(roles=("mediator",))
        participant = mediation.register_participant(
            mediator, "Yvonne Le Bihan", None, "75_plus", "Formulaire n° 2026-014", today())
        claimable = mediation.register_participant(
            mediator, "Jean Kerouredan", None, None, "Formulaire n° 2026-016", today())
        claim_code = mediation.new_claim_code(mediator, claimable)
        # The project's debate by statements: a published statement, one waiting for a
        # moderator, and a paper sheet.
        debate = opinions.configure(staff, project, opinions.DebateSettings(
            enabled=True, question="Comment partager les quais ?", premoderation=True,
            seeds="Une affirmation de départ."))
        statement = opinions.statements(debate)[0]
        pending_statement = opinions.add_statement(other, debate, "Une affirmation en attente.")
        sheet = opinions.record_sheet(mediator, debate, "Atelier de Guipavas, fiche 0",
                                      {statement.id: 1})
        # Two unread notifications of the acting user (the fan-out jobs are dropped below).
        notices = [Notification(user_id=author.id, kind="comment", reason="author",
                                event=f"comment:{comment_id}", project_id=project.id,
                                proposal_id=proposal.id, comment_id=comment_id)
                   for comment_id in (comment.id, deletable.id)]
        db.session.add_all(notices)
        db.session.commit()
        g.pop("committed_jobs", None)
        # The open data, as a dropped job would have built it (its files answer 503 before).
        opendata.build(opendata.ask())
        self.me_id = me.id if me else None
        self.edition_id = edition.id
        self.ids: dict[str, Any] = {
            "me": self.me_id, "other": other.id, "slug": project.slug,
            "other_slug": other_project.slug, "project": project.id,
            "other_project": other_project.id, "draft_slug": draft_project.slug,
            "draft_project": draft_project.id, "proposal": proposal.id,
            "withdrawable": withdrawable.id, "their_proposal": theirs.id,
            "reported": reported.id, "to_hide": to_hide.id, "duplicate": duplicate.id,
            "supported": supported.id, "comment": comment.id, "deletable": deletable.id,
            "their_comment": their_comment.id, "target_user": target_user.id,
            "blocked_user": blocked_user.id, "merge_entry": entry.id, "year": edition.year,
            "version_id": version.id, "reset_token": accounts.reset_token(target_user),
            "confirm_token": accounts.confirmation_token(unconfirmed),
            "other_email": other.email, "participant": participant.user_id,
            "claim_code": claim_code, "territory": factories.territory("Brest").id,
            "commitment": commitment.id, "notification": notices[0].id,
            "unsubscribe_token": mailing.unsubscribe_token(target_user.id),
            "debate": debate.id, "statement": statement.id,
            "pending_statement": pending_statement.id, "sheet": sheet.id,
        }
        db.session.commit()

    # --- for the tests ---

    def me(self) -> Any:
        """The acting user, read afresh (an anonymous visitor for "anonymous")."""
        if self.me_id is None:
            return AnonymousUserMixin()
        return db.session.get(User, self.me_id)

    def obj(self, name: str | None) -> Any:
        """The object a placeholder names, read afresh (None for None)."""
        if name is None:
            return None
        if name == "edition":
            from consultation.rencontres.models import Edition

            return db.session.get(Edition, self.edition_id)
        if name == "me":
            return self.me()
        return db.session.get(MODELS[name], self.ids[name])

    def url(self, route: Route, **swap: Any) -> str:
        """The route's URL in this world; `swap` replaces placeholders (another id...)."""
        return route.url.format(**{**self.ids, **swap})

    def form(self, route: Route) -> dict[str, str]:
        """The route's valid form in this world."""
        return {key.format(**self.ids): value.format(**self.ids)
                for key, value in route.form.items()}

    def allows(self, route: Route) -> bool:
        """What the permission registry says of the acting user on this route, now."""
        if route.rule == PUBLIC:
            return True
        if route.rule == ACCOUNT:
            return self.me_id is not None
        db.session.expire_all()
        return can(self.me(), route.rule, self.obj(route.target))


def client_for(app: Any, world: World) -> Any:
    """A fresh test client, logged in as the world's acting user (with its current nonce)."""
    from tests.conftest import login

    client = app.test_client()
    if world.me_id is not None:
        db.session.expire_all()
        login(client, world.me())
    return client


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (reference tables included), in primary-key order."""
    db.session.rollback()  # read what is committed now, not an old snapshot
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(table.select().order_by(*order)).all()
        tables[table.name] = [tuple(row) for row in rows]
    db.session.rollback()
    return tables


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """The names of the tables whose rows differ."""
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))


# --- What the answers must look like -----------------------------------------------------------

LOGIN_PAGE = "/compte/connexion"
FRENCH_TITLES = ("Requête incorrecte", "Action non autorisée", "Page introuvable",
                 "Méthode non autorisée", "Action impossible", "Envoi trop volumineux",
                 "Trop de tentatives", "Format non disponible")


def french_page(response: Any) -> str:
    """The HTML of a page in French (not a bare framework page), or under /api/ a problem
    document in French (RFC 9457); fails otherwise."""
    if response.mimetype == "application/problem+json":
        problem = json.loads(response.get_data(as_text=True))
        assert problem["title"] in FRENCH_TITLES and problem["detail"], problem
        assert response.headers["Content-Language"] == "fr"
        return f"<h1>{problem['title']}</h1>"
    assert response.mimetype == "text/html", response.mimetype
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page, page[:300]
    return page


def french_error(response: Any, status: int) -> str:
    """The French error page of this status."""
    assert response.status_code == status, response.status_code
    page = french_page(response)
    assert any(f"<h1>{title}</h1>" in page for title in FRENCH_TITLES), page[:500]
    return page


def goes_to_login(response: Any) -> bool:
    """True for the redirect of someone asked to log in first (to the login page, with the
    page to come back to; a forgotten-password request also ends on the login page, without)."""
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith(LOGIN_PAGE) and "next=" in location
