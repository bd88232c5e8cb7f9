"""Hiding, restoring, dismissing: public reasons, exact counters, mails, refusals, and the log."""

from __future__ import annotations

import html
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.comments import services as comment_services
from consultation.comments.models import Comment
from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.moderation.models import Report
from consultation.notifications.models import Notification
from consultation.projects.models import Project
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.conftest import login
from tests.recount import assert_counters_exact
from tests.test_i18n import english, english_catalogue  # noqa: F401  (fixtures used by name)

REASON = "Propos injurieux envers un voisin"


def text(response) -> str:
    """The page as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def decide(client, kind: str, target_id: int, decision: str, reason: str = REASON):
    """POST a moderator's decision (masquer, retablir, ecarter)."""
    return client.post(f"/moderation/{kind}/{target_id}/{decision}", data={"reason": reason})


def entries(prefix: str = "") -> list[AuditEntry]:
    """Audit entries whose action starts with `prefix`, oldest first (project.* left out)."""
    db.session.expire_all()
    return [
        e for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        if e.action.startswith(prefix) and not e.action.startswith("project.")
    ]


def reports_of(kind: str, target_id: int) -> list[Report]:
    """The reports of an item, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(
        select(Report).where(Report.target_kind == kind, Report.target_id == target_id)
        .order_by(Report.id)))


def told(user_id: int) -> list[tuple[str, str]]:
    """The (kind, reason) of the notifications made for someone, oldest first (the author of a
    proposal is told of its moderation by a notification, which carries the email)."""
    db.session.commit()
    return [(n.kind, n.reason) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def mails(app) -> list[dict[str, str]]:
    """The mails written to the outbox: to, subject and plain text."""
    outbox = Path(app.config["OUTBOX_DIR"])
    found = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        plain = message.get_body(("plain",))
        assert plain is not None
        found.append({"to": str(message["To"]), "subject": str(message["Subject"]),
                      "text": plain.get_content()})
    return found


def listed_ids(client, project) -> list[int]:
    """Ids of the proposals in the project's public list."""
    page = client.get(f"/projets/{project.slug}/propositions?tri=recentes").get_data(as_text=True)
    return [int(n) for n in re.findall(r'<h2><a href="/propositions/(\d+)">', page)]


def report(kind: str, target, count: int = 1, reason: str = "offensive") -> list:
    """`count` people report the item (through the service); their accounts."""
    people = [factories.user() for _ in range(count)]
    for person in people:
        moderation.report(person, kind, target, reason, "")
    db.session.commit()
    return people


def fresh(model, ident):
    """The row as the database has it now."""
    db.session.expire_all()
    return db.session.get(model, ident)


def login_user(app, user):
    """A client logged in as `user`."""
    return login(app.test_client(), user)


def login_new(app):
    """A client logged in as a new citizen."""
    user = factories.user()
    db.session.commit()
    return login(app.test_client(), user)


def citizen_id(client) -> int:
    """The id of the user logged in on a test client."""
    with client.session_transaction() as session:
        return int(session["_user_id"].partition(":")[0])


@pytest.fixture
def moderator(as_role):
    """A logged-in moderator."""
    return as_role("citizen", "moderator")


@pytest.fixture
def proposal():
    """A visible, supported and commented proposal in a project in consultation."""
    made = factories.proposal(factories.project("consultation"), title="Des bancs au port",
                              body="Installer **des bancs** sur le quai.")
    factories.support(made)
    factories.comment(made, stance="pour")
    factories.comment(made, stance="neutre")
    db.session.commit()
    return made


# --- Who may decide ------------------------------------------------------------------------------

@pytest.mark.parametrize("roles", [("citizen",), ("citizen", "mediator"), ("citizen", "admin")])
def test_non_moderators_get_a_french_403_on_every_moderation_url(as_role, proposal, roles):
    """Citizen, mediator and admin without the moderator role are refused, and nothing moves."""
    someone = as_role(*roles)
    report("proposal", proposal, 1)
    base = f"/moderation/proposal/{proposal.id}"
    responses = [someone.get("/moderation"), someone.get(base)]
    responses += [decide(someone, "proposal", proposal.id, d)
                  for d in ("masquer", "retablir", "ecarter")]
    for response in responses:
        assert response.status_code == 403
        assert "Action non autorisée" in text(response)
    assert fresh(Proposal, proposal.id).moderation == "visible"
    assert [r.status for r in reports_of("proposal", proposal.id)] == ["open"]
    assert entries() == []


