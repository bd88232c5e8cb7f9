"""A proposal page's parts kept as shared fragments (proposals/views.py, followup/providers.py):
the proposals merged into it and the commitments answering it show every change at once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.followup.models import Commitment
from consultation.moderation import services as moderation
from consultation.proposals.models import Proposal
from tests import factories
from tests.followup.helpers import commitment


def seen(app: Flask, url: str) -> str:
    response = app.test_client().get(url)
    assert response.status_code == 200
    db.session.expire_all()
    return response.get_data(as_text=True)


def test_a_merge_and_its_undoing_show_at_once_on_the_target(app: Flask):
    moderator = factories.user(("moderator",))
    target = factories.proposal(title="La proposition qui reste")
    source = factories.proposal(target.project, title="Le doublon fusionné")
    db.session.commit()
    url = f"/propositions/{target.id}"
    assert "Le doublon fusionné" not in seen(app, url)
    moderation.merge(moderator, db.session.get_one(Proposal, source.id),
                     db.session.get_one(Proposal, target.id), "Doublon")
    db.session.commit()
    assert "Le doublon fusionné" in seen(app, url)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "proposal.merge")).one()
    moderation.unmerge(db.session.get_one(type(moderator), moderator.id), entry, "Erreur")
    db.session.commit()
    assert "Le doublon fusionné" not in seen(app, url)


def test_the_commitments_answering_a_proposal_show_every_change_at_once(app: Flask):
    admin = factories.user(("admin",))
    proposal = factories.proposal()
    other = factories.proposal(proposal.project)
    db.session.commit()
    url = f"/propositions/{proposal.id}"
    assert "Ouvrir une maison du numérique" not in seen(app, url)
    made = commitment(proposal.project, admin, proposals=[other])
    db.session.commit()
    assert "Ouvrir une maison du numérique" not in seen(app, url)

    made = db.session.get_one(Commitment, made.id)
    followup.edit_commitment(admin, made, followup.CommitmentData(
        title="Ouvrir une maison du numérique", proposal_ids=[other.id, proposal.id]))
    db.session.commit()
    assert "Ouvrir une maison du numérique" in seen(app, url)

    made = db.session.get_one(Commitment, made.id)
    followup.add_update(admin, made, "Le chantier commence.", "en_cours", 40)
    db.session.commit()
    assert "40" in seen(app, url).split('id="engagements"')[1].split("</section>")[0]

    made = db.session.get_one(Commitment, made.id)
    followup.edit_commitment(admin, made, followup.CommitmentData(
        title="Une maison du numérique ouverte", proposal_ids=[proposal.id]))
    db.session.commit()
    page = seen(app, url)
    assert "Une maison du numérique ouverte" in page
    assert "Ouvrir une maison du numérique" not in page

    made = db.session.get_one(Commitment, made.id)
    followup.edit_commitment(admin, made, followup.CommitmentData(
        title="Une maison du numérique ouverte", proposal_ids=[other.id]))
    db.session.commit()
    assert 'id="engagements"' not in seen(app, url)


def _breadcrumb(page: str) -> str:
    return page[page.index('<nav class="breadcrumb"'):page.index("</nav>", page.index(
        '<nav class="breadcrumb"'))]


def test_the_kept_breadcrumbs_follow_a_renamed_project_and_a_hidden_proposal(app: Flask):
    moderator = factories.user(("moderator",))
    proposal = factories.proposal(title="Un banc public connecté")
    db.session.commit()
    project_url, url = f"/projets/{proposal.project.slug}", f"/propositions/{proposal.id}"
    assert "Un banc public connecté" in _breadcrumb(seen(app, url))
    project = db.session.get_one(type(proposal.project), proposal.project_id)
    project.title = "Le projet renommé"
    db.session.commit()
    assert "Le projet renommé" in _breadcrumb(seen(app, url))
    assert "Le projet renommé" in _breadcrumb(seen(app, project_url))
    moderation.hide(moderator, "proposal", db.session.get_one(Proposal, proposal.id), "Hors charte")
    db.session.commit()
    crumbs = _breadcrumb(app.test_client().get(url).get_data(as_text=True))
    assert "Un banc public connecté" not in crumbs and "Proposition masquée" in crumbs
