"""The elected officials' reading space."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consultation.core import pages
from consultation.core.http import require
from consultation.elected import bp, services
from consultation.extensions import login_required


@bp.route("/elus")
@login_required
def space():
    """Syntheses and Rencontres dossiers to read, what is new since last time, the follow-up."""
    require("elected.read")
    space_ = services.reading_space(current_user)
    return render_template("elected/space.html", space=space_, is_new=services.is_new,
                           **pages.context("elected", current_user))


@bp.route("/elus/vu", methods=["POST"])
@login_required
def mark_seen():
    """Mark everything published until now as seen: it is no longer flagged as new."""
    require("elected.read")
    services.mark_seen(current_user)
    flash(_("C'est noté : les publications à venir seront signalées comme nouvelles."), "success")
    return redirect(url_for("elected.space"))
