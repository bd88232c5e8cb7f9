"""Moderation pages: accounts and their blocking, the audit log and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, TypedDict

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.accounts.models import User
from consultation.accounts.services import matching, search_text
from consultation.core import pages, ratelimits
from consultation.core.audit import AuditEntry
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, get_or_404, require
from consultation.core.models import as_utc
from consultation.core.pagination import page_number, paginate
from consultation.core.text import elide
from consultation.extensions import db, login_required
from consultation.moderation import bp, services
from consultation.moderation.forms import (
    REASON_LABELS,
    AuditFilterForm,
    BlockForm,
    DecisionForm,
    MergeForm,
    MergeSearchForm,
    ReportForm,
    UnblockForm,
    UndoForm,
)
from consultation.moderation.journal import kind_label
from consultation.moderation.journal import targets as journal_targets
from consultation.moderation.models import Report, ReportKind, ReportStatus
from consultation.projects.models import Project
from consultation.proposals.models import Proposal

# The actions written to the log, by prefix, as the filter offers them (every prefix of
# ACTION_LABELS: tests/moderation/test_journal.py checks both against every audit.record call).
ACTIONS = {
    "user.": _l("Comptes (blocage, rôles, signalements)"),
    "project.": _l("Projets"),
    "proposal.": _l("Propositions (masquage, réponses officielles)"),
    "comment.": _l("Commentaires (masquage)"),
    "territory.": _l("Territoires (populations)"),
    "mediation.": _l("Médiation numérique (actes pour le compte d'une personne)"),
    "commitment.": _l("Suivi des engagements"),
    "synthesis.": _l("Synthèses (publication, PDF)"),
    "edition.": _l("Rencontres (éditions, dossiers)"),
    "opinions.": _l("Débats par affirmations"),
}
ACTION_LABELS = {
    "user.block": _l("Blocage d'un compte"),
    "user.unblock": _l("Déblocage d'un compte"),
    "user.roles": _l("Changement de rôles"),
    "user.delete": _l("Compte supprimé par son·sa titulaire"),
    "project.create": _l("Création d'un projet"),
    "project.update": _l("Modification d'un projet"),
    "project.publish": _l("Publication d'un projet"),
    "synthesis.publish": _l("Publication d'une version de synthèse"),
    "synthesis.retry_pdf": _l("Nouvelle fabrication du PDF d'une synthèse"),
    "edition.create": _l("Création d'une édition des Rencontres"),
    "edition.update": _l("Modification d'une édition des Rencontres"),
    "edition.publish": _l("Publication d'une édition des Rencontres"),
    "edition.republish": _l("Nouveau dossier d'une édition publiée"),
    "edition.retry_dossier": _l("Nouvelle fabrication du dossier d'une édition"),
    "proposal.answer": _l("Réponse officielle"),
    "proposal.hide": _l("Proposition masquée"),
    "proposal.hold": _l("Proposition masquée à titre provisoire"),
    "proposal.restore": _l("Proposition rétablie"),
    "proposal.dismiss": _l("Signalements écartés (proposition)"),
    "proposal.merge": _l("Fusion de propositions"),
    "proposal.unmerge": _l("Fusion annulée"),
    "comment.hide": _l("Commentaire masqué"),
    "comment.hold": _l("Commentaire masqué à titre provisoire"),
    "comment.restore": _l("Commentaire rétabli"),
    "comment.dismiss": _l("Signalements écartés (commentaire)"),
    "proposal.approve": _l("Proposition approuvée"),
    "comment.approve": _l("Commentaire approuvé"),
    "user.dismiss": _l("Signalements écartés (compte)"),
    "territory.population": _l("Population d'un territoire"),
    "mediation.register": _l("Personne accompagnée inscrite"),
    "mediation.proposal": _l("Proposition déposée pour une personne accompagnée"),
    "mediation.proposal_edit": _l("Proposition modifiée pour une personne accompagnée"),
    "mediation.proposal_withdraw": _l("Proposition retirée pour une personne accompagnée"),
    "mediation.comment": _l("Commentaire déposé pour une personne accompagnée"),
    "mediation.comment_edit": _l("Commentaire modifié pour une personne accompagnée"),
    "mediation.comment_delete": _l("Commentaire supprimé pour une personne accompagnée"),
    "mediation.support": _l("Soutien donné pour une personne accompagnée"),
    "mediation.support_withdraw": _l("Soutien retiré pour une personne accompagnée"),
    "mediation.workshop": _l("Saisie d'un atelier papier"),
    "mediation.claim_code": _l("Code de récupération de compte créé"),
    "mediation.claimed": _l("Compte récupéré par la personne accompagnée"),
    "commitment.create": _l("Engagement publié"),
    "commitment.update": _l("Engagement modifié"),
    "commitment.progress": _l("Point d'étape d'un engagement"),
    "commitment.abandon": _l("Engagement abandonné"),
    "commitment.reopen": _l("Engagement rouvert"),
    "opinions.configure": _l("Réglage d'un débat par affirmations"),
    "opinions.approve": _l("Affirmation approuvée"),
    "opinions.reject": _l("Affirmation refusée"),
    "opinions.hide": _l("Affirmation masquée"),
    "opinions.restore": _l("Affirmation publiée de nouveau"),
    "opinions.sheet": _l("Saisie d'une fiche papier de débat"),
    "opinions.sheet_edit": _l("Correction d'une fiche papier de débat"),
    "mediation.answer": _l("Réponse à une affirmation pour une personne accompagnée"),
    "mediation.statement": _l("Affirmation proposée pour une personne accompagnée"),
}


@bp.route("/moderation/comptes")
@login_required
def accounts():
    """Accounts, searchable, with their block status."""
    require("users.block")
    query = search_text(request.args.get("q", ""))
    statement = select(User).order_by(User.blocked_at.is_(None), User.id.desc())
    page = paginate(matching(statement, query), page_number(), 50)
    return render_template("moderation/accounts.html", page=page, query=query)


@bp.route("/moderation/comptes/<id:user_id>")
@login_required
def account(user_id: int):
    """One account: its block status and the form to block or unblock it."""
    require("users.block")  # before the lookup: an unknown id is no business of a citizen
    user = get_or_404(User, user_id)
    return render_template(
        "moderation/account.html", user=user, block_form=BlockForm(), unblock_form=UnblockForm()
    )


def _account_action(user_id: int, which: str, act: Any, done: str):
    """Run a block or unblock form: redirect when done, else show the page with the errors."""
    require("users.block")
    user = get_or_404(User, user_id)
    require("users.block", user)
    forms: dict[str, FlaskForm] = {"block_form": BlockForm(), "unblock_form": UnblockForm()}
    form = forms[which]
    if form.validate_on_submit() and attempt(lambda: act(user, form), form) is not FAILED:
        flash(elide(done % {"name": user.account_name}, user.account_name), "success")
        return redirect(url_for("moderation.account", user_id=user.id))
    return render_template("moderation/account.html", user=user, **forms)


@bp.route("/moderation/comptes/<id:user_id>/bloquer", methods=["POST"])
@login_required
def block(user_id: int):
    """Block an account for a period or for good."""

    def act(user: User, form: BlockForm) -> None:
        days = None if form.duration.data == "definitif" else int(form.duration.data)
        services.block_user(current_user, user, filled(form.reason.data), days)

    return _account_action(user_id, "block_form", act, _("Le compte de %(name)s est bloqué."))


@bp.route("/moderation/comptes/<id:user_id>/debloquer", methods=["POST"])
@login_required
def unblock(user_id: int):
    """Lift the block of an account."""
    return _account_action(
        user_id, "unblock_form",
        lambda user, form: services.unblock_user(current_user, user, form.reason.data),
        _("Le compte de %(name)s est débloqué."),
    )


FILTER_KEYS = ("action", "actor", "since", "until")


class AuditFilters(TypedDict):
    """The journal's filters, as services.audit_query() takes them."""

    action: str
    actor: str
    since: date | None
    until: date | None


