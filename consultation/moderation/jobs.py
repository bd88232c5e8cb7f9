"""Moderation mails, sent as jobs: to the author of a hidden comment, and to reporters (the
author of a proposal hidden, restored or merged is told by the notifications)."""

from __future__ import annotations

from email.message import Message
from functools import partial
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core.mail import compose, deliver, send_once
from consultation.extensions import db


def _link(kind: str, target: Any) -> str:
    if kind == "proposal":
        return url_for("proposals.show", proposal_id=target.id, _external=True)
    if target.proposal_id:
        return url_for("proposals.show", proposal_id=target.proposal_id,
                       _anchor=f"commentaire-{target.id}", _external=True)
    return url_for("projects.show", slug=target.project.slug,
                   _anchor=f"commentaire-{target.id}", _external=True)


def _message(user: User, subject: Any, template: str, **context: Any) -> Message:
    assert user.email is not None  # _send() writes only to those who have one
    with force_locale(user.locale or "fr"), current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"]
    ):
        return compose(user.email, str(subject), template, user=user, **context)


def _send(user: User, subject: Any, template: str, **context: Any) -> None:
    if user.email:
        deliver(_message(user, subject, template, **context))


def tell_author_hidden(kind: str, target_id: int) -> None:
    """Tell the author that moderation hid their comment, and why."""
    from consultation.moderation.services import target_of

    target = target_of(kind, target_id)
    if target is None or target.moderation != "hidden":
        return
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        link = _link(kind, target)
    _send(target.author, _l("Votre contribution a été masquée par la modération"),
          "content_hidden", kind=kind, target=target, link=link)


def tell_reporters(report_ids: list[int]) -> None:
    """Tell each reporter what was decided about what they reported, with a link to it."""
    from consultation.moderation.models import Report
    from consultation.moderation.services import target_of

    links: dict[tuple[str, int], str | None] = {}
    for report in list(db.session.scalars(select(Report).where(Report.id.in_(report_ids)))):
        if report.status == "open":
            continue
        key = (report.target_kind, report.target_id)
        if key not in links:
            # One may report several items: the link says which one this mail is about.
            target = target_of(*key) if report.target_kind != "user" else None
            links[key] = None
            if target is not None:
                with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
                    links[key] = _link(report.target_kind, target)
        if report.reporter.email:
            # Once per report: a retry after a failure half-way tells only the others.
            send_once(f"report:{report.id}", [report.reporter], partial(
                _message, subject=_l("Votre signalement a été examiné"),
                template="report_decided", report=report, link=links[key],
            ))
