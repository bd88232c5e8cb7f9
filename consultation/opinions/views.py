"""The debate by statements: the participant's page (one statement at a time), a new
statement, the admin's settings, the moderators' decisions and the mediators' paper sheets."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consultation.core import notices, pages, permissions, ratelimits
from consultation.core.acting import acting_mediator, acting_user
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, require
from consultation.extensions import db, login_required
from consultation.opinions import bp, services
from consultation.opinions.forms import (
    ANSWER_LABELS,
    DebateForm,
    StatementAnswerForm,
    StatementDecisionForm,
    StatementForm,
    sheet_form,
)
from consultation.opinions.models import (
    AGREE,
    DISAGREE,
    PASS,
    Debate,
    DebateParticipant,
    StatementState,
)
from consultation.projects.models import Project
from consultation.projects.views import project_or_404

# What each state of a statement is called on the admin's and moderators' pages.
STATEMENT_STATES = {
    StatementState.PENDING: _l("En attente de relecture"),
    StatementState.PUBLISHED: _l("Publiée"),
    StatementState.REJECTED: _l("Refusée ou masquée"),
}

# What the debate says after an answer or a new statement (core/notices.py: the session is not
# signed again for them): each answer's label, recorded or changed.
_ANSWER_KEYS = {AGREE: "accord", DISAGREE: "desaccord", PASS: "sans-avis"}
ANSWERED = {
    (value, changed): notices.notice(
        f"reponse-{'modifiee' if changed else 'enregistree'}-{key}",
        _l("Réponse modifiée : %(answer)s.", answer=ANSWER_LABELS[value]) if changed
        else _l("Réponse enregistrée : %(answer)s.", answer=ANSWER_LABELS[value]),
        "success")
    for value, key in _ANSWER_KEYS.items() for changed in (False, True)
}
STATEMENT_PENDING = notices.notice("affirmation-en-attente", _l(
    "Votre affirmation sera publiée après relecture par un modérateur."), "success")
STATEMENT_PUBLISHED = notices.notice("affirmation-publiee", _l(
    "Votre affirmation est publiée : d'autres vont pouvoir y répondre."), "success")


def _debate_or_404(slug: str) -> tuple[Project, Debate]:
    """The project of the URL and its debate, or the French 404 page."""
    project = project_or_404(slug)
    debate = services.debate_of(project)
    if debate is None:
        abort(404)
    return project, debate


def map_url(project: Project) -> str:
    """The opinion map's address (its page is drawn by consultation/opinions/maps.py)."""
    return url_for("opinions.map_page", slug=project.slug)


def _render_debate(project: Project, debate: Debate, form: StatementAnswerForm) -> str:
    following = services.next_statement(debate, acting_user())
    return render_template(
        "opinions/debate.html",
        project=project,
        debate=debate,
        form=form,
        next=following,
        ANSWER_LABELS=ANSWER_LABELS,
        map_url=map_url(project),
        is_open=project.allows(services.FEATURE),
    )


@bp.route("/projets/<slug>/debat")
def debate(slug: str):
    """The debate: its question and the next statement for this person, with the three
    answers (a visitor reads it and is asked to log in)."""
    project, found = _debate_or_404(slug)
    return _render_debate(project, found, StatementAnswerForm(formdata=None))


@bp.route("/projets/<slug>/debat/reponse", methods=["POST"])
@login_required
@ratelimits.posting
def answer(slug: str):
    """Answer the statement shown; then the next one (303 to the debate's page)."""
    project, found = _debate_or_404(slug)
    require("opinions.answer", found)
    form = StatementAnswerForm()
    statement = form.statement
    if form.validate_on_submit():
        if statement is None:
            form.form_errors.append(_("Affirmation inconnue."))
            return _render_debate(project, found, form)
        value = int(filled(form.value.data))
        done = attempt(
            lambda: services.answer(
                acting_user(), found, statement, value, mediator=acting_mediator()
            ),
            form,
        )
        if done is not FAILED:
            return notices.redirect_with(url_for("opinions.debate", slug=project.slug),
                                         ANSWERED[value, done == "changed"], code=303)
    # The fields are buttons and a hidden input: their messages go to the form's summary.
    if form.statement_id.errors:
        form.form_errors.append(_("Affirmation inconnue."))
    form.form_errors.extend(str(error) for error in form.value.errors)
    form.statement_id.errors, form.value.errors = [], []
    return _render_debate(project, found, form)