def test_anonymous_visitors_are_sent_to_login(client, proposal):
    """Every moderation URL asks an anonymous visitor to log in."""
    base = f"/moderation/proposal/{proposal.id}"
    responses = [client.get("/moderation"), client.get(base)]
    responses += [decide(client, "proposal", proposal.id, d)
                  for d in ("masquer", "retablir", "ecarter")]
    for response in responses:
        assert response.status_code == 302
        assert "/compte/connexion" in response.headers["Location"]
    assert fresh(Proposal, proposal.id).moderation == "visible"


@pytest.mark.parametrize("path", [
    "/moderation/projet/1", "/moderation/proposal/999999", "/moderation/comment/999999",
    "/moderation/user/999999", "/moderation/proposal/0", "/moderation/proposal/abc",
])
def test_unknown_kind_or_id_is_a_french_404(moderator, proposal, path):
    """The item page and the decisions answer an unknown kind or id with the French 404."""
    for response in (moderator.get(path), moderator.post(f"{path}/masquer",
                                                         data={"reason": "x"})):
        assert response.status_code == 404
        assert "Page introuvable" in text(response)
    assert entries() == []


def test_unknown_decision_is_a_404(moderator, proposal):
    """Only masquer, retablir and ecarter are decisions."""
    response = decide(moderator, "proposal", proposal.id, "supprimer")
    assert response.status_code == 404
    assert fresh(Proposal, proposal.id).moderation == "visible"


def test_decisions_are_post_only(moderator, proposal):
    """A GET on a decision URL changes nothing."""
    response = moderator.get(f"/moderation/proposal/{proposal.id}/masquer")
    assert response.status_code == 405
    assert fresh(Proposal, proposal.id).moderation == "visible"


# --- The item page ----------------------------------------------------------------------------

def test_item_page_shows_content_context_reports_and_decisions(moderator, proposal):
    """The moderator sees the content, a link to its context, each report and the buttons."""
    people = report("proposal", proposal, 1, "spam")
    moderation.report(factories.user(), "proposal", proposal, "other", "Numéro de téléphone")
    db.session.commit()
    response = moderator.get(f"/moderation/proposal/{proposal.id}")
    assert response.status_code == 200
    page = text(response)
    assert "Des bancs au port" in page
    assert "<strong>des bancs</strong>" in page
    assert f'href="/propositions/{proposal.id}"' in page
    assert "2 signalements" in page
    assert "Publicité ou spam" in page and "Autre (précisez)" in page
    assert "Numéro de téléphone" in page
    assert people[0].display_name in page
    for decision in ("masquer", "ecarter"):
        assert f'formaction="/moderation/proposal/{proposal.id}/{decision}"' in page
    assert "/retablir" not in page  # nothing to restore on a visible item
    assert 'name="reason"' in page


def test_item_page_of_a_comment_links_to_its_anchor(moderator, proposal):
    """A comment's context is its place in the thread."""
    comment = db.session.scalars(select(Comment).where(Comment.proposal_id == proposal.id)).first()
    assert comment is not None
    page = moderator.get(f"/moderation/comment/{comment.id}").get_data(as_text=True)
    assert f'href="/propositions/{proposal.id}#commentaire-{comment.id}"' in page
    assert "Un avis argumenté." in page


def test_item_page_of_an_account(moderator, proposal):
    """An account has no hide button, only the link to block it and the dismissal."""
    report("user", proposal.author, 2)
    page = moderator.get(f"/moderation/user/{proposal.author_id}").get_data(as_text=True)
    assert html.unescape(page).count(proposal.author.display_name) >= 1
    assert f'href="/moderation/comptes/{proposal.author_id}"' in page
    assert "/masquer" not in page and "/retablir" not in page
    assert f"/moderation/user/{proposal.author_id}/ecarter" in page


# --- Hiding a proposal ------------------------------------------------------------------------

