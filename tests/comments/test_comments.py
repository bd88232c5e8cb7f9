"""Comments: stances, exact counters, threads three levels deep, refusals, pagination."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from consultation.comments import services as comment_services
from consultation.comments.models import Comment
from consultation.comments.services import PROJECT_ROOTS_PER_PAGE, ROOTS_PER_PAGE
from consultation.extensions import db
from consultation.proposals import services as proposal_services
from tests import factories
from tests.forms import submit

STANCES = ("pour", "contre", "neutre")


# --- helpers ------------------------------------------------------------------------------------

def stored_proposal_counters(proposal_id: int) -> dict[str, int]:
    """The counters kept on the proposal row, read by SQL."""
    row = db.session.execute(
        text(
            "SELECT comments_count, comments_pour, comments_contre, comments_neutre"
            " FROM proposals WHERE id = :id"
        ),
        {"id": proposal_id},
    ).one()
    return dict(zip(("count", "pour", "contre", "neutre"), map(int, row), strict=True))


def recounted_proposal_counters(proposal_id: int) -> dict[str, int]:
    """The same counters recounted from the comments table."""
    rows = db.session.execute(
        text(
            "SELECT stance, COUNT(*) FROM comments"
            " WHERE proposal_id = :id AND deleted_at IS NULL GROUP BY stance"
        ),
        {"id": proposal_id},
    ).all()
    by_stance = {stance: int(n) for stance, n in rows}
    result = {stance: by_stance.get(stance, 0) for stance in STANCES}
    result["count"] = sum(result.values())
    return result


def stored_project_comments(project_id: int) -> int:
    """The project's comments_count, read by SQL."""
    return int(
        db.session.execute(
            text("SELECT comments_count FROM projects WHERE id = :id"), {"id": project_id}
        ).scalar_one()
    )


def recounted_project_comments(project_id: int) -> int:
    """Visible comments of the project (on the project itself and on its proposals)."""
    return int(
        db.session.execute(
            text("SELECT COUNT(*) FROM comments WHERE project_id = :id AND deleted_at IS NULL"),
            {"id": project_id},
        ).scalar_one()
    )


def assert_counters_exact(proposal, project) -> None:
    """Every stored counter equals its recount."""
    db.session.expire_all()
    if proposal is not None:
        assert stored_proposal_counters(proposal.id) == recounted_proposal_counters(proposal.id)
    assert stored_project_comments(project.id) == recounted_project_comments(project.id)


