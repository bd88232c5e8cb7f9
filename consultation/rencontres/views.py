"""Pages of the Rencontres des numériques: editions, their dossiers, the admin's forms."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.core import documents
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, require
from consultation.core.permissions import can
from consultation.extensions import login_required
from consultation.rencontres import bp, services
from consultation.rencontres.forms import EditionForm
from consultation.rencontres.models import Edition


def _edition_or_404(year: int) -> Edition:
    edition = services.by_year(year)
    # A draft edition exists only for those who run the editions.
    if edition is None or not (edition.is_published or can(current_user, "rencontres.manage")):
        abort(404)
    return edition


def _form(edition: Edition | None) -> EditionForm:
    form = EditionForm(obj=edition)
    versions = services.attachable_versions()
    attached = list(edition.syntheses) if edition else []
    # An attached version stays a choice even after a newer one was published.
    for version in attached:
        if version not in versions:
            versions.append(version)
    form.syntheses.choices = [
        SelectChoice(v.id, _("%(title)s — version %(n)d, publiée le %(day)s",
                             title=v.project.title, n=v.number,
                             day=v.published_at.strftime("%d/%m/%Y")))
        for v in versions
    ]
    if request.method == "GET" and edition is not None:
        form.syntheses.data = [v.id for v in attached]
    return form


def _save(edition: Edition | None):
    form = _form(edition)
    if form.validate_on_submit():
        saved = attempt(
            lambda: services.save(
                edition, current_user, year=filled(form.year.data),
                title=filled(form.title.data),
                held_on=filled(form.held_on.data), venue=filled(form.venue.data),
                programme=form.programme.data or "", version_ids=form.syntheses.data or [],
            ),
            form,
        )
        if saved is not FAILED:
            flash(_("Édition enregistrée."), "success")
            return redirect(url_for("rencontres.show", year=saved.year))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rencontres/form.html", form=form, edition=edition), status


@bp.route("/rencontres")
def index():
    """Every published edition (and drafts, for admins)."""
    manage = can(current_user, "rencontres.manage")
    return render_template(
        "rencontres/index.html",
        editions=services.editions(include_drafts=manage),
        subscribed=current_user.is_authenticated and services.is_subscribed(current_user),
    )


@bp.route("/rencontres/<id:year>")
def show(year: int):
    """An edition: when and where, its programme, its syntheses and its dossier."""
    edition = _edition_or_404(year)
    return render_template("rencontres/show.html", edition=edition,
                           year_figures=services.year_figures(edition))


@bp.route("/rencontres/<id:year>/dossier")
def dossier(year: int):
    """The edition's dossier PDF once built; until then, the state of its build."""
    edition = _edition_or_404(year)
    if edition.document is None:
        abort(404)
    return documents.serve(
        edition.document,
        title=_("Dossier des Rencontres des numériques %(year)d (PDF)", year=year),
        back_url=url_for("rencontres.show", year=year),
        retry_url=url_for("rencontres.retry_dossier", year=year)
        if can(current_user, "rencontres.manage", edition) else None,
    )


@bp.route("/rencontres/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    """Create the edition of a year."""
    require("rencontres.manage")
    return _save(None)


@bp.route("/rencontres/<id:year>/modifier", methods=["GET", "POST"])
@login_required
def edit(year: int):
    """Change an edition and the syntheses it gathers."""
    require("rencontres.manage")
    return _save(_edition_or_404(year))


@bp.route("/rencontres/<id:year>/publier", methods=["POST"])
@login_required
def publish(year: int):
    """Publish the edition and build its dossier (again, after a change)."""
    edition = _edition_or_404(year)
    require("rencontres.manage", edition)
    if attempt(lambda: services.publish(edition, current_user)) is not FAILED:
        # The page below says where the dossier stands (built already when jobs run inline).
        flash(_("L'édition est publiée."), "success")
    return redirect(url_for("rencontres.show", year=year))


@bp.route("/rencontres/<id:year>/dossier/relancer", methods=["POST"])
@login_required
def retry_dossier(year: int):
    """Build again a dossier whose build failed."""
    edition = _edition_or_404(year)
    require("rencontres.manage", edition)
    if attempt(lambda: services.retry_dossier(edition, current_user)) is FAILED:
        return redirect(url_for("rencontres.show", year=year))  # where the message is shown
    flash(_("La fabrication du dossier est relancée."), "success")
    return redirect(url_for("rencontres.dossier", year=year))


@bp.route("/rencontres/abonnement", methods=["POST"])
@login_required
def subscription():
    """Ask, or stop asking, to be told by email when an edition is published."""
    require("rencontres.subscribe")
    if request.form.get("action") == "arreter":
        services.unsubscribe(current_user)
        flash(_("Vous ne serez plus prévenu·e des éditions."), "success")
    elif attempt(lambda: services.subscribe(current_user)) is not FAILED:
        flash(_("Vous serez prévenu·e par courriel de la publication de chaque édition."),
              "success")
    return redirect(url_for("rencontres.index"))
