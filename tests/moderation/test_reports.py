"""Reports: one per person and item, checked in French, never one's own, held past a threshold."""

from __future__ import annotations

import html
import re
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.moderation.models import Report
from consultation.proposals import services as proposal_services
from consultation.proposals.models import Proposal
from tests import factories
from tests.conftest import login
from tests.recount import assert_counters_exact


def text(response) -> str:
    """The page as text, HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def report_rows(kind: str | None = None, target_id: int | None = None) -> list[Report]:
    """The reports stored, oldest first (read fresh)."""
    db.session.expire_all()
    statement = select(Report).order_by(Report.id)
    if kind is not None:
        statement = statement.where(Report.target_kind == kind, Report.target_id == target_id)
    return list(db.session.scalars(statement))


def audit_actions() -> list[tuple[str, int | None, str, int | None]]:
    """(action, actor id, target kind, target id) of the moderation entries, oldest first."""
    db.session.expire_all()
    return [
        (e.action, e.actor_id, e.target_kind, e.target_id)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        if not e.action.startswith("project.")
    ]


def listed_ids(client, project) -> list[int]:
    """Ids of the proposals in the project's public list."""
    page = client.get(f"/projets/{project.slug}/propositions?tri=recentes").get_data(as_text=True)
    return [int(n) for n in re.findall(r'<h2><a href="/propositions/(\d+)">', page)]


def post_report(client, kind: str, target_id: int, reason: str = "spam", details: str = ""):
    """POST the report form."""
    return client.post(f"/signaler/{kind}/{target_id}",
                       data={"reason": reason, "details": details})


@pytest.fixture
def proposal():
    """A visible proposal with a comment, in a project in consultation."""
    made = factories.proposal(factories.project("consultation"), title="Des bancs au port")
    factories.comment(made, stance="contre", body="Je ne suis pas d'accord.")
    db.session.commit()
    return made


def comment_of(proposal: Proposal) -> Comment:
    """The (only) top-level comment of the proposal."""
    comment = db.session.scalars(
        select(Comment).where(Comment.proposal_id == proposal.id).order_by(Comment.id)
    ).first()
    assert comment is not None
    return comment


# --- The form and a report ---------------------------------------------------------------------

def test_report_form_offers_the_reasons_in_french(citizen_client, proposal):
    """GET shows the five reasons, the details field and the reported title."""
    response = citizen_client.get(f"/signaler/proposal/{proposal.id}")
    assert response.status_code == 200
    page = text(response)
    assert "Signaler un contenu" in page
    assert "«\u00a0Des bancs au port\u00a0»" in page
    for label in ("Publicité ou spam", "Propos injurieux, haineux ou discriminatoires",
                  "Hors sujet", "Données personnelles exposées", "Autre (précisez)"):
        assert label in page
    for value in ("spam", "offensive", "off_topic", "personal_data", "other"):
        assert f'value="{value}"' in page
    assert 'name="details"' in page
    assert report_rows() == []


def test_reporting_a_proposal_stores_one_open_report(citizen_client, proposal):
    """A report is stored open, with its reason, details and project, and the person is told."""
    response = post_report(citizen_client, "proposal", proposal.id, "off_topic",
                           "Rien à voir.\r\nVraiment.")  # a textarea's CRLF
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/propositions/{proposal.id}")
    page = text(citizen_client.get(response.headers["Location"]))
    assert "Votre signalement est reçu." in page
    [row] = report_rows()
    assert (row.reporter_id, row.target_kind, row.target_id, row.project_id) == (
        citizen_client.user.id, "proposal", proposal.id, proposal.project_id)
    assert (row.reason, row.details, row.status) == ("off_topic", "Rien à voir.\nVraiment.",
                                                     "open")
    assert row.decided_at is None and row.decided_by_id is None
    # One report is below the threshold: nothing is hidden, nothing is logged.
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"
    assert audit_actions() == []
    assert_counters_exact()


