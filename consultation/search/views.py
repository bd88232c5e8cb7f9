"""The search page."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from consultation.core.models import today
from consultation.core.pagination import decode_cursor, rank_number
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.projects.services import is_public
from consultation.search import bp, services
from consultation.search.forms import KIND_NAMES, SearchForm
from consultation.search.text import QueryError, parse

PER_PAGE = 20


@bp.route("/recherche")
def index():
    """Search projects, proposals, comments, syntheses and commitments, with filters."""
    projects = db.session.execute(
        select(Project.id, Project.title).where(is_public()).order_by(Project.title)).all()
    form = SearchForm(request.args, projects=[(p.id, p.title) for p in projects]).read()
    cursor = decode_cursor(form.cursor.data, (int, int, int))
    page, error = None, None
    if (form.q.data or "").strip():
        try:
            query = parse(form.q.data)
        except QueryError as refused:
            error = str(refused)
        else:
            filters = services.Filters(
                kind=form.kind.data or None, project_id=form.project.data,
                territory_id=form.territory.data, phase=form.phase.data or None, day=today(),
            )
            page = services.search_page(query, filters, cursor, PER_PAGE,
                                        rank_number() if cursor else 1)
    filtered = bool(form.kind.data or form.project.data or form.territory.data or form.phase.data)
    return render_template("search/index.html", form=form, page=page, error=error,
                           filtered=filtered, kind_names=KIND_NAMES, cap=services.CANDIDATES)