def test_hiding_a_proposal(app, moderator, client, proposal):
    """Hidden: out of lists and counts, reason shown instead of the text, reports upheld, log."""
    project = proposal.project
    reporters = report("proposal", proposal, 2)
    response = decide(moderator, "proposal", proposal.id, "masquer")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation/proposal/{proposal.id}")
    assert "La décision est enregistrée." in text(moderator.get(response.headers["Location"]))

    hidden = fresh(Proposal, proposal.id)
    assert (hidden.moderation, hidden.moderation_reason) == ("hidden", REASON)
    assert hidden.moderated_at is not None
    assert hidden.status == "published"
    rows = reports_of("proposal", proposal.id)
    assert [r.status for r in rows] == ["upheld", "upheld"]
    assert all(r.decided_by_id == moderator.user.id and r.decided_at for r in rows)
    [entry] = entries()
    assert (entry.action, entry.actor_id, entry.target_kind, entry.target_id, entry.reason) == (
        "proposal.hide", moderator.user.id, "proposal", proposal.id, REASON)
    assert sorted(entry.data["reports"]) == sorted(r.id for r in rows)

    assert_counters_exact()
    assert fresh(Project, project.id).proposals_count == 0
    assert listed_ids(client, project) == []
    assert "Des bancs au port" not in text(client.get(f"/projets/{project.slug}"))

    public = text(client.get(f"/propositions/{proposal.id}"))
    assert "Proposition masquée par la modération" in public
    assert REASON in public
    assert "Des bancs au port" not in public
    assert "Installer" not in public
    own = text(login_user(app, proposal.author).get(f"/propositions/{proposal.id}"))
    assert "Proposition masquée par la modération" in own and REASON in own
    seen = text(moderator.get(f"/propositions/{proposal.id}"))
    assert "Des bancs au port" in seen and "Installer" in seen and REASON in seen

    sent = mails(app)
    assert [m for m in sent if m["to"] == proposal.author.email] == []
    assert told(proposal.author_id) == [("hidden", "author")]
    assert told(moderator.user.id) == []
    for person in reporters:
        [mail] = [m for m in sent if m["to"] == person.email]
        assert mail["subject"] == "Votre signalement a été examiné"
        assert "a été masqué par la modération" in mail["text"]
        # One may report several items: the mail says which one it is about.
        assert f"{app.config['PUBLIC_URL']}/propositions/{proposal.id}" in mail["text"]
    assert len(sent) == 2


def test_hiding_without_reports_tells_only_the_author(app, moderator, proposal):
    """A moderator may hide unreported content; only its author is told."""
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    assert fresh(Proposal, proposal.id).moderation == "hidden"
    assert mails(app) == []
    assert told(proposal.author_id) == [("hidden", "author")]
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1
    assert entries()[0].data["reports"] == []
    assert_counters_exact()


def test_hiding_needs_a_reason(app, moderator, proposal):
    """An empty reason is refused in French; nothing changes, nobody is mailed."""
    report("proposal", proposal, 1)
    for reason in ("", "   "):
        response = decide(moderator, "proposal", proposal.id, "masquer", reason)
        assert response.status_code == 200
        assert "Indiquez le motif, il sera affiché à la place du contenu." in text(response)
    assert fresh(Proposal, proposal.id).moderation == "visible"
    assert [r.status for r in reports_of("proposal", proposal.id)] == ["open"]
    assert entries() == []
    assert mails(app) == []
    assert_counters_exact()


def test_too_long_reason_is_refused_and_kept(moderator, proposal):
    """A reason over 2,000 characters is refused and shown again."""
    long = "motif " * 400
    response = decide(moderator, "proposal", proposal.id, "masquer", long)
    assert response.status_code == 200
    page = text(response)
    assert "2 000 caractères au maximum." in page
    assert long.strip() in page
    assert fresh(Proposal, proposal.id).moderation == "visible"


def test_hiding_something_already_hidden_is_refused(app, moderator, proposal):
    """A second hide says so in French and changes neither the reason nor the log."""
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    before = fresh(Proposal, proposal.id).moderated_at
    response = decide(moderator, "proposal", proposal.id, "masquer", "Autre motif")
    assert response.status_code == 200
    assert "Ce contenu est déjà masqué." in text(response)
    hidden = fresh(Proposal, proposal.id)
    assert (hidden.moderation_reason, hidden.moderated_at) == (REASON, before)
    assert [e.action for e in entries()] == ["proposal.hide"]
    assert told(proposal.author_id) == [("hidden", "author")]
    assert_counters_exact()


def test_restoring_something_visible_is_refused(moderator, proposal):
    """Restoring a visible item says so in French; nothing is logged."""
    response = decide(moderator, "proposal", proposal.id, "retablir")
    assert response.status_code == 200
    assert "Ce contenu n'est pas masqué." in text(response)
    assert fresh(Proposal, proposal.id).moderated_at is None
    assert entries() == []


def test_dismissing_with_nothing_open_is_refused(moderator, proposal):
    """Dismissing without open reports says so; decided reports stay as they were."""
    response = decide(moderator, "proposal", proposal.id, "ecarter")
    assert response.status_code == 200
    assert "Aucun signalement en attente sur ce contenu." in text(response)
    report("proposal", proposal, 1)
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    response = decide(moderator, "proposal", proposal.id, "ecarter")
    assert "Aucun signalement en attente sur ce contenu." in text(response)
    assert [r.status for r in reports_of("proposal", proposal.id)] == ["upheld"]
    assert [e.action for e in entries()] == ["proposal.hide"]