def comment_ids() -> list[int]:
    """Ids of all comments, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(Comment.id).order_by(Comment.id)))


def newest_comment() -> Comment:
    """The last comment created."""
    db.session.expire_all()
    return db.session.scalars(select(Comment).order_by(Comment.id.desc()).limit(1)).one()


class ThreadParser(HTMLParser):
    """Maps each comment shown on a page to the comment it is nested under (None at the top)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[int | None] = []  # open <li>: the comment id each one holds
        self.parent: dict[int, int | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.items.append(None)
            return
        ident = dict(attrs).get("id") or ""
        match = re.fullmatch(r"commentaire-(\d+)", ident)
        if tag == "article" and match and self.items:
            number = int(match.group(1))
            self.items[-1] = number
            enclosing = [n for n in self.items[:-1] if n is not None]
            self.parent[number] = enclosing[-1] if enclosing else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.items:
            self.items.pop()


def thread_parents(html: str) -> dict[int, int | None]:
    """Comment id -> id of the comment it is displayed under."""
    parser = ThreadParser()
    parser.feed(html)
    return parser.parent


def body(response) -> str:
    """The response as text, HTML entities decoded (so French apostrophes read as typed)."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def open_proposal():
    """A published proposal of a project in its consultation phase."""
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    return proposal


# --- commenting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stance", STANCES)
def test_comment_on_proposal_with_each_stance(citizen_client, open_proposal, stance):
    """A citizen comments on a proposal with each stance; counters follow exactly."""
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={"stance": stance, "body": f"Mon avis **{stance}** argumenté."},
    )
    assert response.status_code == 302
    comment = newest_comment()
    assert (comment.stance, comment.proposal_id, comment.depth) == (stance, open_proposal.id, 0)
    assert comment.author_id == citizen_client.user.id
    assert response.headers["Location"].endswith(
        f"/propositions/{open_proposal.id}#commentaire-{comment.id}"
    )
    assert stored_proposal_counters(open_proposal.id)[stance] == 1
    assert_counters_exact(open_proposal, open_proposal.project)
    page = body(citizen_client.get(response.headers["Location"]))
    assert "Votre commentaire est publié." in page
    assert f"Mon avis <strong>{stance}</strong> argumenté." in page
    assert f'id="commentaire-{comment.id}"' in page


@pytest.mark.parametrize("stance", STANCES)
def test_comment_on_project_with_each_stance(citizen_client, stance):
    """A citizen comments on the project itself; the project counts it, no proposal does."""
    project = factories.project("consultation")
    other = factories.proposal(project)
    db.session.commit()
    response = citizen_client.post(
        f"/projets/{project.slug}/commentaires",
        data={"stance": stance, "body": "Sur le projet lui-même."},
    )
    assert response.status_code == 302
    comment = newest_comment()
    assert (comment.stance, comment.proposal_id, comment.project_id) == (stance, None, project.id)
    assert response.headers["Location"].endswith(
        f"/projets/{project.slug}#commentaire-{comment.id}"
    )
    assert stored_project_comments(project.id) == 1
    assert stored_proposal_counters(other.id)["count"] == 0
    assert_counters_exact(other, project)
    page = body(citizen_client.get(f"/projets/{project.slug}"))
    assert "Sur le projet lui-même." in page
    assert f'id="commentaire-{comment.id}"' in page


def test_counters_follow_add_edit_and_delete(as_role, open_proposal):
    """Counters equal a recount after adding, changing the stance, and deleting."""
    project = open_proposal.project
    alice, bruno = as_role("citizen"), as_role("citizen")
    for client, stance in ((alice, "pour"), (bruno, "contre"), (alice, "neutre")):
        assert client.post(
            f"/propositions/{open_proposal.id}/commentaires",
            data={"stance": stance, "body": f"Avis {stance}."},
        ).status_code == 302
        assert_counters_exact(open_proposal, project)
    factories.comment(project, author=bruno.user, stance="pour")  # on the project itself
    db.session.commit()
    assert stored_proposal_counters(open_proposal.id) == {
        "count": 3, "pour": 1, "contre": 1, "neutre": 1,
    }
    assert stored_project_comments(project.id) == 4

    first = db.session.scalars(
        select(Comment).where(Comment.author_id == alice.user.id).order_by(Comment.id)
    ).first()
    assert first is not None
    response = alice.post(
        f"/commentaires/{first.id}/modifier", data={"stance": "contre", "body": "Changé d'avis."}
    )
    assert response.status_code == 302
    assert stored_proposal_counters(open_proposal.id) == {
        "count": 3, "pour": 0, "contre": 2, "neutre": 1,
    }
    assert_counters_exact(open_proposal, project)
    assert "Changé d'avis." in body(alice.get(f"/propositions/{open_proposal.id}"))

    # Editing the text only leaves the counters alone.
    alice.post(f"/commentaires/{first.id}/modifier", data={"stance": "contre", "body": "Bis."})
    assert stored_proposal_counters(open_proposal.id)["contre"] == 2
    assert_counters_exact(open_proposal, project)

    assert alice.post(f"/commentaires/{first.id}/supprimer").status_code == 302
    assert stored_proposal_counters(open_proposal.id) == {
        "count": 2, "pour": 0, "contre": 1, "neutre": 1,
    }
    assert stored_project_comments(project.id) == 3
    assert_counters_exact(open_proposal, project)


def test_counters_exact_with_replies_and_deleted_parent(as_role, open_proposal):
    """Replies count like comments; deleting a parent removes only the parent from the count."""
    project = open_proposal.project
    alice, bruno = as_role("citizen"), as_role("citizen")
    root = factories.comment(open_proposal, author=alice.user, stance="pour")
    db.session.commit()
    assert bruno.post(
        f"/commentaires/{root.id}/repondre", data={"stance": "contre", "body": "Réponse."}
    ).status_code == 302
    assert_counters_exact(open_proposal, project)
    assert stored_proposal_counters(open_proposal.id) == {
        "count": 2, "pour": 1, "contre": 1, "neutre": 0,
    }
    assert alice.post(f"/commentaires/{root.id}/supprimer").status_code == 302
    assert stored_proposal_counters(open_proposal.id) == {
        "count": 1, "pour": 0, "contre": 1, "neutre": 0,
    }
    assert_counters_exact(open_proposal, project)


def test_anonymous_visitor_cannot_comment(client, open_proposal):
    """A visitor who is not logged in is sent to the login page and nothing is stored."""
    response = client.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={"stance": "pour", "body": "Anonyme."},
    )
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]
    assert comment_ids() == []
    page = body(client.get(f"/propositions/{open_proposal.id}"))
    assert "Connectez-vous pour participer au débat." in page
    assert 'name="body"' not in page


# --- threads ------------------------------------------------------------------------------------

def test_replies_are_nested_two_levels_under_their_parent(as_role, open_proposal):
    """Replies at depth 1 and 2 are shown inside their parent's thread."""
    alice, bruno = as_role("citizen"), as_role("citizen")
    root = factories.comment(open_proposal, author=alice.user, body="Racine du fil.")
    other_root = factories.comment(open_proposal, author=alice.user, body="Autre fil.")
    db.session.commit()

    response = bruno.get(f"/commentaires/{root.id}/repondre")
    assert response.status_code == 200
    assert "Racine du fil." in body(response)  # the reply page quotes the parent

    response = bruno.post(
        f"/commentaires/{root.id}/repondre", data={"stance": "pour", "body": "Niveau un."}
    )
    assert response.status_code == 302
    first = newest_comment()
    assert response.headers["Location"].endswith(f"#commentaire-{first.id}")
    assert (first.depth, first.parent_id, first.root_id) == (1, root.id, root.id)

    response = alice.post(
        f"/commentaires/{first.id}/repondre", data={"stance": "neutre", "body": "Niveau deux."}
    )
    assert response.status_code == 302
    second = newest_comment()
    assert (second.depth, second.parent_id, second.root_id) == (2, first.id, root.id)

    page = body(bruno.get(f"/propositions/{open_proposal.id}"))
    assert thread_parents(page) == {
        root.id: None,
        first.id: root.id,
        second.id: first.id,
        other_root.id: None,
    }
    assert "Niveau un." in page and "Niveau deux." in page


def test_reply_to_third_level_is_refused(as_role, open_proposal):
    """A depth-2 comment has no reply link, and replying to it is a French 403."""
    alice, bruno = as_role("citizen"), as_role("citizen")
    root = factories.comment(open_proposal, author=alice.user)
    first = factories.comment(parent=root, author=bruno.user)
    second = factories.comment(parent=first, author=alice.user)
    db.session.commit()
    assert second.depth == 2

    page = body(bruno.get(f"/propositions/{open_proposal.id}"))
    assert f"/commentaires/{root.id}/repondre" in page
    assert f"/commentaires/{first.id}/repondre" in page
    assert f"/commentaires/{second.id}/repondre" not in page

    before = comment_ids()
    for method in ("get", "post"):
        response = getattr(bruno, method)(
            f"/commentaires/{second.id}/repondre",
            data={"stance": "pour", "body": "Niveau trois ?"},
        )
        assert response.status_code == 403
        assert "troisième niveau atteint" in body(response)
        assert "Action non autorisée" in body(response)
    assert comment_ids() == before
    assert_counters_exact(open_proposal, open_proposal.project)


def test_deleted_comment_is_a_placeholder_and_its_replies_stay(as_role, open_proposal):
    """A deleted comment shows "Commentaire supprimé" and its replies remain visible."""
    alice, bruno = as_role("citizen"), as_role("citizen")
    root = factories.comment(open_proposal, author=alice.user, body="Texte à effacer.")
    reply = factories.comment(parent=root, author=bruno.user, body="Réponse qui reste.")
    db.session.commit()

    response = alice.get(f"/commentaires/{root.id}/supprimer")
    assert response.status_code == 200
    assert "Texte à effacer." in body(response)
    response = alice.post(f"/commentaires/{root.id}/supprimer")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/propositions/{open_proposal.id}#commentaire-{root.id}"
    )

    page = body(bruno.get(f"/propositions/{open_proposal.id}"))
    assert "Commentaire supprimé" in page
    assert "Texte à effacer." not in page
    assert "Réponse qui reste." in page
    assert thread_parents(page) == {root.id: None, reply.id: root.id}
    # Nobody replies to, edits or deletes a deleted comment.
    assert f"/commentaires/{root.id}/repondre" not in page
    assert bruno.post(
        f"/commentaires/{root.id}/repondre", data={"stance": "pour", "body": "Trop tard."}
    ).status_code == 403
    response = alice.post(
        f"/commentaires/{root.id}/modifier", data={"stance": "pour", "body": "Revenu."}
    )
    assert response.status_code == 403
    assert "Ce commentaire a été supprimé." in body(response)
    assert alice.post(f"/commentaires/{root.id}/supprimer").status_code == 403
    assert_counters_exact(open_proposal, open_proposal.project)


