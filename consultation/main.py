"""Site-wide pages: home, accessibility statement, health check, language choice."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from sqlalchemy import text

from consultation.core.http import safe_next
from consultation.extensions import db
from consultation.projects.services import project_list_query

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Home: what the platform is for and the consultations open now."""
    open_projects = list(db.session.scalars(project_list_query(state="ouverts").limit(6)))
    return render_template("home.html", open_projects=open_projects)


@bp.route("/accessibilite")
def accessibility():
    """The accessibility statement that French law asks of public bodies (RGAA 4.1)."""
    return render_template(
        "accessibility.html",
        contact=current_app.config["ACCESSIBILITY_CONTACT"],
        postal_address=current_app.config["ACCESSIBILITY_POSTAL_ADDRESS"],
        established_on=current_app.config["ACCESSIBILITY_STATEMENT_DATE"],
    )


@bp.route("/healthz")
def healthz():
    """Answer 200 after a trivial database query (for load balancers)."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/langue", methods=["POST"])
def language():
    """Switch the interface language for this visit."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), "/"))