def test_reporting_a_comment_goes_back_to_the_comment(citizen_client, proposal):
    """A reported comment keeps its project for the queue; the person returns to its anchor."""
    comment = comment_of(proposal)
    response = post_report(citizen_client, "comment", comment.id, "offensive")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/propositions/{proposal.id}#commentaire-{comment.id}")
    [row] = report_rows()
    assert (row.target_kind, row.target_id, row.project_id, row.reason) == (
        "comment", comment.id, proposal.project_id, "offensive")


def test_reporting_a_comment_on_the_project_itself(citizen_client):
    """A comment on the project page is reported too, and the person returns to the project."""
    project = factories.project("consultation")
    comment = factories.comment(project)
    db.session.commit()
    response = post_report(citizen_client, "comment", comment.id, "spam")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/projets/{project.slug}#commentaire-{comment.id}")
    [row] = report_rows()
    assert row.project_id == project.id


def test_reporting_an_account(citizen_client, proposal):
    """An account is reported like content; it has no project."""
    author = proposal.author
    page = text(citizen_client.get(f"/signaler/user/{author.id}"))
    assert "Signaler un compte" in page
    assert author.display_name in page
    response = post_report(citizen_client, "user", author.id, "other", "Usurpe un élu.")
    assert response.status_code == 302
    [row] = report_rows()
    assert (row.target_kind, row.target_id, row.project_id, row.details) == (
        "user", author.id, None, "Usurpe un élu.")


def test_report_page_of_content_offers_to_report_the_account(citizen_client, proposal):
    """The report page of a proposal links to reporting its author's account."""
    page = text(citizen_client.get(f"/signaler/proposal/{proposal.id}"))
    assert f'href="/signaler/user/{proposal.author_id}"' in page


def test_second_report_by_the_same_person_is_refused(citizen_client, proposal):
    """Reporting the same item twice says so in French and stores nothing more."""
    assert post_report(citizen_client, "proposal", proposal.id).status_code == 302
    response = post_report(citizen_client, "proposal", proposal.id, "other", "Encore lui.")
    assert response.status_code == 200
    page = text(response)
    assert "Vous avez déjà signalé ce contenu" in page
    assert "Encore lui." in page  # what was typed is shown again
    rows = report_rows()
    assert len(rows) == 1 and rows[0].reason == "spam"


def test_the_same_person_reports_different_items(citizen_client, proposal):
    """The limit is per item: a proposal, its comment and its author are three reports."""
    comment = comment_of(proposal)
    for kind, target_id in (("proposal", proposal.id), ("comment", comment.id),
                            ("user", proposal.author_id)):
        assert post_report(citizen_client, kind, target_id).status_code == 302
    assert [(r.target_kind, r.target_id) for r in report_rows()] == [
        ("proposal", proposal.id), ("comment", comment.id), ("user", proposal.author_id)]


# --- Validation -------------------------------------------------------------------------------

def test_missing_reason_is_refused_in_french_and_details_kept(citizen_client, proposal):
    """Without a reason the form comes back with a French message and the typed details."""
    response = citizen_client.post(f"/signaler/proposal/{proposal.id}",
                                   data={"details": "Texte tapé avant l'erreur"})
    assert response.status_code == 200
    page = text(response)
    assert "Le formulaire n'a pas été enregistré" in page
    assert "Choisissez un motif." in page
    assert "Texte tapé avant l'erreur" in page
    assert report_rows() == []


@pytest.mark.parametrize("reason", ["bogus", "", "SPAM"])
def test_unknown_reason_is_refused(citizen_client, proposal, reason):
    """A reason outside the list is refused with the same French message."""
    response = post_report(citizen_client, "proposal", proposal.id, reason, "Gardé")
    assert response.status_code == 200
    page = text(response)
    assert "Choisissez un motif." in page
    assert "Gardé" in page
    assert report_rows() == []


