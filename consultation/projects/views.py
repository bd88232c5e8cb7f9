"""Project pages: the public list and page, and the admin's create and edit forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import String, bindparam, cast, select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.core import fragments, kiosk, pages, readability
from consultation.core.db import comma_list
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, require
from consultation.core.models import today
from consultation.core.pagination import Page, page_number
from consultation.core.templating import awaits_confirmation, can, kept_breadcrumb, refusal
from consultation.extensions import login_required
from consultation.projects import bp, services
from consultation.projects.forms import ProjectForm, PublishForm
from consultation.projects.models import PhaseKind, Project, project_territories
from consultation.reference.services import (
    orientation_of,
    orientations,
    participation_per_thousand,
    territories,
    territory_choices,
    territory_names,
)

PER_PAGE = 12
# What slugify() makes and the project form accepts: anything else names no project, and is not
# sent to the database (PostgreSQL refuses a NUL in text).
SLUG = re.compile(r"[a-z0-9-]{1,120}")


def project_or_404(slug: str, full: bool = False, facts_of: str | None = None) -> Project:
    """The project of a URL, or the French 404 page; every domain's pages use it. A draft is
    a 404 too, but for those who may see drafts. `facts_of` names the page whose facts about
    the project the logged-in person's session asks, read in the same statement with the
    person themself (core/pages.py read_with_facts)."""
    if facts_of is not None:
        return project_read_or_404(slug, facts_of, services.BY_SLUG)[0]
    project = services.by_slug(slug, full=full) if SLUG.fullmatch(slug) else None
    if project is None or not (project.is_published or can("projects.see_drafts")):
        abort(404)
    return project


def project_read_or_404(slug: str, page: str, statement: Any) -> tuple[Project, Any]:
    """The project of a URL and the row that read it, or the 404 of project_or_404.
    `statement` is services.BY_SLUG or a page's own statement that reads more with the
    project (bound: slug; after the project's columns, its phases' column, then the page's
    own): with the person and their facts about the project (`page`, core/pages.py
    read_with_facts)."""
    read = (pages.read_with_facts(page, statement, services.PROJECT, {"slug": slug})
            if SLUG.fullmatch(slug) else None)
    if read is None:
        abort(404)
    project, row = read
    services.attach_phases(project, row[len(services.PROJECT.columns)])
    if not (project.is_published or can("projects.see_drafts")):
        abort(404)
    return project, row


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    # str.isdigit() alone accepts "²", which int() refuses: ASCII digits only.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@bp.route("/projets")
def index():
    """List projects, filtered by orientation, territory and open or closed."""
    orientation_slug = request.args.get("orientation", "")
    orientation = next((o for o in orientations() if o.slug == orientation_slug), None)
    territory_id = _int_arg("territoire")
    territory = next((t for t in territories() if t.id == territory_id), None)
    state = request.args.get("etat", "")
    state = state if state in services.STATES else ""
    drafts = can("projects.see_drafts")
    number = page_number()
    # One statement names the projects shown, their versions and how many there are; the
    # cards are kept under them, the day (phases), the query (the links carry it), and what
    # changes the HTML for some people (drafts shown; a terminal's form takes no autofill).
    filters = (orientation.id if orientation else None, territory.id if territory else None,
               state, drafts)
    rows = services.project_keys(*filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE,
                                 total=True)
    total = rows[0][2] if rows else services.count_projects(*filters)
    shown = tuple((ident, version) for ident, version, _ in rows)

    def render() -> str:
        projects = services.projects_by_ids([ident for ident, _ in shown], territories=True)
        return render_template(
            "projects/_list.html",
            page=Page(projects, number, PER_PAGE, total),
            orientations=orientations(),
            territories=territories(),
            orientation=orientation,
            territory=territory,
            state=state,
        )

    shared = fragments.cached(
        "projects.list",
        (shown, total, drafts, kiosk.is_kiosk(), today(), tuple(request.args.to_dict().items())),
        render,
    )
    return render_template("projects/index.html", shared=shared)


# A project with its phases and the ids of its territories, in one statement (its orientation,
# reference data, is read from the app's copy: one object less to build at every request).
# The territories come as a string, named from the reference (read once per process): joined
# as rows they multiplied the phases' rows, and building the objects of that product took as
# long as the rest of the page.
_TERRITORY_IDS = (
    select(comma_list(cast(project_territories.c.territory_id, String)))
    .where(project_territories.c.project_id == Project.id).correlate(Project).scalar_subquery()
)
_SHOW = (
    select(*services.PROJECT.columns, services.phases_column(Project.id), _TERRITORY_IDS)
    .where(Project.slug == bindparam("slug"))
)


def _parts(project: Project, territory_ids: str | None) -> dict[str, Markup]:
    """The parts of a project's page that are the same for everyone with the same rights, kept
    as shared fragments under the project's version (which moves with everything they show:
    its proposals, supports, comments, phases, synthesis, follow-up, participants) and the
    day: what the domains above add to them (pages.context("project_content")) is asked only
    when they are made."""
    made: dict[str, Any] = {}

    def part(name: str) -> Callable[[], str]:
        def render() -> str:
            if not made:
                made.update(pages.context("project_content", project), per_thousand=(
                    participation_per_thousand(services.participants_by_territory(project.id))))
            return render_template(f"projects/_{name}.html", project=project,
                                   orientation=orientation_of(project.orientation_id),
                                   territory_names=territory_names(territory_ids), **made)
        return render

    same = (project.id, project.version, today())
    awaits = awaits_confirmation()
    intro_rights = (
        not project.is_published and can("projects.publish", project),
        can("projects.edit", project), can("proposals.create", project),
        current_user.is_authenticated, refusal("proposals.create", project) if awaits else None,
    )
    return {
        "breadcrumb": kept_breadcrumb("project_breadcrumb", (project.slug, project.title), lambda: [
            (_("Projets"), url_for("projects.index")), (project.title, None)]),
        "intro": fragments.cached("project_intro", (*same, intro_rights), part("intro")),
        "body": fragments.cached("project_body", (
            *same, request.path, can("syntheses.write", project)), part("body")),
    }


@bp.route("/projets/<slug>")
def show(slug: str):
    """A project: summary, "En bref", body, phases, figures and what the domains above add."""
    # Logged in: the person and their facts about the project come with it (core/pages.py).
    project, row = project_read_or_404(slug, "project", _SHOW)
    territory_ids = row[len(services.PROJECT.columns) + 1]
    return render_template(
        "projects/show.html",
        project=project,
        parts=_parts(project, territory_ids),
        **pages.context("project", project),
    )


def _form_data(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(
        title=filled(form.title.data),
        summary=filled(form.summary.data),
        plain_summary=form.plain_summary.data or "",
        body=form.body.data or "",
        slug=form.slug.data or None,
        orientation_id=form.orientation.data,
        territory_ids=list(form.territories.data or []),
        support_limit=form.support_limit.data,
        premoderation=bool(form.premoderation.data),
        phases=form.phases(),
    )


def _prepare(form: ProjectForm) -> ProjectForm:
    form.orientation.choices = [SelectChoice("", _("— Aucune —"))] + [
        SelectChoice(o.id, f"{o.number}. {o.title}") for o in orientations()
    ]
    form.territories.choices = territory_choices()
    return form


def _checking(form: ProjectForm) -> bool:
    """True when the admin asked to measure the "En bref" text rather than to save."""
    return form.is_submitted() and bool(form.check_readability.data)


def _render_form(form: ProjectForm, project: Project | None):
    return render_template(
        "projects/form.html",
        form=form,
        project=project,
        readability=readability.measure(form.plain_summary.data),
        measured=_checking(form) or (project is not None and bool(form.plain_summary.data)),
        plain_language_rules=readability.PLAIN_LANGUAGE_RULES,
    )


@bp.route("/admin/projets/nouveau", methods=["GET", "POST"])
@login_required
def create():
    """Create a project and its phases."""
    require("projects.create")
    form = _prepare(ProjectForm())
    if _checking(form):
        return _render_form(form, None)
    if form.validate_on_submit():
        project = attempt(lambda: services.create_project(current_user, _form_data(form)), form)
        if project is not FAILED:
            flash(_("Le projet est créé comme brouillon\u00a0: seuls les admins et les "
                    "modérateurs le voient. Publiez-le quand il est prêt."), "success")
            return redirect(url_for("projects.show", slug=project.slug))
    return _render_form(form, None)


@bp.route("/admin/projets/<slug>/publier", methods=["GET", "POST"])
@login_required
def publish(slug: str):
    """Publish a draft project, once the admin has confirmed what it makes public."""
    require("projects.publish")  # before the lookup: a draft is no business of a citizen
    project = project_or_404(slug, full=True)
    require("projects.publish", project)
    form = PublishForm()
    if form.validate_on_submit() and form.confirm.data:
        if attempt(lambda: services.publish_project(current_user, project)) is not FAILED:
            flash(_("Le projet est publié\u00a0: tout le monde peut maintenant le voir."),
                  "success")
        return redirect(url_for("projects.show", slug=project.slug))
    return render_template("projects/publish.html", project=project, form=form)


@bp.route("/admin/projets/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit a project and its phases."""
    project = project_or_404(slug, full=True)
    require("projects.edit", project)
    form = _prepare(ProjectForm(obj=project))
    if request.method == "GET":
        form.orientation.data = project.orientation_id
        form.territories.data = [t.id for t in project.territories]
        for kind in PhaseKind:
            phase = project.phase(kind)
            form[f"{kind}_start"].data = phase.starts_on if phase else None
            form[f"{kind}_end"].data = phase.ends_on if phase else None
    if _checking(form):
        return _render_form(form, project)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.update_project(current_user, project, _form_data(form)), form
        )
        if done is not FAILED:
            flash(_("Le projet est enregistré."), "success")
            return redirect(url_for("projects.show", slug=project.slug))
    return _render_form(form, project)
