"""Mediation pages: participants, acting for one of them, paper workshops, taking an account
over; and the check of the acting session on every request, with its banner."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3

from consultation.core import permissions, ratelimits
from consultation.core.acting import act_for, acting
from consultation.core.context import this_request, this_session
from consultation.core.db import abandon_request
from consultation.core.forms import filled, given_back
from consultation.core.http import FAILED, attempt, safe_next
from consultation.core.pagination import page_number, paginate
from consultation.core.security import large_form
from consultation.core.text import elide
from consultation.extensions import db, login_required
from consultation.mediation import bp, services
from consultation.mediation.forms import (
    ANONYMOUS,
    MAX_ROWS,
    MORE_ROWS,
    ClaimForm,
    ParticipantForm,
    WorkshopForm,
)
from consultation.mediation.models import AGE_BRACKETS, AssistedProfile
from consultation.projects.services import project_list_query
from consultation.reference.models import Territory
from consultation.reference.services import territory_choices

# Requests that go through even when the acting session has just ended: they attribute
# nothing to anyone.
UNATTRIBUTED = {"static", "accounts.logout", "main.language", "mediation.stop", "mediation.start"}


def _require(name: str, obj: Any = None) -> None:
    # The mediator's own rights, even while acting for someone (core.http.require asks about
    # the person acted for).
    permissions.require(current_user, name, obj)


def _profile_or_404(user_id: int) -> AssistedProfile:
    profile = services.profile_of(user_id)
    if profile is None:
        abort(404)
    return profile


# --- The acting session, checked on every request (stages of consultation/pipeline.py) ------


def check_acting() -> Any:
    """While a mediator acts for someone, make that person the author of contributions; once
    the 30 minutes are over (or the rights are gone), stop, and refuse the action sent."""
    # The request and session themselves, not their proxies: every request asks this.
    if this_request().endpoint == "static" or services.SESSION_KEY not in this_session():
        return None
    checked = services.check_acting(session, current_user)
    if checked is None:
        return None
    if checked.person is not None:
        act_for(checked.person, current_user._get_current_object())
        return None
    assert checked.refusal is not None  # no person: the check tells why the session ended
    person = session[services.SESSION_KEY].get("person") \
        if isinstance(session[services.SESSION_KEY], dict) else None
    services.stop_acting(session)
    if request.method == "POST" and request.endpoint not in UNATTRIBUTED:
        abandon_request()
        return _sent_again(checked.refusal, person)
    flash(checked.refusal, "error")
    return None


def _sent_again(refusal: str, person_id: Any) -> tuple[str, int]:
    """A contribution refused because the acting session ended, given back as typed, with a
    button that acts for the person again and sends it (409: nothing was done)."""
    profile = services.profile_of(person_id) if isinstance(person_id, int) else None
    restart = profile is not None and permissions.can(current_user, "mediation.act", profile)
    back = given_back()
    return render_template(
        "mediation/acting_ended.html", refusal=refusal, kept=back.kept, profile=profile,
        shown=back.shown,
        action=url_for("mediation.start", user_id=profile.user_id, next=back.target)
        if restart and profile is not None else None,
    ), 409


def forget_acting(*_: Any, **__: Any) -> None:
    """Logging in or out ends any acting session of the browser, on the server too."""
    services.stop_acting(session)


def acting_banner() -> dict[str, Any]:
    """What base.html shows: the acting banner (the menu's mediation entry is core/chrome.py's:
    kept with the rest of the menu)."""
    current = acting()
    return {
        "acting_for": current.person if current is not None else None,
        "acting_minutes_left": services.minutes_left(session) if current is not None else 0,
        "acting_seconds_left": services.seconds_left(session) if current is not None else 0,
    }


@bp.app_template_global("workshop_of")
def workshop_of(workshop_id: int | None) -> Any:
    """The paper workshop a contribution came from (one query per workshop and request)."""
    return services.workshop_of(workshop_id)


@bp.route("/mediation/agir/prolonger", methods=["POST"])
@login_required
def extend():
    """Give the acting session 30 more minutes."""
    _require("mediation.register")
    current = acting()
    if current is None:
        flash(_("Vous n'agissez pour le compte de personne."), "info")
        return redirect(url_for("mediation.participants"))
    _require("mediation.act", services.profile_of(current.person.id))
    services.extend_acting(session)
    if request.form.get("quiet"):  # static/kiosk.js, in the background: the page stays
        return redirect(safe_next(request.form.get("next"), url_for("main.home")))
    name = current.person.display_name
    flash(elide(_("Vous agissez pour le compte de %(name)s pendant encore %(minutes)d minutes.",
                  name=name, minutes=services.minutes_left(session)), name), "success")
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))


@bp.route("/mediation/agir/arreter", methods=["POST"])
@login_required
def stop():
    """Stop acting for someone: the mediator acts as themself again."""
    _require("mediation.register")
    current = acting()
    services.stop_acting(session)
    if current is not None:
        name = current.person.display_name
        flash(elide(_("Vous n'agissez plus pour le compte de %(name)s.", name=name), name),
              "success")
    return redirect(url_for("mediation.participants"))


# --- Participants ---------------------------------------------------------------------------


@bp.route("/mediation/participants")
@login_required
def participants():
    """The participants this mediator registered, or all of them, searchable by name."""
    _require("mediation.register")
    from consultation.accounts.services import search_text

    query = search_text(request.args.get("q", ""))
    everyone = request.args.get("tous") == "1"
    statement = services.participants(query, None if everyone else current_user)
    page = paginate(statement, page_number(), 50)
    return render_template("mediation/participants.html", page=page, query=query,
                           everyone=everyone)


@bp.route("/mediation/participants/nouveau", methods=["GET", "POST"])
@login_required
@ratelimits.posting
def register():
    """Register a person without email or account, with the reference of their consent."""
    _require("mediation.register")
    form = ParticipantForm()
    form.commune.choices = territory_choices(blank=_("— Non précisée —"))
    if form.validate_on_submit():
        profile = attempt(
            lambda: services.register_participant(
                current_user, filled(form.display_name.data),
                db.session.get(Territory, form.commune.data) if form.commune.data else None,
                form.age_bracket.data, filled(form.consent_reference.data),
                form.consented_on.data, charter_accepted=bool(form.charter.data),
            ),
            form,
        )
        if profile is not FAILED:
            flash(_("%(name)s est inscrit·e. Vous pouvez agir pour son compte.",
                    name=profile.user.display_name), "success")
            return redirect(url_for("mediation.participant", user_id=profile.user_id))
    return render_template("mediation/register.html", form=form)


@bp.route("/mediation/participants/<id:user_id>")
@login_required
def participant(user_id: int):
    """One participant: consent, acting, the code to take the account over."""
    _require("mediation.register")
    profile = _profile_or_404(user_id)
    return render_template("mediation/participant.html", profile=profile,
                           AGE_BRACKETS=AGE_BRACKETS, code=None)


@bp.route("/mediation/participants/<id:user_id>/agir", methods=["POST"])
@login_required
def start(user_id: int):
    """Start acting for the participant, for 30 minutes."""
    profile = _profile_or_404(user_id)
    _require("mediation.act", profile)
    services.start_acting(session, current_user, profile)
    name = profile.user.display_name
    flash(elide(_("Vous agissez pour le compte de %(name)s pendant %(minutes)d minutes. Ses "
                  "propositions, commentaires et soutiens porteront son nom.",
                  name=name, minutes=services.ACTING_MINUTES), name), "success")
    target = safe_next(request.args.get("next"), "")
    if request.form.get("kept") and target:
        # A contribution refused when the last acting session ended: sent again as typed.
        return redirect(target, code=307)
    return redirect(url_for("projects.index"))


@bp.route("/mediation/participants/<id:user_id>/code", methods=["POST"])
@login_required
def claim_code(user_id: int):
    """Make a one-time code for the person to take the account over; shown once."""
    profile = _profile_or_404(user_id)
    _require("mediation.claim_code", profile)
    code = services.new_claim_code(current_user, profile)
    response = render_template("mediation/participant.html", profile=profile,
                               AGE_BRACKETS=AGE_BRACKETS, code=code)
    return response, 200, {"Cache-Control": "no-store"}


# --- Paper workshops ------------------------------------------------------------------------


def _workshop_choices(form: WorkshopForm) -> None:
    projects = [
        project for project in db.session.scalars(project_list_query(state="ouverts"))
        if project.allows("propose") or project.allows("comment")
    ]
    form.set_choices(
        [SelectChoice("", _("— Choisir un projet —"))]
        + [SelectChoice(project.id, project.title) for project in projects],
        [SelectChoice("", _("— Choisir —")),
         SelectChoice(ANONYMOUS, _("Anonyme mais compté·e"))]
        + [SelectChoice(str(user_id), name) for user_id, name in services.participant_choices()],
    )


def _rows(form: WorkshopForm) -> list[services.WorkshopRow]:
    return [
        services.WorkshopRow(
            index=index, kind=row.kind.data, project_id=row.project.data,
            proposal_id=row.proposal_number, title=row.title.data or "",
            body=row.body.data or "", stance=row.stance.data or None,
            author_id=None if row.author.data == ANONYMOUS else int(row.author.data),
        )
        for index, row in form.filled_rows()
    ]


@bp.route("/mediation/ateliers/nouveau", methods=["GET", "POST"])
@large_form("mediation.workshop")  # 100 rows of 10,000 characters: config.py
@login_required
@ratelimits.posting
def workshop():
    """Enter a paper workshop's contributions in one go: all are saved, or none."""
    _require("mediation.workshop")
    form = WorkshopForm()
    _workshop_choices(form)
    if request.method == "POST" and request.form.get("lignes") == "plus":
        for _i in range(min(MORE_ROWS, MAX_ROWS - len(form.rows))):
            form.rows.append_entry()
        _workshop_choices(form)
        return render_template("mediation/workshop.html", form=form)
    if form.validate_on_submit():
        rows = _rows(form)
        if not rows:
            form.form_errors.append(_("Saisissez au moins une contribution."))
            return render_template("mediation/workshop.html", form=form)
        try:
            services.enter_workshop(
                current_user, filled(form.place.data), filled(form.held_on.data), rows
            )
        except services.RowsRefused as refused:
            abandon_request()
            form.form_errors.append(refused.message)
            for (index, name), message in refused.errors.items():
                form.rows[index].form[name].errors.append(message)
        else:
            flash(ngettext("L'atelier est enregistré avec sa contribution.",
                           "L'atelier est enregistré avec ses %(num)d contributions.",
                           len(rows)), "success")
            return redirect(url_for("mediation.participants"))
    return render_template("mediation/workshop.html", form=form)


# --- Taking an account over -----------------------------------------------------------------


@bp.route("/compte/reclamer", methods=["GET", "POST"])
@ratelimits.registration  # a code is guessed by trying: as many tries as sign-ups
def claim():
    """A person a mediator registered takes the account over with their one-time code."""
    if current_user.is_authenticated:
        flash(_("Vous êtes déjà connecté·e à un compte."), "info")
        return redirect(url_for("main.home"))
    form = ClaimForm()
    if form.validate_on_submit():
        user = attempt(
            lambda: services.claim(filled(form.code.data), filled(form.email.data),
                                   filled(form.password.data),
                                   form.display_name.data,
                                   charter_accepted=bool(form.charter.data)),
            form,
        )
        if user is not FAILED:
            login_user(user)
            flash(_("Votre compte est à vous : vous retrouvez vos contributions et vous "
                    "connectez désormais avec votre adresse et votre mot de passe."), "success")
            flash(_("Un lien de confirmation vient d'être envoyé à %(email)s : ouvrez-le pour "
                    "confirmer votre adresse.", email=user.email), "info")
            return redirect(url_for("accounts.profile"))
    return render_template("mediation/claim.html", form=form)