@pytest.mark.parametrize("details", ["", "   \n  "])
def test_other_reason_needs_details(citizen_client, proposal, details):
    """The reason "other" needs details; blanks do not count."""
    response = post_report(citizen_client, "proposal", proposal.id, "other", details)
    assert response.status_code == 200
    page = text(response)
    assert "Précisez le motif du signalement." in page
    assert re.search(r'<input[^>]*checked[^>]*value="other"|<input[^>]*value="other"[^>]*checked',
                     response.get_data(as_text=True))
    assert report_rows() == []


def test_too_long_details_are_refused_and_kept(citizen_client, proposal):
    """Details over 2,000 characters are refused in French and shown again."""
    long = "Trop long. " * 200 + "fin"
    response = post_report(citizen_client, "proposal", proposal.id, "spam", long)
    assert response.status_code == 200
    page = text(response)
    assert "2 000 caractères au maximum." in page
    assert long in page
    assert report_rows() == []


# --- Refusals ----------------------------------------------------------------------------------

def test_anonymous_visitor_is_sent_to_login(client, proposal):
    """The report form needs an account: GET and POST redirect to the login page."""
    for response in (client.get(f"/signaler/proposal/{proposal.id}"),
                     post_report(client, "proposal", proposal.id)):
        assert response.status_code == 302
        assert "/compte/connexion" in response.headers["Location"]
    assert report_rows() == []


def test_own_content_and_own_account_cannot_be_reported(as_role):
    """Reporting one's own proposal, comment or account is a French 403 and stores nothing."""
    author = as_role("citizen")
    proposal = factories.proposal(author=author.user)
    comment = factories.comment(proposal, author=author.user)
    db.session.commit()
    for kind, target_id in (("proposal", proposal.id), ("comment", comment.id),
                            ("user", author.user.id)):
        for response in (author.get(f"/signaler/{kind}/{target_id}"),
                         post_report(author, kind, target_id)):
            assert response.status_code == 403
            assert "Vous ne pouvez pas signaler votre propre contribution" in text(response)
    assert report_rows() == []


def test_blocked_account_cannot_report(as_role, proposal):
    """A blocked person reads but does not report (French 403)."""
    blocked = as_role("citizen")
    moderation.block_user(factories.user(roles=("moderator",)), blocked.user, "Insultes", 7)
    db.session.commit()
    response = post_report(blocked, "proposal", proposal.id)
    assert response.status_code == 403
    assert "Votre compte est bloqué" in text(response)
    assert blocked.get(f"/signaler/proposal/{proposal.id}").status_code == 403
    assert report_rows() == []


@pytest.mark.parametrize("path", [
    "/signaler/projet/1",
    "/signaler/proposals/1",
    "/signaler/proposal/999999",
    "/signaler/comment/999999",
    "/signaler/user/999999",
    "/signaler/proposal/0",
    "/signaler/proposal/abc",
    "/signaler/proposal/99999999999",
])
def test_unknown_kind_or_id_is_a_french_404(citizen_client, proposal, path):
    """An unknown kind or id is the French 404 page, for GET and POST."""
    for response in (citizen_client.get(path),
                     citizen_client.post(path, data={"reason": "spam"})):
        assert response.status_code == 404
        assert "Page introuvable" in text(response)
    assert report_rows() == []


# --- Links ---------------------------------------------------------------------------------------