@bp.route("/projets/<slug>/debat/affirmations/nouvelle", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def add_statement(slug: str):
    """Add a statement to the debate (pre-moderated unless the debate says otherwise)."""
    project, found = _debate_or_404(slug)
    require("opinions.add_statement", found)
    form = StatementForm()
    if form.validate_on_submit():
        made = attempt(
            lambda: services.add_statement(
                acting_user(), found, filled(form.text.data), mediator=acting_mediator()
            ),
            form,
        )
        if made is not FAILED:
            return notices.redirect_with(url_for("opinions.debate", slug=project.slug),
                                         STATEMENT_PENDING if made.state == StatementState.PENDING
                                         else STATEMENT_PUBLISHED, code=303)
    return render_template("opinions/statement_form.html", project=project, debate=found, form=form)


# --- The admin's settings --------------------------------------------------------------------


@bp.route("/admin/projets/<slug>/debat", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """Turn the project's debate on or off, set its question and add seed statements."""
    require("opinions.manage")  # before the lookup: a draft is no business of a citizen
    project = project_or_404(slug)
    require("opinions.manage", project)
    found = services.debate_of(project)
    form = DebateForm()
    if request.method == "GET":
        phase = project.phase("consultation")
        form.enabled.data = phase is not None and services.FEATURE in phase.features
        if found is not None:
            form.question.data = found.question
            form.premoderation.data = found.premoderation
        else:
            form.enabled.data = True
    if form.validate_on_submit():
        settings = services.DebateSettings(
            enabled=bool(form.enabled.data),
            question=filled(form.question.data),
            premoderation=bool(form.premoderation.data),
            seeds=form.seeds.data or "",
        )
        done = attempt(lambda: services.configure(current_user, project, settings), form)
        if done is not FAILED:
            flash(_("Le débat par affirmations est enregistré."), "success")
            return redirect(url_for("opinions.manage", slug=project.slug), code=303)
        found = services.debate_of(project)  # the transaction was undone: read again
    listed = services.statements(found) if found is not None else []
    return render_template(
        "opinions/manage.html",
        project=project,
        debate=found,
        form=form,
        statements=listed,
        STATEMENT_STATES=STATEMENT_STATES,
    )


# --- Moderation ------------------------------------------------------------------------------


@bp.route("/moderation/debats/<slug>")
@login_required
def moderation(slug: str):
    """Every statement of a debate, by state, with the moderators' decisions."""
    require("opinions.moderate")
    project, found = _debate_or_404(slug)
    listed = services.statements(found)
    by_state = {state: [s for s in listed if s.state == state] for state in StatementState}
    return render_template(
        "opinions/moderation.html",
        project=project,
        debate=found,
        by_state=by_state,
        form=StatementDecisionForm(formdata=None),
    )


@bp.route("/moderation/affirmations/<id:statement_id>/<decision>", methods=["POST"])
@login_required
def decide(statement_id: int, decision: str):
    """Approve, refuse, hide or show again a statement (a reason for refusing or hiding)."""
    require("opinions.moderate")
    statement = services.statement_for_moderation(statement_id)
    if statement is None or decision not in services.DECISIONS:
        abort(404)
    require("opinions.moderate", statement)
    project = statement.debate.project
    form = StatementDecisionForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: services.moderate(current_user, statement, decision, form.reason.data or "")
        )
        if done is not FAILED:
            flash(_("La décision est enregistrée."), "success")
    else:
        flash(_("Le motif est trop long."), "error")
    back = request.form.get("retour")
    if back == "attente":
        return redirect(url_for("moderation.pending"), code=303)
    return redirect(url_for("opinions.moderation", slug=project.slug), code=303)


@pages.provides("moderation_pending")
def _pending() -> dict[str, Any]:
    """The statements waiting in the moderators' queue (moderation/pending.html)."""
    return {
        "pending_statements": services.pending_statements(),
        "statement_form": StatementDecisionForm(formdata=None),
    }


# --- Paper sheets ----------------------------------------------------------------------------


def _require_mediator(name: str, obj: Any = None) -> None:
    # The mediator's own rights, even while acting for someone (as mediation's pages do).
    permissions.require(current_user, name, obj)


@bp.route("/mediation/debats")
@login_required
def sheet_debates():
    """The debates open to paper sheets."""
    _require_mediator("opinions.record_sheet")
    return render_template("opinions/sheet_debates.html", debates=services.open_debates())


def _sheet_page(
    project: Project, found: Debate, form: Any, sheet: DebateParticipant | None, status: int = 200
):
    return render_template(
        "opinions/sheet.html",
        project=project,
        debate=found,
        form=form,
        sheet=sheet,
        sheets=services.sheets(found),
    ), status


def _save_sheet(project: Project, found: Debate, sheet: DebateParticipant | None):
    published = services.statements(found, StatementState.PUBLISHED)
    values = services.sheet_answers(sheet) if sheet is not None else {}
    form = sheet_form(published, values, obj=sheet)
    if form.validate_on_submit():
        saved = attempt(
            lambda: services.record_sheet(
                current_user, found, filled(form.label.data), form.answers(), sheet=sheet
            ),
            form,
        )
        if saved is not FAILED:
            flash(_("La fiche « %(label)s » est enregistrée.", label=saved.label), "success")
            return redirect(url_for("opinions.sheet", slug=project.slug), code=303)
    return _sheet_page(project, found, form, sheet)


@bp.route("/mediation/debats/<slug>/fiche", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def sheet(slug: str):
    """Enter a paper sheet of a workshop: a label and an answer per statement."""
    _require_mediator("opinions.record_sheet")
    project, found = _debate_or_404(slug)
    _require_mediator("opinions.record_sheet", found)
    return _save_sheet(project, found, None)


@bp.route("/mediation/debats/<slug>/fiches/<id:sheet_id>", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def edit_sheet(slug: str, sheet_id: int):
    """Correct a paper sheet entered before."""
    _require_mediator("opinions.record_sheet")
    project, found = _debate_or_404(slug)
    _require_mediator("opinions.record_sheet", found)
    entered = db.session.get(DebateParticipant, sheet_id)
    if entered is None or entered.debate_id != found.id or entered.source != "paper":
        abort(404)
    return _save_sheet(project, found, entered)
