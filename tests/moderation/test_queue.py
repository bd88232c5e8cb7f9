"""The moderation queue: only for moderators, most reported first, filtered, paginated."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from consultation.comments import services as comment_services
from consultation.extensions import db
from consultation.moderation import services as moderation
from tests import factories

ROW = re.compile(
    r'<tr>\s*<td><a href="/moderation/(\w+)/(\d+)">(.*?)</a></td>\s*<td>(.*?)</td>\s*'
    r"<td>(\d+)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>",
    re.S,
)


def rows(response) -> list[dict[str, Any]]:
    """The queue's table rows: kind, id, label, type, reports, reasons, state."""
    assert response.status_code == 200
    found = []
    for kind, ident, label, kind_label, count, reasons, state in ROW.findall(
        response.get_data(as_text=True)
    ):
        found.append({
            "kind": kind, "id": int(ident), "label": html.unescape(" ".join(label.split())),
            "type": html.unescape(kind_label), "reports": int(count),
            "reasons": html.unescape(reasons), "state": html.unescape(state.strip()),
        })
    return found


def keys(response) -> list[tuple[str, int, int]]:
    """(kind, id, number of reports) of each row, in order."""
    return [(r["kind"], r["id"], r["reports"]) for r in rows(response)]


def report(kind: str, target, count: int = 1, reason: str = "spam") -> None:
    """`count` new people report the item (through the service)."""
    for _ in range(count):
        details = "Précisions du signalement" if reason == "other" else ""
        moderation.report(factories.user(), kind, target, reason, details)
    db.session.commit()


@pytest.fixture
def moderator(as_role):
    """A logged-in moderator."""
    return as_role("citizen", "moderator")


@pytest.fixture(autouse=True)
def no_hold(app):
    """A threshold high enough that reports never hold items here (held is tested elsewhere)."""
    app.config["REPORT_THRESHOLD"] = 1000


@pytest.fixture
def world():
    """Two projects; proposals, comments and an account reported 1 to 4 times."""
    first = factories.project("consultation", title="Vélo en ville")
    second = factories.project("consultation", title="Numérique à l'école")
    proposal_a = factories.proposal(first, title="Pistes cyclables")
    proposal_b = factories.proposal(second, title="Tablettes en classe")
    comment = factories.comment(proposal_a, body="Un commentaire discutable.")
    account = factories.user(display_name="Compte douteux")
    db.session.commit()
    report("proposal", proposal_b, 2, "off_topic")       # 2 reports
    report("comment", comment, 4, "offensive")           # 4 reports
    report("proposal", proposal_a, 1, "spam")            # 1 report
    report("user", account, 3, "other")                  # 3 reports
    return {"first": first, "second": second, "a": proposal_a, "b": proposal_b,
            "comment": comment, "account": account}


# --- Who sees the queue -----------------------------------------------------------------------

@pytest.mark.parametrize("roles", [("citizen",), ("citizen", "mediator"), ("citizen", "admin")])
def test_queue_is_refused_without_the_moderator_role(as_role, world, roles):
    """Citizen, mediator and admin without the moderator role get the French 403."""
    response = as_role(*roles).get("/moderation")
    assert response.status_code == 403
    assert "Action non autorisée" in html.unescape(response.get_data(as_text=True))
    assert "Pistes cyclables" not in response.get_data(as_text=True)


def test_queue_sends_visitors_to_login(client):
    """An anonymous visitor is asked to log in."""
    response = client.get("/moderation")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_admin_who_is_also_moderator_sees_the_queue(as_role, world):
    """The rule is the moderator role, whatever else one holds."""
    assert as_role("citizen", "admin", "moderator").get("/moderation").status_code == 200


# --- Order and content --------------------------------------------------------------------------

def test_queue_lists_open_reports_most_reported_first(moderator, world):
    """Every kind of item is listed once, by number of open reports, highest first."""
    response = moderator.get("/moderation")
    assert keys(response) == [
        ("comment", world["comment"].id, 4),
        ("user", world["account"].id, 3),
        ("proposal", world["b"].id, 2),
        ("proposal", world["a"].id, 1),
    ]
    page = html.unescape(response.get_data(as_text=True))
    assert "4 éléments signalés" in page
    by_kind = {r["kind"]: r for r in rows(response)}
    assert by_kind["comment"]["label"] == "Un commentaire discutable."
    assert by_kind["comment"]["type"] == "Commentaire"
    assert by_kind["comment"]["reasons"] == "Propos injurieux, haineux ou discriminatoires"
    assert by_kind["user"]["label"] == "Compte douteux"
    assert by_kind["user"]["type"] == "Compte"
    assert by_kind["user"]["state"] == "—"
    assert [r["state"] for r in rows(response) if r["kind"] != "user"] == ["Visible"] * 3