def test_editing_or_deleting_someone_elses_comment_is_refused(as_role, open_proposal):
    """Only the author edits or deletes a comment: others get a French 403 and nothing changes."""
    alice, bruno = as_role("citizen"), as_role("citizen")
    comment = factories.comment(open_proposal, author=alice.user, stance="pour", body="À moi.")
    db.session.commit()

    page = body(bruno.get(f"/propositions/{open_proposal.id}"))
    assert f"/commentaires/{comment.id}/modifier" not in page
    assert f"/commentaires/{comment.id}/supprimer" not in page
    page = body(alice.get(f"/propositions/{open_proposal.id}"))
    assert f"/commentaires/{comment.id}/modifier" in page
    assert f"/commentaires/{comment.id}/supprimer" in page

    for url in (f"/commentaires/{comment.id}/modifier", f"/commentaires/{comment.id}/supprimer"):
        for method in ("get", "post"):
            response = getattr(bruno, method)(url, data={"stance": "contre", "body": "Pirate."})
            assert response.status_code == 403, (method, url)
            assert "Seul·e l'auteur·rice peut effectuer cette action." in body(response)
    db.session.expire_all()
    stored = db.session.get_one(Comment, comment.id)
    assert (stored.body, stored.stance, stored.deleted_at) == ("À moi.", "pour", None)
    assert_counters_exact(open_proposal, open_proposal.project)