# --- Restoring ---------------------------------------------------------------------------------

def test_hide_then_restore_keeps_counts_exact(app, moderator, client, proposal):
    """Restored: back in the list and the counts; open reports dismissed; log entry."""
    project = proposal.project
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    assert_counters_exact()
    late = report("proposal", proposal, 1)  # reported while hidden: still open
    response = decide(moderator, "proposal", proposal.id, "retablir", "Erreur de ma part")
    assert response.status_code == 302
    restored = fresh(Proposal, proposal.id)
    assert (restored.moderation, restored.moderation_reason) == ("visible", None)
    assert [r.status for r in reports_of("proposal", proposal.id)] == ["dismissed"]
    assert [e.action for e in entries()] == ["proposal.hide", "proposal.restore"]
    assert entries()[-1].reason == "Erreur de ma part"
    assert entries()[-1].actor_id == moderator.user.id
    assert_counters_exact()
    assert fresh(Project, project.id).proposals_count == 1
    assert listed_ids(client, project) == [proposal.id]
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Des bancs au port" in page and "masquée" not in page
    [mail] = [m for m in mails(app) if m["to"] == late[0].email]
    assert "laisser le contenu visible" in mail["text"]


def test_report_hold_then_dismiss_keeps_counts_exact(app, moderator, client, proposal):
    """Report -> hold -> dismiss: counts go down then back up, exact at each step."""
    project = proposal.project
    assert_counters_exact()
    reporters = report("proposal", proposal, 3)
    assert fresh(Proposal, proposal.id).moderation == "held"
    assert_counters_exact()
    assert fresh(Project, project.id).proposals_count == 0
    page = text(moderator.get(f"/moderation/proposal/{proposal.id}"))
    assert "Masqué en attente de décision" in page
    assert f"/moderation/proposal/{proposal.id}/retablir" in page

    response = decide(moderator, "proposal", proposal.id, "ecarter", "Rien d'illicite")
    assert response.status_code == 302
    assert fresh(Proposal, proposal.id).moderation == "visible"
    assert [r.status for r in reports_of("proposal", proposal.id)] == ["dismissed"] * 3
    assert [(e.action, e.actor_id) for e in entries()] == [
        ("proposal.hold", None), ("proposal.dismiss", moderator.user.id)]
    assert_counters_exact()
    assert fresh(Project, project.id).proposals_count == 1
    assert listed_ids(client, project) == [proposal.id]
    sent = mails(app)
    assert sorted(m["to"] for m in sent) == sorted(p.email for p in reporters)
    assert all("laisser le contenu visible" in m["text"] for m in sent)
    assert all(f"/propositions/{proposal.id}" in m["text"] for m in sent)


def test_hiding_a_held_item_upholds_its_reports(app, moderator, proposal):
    """Held then hidden: counters move once; every report is upheld."""
    report("proposal", proposal, 3)
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    assert fresh(Proposal, proposal.id).moderation == "hidden"
    assert [r.status for r in reports_of("proposal", proposal.id)] == ["upheld"] * 3
    assert [e.action for e in entries()] == ["proposal.hold", "proposal.hide"]
    assert_counters_exact()
    assert len(mails(app)) == 3  # the reporters; the author is notified
    assert told(proposal.author_id) == [("hidden", "author")]


def test_restoring_a_held_comment(moderator, proposal):
    """A held comment restored is visible and counted again; its reports are dismissed."""
    comment = db.session.scalars(select(Comment).where(Comment.proposal_id == proposal.id)).first()
    assert comment is not None
    report("comment", comment, 3)
    assert fresh(Comment, comment.id).moderation == "held"
    assert_counters_exact()
    assert decide(moderator, "comment", comment.id, "retablir").status_code == 302
    assert fresh(Comment, comment.id).moderation == "visible"
    assert [r.status for r in reports_of("comment", comment.id)] == ["dismissed"] * 3
    assert [e.action for e in entries()] == ["comment.hold", "comment.restore"]
    assert_counters_exact()
    assert fresh(Proposal, proposal.id).comments_count == 2


def test_dismissing_reports_on_a_hidden_item_keeps_it_hidden(moderator, proposal):
    """Dismissing late reports on hidden content does not show it again."""
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    report("proposal", proposal, 1)
    assert decide(moderator, "proposal", proposal.id, "ecarter").status_code == 302
    assert fresh(Proposal, proposal.id).moderation == "hidden"
    assert [e.action for e in entries()] == ["proposal.hide", "proposal.dismiss"]
    assert_counters_exact()


