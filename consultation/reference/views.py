"""The admin's page of the territories' populations."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from consultation.core.http import require
from consultation.extensions import login_required
from consultation.reference import bp, services
from consultation.reference.forms import populations_form


@bp.route("/admin/territoires", methods=["GET", "POST"])
@login_required
def territories():
    """List the territories with their population and save the admin's corrections."""
    require("territories.manage")
    rows = services.all_territories()
    form = populations_form(rows)
    if form.validate_on_submit():
        changed = services.set_populations(current_user, form.populations(rows))
        flash(ngettext("%(num)d population enregistrée.", "%(num)d populations enregistrées.",
                       changed), "success")
        return redirect(url_for("reference.territories"))
    return render_template(
        "reference/territories.html",
        form=form,
        communes=[t for t in rows if t.kind == "commune"],
        others=[t for t in rows if t.kind != "commune"],
    )
