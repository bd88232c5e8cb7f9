"""Synthesis pages: the published versions, their PDFs and annex, the moderators' editor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm.attributes import set_committed_value

from consultation.core import documents, fragments, kiosk, pages
from consultation.core.db import Columns
from consultation.core.documents import Document
from consultation.core.http import FAILED, attempt, require
from consultation.core.models import today
from consultation.core.pagination import Page, page_number
from consultation.core.permissions import can
from consultation.core.sharing import describe
from consultation.core.templating import can as acting_may
from consultation.extensions import db, login_required
from consultation.projects.models import Project
from consultation.projects.services import BY_SLUG, PROJECT
from consultation.projects.views import project_or_404, project_read_or_404
from consultation.syntheses import blocks, bp, figures, services
from consultation.syntheses import render as render_synthesis
from consultation.syntheses.forms import SynthesisForm
from consultation.syntheses.models import SynthesisSubscriber, SynthesisVersion

ANNEX_PER_PAGE = 50
# A version's official answers, newest first, on a page of their own (`answers`); its synthesis
# page shows the first ANSWERS_SHOWN of them and links there: answers with their text, all on
# the synthesis page, made it grow with every answer (107 of them were half of its HTML).
ANSWERS_PER_PAGE = 20
ANSWERS_SHOWN = figures.TOP


def _version_or_404(project: Project, number: int) -> SynthesisVersion:
    found = services.version(project, number)
    if found is None:
        abort(404)
    return found


def _show(project: Project, version: SynthesisVersion, newest: int):
    """A published version: its text, figures and list of versions kept as a fragment under
    the project's version (which moves with every change of its syntheses and their authors),
    the rest (its PDF, the person's buttons) made for each request."""

    def render() -> str:
        return render_template(
            "syntheses/_shared.html",
            project=project,
            version=version,
            figures=version.figures,
            parts=render_synthesis.parts(version.narrative),
            versions=services.versions(project),
            answers=(newest_first(version.figures)[:ANSWERS_SHOWN], url_for(
                "syntheses.answers", slug=project.slug, number=version.number)),
        )

    key = (project.id, project.version, version.number, today())
    subscribed = _subscribed(project)
    doc = version.document
    return render_template(
        "syntheses/show.html",
        project=project,
        version=version,
        title=fragments.cached("synthesis.title", (project.id, project.version, version.number),
                               lambda: render_template("syntheses/_title.html", project=project,
                                                       version=version)),
        pdf_link=fragments.cached("synthesis.pdf", (
            project.slug, version.number, doc and doc.state, doc and doc.is_stale,
            doc and doc.size,
        ), lambda: render_template("syntheses/_pdf_link.html", project=project, version=version)),
        subscription=_subscription(project, subscribed),
        crumbs=fragments.cached("synthesis.crumbs", (project.id, project.version, kiosk.is_kiosk()),
                                lambda: render_template("syntheses/_crumbs.html", project=project)),
        head=fragments.cached("synthesis.head", (*key, newest), lambda: render_template(
            "syntheses/_head.html", project=project, version=version, newest=newest)),
        shared=fragments.cached("synthesis.body", key, render),
        description=fragments.cached(
            "synthesis.description", key, lambda: str(escape(describe(version.narrative)))
        ),
        share=fragments.cached("synthesis.share", (*key, request.path), lambda: render_template(
            "syntheses/_share.html", project=project)),
    )


def _subscription(project: Project, subscribed: bool) -> Markup:
    """The form asking to be told of the next synthesis (or why it is not offered), kept for
    everyone in the same state, the person's token put back."""
    allowed = acting_may("syntheses.subscribe", project)
    return fragments.cached_form("synthesis.subscription", (
        project.slug, allowed, current_user.is_authenticated, subscribed, request.path,
    ), lambda: render_template("syntheses/_subscribe.html", project=project, allowed=allowed,
                               subscribed=subscribed))


# The page's statement: the project (with the person and their facts), its most recent
# published version and that version's PDF, as plain columns (core/db.py Columns), built once.
_VERSION = Columns(SynthesisVersion, "version_")
_DOCUMENT = Columns(Document, "document_")
_LATEST_ID = (
    select(SynthesisVersion.id).where(SynthesisVersion.project_id == Project.id)
    .order_by(SynthesisVersion.number.desc()).limit(1).correlate(Project).scalar_subquery()
)
_WITH_LATEST = (
    BY_SLUG.add_columns(*_VERSION.columns, *_DOCUMENT.columns)
    .outerjoin(SynthesisVersion.__table__, SynthesisVersion.id == _LATEST_ID)
    .outerjoin(Document.__table__, Document.id == SynthesisVersion.document_id)
)


@pages.fact("synthesis", "subscribed")
def _subscribed_fact() -> Any:
    """Whether the person asked to be told of the project's next synthesis: read with the
    project and the person (project_or_404(facts_of="synthesis"))."""
    return exists().where(SynthesisSubscriber.project_id == bindparam("target_id"),
                          SynthesisSubscriber.user_id == bindparam("person_id"))


def _subscribed(project: Project) -> bool:
    """Whether the person asked to be told of the next synthesis (from the facts read with the
    project by project_or_404(facts_of="synthesis"); a visitor did not)."""
    return current_user.is_authenticated and bool(
        pages.facts("synthesis", current_user.id, project.id)["subscribed"])


@pages.provides("project_content")
def _project_synthesis(project: Project) -> dict[str, object]:
    return {"synthesis": services.latest(project)}


@bp.route("/projets/<slug>/synthese")
def show(slug: str):
    """The latest published synthesis of a project, or where it stands."""
    project, row = project_read_or_404(slug, "synthesis", _WITH_LATEST)
    at = len(PROJECT.columns) + 1  # after the project's phases
    session = db.session()
    latest = _VERSION.made(session, row[at:])
    if latest is None:
        return render_template("syntheses/none.html", project=project,
                               subscribed=_subscribed(project))
    # As a loaded relationship: None when the version has no PDF (yet).
    set_committed_value(latest, "document", _DOCUMENT.made(
        session, row[at + len(_VERSION.columns):]))
    return _show(project, latest, latest.number)


@bp.route("/projets/<slug>/synthese/v<id:number>")
def show_version(slug: str, number: int):
    """One published version, as it was published."""
    project = project_or_404(slug, facts_of="synthesis")
    version = _version_or_404(project, number)
    newest = db.session.scalar(select(func.max(SynthesisVersion.number))
                               .where(SynthesisVersion.project_id == project.id))
    return _show(project, version, newest or version.number)


# How many rows each list of each published version has (list name, version id and
# publication time -> count), known in each worker once it read the list: the annex is every
# proposal of the version as JSON (2.2 MB for the benchmark's 10,000), about 40 ms to parse.
_SIZES: dict[tuple[str, int, str], int] = {}


def _kept_page(name: str, version: SynthesisVersion, per_page: int, count: Callable[[], int],
               render: Callable[[Page[Any]], str]) -> tuple[Page[Any], Markup | None]:
    """The ?page= of one of a published version's lists (a 404 past its end), and its rows'
    HTML made by `render` once and kept; None for an empty list. A version never changes: its
    list is read (`count`, `render`) only the first time a worker shows that page. The page
    holds no items: its rows are in the HTML. The version is named by its id and publication
    time (SQLite may give a deleted row's id again)."""
    frozen = (name, version.id, version.published_at.isoformat())
    total = _SIZES.get(frozen)
    if total is None:
        total = _SIZES[frozen] = count()
    current = page_number()
    if current > 1 and (current - 1) * per_page >= total:
        abort(404)
    page: Page[Any] = Page(items=[], number=current, per_page=per_page, total=total)
    if not total:
        return page, None
    return page, fragments.cached(name, (*frozen[1:], current), lambda: render(page))


@bp.route("/projets/<slug>/synthese/v<id:number>/annexe")
def annex(slug: str, number: int):
    """Every proposal of a published version, with its supports, stances and answer."""
    project = project_or_404(slug)
    version = _version_or_404(project, number)
    page, listed = _kept_page(
        "synthesis.annex", version, ANNEX_PER_PAGE, lambda: len(version.annex),
        lambda shown: render_template("syntheses/_annex_page.html", page=shown,
                                      rows=version.annex[shown.first - 1:shown.last]))
    return render_template("syntheses/annex.html", project=project, version=version, page=page,
                           listed=listed)


@bp.route("/projets/<slug>/synthese/v<id:number>/reponses")
def answers(slug: str, number: int):
    """Every official answer of a published version, newest first, as it was published."""
    project = project_or_404(slug)
    version = _version_or_404(project, number)
    page, listed = _kept_page(
        "synthesis.answers", version, ANSWERS_PER_PAGE,
        lambda: len(version.figures.get("answers") or []),
        lambda shown: render_template(
            "syntheses/_answer_page.html",
            rows=newest_first(version.figures)[shown.first - 1:shown.last]))
    return render_template("syntheses/answers.html", project=project, version=version,
                           page=page, listed=listed)


def newest_first(frozen: dict[str, Any]) -> list[dict[str, Any]]:
    """The official answers of a version's figures, the newest first (the figures keep them in
    the order they were given)."""
    return list(reversed(frozen.get("answers") or []))


@bp.route("/projets/<slug>/synthese/v<id:number>/pdf")
def pdf(slug: str, number: int):
    """The PDF of a version once built; until then, the state of its build."""
    project = project_or_404(slug)
    version = _version_or_404(project, number)
    if version.document is None:
        abort(404)
    return documents.serve(
        version.document,
        title=_("Synthèse « %(title)s », version %(n)d (PDF)", title=project.title,
                n=version.number),
        back_url=url_for("syntheses.show_version", slug=slug, number=number),
        retry_url=url_for("syntheses.retry_pdf", slug=slug, number=number)
        if can(current_user, "syntheses.write", project) else None,
    )


@bp.route("/projets/<slug>/synthese/v<id:number>/pdf/relancer", methods=["POST"])
@login_required
def retry_pdf(slug: str, number: int):
    """Build again a PDF whose build failed."""
    project = project_or_404(slug)
    require("syntheses.write", project)
    version = _version_or_404(project, number)
    if attempt(lambda: services.retry_pdf(version, current_user)) is FAILED:
        return redirect(url_for("syntheses.show_version", slug=slug, number=number))
    flash(_("La fabrication du PDF est relancée."), "success")
    return redirect(url_for("syntheses.pdf", slug=slug, number=number))


@bp.route("/projets/<slug>/synthese/brouillon", methods=["GET", "POST"])
@login_required
def draft(slug: str):
    """Write the narrative around the live figures, preview it, save it, or publish it once
    the confirmation page has said what is frozen and who is told."""
    project = project_or_404(slug)
    require("syntheses.write", project)
    saved = services.draft_of(project)
    form = SynthesisForm(obj=saved)
    if form.validate_on_submit() and not form.cancel.data:
        narrative, note = form.narrative.data or "", form.change_note.data or ""
        if form.confirm.data:
            created = attempt(
                lambda: services.publish(project, current_user, narrative, note), form
            )
            if created is not FAILED:
                flash(_("La version %(n)d de la synthèse est publiée.", n=created.number),
                      "success")
                return redirect(url_for("syntheses.show_version", slug=slug,
                                        number=created.number))
        elif form.publish.data:
            # Publishing freezes a public version and tells people: say so first.
            preview = attempt(
                lambda: services.preview(project, current_user, narrative, note), form
            )
            if preview is not FAILED:
                return render_template("syntheses/confirm.html", project=project, form=form,
                                       preview=preview, latest=services.latest(project))
        else:
            services.save_draft(project, current_user, narrative, note)
            flash(_("Brouillon enregistré."), "success")
            return redirect(url_for("syntheses.draft", slug=slug))
    narrative = form.narrative.data or ""
    return render_template(
        "syntheses/draft.html",
        project=project,
        form=form,
        figures=figures.compute(project),
        parts=render_synthesis.parts(narrative),
        latest=services.latest(project),
        block_names=(*figures.BLOCKS, *blocks.registered()),
    ), 422 if form.errors or form.form_errors else 200


@bp.route("/projets/<slug>/synthese/brouillon/apercu.pdf")
@login_required
def draft_pdf(slug: str):
    """The saved draft as a PDF, with the figures as they are now (not stored)."""
    project = project_or_404(slug)
    require("syntheses.write", project)
    saved = services.draft_of(project)
    content = render_synthesis.synthesis_pdf(
        project, figures.compute(project), saved.narrative if saved else "",
        number=None, published_at=None,
    )
    return content, 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="brouillon-synthese-{project.slug}.pdf"',
        "Cache-Control": "no-store",
    }


@bp.route("/projets/<slug>/synthese/abonnement", methods=["POST"])
@login_required
def subscription(slug: str):
    """Ask, or stop asking, to be told by email when the synthesis is published."""
    project = project_or_404(slug)
    require("syntheses.subscribe", project)
    if request.form.get("action") == "arreter":
        services.unsubscribe(project, current_user)
        flash(_("Vous ne serez plus prévenu·e des synthèses de ce projet."), "success")
    elif attempt(lambda: services.subscribe(project, current_user)) is not FAILED:
        flash(_("Vous serez prévenu·e par courriel de chaque synthèse publiée."), "success")
    return redirect(url_for("syntheses.show", slug=slug))