# --- Comments ----------------------------------------------------------------------------------

@pytest.fixture
def thread(proposal):
    """A comment (contre) with a reply and a reply to the reply."""
    root = factories.comment(proposal, stance="contre", body="Texte injurieux du parent.")
    child = factories.comment(parent=root, stance="pour", body="Réponse de niveau un.")
    grandchild = factories.comment(parent=child, stance="neutre", body="Réponse de niveau deux.")
    db.session.commit()
    return root, child, grandchild


def test_hiding_a_comment_with_replies(app, moderator, client, proposal, thread):
    """The text gives way to the reason; replies stay in place; counts drop by one."""
    root, child, grandchild = thread
    assert_counters_exact()
    before = fresh(Proposal, proposal.id)
    counts = (before.comments_count, before.comments_contre)
    response = decide(moderator, "comment", root.id, "masquer")
    assert response.status_code == 302
    assert fresh(Comment, root.id).moderation == "hidden"
    assert [e.action for e in entries()] == ["comment.hide"]
    assert_counters_exact()
    after = fresh(Proposal, proposal.id)
    assert (after.comments_count, after.comments_contre) == (counts[0] - 1, counts[1] - 1)

    raw = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    page = html.unescape(raw)
    assert f"{counts[0] - 1} commentaires" in page  # the figure the public reads
    assert f"Masqué par la modération. Motif\u00a0: {REASON}" in page
    assert "Texte injurieux du parent." not in page
    assert "Réponse de niveau un." in page and "Réponse de niveau deux." in page
    # The replies are still nested under the hidden comment.
    assert re.search(
        rf'id="commentaire-{root.id}".*?<ol class="replies">.*?id="commentaire-{child.id}"'
        rf'.*?<ol class="replies">.*?id="commentaire-{grandchild.id}"', raw, re.S)
    # Nobody replies to hidden content.
    other = login_new(app)
    assert f"/commentaires/{root.id}/repondre" not in other.get(
        f"/propositions/{proposal.id}").get_data(as_text=True)
    response = other.post(f"/commentaires/{root.id}/repondre",
                          data={"stance": "pour", "body": "Une réponse."})
    assert response.status_code == 403
    # The moderator still reads it, marked as hidden.
    seen = text(moderator.get(f"/propositions/{proposal.id}"))
    assert "Texte injurieux du parent." in seen and "Masqué au public" in seen

    mail = [m for m in mails(app) if m["to"] == root.author.email]
    assert len(mail) == 1
    assert "Un de vos commentaires a été masqué par la modération." in mail[0]["text"]
    assert f"#commentaire-{root.id}" in mail[0]["text"]


def test_hide_and_restore_a_comment_on_the_project(app, moderator, client):
    """A comment on the project page hides and comes back; project counts follow."""
    project = factories.project("consultation")
    comment = factories.comment(project, body="Commentaire sur le projet.")
    db.session.commit()
    assert decide(moderator, "comment", comment.id, "masquer").status_code == 302
    assert_counters_exact()
    assert fresh(Project, project.id).comments_count == 0
    page = text(client.get(f"/projets/{project.slug}"))
    assert f"Masqué par la modération. Motif\u00a0: {REASON}" in page
    assert "Commentaire sur le projet." not in page
    [mail] = mails(app)
    assert mail["to"] == comment.author.email
    assert f"/projets/{project.slug}#commentaire-{comment.id}" in mail["text"]
    assert decide(moderator, "comment", comment.id, "retablir").status_code == 302
    assert_counters_exact()
    assert fresh(Project, project.id).comments_count == 1
    assert "Commentaire sur le projet." in text(client.get(f"/projets/{project.slug}"))


def test_hiding_a_deleted_comment_counts_nothing_twice(moderator, proposal, thread):
    """A comment deleted by its author, then hidden, then restored: counted once, never twice."""
    root = thread[0]
    comment_services.delete_comment(root.author, root)
    db.session.commit()
    assert_counters_exact()
    assert decide(moderator, "comment", root.id, "masquer").status_code == 302
    assert_counters_exact()
    assert decide(moderator, "comment", root.id, "retablir").status_code == 302
    assert_counters_exact()