def test_unknown_comment_is_a_french_404(citizen_client):
    """Replying to, editing or deleting a comment that does not exist gives the French 404."""
    for action in ("repondre", "modifier", "supprimer"):
        response = citizen_client.get(f"/commentaires/999999/{action}")
        assert response.status_code == 404
        assert "Page introuvable" in body(response)


# --- validation ---------------------------------------------------------------------------------

def test_empty_body_is_refused_with_a_french_message(citizen_client, open_proposal):
    """An empty comment is refused, the chosen stance is kept, nothing is stored."""
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/commentaires", data={"stance": "contre", "body": "  "}
    )
    assert response.status_code == 200
    page = body(response)
    assert "Le formulaire n'a pas été enregistré" in page
    assert "Ce champ est obligatoire." in page
    assert re.search(r'<input[^>]*checked[^>]*value="contre"|<input[^>]*value="contre"[^>]*checked',
                     page)
    assert comment_ids() == []
    assert_counters_exact(open_proposal, open_proposal.project)


@pytest.mark.parametrize("on_proposal", [True, False])
def test_a_refused_comment_s_form_cancels_back_to_where_it_was_written(
        citizen_client, open_proposal, on_proposal):
    """The form shown again after a refusal leads back ("Annuler") to the proposal, or to the
    project, the comment was written on."""
    project = open_proposal.project
    action, back = ((f"/propositions/{open_proposal.id}/commentaires",
                     f"/propositions/{open_proposal.id}") if on_proposal
                    else (f"/projets/{project.slug}/commentaires", f"/projets/{project.slug}"))
    response = citizen_client.post(action, data={"stance": "pour", "body": ""})
    assert response.status_code == 200
    assert re.search(rf'<a href="{re.escape(back)}">Annuler</a>', body(response))


