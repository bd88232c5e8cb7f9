"""Comment threads made once and shared (comments/views.py, core/fragments.py): what one person
sees never leaks to the next, their own comments are made for them, and every change shows at
once; the page is byte for byte what it is without the fragments."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.comments import services as comments
from consultation.comments.models import Comment
from consultation.core import fragments
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.moderation import services as moderation
from tests import factories
from tests.conftest import login

CSRF = re.compile(r'name="csrf_token" value="[^"]*"')


@pytest.fixture
def debate(app: Flask) -> dict[str, Any]:
    """A proposal debated by Alice and Bruno (a thread each and a reply), and a moderator."""
    alice = factories.user(display_name="Alice Martin")
    bruno = factories.user(display_name="Bruno Le Gall")
    moderator = factories.user(("moderator",), display_name="Modératrice")
    proposal = factories.proposal()
    first = factories.comment(proposal, author=alice, body="Le premier avis d'Alice.")
    reply = factories.comment(parent=first, author=bruno, stance="contre",
                              body="La réponse de Bruno.")
    second = factories.comment(proposal, author=bruno, stance="neutre", body="Un avis de Bruno.")
    db.session.commit()
    return {"alice": alice, "bruno": bruno, "moderator": moderator, "proposal": proposal,
            "first": first, "reply": reply, "second": second,
            "url": f"/propositions/{proposal.id}"}


def client_for(app: Flask, person: User | None) -> Any:
    client = app.test_client()
    if person is not None:
        login(client, db.session.get_one(User, person.id))
    return client


def page(app: Flask, person: User | None, url: str) -> str:
    response = client_for(app, person).get(url)
    assert response.status_code == 200
    db.session.expire_all()
    return response.get_data(as_text=True)


def article(html: str, comment: Comment) -> str:
    """The article of a comment on a page."""
    start = html.index(f'id="commentaire-{comment.id}" ')
    return html[html.rindex("<article", 0, start):html.index("</article>", start)]


def edit_link(comment: Comment) -> str:
    return f'href="/commentaires/{comment.id}/modifier"'


def delete_link(comment: Comment) -> str:
    return f'href="/commentaires/{comment.id}/supprimer"'


def test_each_person_sees_their_own_links_not_the_previous_ones(app, debate):
    """Alice first, then Bruno on the same kept threads: each sees edit and delete links on
    their own comments only, and a report link on the others'."""
    alice_sees = page(app, debate["alice"], debate["url"])
    bruno_sees = page(app, debate["bruno"], debate["url"])
    for seen, own, other in ((alice_sees, ["first"], ["reply", "second"]),
                             (bruno_sees, ["reply", "second"], ["first"])):
        for name in own:
            mine = article(seen, debate[name])
            assert edit_link(debate[name]) in mine and delete_link(debate[name]) in mine
            assert "Signaler<span" not in mine
        for name in other:
            theirs = article(seen, debate[name])
            assert edit_link(debate[name]) not in theirs
            assert delete_link(debate[name]) not in theirs
            assert "Signaler<span" in theirs
    assert "Modérer" not in alice_sees + bruno_sees


def test_a_moderator_sees_the_moderation_links_a_citizen_did_not(app, debate):
    assert "Modérer<span" not in page(app, debate["alice"], debate["url"])
    seen = page(app, debate["moderator"], debate["url"])
    assert seen.count("Modérer<span") == 3
    assert "Modérer<span" not in page(app, None, debate["url"])


def test_a_pending_comment_is_shown_to_its_author_only(app):
    project = factories.project("consultation", premoderation=True)
    proposal = factories.proposal(project)
    author, other = factories.user(display_name="Claire Premier"), factories.user()
    waiting = comments.add_comment(author, project, "pour", "Un avis en attente.",
                                   proposal=proposal)
    db.session.commit()
    url = f"/propositions/{proposal.id}"
    for person in (None, other, author, other, None):
        seen = article(page(app, person, url), waiting)
        if person is author:
            assert "Un avis en attente." in seen and "Claire Premier" in seen
            assert "ce commentaire sera publié après approbation" in seen
        else:
            assert "Un avis en attente." not in seen and "Claire Premier" not in seen
            assert "Commentaire en attente de modération." in seen


def test_a_new_pending_comment_shows_at_once_to_a_moderator(app):
    """A pending comment moves no counter: its insert moves the versions all the same."""
    project = factories.project("consultation", premoderation=True)
    proposal = factories.proposal(project)
    moderator = factories.user(roles=("citizen", "moderator"))
    db.session.commit()
    url = f"/propositions/{proposal.id}"
    assert "Un avis arrivé après." not in page(app, moderator, url)
    comments.add_comment(factories.user(), project, "pour", "Un avis arrivé après.",
                         proposal=proposal)
    db.session.commit()
    assert "Un avis arrivé après." in page(app, moderator, url)


