"""Account pages: register, log in and out, reset a password, profile, and role management."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consultation.accounts import bp, services
from consultation.accounts.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    RolesForm,
)
from consultation.accounts.models import ROLES, User
from consultation.core import kiosk, pages, ratelimits
from consultation.core.forms import filled
from consultation.core.http import FAILED, attempt, get_or_404, require, safe_next
from consultation.core.models import today
from consultation.core.pagination import page_number, paginate
from consultation.extensions import db, login_manager, login_required
from consultation.reference.models import Territory
from consultation.reference.services import territory_choices

login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"
login_manager.localize_callback = _


def _territory(territory_id: int | None) -> Territory | None:
    return db.session.get(Territory, territory_id) if territory_id else None


@bp.route("/compte/inscription", methods=["GET", "POST"])
@ratelimits.registration
def register():
    """Create a citizen account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.commune.choices = territory_choices(blank=_("— Je préfère ne pas le dire —"))
    if form.validate_on_submit():
        user = attempt(
            lambda: services.register(
                filled(form.email.data), filled(form.display_name.data), filled(form.password.data),
                _territory(form.commune.data), charter_accepted=bool(form.charter.data),
            ),
            form,
        )
        if user is not FAILED:
            login_user(user)
            flash(_("Bienvenue, votre compte est créé."), "success")
            flash(_("Un lien de confirmation vient d'être envoyé à %(email)s : ouvrez-le pour "
                    "pouvoir proposer, commenter, soutenir et signaler.", email=user.email),
                  "info")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    return render_template("accounts/register.html", form=form)