def test_missing_stance_is_refused_and_text_kept(citizen_client, open_proposal):
    """A comment without a stance is refused in French and the typed text is shown again."""
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={"body": "Texte tapé sans position."},
    )
    assert response.status_code == 200
    page = body(response)
    assert "Choisissez pour, contre ou neutre." in page
    assert "Texte tapé sans position." in page
    assert comment_ids() == []
    assert_counters_exact(open_proposal, open_proposal.project)


@pytest.mark.parametrize("stance", ["peut-etre", "POUR", ""])
def test_invalid_stance_is_refused_and_text_kept(citizen_client, open_proposal, stance):
    """An unknown stance is refused in French and the typed text is shown again."""
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={"stance": stance, "body": "Texte tapé avec une position inconnue."},
    )
    assert response.status_code == 200
    page = body(response)
    assert "Choisissez pour, contre ou neutre." in page
    assert "Texte tapé avec une position inconnue." in page
    assert "Not a valid choice" not in page
    assert comment_ids() == []


def test_reply_and_edit_forms_show_errors_and_keep_text(as_role, open_proposal):
    """The reply and edit forms refuse bad input in French and keep what was typed."""
    alice = as_role("citizen")
    comment = factories.comment(open_proposal, author=alice.user, body="Original.")
    db.session.commit()
    response = alice.post(
        f"/commentaires/{comment.id}/repondre", data={"stance": "", "body": "Réponse gardée."}
    )
    assert response.status_code == 200
    assert "Choisissez pour, contre ou neutre." in body(response)
    assert "Réponse gardée." in body(response)
    response = alice.post(
        f"/commentaires/{comment.id}/modifier", data={"stance": "pour", "body": ""}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in body(response)
    response = alice.post(
        f"/commentaires/{comment.id}/modifier", data={"stance": "bof", "body": "Nouveau texte."}
    )
    assert response.status_code == 200
    assert "Choisissez pour, contre ou neutre." in body(response)
    assert "Nouveau texte." in body(response)
    db.session.expire_all()
    assert db.session.get_one(Comment, comment.id).body == "Original."
    assert comment_ids() == [comment.id]


def test_too_long_body_is_refused(citizen_client, open_proposal):
    """A comment longer than 5,000 characters is refused in French."""
    response = citizen_client.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={"stance": "pour", "body": "a" * 5_001},
    )
    assert response.status_code == 200
    assert "5000 caractères au maximum." in body(response)
    assert comment_ids() == []


# --- phases and withdrawn proposals -------------------------------------------------------------

@pytest.mark.parametrize("phase", ["information", "synthesis", "follow_up", None])
def test_outside_consultation_comments_are_refused(as_role, phase):
    """Outside the consultation phase there is no form and a POST is a French 403."""
    alice = as_role("citizen")
    project = factories.project(phase)
    proposal = factories.proposal(project)
    existing = factories.comment(proposal, author=alice.user)
    db.session.commit()

    for url in (f"/projets/{project.slug}", f"/propositions/{proposal.id}"):
        page = body(alice.get(url))
        assert "Ajouter un commentaire" not in page
        assert 'name="body"' not in page
        assert "/commentaires\"" not in page
        assert "/repondre" not in page

    message = "Les commentaires ne sont pas ouverts dans la phase actuelle du projet."
    for url in (
        f"/projets/{project.slug}/commentaires",
        f"/propositions/{proposal.id}/commentaires",
        f"/commentaires/{existing.id}/repondre",
        f"/commentaires/{existing.id}/modifier",
        f"/commentaires/{existing.id}/supprimer",
    ):
        response = alice.post(url, data={"stance": "pour", "body": "Trop tôt ou trop tard."})
        assert response.status_code == 403, url
        assert message in body(response), url
    assert comment_ids() == [existing.id]
    assert_counters_exact(proposal, project)


def test_withdrawn_proposal_refuses_comments(as_role, open_proposal):
    """A withdrawn proposal takes no more comments nor replies."""
    alice = as_role("citizen")
    existing = factories.comment(open_proposal, author=alice.user)
    proposal_services.withdraw_proposal(open_proposal.author, open_proposal)
    db.session.commit()

    page = body(alice.get(f"/propositions/{open_proposal.id}"))
    assert 'name="body"' not in page
    assert f"/commentaires/{existing.id}/repondre" not in page

    for url in (
        f"/propositions/{open_proposal.id}/commentaires",
        f"/commentaires/{existing.id}/repondre",
    ):
        response = alice.post(url, data={"stance": "pour", "body": "Encore ?"})
        assert response.status_code == 403, url
        assert "Cette proposition a été retirée" in body(response)
    assert comment_ids() == [existing.id]
    assert_counters_exact(open_proposal, open_proposal.project)