def test_every_change_shows_on_the_next_view(app, debate):
    """A new comment, an edit, a moderation hide, a deletion, a rename: the kept threads are
    not shown again once the debate changed."""
    url, alice, bruno = debate["url"], debate["alice"], debate["bruno"]
    page(app, None, url)
    first = db.session.get_one(Comment, debate["first"].id)
    comments.add_comment(db.session.get_one(User, bruno.id), first.project, "pour",
                         "Un tout nouvel avis.", proposal=first.proposal)
    db.session.commit()
    assert "Un tout nouvel avis." in page(app, None, url)

    first = db.session.get_one(Comment, debate["first"].id)
    comments.edit_comment(first.author, first, "contre", "L'avis d'Alice, revu.")
    db.session.commit()
    seen = page(app, alice, url)
    assert "L'avis d'Alice, revu." in seen and "Le premier avis d'Alice." not in seen
    assert "L'avis d'Alice, revu." in page(app, None, url)

    second = db.session.get_one(Comment, debate["second"].id)
    moderation.hide(db.session.get_one(User, debate["moderator"].id), "comment", second,
                    "Hors sujet")
    db.session.commit()
    seen = page(app, None, url)
    assert "Un avis de Bruno." not in seen and "Hors sujet" in article(seen, second)

    reply = db.session.get_one(Comment, debate["reply"].id)
    comments.delete_comment(reply.author, reply)
    db.session.commit()
    seen = page(app, alice, url)
    assert "La réponse de Bruno." not in seen
    assert "Commentaire supprimé par son auteur·rice." in article(seen, reply)

    db.session.get_one(User, alice.id).display_name = "Alice Kerouac"
    db.session.commit()
    seen = page(app, None, url)
    assert "Alice Kerouac" in seen and "Alice Martin" not in seen


def test_a_blocked_author_is_named_again_once_the_block_ends(app, debate, monkeypatch):
    url = debate["url"]
    assert "Alice Martin" in page(app, None, url)
    moderation.block_user(db.session.get_one(User, debate["moderator"].id),
                          db.session.get_one(User, debate["alice"].id), "Propos injurieux", 3)
    db.session.commit()
    for _ in range(2):  # made, then kept
        seen = article(page(app, None, url), debate["first"])
        assert "Compte bloqué" in seen and "Alice Martin" not in seen
    later = utcnow() + timedelta(days=3, minutes=1)
    import consultation.accounts.models as account_models

    monkeypatch.setattr(fragments, "utcnow", lambda: later)
    monkeypatch.setattr(account_models, "utcnow", lambda: later)
    seen = article(page(app, None, url), debate["first"])
    assert "Alice Martin" in seen and "Compte bloqué" not in seen


def test_two_languages_keep_two_fragments(app, debate):
    client = app.test_client()
    french = client.get(debate["url"]).get_data(as_text=True)
    client.post("/langue", data={"lang": "en"})
    english = client.get(debate["url"]).get_data(as_text=True)
    assert "Signaler" not in french and "Répondre" not in french  # a visitor
    assert '<div class="prose"><p>Le premier' in french  # French text in a French page
    assert '<div class="prose" lang="fr"><p>Le premier' in english
    kept = {key[:2] for key in app.extensions["fragments"].pages if key[0] == "threads"}
    assert kept == {("threads", "fr"), ("threads", "en")}


def without_token(html: str) -> str:
    return CSRF.sub('name="csrf_token" value=""', html)


