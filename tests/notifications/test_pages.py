"""The notifications page and the header's unread count: newest first, unread marked in
words, pages, marking read by POST only, one query for the count; and the announcement of
consultations that open."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from consultation.accounts.models import User
from consultation.core.models import today, utcnow
from consultation.extensions import db
from consultation.notifications import services
from consultation.notifications.models import Notification
from consultation.projects.models import Phase, Project
from consultation.proposals.models import Proposal
from tests import factories
from tests.notifications.helpers import page, settle, told


def notices(user, count: int, project, proposal) -> list[Notification]:
    """`count` unread comment notifications for `user`, each a minute newer than the last."""
    start = utcnow() - timedelta(hours=1)
    made = [Notification(user_id=user.id, kind="comment", reason="author", event=f"test:{n}",
                         project_id=project.id, proposal_id=proposal.id,
                         created_at=start + timedelta(minutes=n)) for n in range(count)]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_the_list_is_newest_first_says_why_and_links(as_role):
    """Each item says what happened and why, links to the thing, and unread says so."""
    citizen = as_role("citizen")
    project = factories.project(title="La rade")
    proposal = factories.proposal(project, author=citizen.user, title="Des bancs")
    proposal_id, slug = proposal.id, project.slug
    other = factories.user()
    comment = factories.comment(proposal, author=other)
    settle()
    services.follow(citizen.user, project=project)
    db.session.commit()
    shown = page(citizen.get("/compte/notifications"))
    assert "Nouveau commentaire sur votre proposition « Des bancs »" in shown
    assert f"/propositions/{proposal_id}#commentaire-{comment.id}" in shown
    assert "parce que vous êtes l'auteur·rice" in shown
    assert "Non lue" in shown
    assert "1 notification non lue." in shown
    assert "Nouveau commentaire" in shown and slug

def test_pages_order_and_marking_read(as_role):
    """25 notifications: 20 on the first page, newest first; one marked read, then all."""
    citizen = as_role("citizen")
    project = factories.project()
    proposal = factories.proposal(project, title="Une proposition")
    made = notices(citizen.user, 25, project, proposal)
    ids = [n.id for n in made]
    first = page(citizen.get("/compte/notifications"))
    assert first.count("Non lue") == 20
    assert "25 notifications non lues." in first
    assert '(25 non lues)' in first  # the header
    positions = [first.index(f"/compte/notifications/{i}/lu") for i in reversed(ids[5:])]
    assert positions == sorted(positions)  # newest first
    second = page(citizen.get("/compte/notifications?page=2"))
    assert second.count("Non lue") == 5
    assert citizen.get("/compte/notifications?page=abc").status_code == 404

    response = citizen.post(f"/compte/notifications/{ids[-1]}/lu",
                            data={"next": "/compte/notifications"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/notifications"
    assert "24 notifications non lues." in page(citizen.get("/compte/notifications"))
    citizen.post("/compte/notifications/tout-lu")
    shown = page(citizen.get("/compte/notifications"))
    assert "Toutes vos notifications sont marquées comme lues." in shown
    assert "Aucune notification non lue." in shown and "Non lue" not in shown
    assert "non lues)" not in shown
    citizen.post("/compte/notifications/tout-lu")
    assert "Vous n'aviez aucune notification non lue." in page(
        citizen.get("/compte/notifications"))


def test_reading_the_page_marks_nothing(as_role):
    """A GET changes nothing: notifications stay unread until a POST."""
    citizen = as_role("citizen")
    project = factories.project()
    notices(citizen.user, 3, project, factories.proposal(project))
    citizen.get("/compte/notifications")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.read_at.is_(None))) == 3


def test_someone_elses_notification_is_refused(as_role):
    citizen, other = as_role("citizen"), as_role("citizen")
    project = factories.project()
    [theirs] = notices(other.user, 1, project, factories.proposal(project))
    response = citizen.post(f"/compte/notifications/{theirs.id}/lu")
    assert response.status_code == 403
    assert "Cette notification ne vous est pas adressée." in page(response)
    assert told(user_id=other.user.id) and db.session.get_one(
        Notification, theirs.id).read_at is None


def test_visitors_have_no_count_and_are_sent_to_login(client):
    assert "Notifications" not in page(client.get("/"))
    response = client.get("/compte/notifications")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_the_header_count_is_one_query_whatever_the_number(as_role, count_queries):
    """A logged-in page costs one query more than before for the count, for 0 or 300
    notifications; the list itself costs the same for 1 and for 20 items on a page."""
    citizen = as_role("citizen")
    project = factories.project()
    proposal = factories.proposal(project)
    slug, user_id, project_id, proposal_id = (project.slug, citizen.user.id, project.id,
                                              proposal.id)
    db.session.commit()

    def counted(url: str) -> tuple[int, list[str]]:
        db.session.remove()
        with count_queries() as counter:
            assert citizen.get(url).status_code == 200
        return counter.count, counter.statements

    citizen.get("/projets")
    none, _ = counted("/projets")
    counted("/compte/notifications")  # empty: the page count is read apart
    notices(db.session.get_one(User, user_id), 1, db.session.get_one(Project, project_id),
            db.session.get_one(Proposal, proposal_id))
    one_list, _ = counted("/compte/notifications")
    more = [Notification(user_id=user_id, kind="phase_opened", reason="follower",
                         event=f"phase:test{n}", project_id=project_id)
            for n in range(300)]
    db.session.add_all(more)
    db.session.commit()
    many, statements = counted("/projets")
    many_list, _ = counted("/compte/notifications")
    assert none == many
    assert one_list == many_list
    unread = [s for s in statements if "notifications" in s]
    assert len(unread) == 1 and "count(" in unread[0].lower()
    assert f"/projets/{slug}" in page(citizen.get("/compte/notifications"))


def test_phase_openings_are_announced_once(app):
    """Followers of a project whose consultation opened today or this week are told once,
    however often the announcement runs; a project opening later is not announced."""
    person, other = factories.user(), factories.user()
    opened = factories.project("consultation")
    later = factories.project(None)
    services.follow(person, project=opened)
    services.follow(other, project=later)
    blocked = factories.user()
    services.follow(blocked, project=opened)
    from consultation.moderation import services as moderation

    moderation.block_user(factories.user(roles=("moderator",)), blocked, "Spam.", None)
    settle()
    start = db.session.scalar(select(Phase.starts_on).where(
        Phase.project_id == opened.id, Phase.kind == "consultation"))
    assert start is not None and today() - timedelta(days=7) <= start <= today()
    assert services.announce_opened_phases(today()) == 1
    settle()
    assert told(kind="phase_opened") == [(person.id, "phase_opened", "follower")]
    assert services.announce_opened_phases(today()) == 0
    assert services.announce_opened_phases(today() + timedelta(days=1)) == 0
    settle()
    assert len(told(kind="phase_opened")) == 1
    assert services.announce_opened_phases(today() + timedelta(days=30)) == 0
    phase = db.session.scalar(select(Phase).where(Phase.project_id == opened.id,
                                                  Phase.kind == "consultation"))
    assert phase is not None
    assert db.session.scalar(select(Notification.subject_id)
                             .where(Notification.kind == "phase_opened")) == phase.id


def test_the_header_count_on_a_proposal_and_a_project_page_is_read_with_their_facts(as_role):
    """Those pages read the count with the person's other facts (core/pages.py): it is the
    header's count, and it moves with every new or read notification."""
    citizen = as_role("citizen")
    project = factories.project()
    proposal = factories.proposal(project)
    db.session.commit()
    urls = (f"/propositions/{proposal.id}", f"/projets/{project.slug}")
    for url in urls:
        assert "non lue" not in page(citizen.get(url))
    made = notices(citizen.user, 3, project, proposal)
    for url in urls:
        assert "(3 non lues)" in page(citizen.get(url))
    db.session.get_one(Notification, made[0].id).read_at = utcnow()
    db.session.commit()
    for url in urls:
        assert "(2 non lues)" in page(citizen.get(url))