def test_commenting_on_unknown_target_is_404(citizen_client):
    """Commenting on a proposal or project that does not exist gives the French 404."""
    for url in ("/propositions/999999/commentaires", "/projets/inconnu/commentaires"):
        response = citizen_client.post(url, data={"stance": "pour", "body": "Où ?"})
        assert response.status_code == 404
        assert "Page introuvable" in body(response)


# --- pagination ---------------------------------------------------------------------------------

def test_threads_paginate_at_fifty_and_new_comment_redirects_to_its_page(as_role, open_proposal):
    """Threads show 50 top-level comments a page; a new comment leads to its page and anchor."""
    alice = as_role("citizen")
    for n in range(ROOTS_PER_PAGE):
        factories.comment(open_proposal, author=alice.user, body=f"Fil numéro {n}.")
    db.session.commit()
    assert ROOTS_PER_PAGE == 50
    first_root = comment_ids()[0]

    response = alice.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={"stance": "pour", "body": "Le cinquante-et-unième."},
    )
    assert response.status_code == 302
    newest = newest_comment()
    location = urlsplit(response.headers["Location"])
    assert location.path == f"/propositions/{open_proposal.id}"
    assert location.query == "page=2"
    assert location.fragment == f"commentaire-{newest.id}"

    page_one = body(alice.get(f"/propositions/{open_proposal.id}"))
    assert len(thread_parents(page_one)) == 50
    assert "Le cinquante-et-unième." not in page_one
    assert "page=2" in page_one
    page_two = body(alice.get(f"/propositions/{open_proposal.id}?page=2"))
    assert thread_parents(page_two) == {newest.id: None}
    assert "Le cinquante-et-unième." in page_two

    # A reply goes to the page of its thread, at its own anchor.
    response = alice.post(
        f"/commentaires/{first_root}/repondre", data={"stance": "contre", "body": "Réponse."}
    )
    reply = newest_comment()
    location = urlsplit(response.headers["Location"])
    assert (location.path, location.query, location.fragment) == (
        f"/propositions/{open_proposal.id}", "", f"commentaire-{reply.id}",
    )
    response = alice.post(
        f"/commentaires/{newest.id}/repondre", data={"stance": "contre", "body": "Réponse 2."}
    )
    reply = newest_comment()
    location = urlsplit(response.headers["Location"])
    assert (location.query, location.fragment) == ("page=2", f"commentaire-{reply.id}")
    assert "Réponse 2." in body(alice.get(response.headers["Location"]))
    assert_counters_exact(open_proposal, open_proposal.project)


def test_a_new_comment_takes_its_page_from_its_insert(app, count_queries):
    """The INSERT of a comment returns the place of its thread, and the request that wrote it
    takes its page from there instead of reading it (a statement less): the page `page_of`
    reads, at both edges of a page, on a proposal's debate and on its project's own (where the
    proposal's comments do not count), for a top-level comment and for a reply."""
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    written: list[tuple[Comment, int]] = []

    def write(target, parent=None) -> Comment:
        with app.test_request_context():
            new = factories.comment(target, parent=parent)
            with count_queries() as counter:
                written.append((new, comment_services.page_of(new)))
            assert counter.count == 0
        return new

    on_proposal = [write(proposal) for _ in range(ROOTS_PER_PAGE + 1)]
    on_project = [write(project) for _ in range(PROJECT_ROOTS_PER_PAGE + 1)]
    for root in (on_proposal[0], on_proposal[-1], on_project[0], on_project[-1]):
        write(None, parent=write(None, parent=root))
    db.session.commit()
    read = [comment_services.page_of(new) for new, _ in written]  # outside a request: asked
    assert [page for _, page in written] == read
    pages = dict(zip((new.id for new, _ in written), read, strict=True))
    assert [pages[c.id] for c in on_proposal[-2:]] == [1, 2]
    assert [pages[c.id] for c in on_project[-2:]] == [1, 2]
    assert [page for new, page in written[-8:]] == [1, 1, 2, 2, 1, 1, 2, 2]