def test_deleting_a_hidden_comment_counts_nothing_twice(app, moderator, proposal, thread):
    """The author deletes a hidden comment: counters stay exact."""
    root = thread[0]
    assert decide(moderator, "comment", root.id, "masquer").status_code == 302
    author = login_user(app, root.author)
    response = author.post(f"/commentaires/{root.id}/supprimer")
    assert response.status_code == 302
    assert fresh(Comment, root.id).is_deleted
    assert_counters_exact()
    assert decide(moderator, "comment", root.id, "retablir").status_code == 302
    assert_counters_exact()


def test_author_cannot_edit_a_hidden_comment(app, moderator, proposal, thread):
    """Editing a hidden comment is a French 403 and changes nothing."""
    root = thread[0]
    assert decide(moderator, "comment", root.id, "masquer").status_code == 302
    author = login_user(app, root.author)
    assert f"/commentaires/{root.id}/modifier" not in author.get(
        f"/propositions/{proposal.id}").get_data(as_text=True)
    for response in (author.get(f"/commentaires/{root.id}/modifier"),
                     author.post(f"/commentaires/{root.id}/modifier",
                                 data={"stance": "pour", "body": "Texte adouci."})):
        assert response.status_code == 403
        assert "Ce commentaire a été masqué par la modération." in text(response)
    assert fresh(Comment, root.id).body == "Texte injurieux du parent."
    assert_counters_exact()


# --- Proposals: refusals on hidden content ----------------------------------------------------

@pytest.mark.parametrize("state", ["hidden", "held"])
def test_hidden_proposal_refuses_supports_and_comments(app, moderator, proposal, state):
    """Hidden or held: no new support, no new comment (French 403), no button either."""
    if state == "hidden":
        assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    else:
        report("proposal", proposal, 3)
    assert fresh(Proposal, proposal.id).moderation == state
    citizen = login_new(app)
    page = text(citizen.get(f"/propositions/{proposal.id}"))
    assert "Soutenir cette proposition" not in page
    assert "Publier mon commentaire" not in page
    response = citizen.post(f"/propositions/{proposal.id}/soutenir")
    assert response.status_code == 403
    assert "masquée" in text(response)
    response = citizen.post(f"/propositions/{proposal.id}/commentaires",
                            data={"stance": "pour", "body": "Un commentaire."})
    assert response.status_code == 403
    assert "masquée" in text(response)
    db.session.expire_all()
    assert db.session.scalar(select(Support).where(Support.user_id == citizen_id(citizen))) \
        is None
    assert_counters_exact()


def test_author_cannot_edit_a_hidden_proposal(app, moderator):
    """An unreacted proposal, once hidden, is no longer editable by its author."""
    proposal = factories.proposal(factories.project("consultation"), title="Titre d'origine")
    db.session.commit()
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    author = login_user(app, proposal.author)
    assert f"/propositions/{proposal.id}/modifier" not in author.get(
        f"/propositions/{proposal.id}").get_data(as_text=True)
    for response in (author.get(f"/propositions/{proposal.id}/modifier"),
                     author.post(f"/propositions/{proposal.id}/modifier",
                                 data={"title": "Titre changé", "body": "Autre texte."})):
        assert response.status_code == 403
        assert "Cette proposition a été masquée par la modération." in text(response)
    assert fresh(Proposal, proposal.id).title == "Titre d'origine"


def test_withdrawing_a_hidden_proposal_counts_nothing_twice(app, moderator, proposal):
    """Hidden then withdrawn then restored: the proposal leaves the count once."""
    project = proposal.project
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    assert_counters_exact()
    author = login_user(app, proposal.author)
    assert author.post(f"/propositions/{proposal.id}/retirer").status_code == 302
    assert fresh(Proposal, proposal.id).status == "withdrawn"
    assert_counters_exact()
    assert fresh(Project, project.id).proposals_count == 0
    assert decide(moderator, "proposal", proposal.id, "retablir").status_code == 302
    assert fresh(Proposal, proposal.id).moderation == "visible"
    assert_counters_exact()
    assert fresh(Project, project.id).proposals_count == 0


def test_hiding_a_withdrawn_proposal_counts_nothing_twice(moderator, proposal):
    """Withdrawn then hidden then restored: counted out once."""
    proposal_services.withdraw_proposal(proposal.author, proposal)
    db.session.commit()
    assert_counters_exact()
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    assert_counters_exact()
    assert decide(moderator, "proposal", proposal.id, "retablir").status_code == 302
    assert_counters_exact()


def test_comments_of_a_hidden_proposal_stay_counted_on_the_project(moderator, proposal):
    """Hiding a proposal moves only the proposal count; its comments keep their own counts."""
    project_before = fresh(Project, proposal.project_id)
    comments, supports = project_before.comments_count, project_before.supports_count
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    project_after = fresh(Project, proposal.project_id)
    assert (project_after.comments_count, project_after.supports_count) == (comments, supports)
    assert_counters_exact()


