"""Proposal mails, sent as jobs."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from consultation.core.mail import compose, deliver
from consultation.extensions import db
from consultation.proposals.models import Proposal


def send_answer_notice(proposal_id: int) -> None:
    """Tell a proposal's author that the metropole answered it."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not proposal.author.email or proposal.answer_status is None:
        return
    author = proposal.author
    assert author.email is not None  # checked above
    with force_locale(author.locale or "fr"), current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"]
    ):
        link = url_for("proposals.show", proposal_id=proposal.id, _external=True)
        message = compose(
            author.email,
            _("Réponse officielle à votre proposition"),
            "answer_notice",
            user=author,
            proposal=proposal,
            link=link,
        )
    deliver(message)
