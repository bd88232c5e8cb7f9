"""Site-wide pages: home, health check, language choice."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from consultation.core.http import safe_next
from consultation.extensions import db
from consultation.projects.services import project_list_query

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Home: what the platform is for and the consultations open now."""
    open_projects = list(db.session.scalars(project_list_query(state="ouverts").limit(6)))
    return render_template("home.html", open_projects=open_projects)


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
def language():
    """Switch the interface language for this visit."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), "/"))