def test_project_threads_paginate_at_twenty(as_role, client):
    """The project's own debate shows 20 threads a page (one section of its page among eight),
    ignores proposal comments, and a new comment, a reply and a comment's lasting link lead to
    its page of that debate; Mon espace links there too."""
    alice = as_role("citizen")
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    assert PROJECT_ROOTS_PER_PAGE == 20
    for n in range(PROJECT_ROOTS_PER_PAGE):
        factories.comment(project, author=alice.user, body=f"Projet {n}.")
    factories.comment(proposal, author=alice.user, body="Sur la proposition.")
    db.session.commit()
    response = alice.post(
        f"/projets/{project.slug}/commentaires", data={"stance": "neutre", "body": "Dernier."}
    )
    newest = newest_comment()
    location = urlsplit(response.headers["Location"])
    assert (location.path, location.query, location.fragment) == (
        f"/projets/{project.slug}", "page=2", f"commentaire-{newest.id}",
    )
    page_one = body(alice.get(f"/projets/{project.slug}"))
    assert len(thread_parents(page_one)) == 20
    assert "Sur la proposition." not in page_one
    assert f'href="/projets/{project.slug}?page=2' in page_one
    page_two = body(alice.get(f"/projets/{project.slug}?page=2"))
    assert thread_parents(page_two) == {newest.id: None}
    assert alice.get(f"/projets/{project.slug}?page=abc").status_code == 404

    response = alice.post(f"/commentaires/{newest.id}/repondre",
                          data={"stance": "pour", "body": "Réponse au dernier."})
    reply = newest_comment()
    location = urlsplit(response.headers["Location"])
    assert (location.query, location.fragment) == ("page=2", f"commentaire-{reply.id}")
    assert client.get(f"/commentaires/{reply.id}").location.endswith(
        f"/projets/{project.slug}?page=2#commentaire-{reply.id}")
    assert f"/projets/{project.slug}?page=2#commentaire-{reply.id}" in body(alice.get("/compte"))
    assert_counters_exact(proposal, project)


# --- rendering ----------------------------------------------------------------------------------

def test_comment_text_is_sanitised(citizen_client, open_proposal):
    """Comment markdown is rendered, and HTML that could run code is removed."""
    citizen_client.post(
        f"/propositions/{open_proposal.id}/commentaires",
        data={
            "stance": "pour",
            "body": '<script>alert("x")</script> **gras** <img src=x onerror="alert(1)">'
                    " [lien](javascript:alert(2))",
        },
    )
    page = citizen_client.get(f"/propositions/{open_proposal.id}").get_data(as_text=True)
    assert "<strong>gras</strong>" in page
    assert "<script" not in page.lower()
    assert "onerror" not in page
    assert "javascript:" not in page


def test_thread_queries_do_not_grow_with_comments(as_role, count_queries):
    """A proposal page costs the same number of queries with 2 threads or 40 with replies."""
    reader = as_role("citizen")

    def queries_for(threads: int) -> int:
        proposal = factories.proposal(factories.project("consultation"))
        authors = [factories.user() for _ in range(3)]
        for n in range(threads):
            root = factories.comment(proposal, author=authors[n % 3])
            reply = factories.comment(parent=root, author=authors[(n + 1) % 3])
            factories.comment(parent=reply, author=authors[(n + 2) % 3])
        db.session.commit()
        db.session.expire_all()
        reader.get(f"/propositions/{proposal.id}")  # warm caches (reference data)
        db.session.expire_all()
        with count_queries() as counter:
            assert reader.get(f"/propositions/{proposal.id}").status_code == 200
        return counter.count

    assert queries_for(2) == queries_for(40)