# --- Accounts ----------------------------------------------------------------------------------

def test_an_account_is_not_hidden_but_its_reports_can_be_dismissed(app, moderator, proposal):
    """Hide and restore refuse accounts in French; dismissing works and is logged."""
    author = proposal.author
    reporters = report("user", author, 2)
    response = decide(moderator, "user", author.id, "masquer")
    assert response.status_code == 200
    assert "Un compte se bloque, il ne se masque pas." in text(response)
    response = decide(moderator, "user", author.id, "retablir")
    assert response.status_code == 200
    assert "Ce contenu n'est pas masqué." in text(response)
    assert entries() == []
    assert decide(moderator, "user", author.id, "ecarter", "Compte légitime").status_code == 302
    assert [r.status for r in reports_of("user", author.id)] == ["dismissed"] * 2
    [entry] = entries()
    assert (entry.action, entry.actor_id, entry.target_id, entry.reason) == (
        "user.dismiss", moderator.user.id, author.id, "Compte légitime")
    assert sorted(m["to"] for m in mails(app)) == sorted(p.email for p in reporters)
    assert all("laisser le contenu visible" in m["text"] for m in mails(app))
    assert all("/propositions/" not in m["text"] for m in mails(app))


def test_reporters_of_a_comment_get_a_link_to_its_place(app, moderator, proposal, thread):
    """A reporter of a comment is pointed to the comment's anchor in its thread."""
    root = thread[0]
    [reporter] = report("comment", root, 1)
    assert decide(moderator, "comment", root.id, "masquer").status_code == 302
    [mail] = [m for m in mails(app) if m["to"] == reporter.email]
    assert f"/propositions/{proposal.id}#commentaire-{root.id}" in mail["text"]


@pytest.mark.usefixtures("english")
def test_reporters_mail_is_in_their_language(app, moderator, proposal):
    """A reporter who chose English is told in English."""
    [reporter] = report("proposal", proposal, 1)
    reporter.locale = "en"
    db.session.commit()
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    [mail] = [m for m in mails(app) if m["to"] == reporter.email]
    assert mail["text"].startswith("Hello")
    assert "Votre signalement" not in mail["subject"]
    assert "modération" not in mail["text"]


@pytest.mark.usefixtures("english")
def test_hidden_proposal_page_in_english(moderator, client, proposal):
    """The notice that replaces hidden content is in English for an English visitor."""
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    client.post("/langue", data={"lang": "en"})
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert '<html lang="en">' in page
    assert REASON in page
    assert "masquée" not in page and "Masqué" not in page


# --- Two decisions crossing -------------------------------------------------------------------
# A double click on "Masquer", or two moderators on the same item: the second request loaded
# the item before the first one committed. Each test replays that order exactly: the test's
# session holds the item as it was, another application context (a request of its own) decides
# and commits, then the service runs on what the test holds.

def other_request(app, action) -> None:
    """Run `action()` in an application context (and database session) of its own; commit."""
    with app.app_context():
        action()
        db.session.commit()


@pytest.fixture
def two_proposals(proposal):
    """The proposal, plus a second one so that a double decrement stays above zero."""
    factories.proposal(proposal.project)
    db.session.commit()
    return proposal


def test_crossing_hides_count_the_proposal_out_once(app, two_proposals):
    """The second of two crossing hides is refused; the proposal leaves the counts once."""
    first, second = (factories.user(roles=("moderator",)) for _ in range(2))
    db.session.commit()
    pid, first_id = two_proposals.id, first.id
    seen = db.session.get_one(Proposal, pid)
    assert seen.moderation == "visible"

    def hide_first() -> None:
        actor = db.session.get_one(type(first), first_id)
        moderation.hide(actor, "proposal", db.session.get(Proposal, pid), "Injurieux")

    other_request(app, hide_first)
    with pytest.raises(moderation.DomainError):  # already hidden, or "reload the page"
        moderation.hide(second, "proposal", seen, REASON)
    db.session.rollback()
    assert [e.action for e in entries()] == ["proposal.hide"]
    assert_counters_exact()


