"""Mon espace (/compte): proposals and their state in words, comments and their replies,
supports and supports left, follows, links to settings and data; constant SQL counts."""

from __future__ import annotations

import html
import re

from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.notifications import services as follows
from consultation.notifications.models import Follow
from consultation.proposals import services as proposals
from tests import factories
from tests.conftest import login


def text(response) -> str:
    """The page as text: entities decoded, tags dropped, spaces (non-breaking too) squeezed."""
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(page.replace("\u00a0", " ").split())


def space_of(app, user):
    """Mon espace as `user` sees it."""
    db.session.commit()
    response = login(app.test_client(), user).get("/compte")
    assert response.status_code == 200
    return response


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/compte")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_header_leads_to_my_space(citizen_client):
    page = citizen_client.get("/").get_data(as_text=True)
    assert 'href="/compte"' in page
    assert "Mon espace" in page


def test_each_state_of_a_proposal_in_words(app):
    staff = factories.user(roles=("moderator", "admin"))
    me = factories.user()
    project = factories.project("consultation", actor=staff)
    premoderated = factories.project("consultation", actor=staff, premoderation=True)
    published = factories.proposal(project, author=me, title="Une proposition publiée")
    pending = factories.proposal(premoderated, author=me, title="Une proposition en attente")
    hidden = factories.proposal(project, author=me, title="Une proposition masquée")
    merged = factories.proposal(project, author=me, title="Une proposition fusionnée")
    target = factories.proposal(project, title="La proposition qui regroupe")
    withdrawn = factories.proposal(project, author=me, title="Une proposition retirée")
    answered = factories.proposal(project, author=me, title="Une proposition avec réponse")
    db.session.commit()
    moderation.hide(staff, "proposal", hidden, "Propos injurieux.")
    moderation.merge(staff, merged, target, "Doublon.")
    proposals.withdraw_proposal(me, withdrawn)
    proposals.give_answer(staff, answered, "accepted", "Nous le ferons.")
    db.session.commit()

    page = text(space_of(app, me))
    assert pending.moderation == "pending"
    for title, state in (
        ("Une proposition publiée", "État : publiée"),
        ("Une proposition en attente", "État : en attente de modération"),
        ("Une proposition masquée", "État : masquée par la modération, motif : Propos injurieux."),
        ("Une proposition fusionnée", "État : fusionnée dans La proposition qui regroupe"),
        ("Une proposition retirée", "État : retirée le"),
        ("Une proposition avec réponse", "réponse officielle : Acceptée"),
    ):
        assert title in page
        start = page.index(title)
        assert state in page[start:start + 300], (title, page[start:start + 300])
    raw = space_of(app, me).get_data(as_text=True)
    assert f'href="/propositions/{target.id}"' in raw
    assert f'href="/propositions/{published.id}"' in raw


def test_commitments_hook_shows_only_when_given(app):
    """The follow-up domain adds `commitments_by_proposal`; without it nothing shows."""
    me = factories.user()
    factories.proposal(author=me)
    db.session.commit()
    assert "engagement" not in text(space_of(app, me))


def test_mediator_help_is_said(app):
    me = factories.user()
    mediator = factories.user(roles=("mediator",))
    project = factories.project("consultation")
    proposals.create_proposal(me, project, "Avec de l'aide", "Un texte.", None, mediator=mediator)
    db.session.commit()
    assert "déposée avec l'aide d'un·e médiateur·rice" in text(space_of(app, me))


def test_comments_where_they_are_and_replies(app):
    me = factories.user()
    other = factories.user(display_name="Anne Le Gall")
    project = factories.project("consultation")
    proposal = factories.proposal(project, title="Des bancs au port")
    mine = factories.comment(proposal, author=me, body="Mon avis sur les bancs.")
    on_project = factories.comment(project, author=me, body="Mon avis sur le projet.")
    replies = [factories.comment(parent=mine, author=other, body=f"Réponse numéro {n}.")
               for n in range(5)]
    factories.comment(parent=mine, author=me, body="Ma propre réponse.")
    hidden_reply = factories.comment(parent=mine, author=other, body="Réponse masquée.")
    db.session.commit()
    staff = factories.user(roles=("moderator",))
    moderation.hide(staff, "comment", hidden_reply, "Hors sujet.")
    moderation.hide(staff, "comment", on_project, "Hors charte.")
    db.session.commit()

    response = space_of(app, me)
    page, raw = text(response), response.get_data(as_text=True)
    assert "Sur la proposition « Des bancs au port »" in page
    assert f"Sur le projet « {project.title} »" in page
    assert "5 réponses (les plus récentes) :" in page
    # The three latest replies by others, linked at their anchor; not one's own, not hidden.
    for reply in replies[-3:]:
        assert f'href="/propositions/{proposal.id}#commentaire-{reply.id}"' in raw
    assert "Réponse numéro 1." not in page
    assert page.count("Ma propre réponse.") == 1  # listed as my comment, not as a reply
    assert "Réponse masquée." not in page
    assert "Anne Le Gall" in page
    assert "État : masqué par la modération, motif : Hors charte." in page
    assert f'href="/projets/{project.slug}#commentaire-{on_project.id}"' in raw
    assert "Pas encore de réponse." in page