def test_report_links_on_others_content_only(as_role, client):
    """"Signaler" shows on others' proposals and comments, not on one's own nor to visitors."""
    author, other = as_role("citizen"), as_role("citizen")
    proposal = factories.proposal(factories.project("consultation"), author=author.user)
    mine = factories.comment(proposal, author=author.user)
    theirs = factories.comment(proposal, author=other.user)
    db.session.commit()
    url = f"/propositions/{proposal.id}"
    link = f'href="/signaler/proposal/{proposal.id}"'

    page = other.get(url).get_data(as_text=True)
    assert link in page and "Signaler cette proposition" in html.unescape(page)
    assert f'href="/signaler/comment/{mine.id}"' in page
    assert f'href="/signaler/comment/{theirs.id}"' not in page

    page = author.get(url).get_data(as_text=True)
    assert link not in page
    assert f'href="/signaler/comment/{mine.id}"' not in page
    assert f'href="/signaler/comment/{theirs.id}"' in page

    page = client.get(url).get_data(as_text=True)
    assert "/signaler/" not in page


def test_blocked_account_sees_no_report_link(as_role, proposal):
    """A blocked person is not offered a link that would be refused."""
    blocked = as_role("citizen")
    moderation.block_user(factories.user(roles=("moderator",)), blocked.user, "Spam", None)
    db.session.commit()
    assert "/signaler/" not in blocked.get(f"/propositions/{proposal.id}").get_data(as_text=True)


# --- The threshold -----------------------------------------------------------------------------

