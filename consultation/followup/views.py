"""Follow-up pages: a project's "Suivi" tab, every commitment, and the admin's forms."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, require
from consultation.core.pagination import page_number, paginate
from consultation.extensions import login_required
from consultation.followup import bp, services
from consultation.followup.forms import (
    CommitmentForm,
    CommitmentListForm,
    NewCommitmentForm,
    UpdateForm,
)
from consultation.followup.models import Commitment, CommitmentStatus
from consultation.projects.models import Project
from consultation.projects.views import project_or_404

PER_PAGE = 20


def _commitment_or_404(commitment_id: int) -> Commitment:
    found = services.by_id(commitment_id)
    if found is None:
        abort(404)
    return found


def _proposal_choices(form: CommitmentForm, project: Project,
                      commitment: Commitment | None) -> None:
    form.proposals.choices = [
        SelectChoice(p.id, p.title) for p in services.linkable_proposals(project, commitment)
    ]


def _data(form: CommitmentForm) -> services.CommitmentData:
    return services.CommitmentData(
        title=filled(form.title.data),
        description=form.description.data or "",
        service=form.service.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        proposal_ids=[i for i in form.proposals.data or [] if i is not None],
    )


def _status(form: CommitmentForm | UpdateForm) -> int:
    return 422 if form.errors or form.form_errors else 200


@bp.route("/projets/<slug>/suivi")
def project(slug: str):
    """A project's commitments, their progress, and the public timeline of their updates."""
    found = project_or_404(slug)
    return render_template(
        "followup/project.html",
        project=found,
        commitments=services.of_project(found),
        timeline=services.timeline(found),
    )


@bp.route("/suivi")
def index():
    """Every commitment, filtered by status, orientation and territory, paginated."""
    form = CommitmentListForm(request.args).read()
    statement = services.list_query(
        form.status.data or None, form.orientation.data, form.territory.data
    )
    page = paginate(statement, page_number(), PER_PAGE)
    return render_template("followup/index.html", form=form, page=page)


@bp.route("/admin/projets/<slug>/suivi/nouveau", methods=["GET", "POST"])
@login_required
def create(slug: str):
    """Publish a commitment on a project."""
    found = project_or_404(slug)
    require("followup.manage", found)
    form = NewCommitmentForm()
    if request.method == "GET":
        form.status.data, form.progress.data = CommitmentStatus.PREVU, 0
    _proposal_choices(form, found, None)
    if form.validate_on_submit():
        created = attempt(lambda: services.create_commitment(
            current_user, found, _data(form), status=filled(form.status.data),
            progress=filled(form.progress.data), reason=form.reason.data or "",
        ), form)
        if created is not FAILED:
            flash(_("L'engagement est publié."), "success")
            return redirect(url_for("followup.project", slug=found.slug,
                                    _anchor=f"engagement-{created.id}"))
    return render_template("followup/form.html", form=form, project=found,
                           commitment=None), _status(form)


@bp.route("/admin/suivi/<id:commitment_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(commitment_id: int):
    """Correct what a commitment says (its status changes through an update)."""
    commitment = _commitment_or_404(commitment_id)
    require("followup.manage", commitment.project)
    form = CommitmentForm(obj=commitment)
    if request.method == "GET":
        form.proposals.data = [p.id for p in commitment.proposals]
    _proposal_choices(form, commitment.project, commitment)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.edit_commitment(current_user, commitment, _data(form)), form
        )
        if done is not FAILED:
            flash(_("L'engagement est enregistré."), "success")
            return redirect(url_for("followup.project", slug=commitment.project.slug,
                                    _anchor=f"engagement-{commitment.id}"))
    return render_template("followup/form.html", form=form, project=commitment.project,
                           commitment=commitment), _status(form)


@bp.route("/admin/suivi/<id:commitment_id>/point", methods=["GET", "POST"])
@login_required
def update(commitment_id: int):
    """Add a dated update: what happened, the new status and progress."""
    commitment = _commitment_or_404(commitment_id)
    require("followup.manage", commitment.project)
    form = UpdateForm()
    if request.method == "GET":
        form.status.data, form.progress.data = commitment.status, commitment.progress
    if form.validate_on_submit():
        done = attempt(lambda: services.add_update(
            current_user, commitment, filled(form.text.data), filled(form.status.data),
            filled(form.progress.data), form.reason.data or "",
        ), form)
        if done is not FAILED:
            flash(_("Le point d'étape est publié."), "success")
            return redirect(url_for("followup.project", slug=commitment.project.slug,
                                    _anchor=f"engagement-{commitment.id}"))
    return render_template("followup/update.html", form=form, project=commitment.project,
                           commitment=commitment), _status(form)