def _filters() -> tuple[AuditFilterForm, AuditFilters]:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("Toutes"))] + [
        SelectChoice(prefix, label) for prefix, label in ACTIONS.items()
    ]
    valid = form.validate()
    chosen: AuditFilters = {
        "action": form.action.data if form.action.data in ACTIONS else "",
        "actor": form.actor.data or "" if valid or not form.actor.errors else "",
        "since": form.since.data if not form.since.errors else None,
        "until": form.until.data if not form.until.errors else None,
    }
    return form, chosen


@bp.route("/moderation/journal")
@login_required
def journal():
    """The audit log of moderation and administration acts, filtered."""
    require("audit.read")
    form, chosen = _filters()
    page = paginate(services.audit_query(**chosen), page_number(), 50)
    undoable = services.undoable_merges(page.items) if can_decide() else set()
    # Only the filters go into the export link: other query keys (endpoint, _external,
    # _scheme, _anchor...) would be taken by url_for as its own options.
    export: dict[str, Any] = {
        key: request.args[key] for key in FILTER_KEYS if request.args.get(key)
    }
    return render_template(
        "moderation/journal.html", form=form, page=page, ACTION_LABELS=ACTION_LABELS,
        targets=journal_targets(page.items), kind_label=kind_label,
        undoable=undoable, undo_form=UndoForm(),
        export_url=url_for("moderation.journal_csv", **export),
    )