def test_ties_keep_the_oldest_report_first(moderator):
    """Items with as many reports come in the order they were first reported."""
    project = factories.project("consultation")
    older, newer = factories.proposal(project), factories.proposal(project)
    db.session.commit()
    report("proposal", newer, 1)
    report("proposal", older, 1)
    report("proposal", newer, 1)
    report("proposal", older, 1)
    assert keys(moderator.get("/moderation")) == [
        ("proposal", newer.id, 2), ("proposal", older.id, 2)]


def test_reasons_of_an_item_are_listed_once_each(moderator):
    """An item reported for several reasons shows each reason once, and every report counts."""
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    report("proposal", proposal, 2, "spam")
    report("proposal", proposal, 1, "personal_data")
    [row] = rows(moderator.get("/moderation"))
    assert row["reports"] == 3
    assert row["reasons"] == "Données personnelles exposées, Publicité ou spam"


def test_empty_queue_says_so(moderator):
    """Without reports the queue says there is nothing to examine."""
    response = moderator.get("/moderation")
    assert rows(response) == []
    assert "Aucun signalement." in html.unescape(response.get_data(as_text=True))


def test_empty_queue_count_uses_the_french_singular(moderator):
    """Zero takes the singular in French."""
    page = html.unescape(moderator.get("/moderation").get_data(as_text=True))
    assert "0 élément signalé" in page


def test_queue_shows_the_moderation_state(moderator, world):
    """Held, hidden, blocked and deleted items say so in the queue."""
    staff = factories.user(roles=("moderator",))
    moderation.hide(staff, "proposal", world["b"], "Hors sujet")
    moderation.block_user(staff, world["account"], "Faux compte", None)
    comment_services.delete_comment(world["comment"].author, world["comment"])
    db.session.commit()
    report("proposal", world["b"], 1)  # reported again after it was hidden: open
    response = moderator.get("/moderation")
    by_key = {(r["kind"], r["id"]): r for r in rows(response)}
    assert by_key[("proposal", world["b"].id)]["state"] == "Masqué"
    assert by_key[("user", world["account"].id)]["state"] == "Bloqué"
    assert by_key[("comment", world["comment"].id)]["label"] == "(texte supprimé)"
    assert by_key[("proposal", world["a"].id)]["state"] == "Visible"


def test_held_item_shows_as_held(app, moderator):
    """An item held by its reports shows "Masqué en attente"."""
    app.config["REPORT_THRESHOLD"] = 2
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    report("proposal", proposal, 2)
    [row] = rows(moderator.get("/moderation"))
    assert row["state"] == "Masqué en attente"


# --- Filters ----------------------------------------------------------------------------------

def test_filter_by_status(moderator, world):
    """etat=open, upheld or dismissed lists the items whose reports are in that state."""
    staff = factories.user(roles=("moderator",))
    moderation.hide(staff, "comment", world["comment"], "Injurieux")
    moderation.dismiss(staff, "proposal", world["b"], "Rien à redire")
    db.session.commit()
    assert keys(moderator.get("/moderation?etat=open")) == [
        ("user", world["account"].id, 3), ("proposal", world["a"].id, 1)]
    assert keys(moderator.get("/moderation?etat=upheld")) == [
        ("comment", world["comment"].id, 4)]
    assert keys(moderator.get("/moderation?etat=dismissed")) == [
        ("proposal", world["b"].id, 2)]
    page = moderator.get("/moderation?etat=dismissed").get_data(as_text=True)
    assert '<option value="dismissed" selected>' in page


@pytest.mark.parametrize("kind", ["proposal", "comment", "user"])
def test_filter_by_kind(moderator, world, kind):
    """type= keeps only that kind of item."""
    listed = keys(moderator.get(f"/moderation?type={kind}"))
    assert listed and {k for k, _i, _n in listed} == {kind}
    expected = {"proposal": 2, "comment": 1, "user": 1}[kind]
    assert len(listed) == expected