def test_third_report_holds_a_proposal(app, as_role, client, proposal):
    """At REPORT_THRESHOLD distinct reports the proposal is held: out of lists and counts."""
    assert app.config["REPORT_THRESHOLD"] == 3
    project = proposal.project
    factories.support(proposal)
    db.session.commit()
    reporters = [as_role("citizen") for _ in range(3)]
    for reporter in reporters[:2]:
        assert post_report(reporter, "proposal", proposal.id).status_code == 302
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"
    assert listed_ids(client, project) == [proposal.id]
    assert audit_actions() == []

    assert post_report(reporters[2], "proposal", proposal.id, "offensive").status_code == 302
    held = db.session.get_one(Proposal, proposal.id)
    assert held.moderation == "held"
    assert held.moderation_reason is None
    assert held.moderated_at is not None
    assert [r.status for r in report_rows()] == ["open"] * 3  # waiting for a moderator
    assert audit_actions() == [("proposal.hold", None, "proposal", proposal.id)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.hold")).one()
    assert entry.reason == "Masqué à titre provisoire après 3 signalements."
    assert entry.target_label == "Des bancs au port"
    assert listed_ids(client, project) == []
    assert_counters_exact()
    assert db.session.get_one(type(project), project.id).proposals_count == 0

    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Masqué à titre provisoire" in page
    assert "Des bancs au port" not in page
    assert "Texte de la proposition" not in page
    project_page = text(client.get(f"/projets/{project.slug}"))
    assert "Des bancs au port" not in project_page


def test_threshold_counts_distinct_people_not_requests(as_role, proposal):
    """Two people reporting again and again stay below a threshold of three."""
    first, second = as_role("citizen"), as_role("citizen")
    for _ in range(3):
        post_report(first, "proposal", proposal.id)
        post_report(second, "proposal", proposal.id)
    assert len(report_rows()) == 2
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"


def test_threshold_comes_from_the_configuration(app, citizen_client, proposal):
    """With REPORT_THRESHOLD = 1 the first report holds the comment."""
    app.config["REPORT_THRESHOLD"] = 1
    comment = comment_of(proposal)
    assert post_report(citizen_client, "comment", comment.id).status_code == 302
    assert db.session.get_one(Comment, comment.id).moderation == "held"
    assert audit_actions() == [("comment.hold", None, "comment", comment.id)]
    assert_counters_exact()
    fresh = db.session.get_one(Proposal, proposal.id)
    assert (fresh.comments_count, fresh.comments_contre) == (0, 0)


def test_held_comment_shows_a_placeholder_and_keeps_its_replies(app, as_role, client, proposal):
    """A held comment's text gives way to a notice; its reply stays in the thread."""
    app.config["REPORT_THRESHOLD"] = 2
    comment = comment_of(proposal)
    reply = factories.comment(parent=comment, body="Une réponse qui reste.")
    db.session.commit()
    for _ in range(2):
        assert post_report(as_role("citizen"), "comment", comment.id).status_code == 302
    assert db.session.get_one(Comment, comment.id).moderation == "held"
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Masqué à titre provisoire, en attente d'examen par la modération." in page
    assert "Je ne suis pas d'accord." not in page
    assert f'id="commentaire-{reply.id}"' in page
    assert "Une réponse qui reste." in page
    assert_counters_exact()
    fresh = db.session.get_one(Proposal, proposal.id)
    assert (fresh.comments_count, fresh.comments_contre, fresh.comments_pour) == (1, 0, 1)


def test_reports_past_the_threshold_hold_only_once(app, as_role, proposal):
    """A fourth report leaves the item held, logs nothing more and moves no counter."""
    for _ in range(4):
        assert post_report(as_role("citizen"), "proposal", proposal.id).status_code == 302
    assert db.session.get_one(Proposal, proposal.id).moderation == "held"
    assert [a[0] for a in audit_actions()] == ["proposal.hold"]
    assert len(report_rows()) == 4
    assert_counters_exact()


def test_reports_on_an_account_never_hide_it(as_role, proposal):
    """Accounts are blocked by a moderator, never held by reports."""
    author = proposal.author
    for _ in range(4):
        assert post_report(as_role("citizen"), "user", author.id).status_code == 302
    user = db.session.get_one(User, author.id)
    assert not user.is_blocked
    assert audit_actions() == []
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"
    assert len(report_rows("user", author.id)) == 4


def test_reports_on_a_withdrawn_proposal_move_no_counter(app, as_role, proposal):
    """A withdrawn proposal that gets held was not counted: counters stay exact."""
    proposal_services.withdraw_proposal(proposal.author, proposal)
    db.session.commit()
    for _ in range(3):
        post_report(as_role("citizen"), "proposal", proposal.id)
    assert_counters_exact()


def test_dismissed_reports_do_not_count_toward_a_new_hold(app, as_role, proposal):
    """After a moderator dismisses reports, new reports start again from zero."""
    reporters = [as_role("citizen") for _ in range(3)]
    for reporter in reporters:
        post_report(reporter, "proposal", proposal.id)
    moderator = as_role("citizen", "moderator")
    assert moderator.post(f"/moderation/proposal/{proposal.id}/ecarter",
                          data={"reason": "Rien d'illicite"}).status_code == 302
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"
    for _ in range(2):
        post_report(as_role("citizen"), "proposal", proposal.id)
    assert db.session.get_one(Proposal, proposal.id).moderation == "visible"
    post_report(as_role("citizen"), "proposal", proposal.id)
    assert db.session.get_one(Proposal, proposal.id).moderation == "held"
    assert_counters_exact()
    assert db.session.scalar(
        select(func.count()).select_from(Report).where(Report.status == "dismissed")) == 3


# --- A report crossing the one that held the item ---------------------------------------------

def test_report_crossing_the_hold_holds_once(app, proposal):
    """The fourth report, loaded before the third one held the item, holds nothing again."""
    factories.proposal(proposal.project)  # so that a double decrement stays above zero
    people = [factories.user() for _ in range(4)]
    db.session.commit()
    pid, ids = proposal.id, [p.id for p in people[:3]]
    seen = db.session.get_one(Proposal, pid)
    assert seen.moderation == "visible"

    with app.app_context():  # three other requests, committed meanwhile
        for person_id in ids:
            moderation.report(db.session.get_one(User, person_id), "proposal",
                              db.session.get(Proposal, pid), "spam", "")
        db.session.commit()

    moderation.report(people[3], "proposal", seen, "spam", "")
    db.session.commit()
    assert [a[0] for a in audit_actions()] == ["proposal.hold"]
    assert_counters_exact()


# --- Hidden content stays hidden ----------------------------------------------------------------

@pytest.mark.parametrize("state", ["held", "hidden"])
def test_report_page_of_hidden_proposal_keeps_its_title_hidden(app, as_role, proposal, state):
    """The report form does not reveal the title that moderation took off the public pages."""
    if state == "held":
        app.config["REPORT_THRESHOLD"] = 1
        moderation.report(factories.user(), "proposal", proposal, "spam", "")
    else:
        moderation.hide(factories.user(roles=("moderator",)), "proposal", proposal, "Injures")
    db.session.commit()
    assert db.session.get_one(Proposal, proposal.id).moderation == state
    response = as_role("citizen").get(f"/signaler/proposal/{proposal.id}")
    assert response.status_code == 200
    page = text(response)
    assert "Des bancs au port" not in page
    assert "Proposition masquée par la modération" in page
    moderator_page = text(as_role("citizen", "moderator").get(f"/signaler/proposal/{proposal.id}"))
    assert "Des bancs au port" in moderator_page


def test_comment_edit_page_keeps_a_hidden_proposal_title_hidden(app, proposal):
    """Someone who commented on a proposal later hidden does not see its title when editing."""
    comment = comment_of(proposal)
    moderation.hide(factories.user(roles=("moderator",)), "proposal", proposal, "Injures")
    db.session.commit()
    commenter = login(app.test_client(), db.session.get(User, comment.author_id))
    response = commenter.get(f"/commentaires/{comment.id}/modifier")
    assert response.status_code in (200, 403)  # editing may be refused; the title never shows
    assert "Des bancs au port" not in text(response)
    if response.status_code == 200:
        assert "Proposition masquée par la modération" in text(response)


# --- Reports arriving together --------------------------------------------------------------------

def test_two_reports_in_flight_together_still_hold(app, request, proposal):
    """The report that completes the threshold holds the item, even while another is in flight."""
    postgres = db.engine.dialect.name == "postgresql"
    app.config["REPORT_THRESHOLD"] = 2
    first, second = factories.user(), factories.user()
    db.session.commit()
    pid, first_id, second_id = proposal.id, first.id, second.id
    first_reported, release_first = threading.Event(), threading.Event()
    second_pid: list[int] = []
    second_done = threading.Event()
    errors: list[BaseException] = []

    def report_as(user_id: int, before_commit=None, started=None) -> None:
        try:
            with app.app_context():
                if started is not None and postgres:
                    started.append(db.session.execute(sql("SELECT pg_backend_pid()")).scalar())
                moderation.report(db.session.get_one(User, user_id), "proposal",
                                  db.session.get(Proposal, pid), "spam", "")
                if before_commit is not None:
                    before_commit()
                db.session.commit()
        except BaseException as error:  # noqa: BLE001  (reported by the test below)
            errors.append(error)

    def hold_open() -> None:
        first_reported.set()
        release_first.wait(timeout=60)

    one = threading.Thread(target=report_as, args=(first_id, hold_open))
    def report_second() -> None:
        report_as(second_id, started=second_pid)
        second_done.set()

    two = threading.Thread(target=report_second)
    one.start()
    assert first_reported.wait(timeout=60)
    two.start()
    # Let the first request commit once the second has finished, or is waiting for a lock.
    deadline = time.monotonic() + 30
    while not second_done.is_set() and time.monotonic() < deadline:
        if postgres and second_pid:
            with db.engine.connect() as connection:
                waiting = connection.execute(
                    sql("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": second_pid[0]},
                ).scalar()
            if waiting == "Lock":
                break
        elif not postgres and time.monotonic() > deadline - 29:
            break  # SQLite: the second writer waits for the first one's lock
        time.sleep(0.01)
    release_first.set()
    one.join(timeout=60)
    two.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert len(report_rows()) == 2
    assert db.session.get_one(Proposal, pid).moderation == "held"
    assert [a[0] for a in audit_actions()] == ["proposal.hold"]
    assert_counters_exact()
