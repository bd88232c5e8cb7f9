"""A small site with content in every state a visitor may or may not see, for the API tests."""

from __future__ import annotations

from typing import Any

from consultation.comments import services as comments
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.moderation import services as moderation
from consultation.proposals import services as proposals
from consultation.syntheses import render
from consultation.syntheses import services as syntheses
from tests import factories

EMAIL_DOMAIN = "@exemple.fr"


def build(monkeypatch: Any) -> dict[str, Any]:
    """Projects, proposals, comments, commitments and syntheses, each state once; the ids of
    what a visitor sees ("shown_*") and of what they do not ("hidden_*")."""
    monkeypatch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
    staff = factories.user(roles=("moderator", "admin"), display_name="Modératrice Secrète")
    author = factories.user(display_name="Auteur Caché")
    brest = factories.territory("Brest")
    project = factories.project("consultation", actor=staff, territory_ids=[brest.id])
    premoderated = factories.project("consultation", actor=staff, premoderation=True)
    shown = factories.proposal(project, author=author, territory=brest)
    answered = factories.proposal(project, author=author)
    proposals.give_answer(staff, answered, "accepted", "Nous le ferons.")
    target = factories.proposal(project, author=author)
    merged = factories.proposal(project, author=author)
    moderation.merge(staff, merged, target, "Doublon.")
    withdrawn = factories.proposal(project, author=author)
    hidden = factories.proposal(project, author=author)
    hidden_comment_host = hidden
    held = factories.proposal(project, author=author)
    pending = factories.proposal(premoderated, author=author)
    # Comments: visible on a proposal, a reply, on the project; and every invisible kind.
    comment = factories.comment(shown, author=author)
    reply = factories.comment(author=author, parent=comment, stance="contre")
    on_project = factories.comment(project, author=author, stance="neutre")
    deleted = factories.comment(shown, author=author)
    comments.delete_comment(author, deleted)
    hidden_c = factories.comment(shown, author=author)
    on_hidden = factories.comment(hidden_comment_host, author=author)
    on_withdrawn = factories.comment(withdrawn, author=author)
    pending_c = factories.comment(premoderated, author=author)
    factories.support(shown, staff)
    moderation.hide(staff, "comment", hidden_c, "Hors sujet.")
    moderation.hide(staff, "proposal", hidden, "Hors sujet.")
    db.session.flush()
    held.hold()
    commitment = followup.create_commitment(
        staff, project, followup.CommitmentData(
            title="Un engagement", service="Voirie", proposal_ids=[shown.id, withdrawn.id]))
    followup.add_update(staff, commitment, "Les travaux commencent.", "en_cours", 30)
    db.session.commit()
    version = syntheses.publish(project, staff, "## Ce que nous retenons\n\nUn texte.", "")
    syntheses.save_draft(premoderated, staff, "Un brouillon secret.", "")
    db.session.commit()
    # Withdrawn after it was commented and linked: its comment and its link go with it.
    proposals.withdraw_proposal(author, withdrawn)
    db.session.commit()
    return {
        "project": project.id, "premoderated": premoderated.id, "territory": brest.id,
        "shown_proposals": {shown.id, answered.id, target.id, merged.id},
        "hidden_proposals": {withdrawn.id, hidden.id, held.id, pending.id},
        "shown_comments": {comment.id, reply.id, on_project.id},
        "hidden_comments": {deleted.id, hidden_c.id, on_hidden.id, on_withdrawn.id,
                            pending_c.id},
        "on_project": on_project.id, "merged": merged.id, "target": target.id,
        "shown": shown.id, "answered": answered.id,
        "commitment": commitment.id, "version": version.id,
        "people": [(u.display_name, u.email, u.id) for u in (staff, author)],
    }