def test_pending_comment_is_said(app):
    me = factories.user()
    project = factories.project("consultation", premoderation=True)
    factories.comment(project, author=me)
    db.session.commit()
    assert "État : en attente de modération" in text(space_of(app, me))


def test_supports_and_supports_left_per_project(app):
    me = factories.user()
    limited = factories.project("consultation", title="Projet limité", support_limit=3)
    open_ = factories.project("consultation", title="Projet sans limite")
    first = factories.proposal(limited, title="Soutenue une")
    factories.support(first, me)
    factories.support(factories.proposal(limited), me)
    factories.support(factories.proposal(open_, title="Soutenue deux"), me)
    db.session.commit()
    page = text(space_of(app, me))
    assert "Projet limité : 2 soutiens donnés, 1 restant sur 3" in page
    assert "Projet sans limite : 1 soutien donné, sans limite" in page
    assert "Soutenue une" in page and "Soutenue deux" in page


def test_follows_and_notification_links(app):
    me = factories.user()
    project = factories.project("consultation", title="Un projet suivi")
    proposal = factories.proposal(project, title="Une proposition suivie")
    db.session.add_all([Follow(user_id=me.id, project_id=project.id),
                        Follow(user_id=me.id, proposal_id=proposal.id)])
    db.session.commit()
    response = space_of(app, me)
    page, raw = text(response), response.get_data(as_text=True)
    assert "Le projet Un projet suivi" in page
    assert "La proposition Une proposition suivie" in page
    assert f'href="/projets/{project.slug}"' in raw
    assert f'href="/propositions/{proposal.id}"' in raw
    # Links to the notification pages.
    for path in ("/compte/notifications", "/compte/notifications/reglages"):
        assert f'href="{path}"' in raw, path


def test_data_links(app):
    raw = space_of(app, factories.user()).get_data(as_text=True)
    for path in ("/compte/mes-donnees.zip", "/compte/supprimer", "/compte/profil"):
        assert f'href="{path}"' in raw


def test_empty_space_says_so(app):
    page = text(space_of(app, factories.user()))
    assert "Vous n'avez encore fait aucune proposition." in page
    assert "Vous n'avez encore écrit aucun commentaire." in page
    assert "Vous ne soutenez encore aucune proposition." in page
    assert "Vous ne suivez encore aucun projet ni aucune proposition." in page


def test_lists_are_bounded(app):
    me = factories.user()
    project = factories.project("consultation")
    for _ in range(22):
        factories.proposal(project, author=me)
    db.session.commit()
    page = text(space_of(app, me))
    assert "Les 20 plus récentes sur 22" in page


def _fill(me, n: int) -> None:
    """n projects, each with a proposal, a comment with replies, a support and follows."""
    staff = factories.user(roles=("moderator", "admin"))
    other = factories.user()
    for _ in range(n):
        project = factories.project("consultation", actor=staff, support_limit=5)
        proposal = factories.proposal(project, author=me)
        merged = factories.proposal(project, author=me)
        target = factories.proposal(project, author=other)
        factories.support(target, me)
        comment = factories.comment(target, author=me)
        factories.comment(parent=comment, author=other)
        factories.comment(project, author=me)
        # Already followed by commenting (automatic follows): following again changes nothing.
        follows.follow(me, project=project)
        follows.follow(me, proposal=target)
        db.session.commit()
        moderation.merge(staff, merged, target, "Doublon.")
        proposals.give_answer(staff, proposal, "under_study", "Nous regardons.")
        db.session.commit()


def test_statement_count_does_not_grow(app, count_queries):
    few_user, many_user = factories.user(), factories.user()
    db.session.commit()
    _fill(few_user, 1)
    _fill(many_user, 6)
    few_client = login(app.test_client(), few_user)
    many_client = login(app.test_client(), many_user)
    few_client.get("/compte")  # the first request of a client loads what every page needs
    many_client.get("/compte")
    with count_queries() as few:
        assert few_client.get("/compte").status_code == 200
    with count_queries() as many:
        assert many_client.get("/compte").status_code == 200
    assert many.count == few.count, (few.statements, many.statements)
