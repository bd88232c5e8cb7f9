"""Buttons repeated for each item of a staff list name their item (WCAG 2.4.4): a page of
several items waiting for approval never has two "Approuver" leading to different decisions."""

from __future__ import annotations

from consultation.extensions import db
from tests import factories
from tests.inclusion.test_audit_a11y import ambiguous_names, named


def test_each_pending_item_names_its_buttons(as_role):
    """Two proposals of one person wait in a pre-moderated project: each "Approuver" and
    "Refuser" says which (names read with white space collapsed)."""
    project = factories.project("consultation", premoderation=True)
    author = factories.user(display_name="Yann Le Gall")
    first = factories.proposal(project, author=author, title="Des bancs au port")
    factories.proposal(project, author=author, title="Des bancs en ville")
    db.session.commit()
    page = as_role("moderator").get("/moderation/attente").get_data(as_text=True)
    buttons = [name for name, _ in named(page).names() if name.startswith("Approuver")]
    assert len(buttons) >= 2, page[:2000]
    assert ambiguous_names(page) == []
    assert "Approuver la proposition « Des bancs au port »" in buttons
    assert first.moderation == "pending"