def test_a_comments_lasting_link_leads_to_its_page_of_the_thread(client, app):
    """/commentaires/<n> redirects to the thread page holding the comment, at its anchor; a
    deleted or hidden comment, or one on a hidden proposal, has no link (404)."""
    from consultation.moderation import services as moderation

    proposal = factories.proposal(factories.project("consultation"))
    roots = [factories.comment(proposal) for _ in range(ROOTS_PER_PAGE + 1)]
    on_project = factories.comment(factories.project("consultation"))
    moderator = factories.user(("moderator",))
    hidden = factories.comment(proposal)
    moderation.hide(moderator, "comment", hidden, "Hors sujet")
    db.session.commit()
    first = client.get(f"/commentaires/{roots[0].id}")
    assert first.status_code == 302
    assert first.location.endswith(f"/propositions/{proposal.id}#commentaire-{roots[0].id}")
    last = client.get(f"/commentaires/{roots[-1].id}").location
    assert last.endswith(f"/propositions/{proposal.id}?page=2#commentaire-{roots[-1].id}")
    assert f"#commentaire-{on_project.id}" in client.get(f"/commentaires/{on_project.id}").location
    assert client.get(f"/commentaires/{hidden.id}").status_code == 404
    moderation.hide(moderator, "proposal", db.session.get_one(type(proposal), proposal.id),
                    "Hors sujet")
    db.session.commit()
    assert client.get(f"/commentaires/{roots[0].id}").status_code == 404
    assert client.get("/commentaires/999999").status_code == 404


# --- as a browser sends it ----------------------------------------------------------------------

CHECKED_STANCE = re.compile(r'<input[^>]*name="stance"[^>]*\bchecked\b|'
                            r'<input[^>]*\bchecked\b[^>]*name="stance"')


def test_no_stance_is_ticked_until_the_person_ticks_one(as_role, open_proposal):
    """The comment box of a proposal and of a project, and the reply form, tick no stance: a
    comment sent as shown, without choosing, is refused in French with its text kept."""
    alice = as_role("citizen")
    root = factories.comment(open_proposal, stance="pour")
    db.session.commit()
    pages = (f"/propositions/{open_proposal.id}",
             f"/projets/{open_proposal.project.slug}",
             f"/commentaires/{root.id}/repondre")
    for url in pages:
        page = alice.get(url)
        html_text = page.get_data(as_text=True)
        assert 'name="stance"' in html_text, url
        assert not CHECKED_STANCE.search(html_text), url
        button = "Publier" if "repondre" in url else "Publier mon commentaire"
        refused = submit(alice, url, page, button,
                         {"body": "Première ligne.\r\nDeuxième ligne, sans position."})
        assert refused.status_code == 200, url
        shown = body(refused)
        assert "Choisissez pour, contre ou neutre." in shown
        assert "Deuxième ligne, sans position." in shown
        assert not CHECKED_STANCE.search(refused.get_data(as_text=True)), url
    assert comment_ids() == [root.id]


def test_comment_typed_in_a_browser_is_stored_with_plain_line_breaks(as_role, open_proposal):
    """The CRLF of a textarea is stored as LF, in a new comment and in an edited one."""
    alice = as_role("citizen")
    url = f"/propositions/{open_proposal.id}"
    page = alice.get(url)
    assert submit(alice, url, page, "Publier mon commentaire", {
        "stance": "pour", "body": "Première ligne.\r\n\r\n- un point\r\n- un autre"},
    ).status_code == 302
    made = newest_comment()
    assert made.body == "Première ligne.\n\n- un point\n- un autre"
    edit_url = f"/commentaires/{made.id}/modifier"
    assert submit(alice, edit_url, alice.get(edit_url), "Enregistrer").status_code == 302
    db.session.expire_all()
    assert "\r" not in db.session.get_one(Comment, made.id).body


def test_comment_on_two_lines_is_shown_on_two_lines(as_role, open_proposal):
    """A comment typed on two lines in a browser (CRLF) shows its line break on the proposal's
    page, in the reply form that quotes it and on the page asking to delete it."""
    alice = as_role("citizen")
    url = f"/propositions/{open_proposal.id}"
    assert submit(alice, url, alice.get(url), "Publier mon commentaire", {
        "stance": "pour", "body": "Bonjour,\r\nje viens de Bellevue.\r\n\r\nMerci."},
    ).status_code == 302
    made = newest_comment()
    two_lines = re.compile(r"<p>Bonjour,<br>\s*je viens de Bellevue\.</p>\s*<p>Merci\.</p>")
    for page in (url, f"/commentaires/{made.id}/repondre", f"/commentaires/{made.id}/supprimer"):
        assert two_lines.search(alice.get(page).get_data(as_text=True)), page
