"""Notification pages: email settings and unsubscription."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consultation.accounts.models import User
from consultation.core.errors import abort_with
from consultation.core.http import require
from consultation.extensions import csrf
from consultation.notifications import bp, mailing, services
from consultation.notifications.forms import SettingsForm
from consultation.notifications.models import EmailFrequency


@bp.route("/compte/notifications/reglages", methods=["GET", "POST"])
@login_required
def settings():
    """Choose how often to be emailed, and whether to follow what one takes part in."""
    require("notifications.settings", current_user)
    current = services.settings_of(current_user)
    form = SettingsForm()
    if request.method == "GET":
        form.email_frequency.data = str(current.email_frequency)
        form.auto_follow.data = current.auto_follow
    if form.validate_on_submit():
        services.save_settings(current_user, EmailFrequency(form.email_frequency.data),
                               bool(form.auto_follow.data))
        flash(_("Vos réglages de notification sont enregistrés."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form,
                           has_email=bool(current_user.email))


def _owner(token: str) -> User:
    user = mailing.user_of_token(token)
    if user is None:
        abort_with(404, _("Ce lien de désabonnement n'est pas valide. Vous pouvez régler vos "
                     "courriels depuis votre compte, page « Mes notifications »."))
    assert user is not None  # abort_with raised otherwise
    return user


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop all email from the platform from a link in an email, without logging in."""
    user = _owner(token)
    if request.method == "POST":
        services.unsubscribe(user)
        return render_template("notifications/unsubscribed.html")
    return render_template("notifications/unsubscribe.html", token=token)


@bp.route("/desabonnement/<token>/un-clic", methods=["POST"])
@csrf.exempt
def unsubscribe_one_click(token: str):
    """The one-click unsubscription mail programs send (RFC 8058): the link's secret stands
    in for the form's token."""
    services.unsubscribe(_owner(token))
    return render_template("notifications/unsubscribed.html")