def can_decide() -> bool:
    """The current user may take moderation decisions."""
    from consultation.core.permissions import can

    return can(current_user, "moderation.decide")


def _cell(value: object) -> object:
    # A text starting like a formula would run in a spreadsheet: make it plain text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.route("/moderation/journal.csv")
@login_required
def journal_csv():
    """The audit log as CSV, with the same filters as the page."""
    require("audit.read")
    _form, chosen = _filters()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["numero", "date", "auteur", "action", "cible", "numero_cible", "libelle",
                     "motif", "details"])
    for entry in db.session.scalars(services.audit_query(**chosen)):
        writer.writerow([_cell(value) for value in (
            entry.id, as_utc(entry.created_at).isoformat(),
            entry.actor.account_name if entry.actor else "plateforme",
            entry.action, entry.target_kind, entry.target_id or "", entry.target_label,
            entry.reason, entry.details,
        )])
    # A BOM so that spreadsheet programs read the accents right.
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=journal-moderation.csv"},
    )


# --- Reports and the queue -------------------------------------------------------------------

KIND_LABELS = {ReportKind.PROPOSAL: _l("Proposition"), ReportKind.COMMENT: _l("Commentaire"),
               ReportKind.USER: _l("Compte")}
STATUS_LABELS = {ReportStatus.OPEN: _l("En attente"), ReportStatus.UPHELD: _l("Retenus"),
                 ReportStatus.DISMISSED: _l("Écartés")}


def _target_or_404(kind: str, target_id: int) -> Any:
    target = services.target_of(kind, target_id) if kind in KIND_LABELS else None
    if target is None:
        abort(404)
    return target


def _back_to(kind: str, target: Any) -> str:
    if kind == ReportKind.PROPOSAL:
        return url_for("proposals.show", proposal_id=target.id)
    if kind == ReportKind.COMMENT:
        if target.proposal_id:
            return url_for("proposals.show", proposal_id=target.proposal_id,
                           _anchor=f"commentaire-{target.id}")
        return url_for("projects.show", slug=target.project.slug,
                       _anchor=f"commentaire-{target.id}")
    return url_for("main.home")