@pytest.mark.parametrize("who", ["visitor", "alice", "moderator", "blocked", "unconfirmed"])
@pytest.mark.parametrize("where", ["proposal", "project"])
def test_the_page_is_the_same_with_and_without_fragments(app, debate, monkeypatch, who, where):
    """Byte for byte (but the CSRF token): made fresh with the fragments off, made and kept,
    and shown from what was kept; for a visitor, an author, a moderator, and people logged in
    who may not comment (blocked, email not confirmed). Alice's comments include one hidden
    and one held for review, Bruno's a deleted one and one pending (shown to its author)."""
    project = debate["proposal"].project
    mod = db.session.get_one(User, debate["moderator"].id)
    alice, bruno = (db.session.get_one(User, debate[n].id) for n in ("alice", "bruno"))
    on_project = [factories.comment(project, author=alice, body=f"Sur le projet, {n}.")
                  for n in range(3)]
    factories.comment(parent=on_project[0], author=bruno)
    extra = [factories.comment(debate["proposal"], author=person, body=f"Encore un avis {n}.")
             for n, person in enumerate((alice, alice, bruno, bruno))]
    for hidden in (extra[0], on_project[1]):
        moderation.hide(mod, "comment", hidden, "Hors charte")
    extra[1].moderation = on_project[2].moderation = "held"
    extra[3].moderation = "pending"
    comments.delete_comment(bruno, extra[2])
    blocked = factories.user()
    moderation.block_user(mod, blocked, "Motif", None)
    people = {"visitor": None, "alice": alice, "moderator": mod, "blocked": blocked,
              "unconfirmed": factories.user(confirmed=False)}
    db.session.commit()
    url = debate["url"] if where == "proposal" else f"/projets/{project.slug}"
    person = people[who]
    kept = app.extensions.pop("fragments")
    try:
        plain = without_token(page(app, person, url))
    finally:
        app.extensions["fragments"] = kept
    kept.clear()
    made = without_token(page(app, person, url))
    again = without_token(page(app, person, url))
    assert made == plain
    assert again == plain
    shown = db.session.scalars(select(Comment.id).where(
        Comment.project_id == project.id,
        Comment.proposal_id == debate["proposal"].id if where == "proposal"
        else Comment.proposal_id.is_(None))).all()
    assert len(shown) >= 4
    assert all(f'id="commentaire-{ident}"' in plain for ident in shown)


def test_a_decision_that_moves_no_counter_shows_at_once(app, debate):
    """Hiding a comment held after reports, or one waiting for approval, changes no count:
    the decision (a compare-and-set UPDATE the flush never sees) still moves the version."""
    url, mod = debate["url"], db.session.get_one(User, debate["moderator"].id)
    second = db.session.get_one(Comment, debate["second"].id)
    second.hold()
    db.session.commit()
    assert "Masqué à titre provisoire" in article(page(app, None, url), second)
    moderation.hide(mod, "comment", db.session.get_one(Comment, second.id), "Hors charte")
    db.session.commit()
    assert "Hors charte" in article(page(app, None, url), second)

    project = factories.project("consultation", premoderation=True)
    proposal = factories.proposal(project)
    waiting = comments.add_comment(factories.user(), project, "pour", "En attente.",
                                   proposal=proposal)
    db.session.commit()
    url = f"/propositions/{proposal.id}"
    assert "Commentaire en attente de modération." in article(page(app, None, url), waiting)
    moderation.hide(mod, "comment", db.session.get_one(Comment, waiting.id), "Hors charte")
    db.session.commit()
    assert "Hors charte" in article(page(app, None, url), waiting)


def test_a_project_page_shows_every_change_at_once(app, debate):
    """The kept parts of a project's page move with its version: a support, a new proposal,
    a comment on a proposal change its figures and its most supported proposals at once; the
    person's own links stay theirs."""
    project = debate["proposal"].project
    url = f"/projets/{project.slug}"
    admin = factories.user(("admin",))
    db.session.commit()
    seen = page(app, None, url)
    assert "Modifier le projet" not in seen
    assert "Modifier le projet" in page(app, admin, url)
    assert "Modifier le projet" not in page(app, None, url)
    figures = re.compile(r'<ul class="figures">.*?</ul>', re.S)
    before = found(figures, seen)
    factories.support(db.session.get_one(type(debate["proposal"]), debate["proposal"].id))
    db.session.commit()
    after = found(figures, page(app, None, url))
    assert after != before
    newcomer = factories.proposal(db.session.get_one(type(project), project.id),
                                  title="Une proposition toute neuve")
    factories.support(newcomer)
    factories.support(newcomer)
    db.session.commit()
    assert "Une proposition toute neuve" in page(app, None, url)


def found(pattern: re.Pattern[str], html: str) -> str:
    """The part of the page the pattern finds (the test fails if it is not there)."""
    match = pattern.search(html)
    assert match is not None, pattern.pattern
    return match.group(0)


def test_a_participant_who_moves_changes_the_participation_table_at_once(app, debate):
    """The participation per territory counts people by their commune: a participant's new
    commune moves the kept project page."""
    from consultation.accounts import services as accounts
    from consultation.reference.models import Territory

    project = debate["proposal"].project
    url = f"/projets/{project.slug}"
    table = re.compile(r'<table class="per-thousand">.*?</table>', re.S)
    before = found(table, page(app, None, url))
    communes = db.session.scalars(select(Territory).order_by(Territory.id)).all()
    alice = db.session.get_one(User, debate["alice"].id)
    moved_to = next(t for t in communes if t.id != alice.commune_id and t.population)
    accounts.update_profile(alice, alice.display_name, moved_to, None)
    db.session.commit()
    assert found(table, page(app, None, url)) != before