@bp.route("/compte/connexion", methods=["GET", "POST"])
@ratelimits.login
def login():
    """Log in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(filled(form.email.data), filled(form.password.data))
        if user is None:
            form.form_errors.append(_("Adresse électronique ou mot de passe incorrect."))
        else:
            # A shared terminal never keeps anyone logged in.
            login_user(user, remember=bool(form.remember.data) and not kiosk.is_kiosk())
            flash(_("Vous êtes connecté·e."), "success")
            # A form kept past a terminal's idle delay (core/kiosk.py) is sent again as is.
            resend = bool(request.form.get("kept")) and safe_next(request.args.get("next"), "")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")),
                            code=307 if resend else 302)
    return render_template("accounts/login.html", form=form)


@bp.route("/compte/deconnexion", methods=["POST"])
def logout():
    """Log out (POST only, so that a link cannot log anyone out); the account's sessions end on
    the server, on every browser, so a copy of the session cookie no longer works."""
    if kiosk.is_kiosk():
        kiosk.end_session()  # a shared terminal keeps nothing of the person
    else:
        if current_user.is_authenticated:
            services.end_sessions(current_user)
        logout_user()
        session.pop("lang", None)
    flash(_("Vous êtes déconnecté·e, sur tous vos appareils."), "success")
    return redirect(url_for("main.home"))


@bp.route("/compte/mot-de-passe-oublie", methods=["GET", "POST"])
@ratelimits.reset_request
def forgot_password():
    """Ask for a password reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(filled(form.email.data))
        flash(
            _("Si un compte existe avec cette adresse, un lien de réinitialisation vient d'y être "
              "envoyé. Il reste valable une heure."),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/compte/reinitialiser/<token>", methods=["GET", "POST"])
@ratelimits.reset
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    owner = services.user_for_reset_token(token)
    if owner is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    form.owner = owner
    if form.validate_on_submit():
        user = attempt(lambda: services.reset_password(token, filled(form.password.data)), form)
        if user is not FAILED:
            login_user(user)
            flash(_("Votre mot de passe est changé."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/compte/confirmer/<token>", methods=["GET", "POST"])
@ratelimits.confirmation
def confirm_email(token: str):
    """Confirm one's address from the emailed link: the page shows a button, its POST confirms."""
    owner = services.user_for_confirmation_token(token)
    if owner is None:
        return render_template("accounts/confirm_invalid.html"), 400
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        result = attempt(lambda: services.confirm_email(token))
        if result is not FAILED:
            if result[1]:
                flash(_("Votre adresse électronique est confirmée : vous pouvez proposer, "
                        "commenter, soutenir et signaler."), "success")
            else:
                flash(_("Votre adresse électronique était déjà confirmée : rien n'a changé."),
                      "info")
            return redirect(url_for("main.home"))
    return render_template("accounts/confirm_email.html", form=form, owner=owner)


@bp.route("/compte/confirmation/renvoyer", methods=["POST"])
@login_required
@ratelimits.confirmation_request
def resend_confirmation():
    """Send a new confirmation link to the logged-in person's address."""
    form = ResendConfirmationForm()
    back = safe_next(request.form.get("next"), url_for("accounts.profile"))
    if form.validate_on_submit():
        done = attempt(lambda: services.send_confirmation(current_user))
        if done is not FAILED:
            flash(_("Un nouveau lien de confirmation vient d'être envoyé à %(email)s. Il reste "
                    "valable sept jours.", email=current_user.email), "success")
    return redirect(back)


@bp.route("/compte")
@login_required
def space():
    """Mon espace: what one contributed and what became of it, supports, follows and data.

    Accounts sit below every domain, so each domain adds its section through core/pages.py.
    """
    require("accounts.space", current_user)
    return render_template("accounts/space.html", **pages.context("account", current_user))


@bp.route("/compte/profil", methods=["GET", "POST"])
@login_required
def profile():
    """Edit one's public name, commune and language."""
    require("accounts.edit_profile", current_user)
    form = ProfileForm(obj=current_user, prefix="profil")
    form.commune.choices = territory_choices(blank=_("— Je préfère ne pas le dire —"))
    if request.method == "GET":
        form.commune.data = current_user.commune_id
        form.locale.data = current_user.locale or "fr"
    password_form = ChangePasswordForm(prefix="mdp")
    if form.validate_on_submit():
        services.update_profile(
            current_user, filled(form.display_name.data), _territory(form.commune.data),
            form.locale.data,
        )
        session["lang"] = form.locale.data
        flash(_("Votre profil est enregistré."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/compte/mot-de-passe", methods=["POST"])
@login_required
def change_password():
    """Change one's password; every other session ends."""
    form = ProfileForm(obj=current_user, prefix="profil")
    form.commune.choices = territory_choices(blank=_("— Je préfère ne pas le dire —"))
    form.commune.data = current_user.commune_id
    password_form = ChangePasswordForm(prefix="mdp")
    password_form.owner = current_user
    if password_form.validate_on_submit():
        done = attempt(
            lambda: services.change_password(
                current_user, filled(password_form.current.data),
                filled(password_form.password.data),
            ),
            password_form,
        )
        if done is not FAILED:
            login_user(current_user._get_current_object())  # the new nonce, for this session
            flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/compte/mes-donnees.zip")
@login_required
def export_data():
    """Download everything the platform keeps about oneself, as a zip of JSON files."""
    require("accounts.export", current_user)
    archive = services.export_archive(current_user)
    return Response(
        archive,
        mimetype="application/zip",
        headers={
            "Content-Disposition":
                f"attachment; filename=mes-donnees-consultation-{today().isoformat()}.zip",
            # Personal data: never kept by a browser cache or a proxy.
            "Cache-Control": "no-store",
        },
    )


@bp.route("/compte/supprimer", methods=["GET", "POST"])
@login_required
@ratelimits.posting  # the form takes a password: no guessing it from a stolen cookie
def delete_account():
    """Delete one's account after a clear warning and the password; the session ends."""
    require("accounts.delete", current_user)
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: services.delete_account(current_user, filled(form.password.data)), form
        )
        if done is not FAILED:
            logout_user()
            session.pop("lang", None)
            flash(_("Votre compte est supprimé. Vos contributions restent publiées sans votre "
                    "nom."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/delete.html", form=form)


@bp.route("/admin/utilisateurs")
@login_required
def users():
    """List accounts, searchable by name or email, for role management."""
    require("users.manage")
    query = services.search_text(request.args.get("q", ""))
    statement = select(User).options(selectinload(User.role_rows)).order_by(User.id)
    page = paginate(services.matching(statement, query), page_number(), 50)
    return render_template("accounts/users.html", page=page, query=query, ROLES=ROLES)


@bp.route("/admin/utilisateurs/<id:user_id>/roles", methods=["GET", "POST"])
@login_required
def user_roles(user_id: int):
    """Give or take roles of one account."""
    require("users.manage")
    user = get_or_404(User, user_id)
    form = RolesForm()
    if request.method == "GET":
        for role in ROLES:
            form[role].data = user.has_role(role)
    if form.validate_on_submit():
        done = attempt(lambda: services.set_roles(current_user, user, form.chosen()), form)
        if done is not FAILED:
            flash(_("Les rôles de %(name)s sont enregistrés.", name=user.account_name), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_roles.html", form=form, user=user)