def test_filter_by_reason_counts_only_those_reports(moderator, world):
    """motif= keeps items reported for that reason and counts only those reports."""
    report("proposal", world["a"], 2, "offensive")
    assert keys(moderator.get("/moderation?motif=offensive")) == [
        ("comment", world["comment"].id, 4), ("proposal", world["a"].id, 2)]
    assert keys(moderator.get("/moderation?motif=spam")) == [("proposal", world["a"].id, 1)]
    assert keys(moderator.get("/moderation?motif=personal_data")) == []


def test_filter_by_project(moderator, world):
    """projet= keeps the proposals and comments of that project (accounts have none)."""
    assert keys(moderator.get(f"/moderation?projet={world['first'].id}")) == [
        ("comment", world["comment"].id, 4), ("proposal", world["a"].id, 1)]
    assert keys(moderator.get(f"/moderation?projet={world['second'].id}")) == [
        ("proposal", world["b"].id, 2)]
    page = html.unescape(moderator.get("/moderation").get_data(as_text=True))
    assert "Vélo en ville" in page and "Numérique à l'école" in page


def test_filters_combine(moderator, world):
    """Filters add up: a project, a kind and a reason at once."""
    first = world["first"].id
    assert keys(moderator.get(f"/moderation?projet={first}&type=proposal&motif=spam")) == [
        ("proposal", world["a"].id, 1)]
    assert keys(moderator.get(f"/moderation?projet={first}&type=proposal&motif=offensive")) == []


@pytest.mark.parametrize("query", [
    "etat=bogus", "type=bogus", "motif=bogus", "projet=abc", "projet=99999999999",
    "projet=%C2%B2", "type=&motif=&projet=",
])
def test_unknown_filter_values_are_ignored(moderator, world, query):
    """A filter value outside the lists shows the whole open queue, never an error."""
    assert len(keys(moderator.get(f"/moderation?{query}"))) == 4


def test_unknown_project_filter_shows_nothing(moderator, world):
    """A well-formed id of no project lists no item."""
    assert keys(moderator.get("/moderation?projet=999999")) == []


@pytest.mark.parametrize("page", ["0", "abc", "-1"])
def test_bad_page_number_is_a_french_404(moderator, world, page):
    """A page number that is not one is the French 404."""
    response = moderator.get(f"/moderation?page={page}")
    assert response.status_code == 404
    assert "Page introuvable" in html.unescape(response.get_data(as_text=True))


def test_queue_paginates_by_thirty(moderator):
    """Thirty items per page; the second page holds the rest, still in order."""
    project = factories.project("consultation")
    proposals = [factories.proposal(project) for _ in range(31)]
    reporters = [factories.user() for _ in range(2)]
    db.session.commit()
    for proposal in proposals:
        moderation.report(reporters[0], "proposal", proposal, "spam", "")
    moderation.report(reporters[1], "proposal", proposals[-1], "spam", "")
    db.session.commit()
    first = keys(moderator.get("/moderation"))
    assert len(first) == 30
    assert first[0] == ("proposal", proposals[-1].id, 2)
    second = keys(moderator.get("/moderation?page=2"))
    assert second == [("proposal", proposals[-2].id, 1)]
    assert "31 éléments signalés" in html.unescape(
        moderator.get("/moderation?page=2").get_data(as_text=True))
    assert keys(moderator.get("/moderation?page=3")) == []


def test_queue_queries_do_not_grow_with_items(moderator, count_queries):
    """The queue of 3 items costs as many SQL statements as the queue of 24."""
    project = factories.project("consultation")
    db.session.commit()

    def add(n: int) -> None:
        for _ in range(n):
            proposal = factories.proposal(project)
            comment = factories.comment(proposal)
            account = factories.user()
            db.session.commit()
            report("proposal", proposal, 1)
            report("comment", comment, 1)
            report("user", account, 1)

    add(1)
    with count_queries() as few:
        assert len(keys(moderator.get("/moderation"))) == 3
    add(7)
    with count_queries() as many:
        assert len(keys(moderator.get("/moderation"))) == 24
    assert many.count == few.count
