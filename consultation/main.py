"""Site-wide pages: home, who runs the site (legal notice, contact, participation charter),
site map, privacy, accessibility statement, favicon, health check, language choice."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from consultation.core import fragments, kiosk
from consultation.core.http import require, safe_next
from consultation.core.models import today
from consultation.core.permissions import has_role, rule
from consultation.extensions import csrf, db, login_required
from consultation.projects.services import project_keys, project_list_query, projects_by_ids

bp = Blueprint("main", __name__)

# Taking a town-hall terminal out of kiosk mode is for the people who look after it.
rule("kiosk.quit", has_role("mediator", "admin"))


@bp.route("/")
def home():
    """Home: what the platform is for and the consultations open now."""
    # The cards are the same for everyone until one of these projects changes or the day does
    # (phases open and close at midnight); the rows are read only to make them.
    shown = tuple((ident, version) for ident, version in project_keys(state="ouverts", limit=6))

    def render() -> str:
        return render_template(
            "_home.html", open_projects=projects_by_ids([ident for ident, _ in shown])
        )

    return render_template(
        "home.html", shared=fragments.cached("home", (shown, today()), render)
    )


@bp.route("/confidentialite")
def privacy():
    """What personal data the platform keeps, why, for how long, and the person's rights."""
    return render_template("privacy.html", contact=current_app.config["PRIVACY_CONTACT"])

@bp.route("/accessibilite")
def accessibility():
    """The accessibility statement that French law asks of public bodies (RGAA 4.1)."""
    return render_template(
        "accessibility.html",
        contact=current_app.config["ACCESSIBILITY_CONTACT"],
        postal_address=current_app.config["ACCESSIBILITY_POSTAL_ADDRESS"],
        established_on=current_app.config["ACCESSIBILITY_STATEMENT_DATE"],
    )


def _settings(*names: str) -> dict[str, str | None]:
    """The settings a page names, by lower-case name (None: not set yet, the page says so)."""
    return {name.lower(): current_app.config.get(name) or None for name in names}


@bp.route("/mentions-legales")
def legal():
    """The legal notice: who publishes the site, who answers for it, who hosts it."""
    return render_template("legal.html", **_settings(
        "LEGAL_PUBLISHER", "LEGAL_PUBLISHER_ADDRESS", "LEGAL_DIRECTOR", "LEGAL_HOST",
        "CONTACT_EMAIL", "CONTACT_POSTAL_ADDRESS"))


@bp.route("/contact")
def contact():
    """Who to write to, for what: moderation, personal data, accessibility, the rest."""
    return render_template("contact.html", **_settings(
        "LEGAL_PUBLISHER", "CONTACT_EMAIL", "CONTACT_POSTAL_ADDRESS", "MODERATION_CONTACT",
        "PRIVACY_CONTACT", "ACCESSIBILITY_CONTACT", "ACCESSIBILITY_POSTAL_ADDRESS"))


@bp.route("/charte")
def charter():
    """The participation charter: what is welcome, what moderation removes and why, appeals."""
    return render_template("charter.html", threshold=current_app.config["REPORT_THRESHOLD"],
                           **_settings("LEGAL_PUBLISHER", "MODERATION_CONTACT"))


@bp.route("/plan-du-site")
def sitemap():
    """Every section of the site and every published project, one link each (RGAA 12.3)."""
    projects = list(db.session.scalars(project_list_query()))
    return render_template("sitemap.html", projects=projects)


@bp.route("/favicon.ico")
def favicon():
    """The mark, for the programs that ask for /favicon.ico without reading the page."""
    folder = current_app.static_folder
    assert folder is not None
    return send_from_directory(folder, "brand/mark.svg", mimetype="image/svg+xml",
                               max_age=24 * 3600)


@bp.route("/healthz")
def healthz():
    """Answer 200 after a trivial database query, 503 when the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except (OperationalError, PoolTimeout):
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/langue", methods=["POST"])
@csrf.exempt
def language():
    """Switch the interface language for this visit."""
    # A visitor's switch carries no token: it changes only their own display, and pages that
    # ask for no token make no session nor cookie (a first visit is then served lighter). A
    # logged-in person's still does, as every POST of theirs.
    if current_user.is_authenticated and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.route("/borne")
def kiosk_start():
    """Make this browser a town-hall terminal (a long-lived cookie of its own), fresh."""
    kiosk.end_session()
    flash(_("Ce poste est une borne partagée : chaque session se termine après %(n)d minutes "
            "sans activité ou avec le bouton « Terminer ma session ».",
            n=kiosk.idle_minutes()), "info")
    response = redirect(url_for("main.home"))
    response.set_cookie(kiosk.COOKIE, "1", max_age=kiosk.COOKIE_MAX_AGE, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/borne/quitter")
@login_required
def kiosk_quit():
    """Give this browser back its ordinary behaviour (mediators and admins)."""
    require("kiosk.quit")
    if current_app.config["KIOSK_MODE"]:
        flash(_("Le mode borne est imposé à tout le site par sa configuration (KIOSK_MODE)."),
              "error")
        return redirect(url_for("main.home"))
    kiosk.end_session()
    flash(_("Ce navigateur n'est plus une borne partagée."), "success")
    response = redirect(url_for("main.home"))
    response.delete_cookie(kiosk.COOKIE, httponly=True, samesite="Lax")
    return response


@bp.route("/borne/terminer", methods=["POST"])
def kiosk_end():
    """End the person's session on a shared terminal and leave nothing of it behind."""
    kiosk.end_session()
    flash(_("Session terminée : vous pouvez laisser le poste à la personne suivante."),
          "success")
    response = redirect(url_for("main.home"))
    # Not "cookies": that would also drop the kiosk cookie and take the terminal out of kiosk
    # mode. The session cookie is emptied above and the remember cookie deleted by logout.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/borne/fin")
def kiosk_idle():
    """Where an idle kiosk page leads (static/kiosk.js): the session ends, back to the start."""
    if kiosk.is_kiosk() and session:
        kiosk.end_idle_session()
    return redirect(url_for("main.home"))