@bp.route("/signaler/<kind>/<id:target_id>", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def report(kind: str, target_id: int):
    """Report a proposal, a comment or an account (once per person)."""
    target = _target_or_404(kind, target_id)
    require("reports.create", target)
    form = ReportForm()
    if form.validate_on_submit():
        done = attempt(lambda: services.report(
            current_user, kind, target, form.reason.data, form.details.data or ""), form)
        if done is not FAILED:
            flash(_("Votre signalement est reçu. La modération l'examinera ; vous serez "
                    "prévenu·e de sa décision."), "success")
            return redirect(_back_to(kind, target))
    return render_template("moderation/report.html", form=form, kind=kind, target=target,
                           back=_back_to(kind, target), KIND_LABELS=KIND_LABELS)


@bp.route("/moderation")
@login_required
def queue():
    """Reported items, most reported first; filter by status, kind, reason, project."""
    require("moderation.decide")
    status = request.args.get("etat", ReportStatus.OPEN)
    status = status if ReportStatus.has(status) else ReportStatus.OPEN
    kind = request.args.get("type", "")
    reason = request.args.get("motif", "")
    raw_project = request.args.get("projet", "")
    project_id = int(raw_project) if raw_project.isascii() and raw_project.isdigit() \
        and len(raw_project) < 10 else None
    page = paginate(services.queue_query(status, kind, reason, project_id), page_number(), 30)
    rows = services.queue_rows(page.items, status)
    projects = db.session.execute(select(Project.id, Project.title).order_by(Project.title)).all()
    return render_template(
        "moderation/queue.html", page=page, rows=rows, status=status, kind=kind, reason=reason,
        project_id=project_id, projects=projects, KIND_LABELS=KIND_LABELS,
        STATUS_LABELS=STATUS_LABELS, REASON_LABELS=REASON_LABELS,
    )


@bp.route("/moderation/<kind>/<id:target_id>")
@login_required
def item(kind: str, target_id: int):
    """One reported item: its content, its context, its reports and the decisions."""
    require("moderation.decide")
    return _render_item(kind, _target_or_404(kind, target_id), DecisionForm())


def _render_item(kind: str, target: Any, form: DecisionForm) -> str:
    """The item page: content, context, every report (with its reporter), the decision form and,
    for a proposal, its possible duplicates."""
    reports = db.session.scalars(
        select(Report).options(joinedload(Report.reporter))
        .where(Report.target_kind == kind, Report.target_id == target.id)
        .order_by(Report.id.desc())
    ).all()
    duplicates = services.duplicates(target) if kind == ReportKind.PROPOSAL else []
    return render_template(
        "moderation/item.html", kind=kind, target=target, reports=reports, form=form,
        duplicates=duplicates,
        back=_back_to(kind, target), KIND_LABELS=KIND_LABELS, STATUS_LABELS=STATUS_LABELS,
        REASON_LABELS=REASON_LABELS,
    )


@bp.route("/moderation/<kind>/<id:target_id>/<decision>", methods=["POST"])
@login_required
def decide(kind: str, target_id: int, decision: str):
    """Hide, restore, or dismiss the reports of an item."""
    require("moderation.decide")
    target = _target_or_404(kind, target_id)
    actions = {"masquer": services.hide, "retablir": services.restore,
               "ecarter": services.dismiss,
               "approuver": lambda actor, k, t, _reason: services.approve(actor, k, t)}
    if decision not in actions:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        done = attempt(lambda: actions[decision](current_user, kind, target,
                                                 form.reason.data or ""), form)
        if done is not FAILED:
            flash(_("La décision est enregistrée."), "success")
            return redirect(url_for("moderation.item", kind=kind, target_id=target_id))
    return _render_item(kind, target, form)


# --- Merging -----------------------------------------------------------------------------------

@bp.route("/moderation/fusion/<id:proposal_id>", methods=["GET", "POST"])
@login_required
def merge(proposal_id: int):
    """Merge a duplicate proposal into another of the same project, found by title or number."""
    require("moderation.decide")
    source = get_or_404(Proposal, proposal_id)
    # The search stays in the query string, the POST's included, so a refused merge keeps it.
    search = MergeSearchForm(request.args)
    query = search.read()
    form = MergeForm()
    chosen = form.target.data if form.is_submitted() else search.target.data
    candidates = services.merge_candidates(source, query, chosen)
    form.target.choices = [SelectChoice(p.id, _("%(title)s (n° %(id)d)", title=p.title, id=p.id))
                           for p in candidates]
    if not form.is_submitted() and chosen in {p.id for p in candidates}:
        form.target.data = chosen
    if form.validate_on_submit():
        target = db.session.get(Proposal, form.target.data)
        if target is None:
            form.target.errors = [*form.target.errors, _(
                "Cette proposition n'existe pas : choisissez-en une dans la liste.")]
        elif attempt(lambda: services.merge(current_user, source, target,
                                            filled(form.reason.data)), form) is not FAILED:
            flash(_("Les propositions sont fusionnées ; l'opération peut être annulée depuis "
                    "le journal."), "success")
            return redirect(url_for("proposals.show", proposal_id=target.id))
    return render_template("moderation/merge.html", form=form, search=search, query=query,
                           source=source)


@bp.route("/moderation/journal/<id:entry_id>/annuler-fusion", methods=["POST"])
@login_required
def unmerge(entry_id: int):
    """Undo a merge recorded in the log."""
    require("moderation.decide")
    entry = get_or_404(AuditEntry, entry_id)
    form = UndoForm()
    if form.validate_on_submit():
        done = attempt(lambda: services.unmerge(current_user, entry, filled(form.reason.data)))
        if done is not FAILED:
            flash(_("La fusion est annulée."), "success")
    else:
        flash(_("Indiquez le motif de l'annulation."), "error")
    return redirect(url_for("moderation.journal", action="proposal."))


@bp.route("/moderation/attente")
@login_required
def pending():
    """Proposals and comments of pre-moderated projects waiting for approval (and what the
    domains above add: the statements of the debates)."""
    require("moderation.decide")
    items = {kind: db.session.scalars(query).all()
             for kind, query in services.pending_query().items()}
    return render_template("moderation/pending.html", items=items, form=DecisionForm(),
                           **pages.context("moderation_pending"))