def test_crossing_restores_count_the_proposal_in_once(app, moderator, two_proposals):
    """The second of two crossing restores is refused; the proposal comes back once."""
    pid = two_proposals.id
    assert decide(moderator, "proposal", pid, "masquer").status_code == 302
    actor = moderator.user
    actor_id = actor.id
    seen = db.session.get_one(Proposal, pid)
    assert seen.moderation == "hidden"

    def restore_first() -> None:
        moderation.restore(db.session.get_one(type(actor), actor_id), "proposal",
                           db.session.get(Proposal, pid), "Erreur")

    other_request(app, restore_first)
    with pytest.raises(moderation.DomainError):  # not hidden, or "reload the page"
        moderation.restore(actor, "proposal", seen, "Erreur")
    db.session.rollback()
    assert [e.action for e in entries()] == ["proposal.hide", "proposal.restore"]
    assert_counters_exact()


def test_hide_crossing_a_restore_of_a_held_item(app, two_proposals):
    """Held, restored by one moderator while another hides it: the counts follow the end state."""
    pid = two_proposals.id
    report("proposal", two_proposals, 3)
    first, second = (factories.user(roles=("moderator",)) for _ in range(2))
    db.session.commit()
    first_id = first.id
    seen = db.session.get_one(Proposal, pid)
    assert seen.moderation == "held"

    def restore_first() -> None:
        moderation.restore(db.session.get_one(type(first), first_id), "proposal",
                           db.session.get(Proposal, pid), "Rien d'illicite")

    other_request(app, restore_first)
    try:
        moderation.hide(second, "proposal", seen, REASON)
        db.session.commit()
    except moderation.DomainError:
        db.session.rollback()
    assert_counters_exact()


# --- More refusals and edges -------------------------------------------------------------------

def test_blocked_moderator_cannot_decide(as_role, proposal):
    """A moderator whose account an admin blocked may read but no longer hide or dismiss."""
    moderator = as_role("citizen", "moderator")
    moderation.block_user(factories.user(roles=("admin",)), moderator.user, "Abus", None)
    db.session.commit()
    report("proposal", proposal, 1)
    for response in (decide(moderator, "proposal", proposal.id, "masquer"),
                     decide(moderator, "proposal", proposal.id, "ecarter")):
        assert response.status_code == 403
        assert "Votre compte est bloqué" in text(response)
    assert fresh(Proposal, proposal.id).moderation == "visible"
    assert entries("proposal.") == []


def test_reason_and_details_are_shown_as_text(moderator, client, proposal):
    """A reason or report details with markup are shown escaped, never run."""
    moderation.report(factories.user(), "proposal", proposal, "other",
                      '<img src=x onerror="alert(1)">')
    db.session.commit()
    item = moderator.get(f"/moderation/proposal/{proposal.id}").get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in item
    assert "&lt;img src=x" in item
    reason = "<script>alert('motif')</script>"
    assert decide(moderator, "proposal", proposal.id, "masquer", reason).status_code == 302
    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page


def test_hidden_proposal_refuses_replies_but_lets_supports_go(app, moderator, proposal):
    """On a hidden proposal nobody replies to its comments; a supporter may still take back."""
    supporter = db.session.scalar(select(Support).where(Support.proposal_id == proposal.id))
    assert supporter is not None
    comment = db.session.scalars(select(Comment).where(Comment.proposal_id == proposal.id)).first()
    assert comment is not None
    assert decide(moderator, "proposal", proposal.id, "masquer").status_code == 302
    citizen = login_new(app)
    response = citizen.post(f"/commentaires/{comment.id}/repondre",
                            data={"stance": "pour", "body": "Une réponse."})
    assert response.status_code == 403
    assert "masquée" in text(response)
    giver = login_user(app, db.session.get_one(User, supporter.user_id))
    assert giver.post(f"/propositions/{proposal.id}/retirer-soutien").status_code == 302
    assert fresh(Proposal, proposal.id).supports_count == 0
    assert_counters_exact()


def test_author_cannot_edit_a_held_proposal(app):
    """A proposal held by reports is not editable by its author until a decision."""
    app.config["REPORT_THRESHOLD"] = 1
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    report("proposal", proposal, 1)
    response = login_user(app, proposal.author).get(f"/propositions/{proposal.id}/modifier")
    assert response.status_code == 403
    assert "Cette proposition a été masquée par la modération." in text(response)


def test_deleting_a_held_comment_then_dismissing(app, moderator, proposal, thread):
    """Held, deleted by its author, reports dismissed: it counts nowhere, exactly."""
    root = thread[0]
    report("comment", root, 3)
    assert fresh(Comment, root.id).moderation == "held"
    author = login_user(app, root.author)
    assert author.post(f"/commentaires/{root.id}/supprimer").status_code == 302
    assert_counters_exact()
    assert decide(moderator, "comment", root.id, "ecarter").status_code == 302
    assert fresh(Comment, root.id).moderation == "visible"
    assert_counters_exact()
