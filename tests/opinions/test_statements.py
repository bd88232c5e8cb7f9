"""A participant adds a statement (140 characters at most): pending a moderator's reading when
the debate is pre-moderated, published otherwise; moderators approve or refuse it from their
queue, with a reason kept in the journal, and may hide a published one."""

from __future__ import annotations

from sqlalchemy import select

from consultation.extensions import db
from consultation.opinions import services
from consultation.opinions.models import Debate, DebateAnalysis, Statement
from tests import factories
from tests.forms import submit
from tests.moderation.helpers import entries
from tests.opinions.debates import answer_all, debate, plain, published
from tests.test_pages import check_page

NEW = "Un marché le samedi sur les quais."


def _statement(text: str) -> Statement:
    db.session.expire_all()
    return db.session.scalars(select(Statement).where(Statement.text == text)).one()


def test_a_statement_waits_for_a_moderator_then_is_asked(citizen_client, as_role):
    """Pre-moderated: the participant is told it will be read first; it shows in the
    moderators' queue, and once approved it is asked to others (and to its author)."""
    made = debate()
    slug = made.project.slug
    page = citizen_client.get(f"/projets/{slug}/debat")
    assert f'href="/projets/{slug}/debat/affirmations/nouvelle"' in page.get_data(as_text=True)
    url = f"/projets/{slug}/debat/affirmations/nouvelle"
    form = citizen_client.get(url)
    check_page(url, form.get_data(as_text=True))
    assert "140 caractères au maximum" in plain(form)
    response = submit(citizen_client, url, form, "Envoyer mon affirmation", {"text": NEW})
    assert response.status_code == 303
    shown = plain(citizen_client.get(response.headers["Location"]))
    assert "Votre affirmation sera publiée après relecture par un modérateur" in shown
    statement = _statement(NEW)
    assert (statement.state, statement.is_seed, statement.author_id) == (
        "pending",
        False,
        citizen_client.user.id,
    )

    moderator = as_role("moderator")
    queue = moderator.get("/moderation/attente")
    check_page("/moderation/attente", queue.get_data(as_text=True))
    assert NEW in plain(queue)
    response = submit(
        moderator, "/moderation/attente", queue, f"Approuver l'affirmation «\u00a0{NEW}\u00a0»"
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/moderation/attente")
    assert NEW not in plain(moderator.get("/moderation/attente"))
    assert _statement(NEW).state == "published"
    assert [e.target_id for e in entries("opinions.approve")] == [statement.id]

    other = as_role("citizen")
    for seed in published(made)[:3]:
        services.answer(other.user, made, seed.id, 1)
    db.session.commit()
    assert NEW in plain(other.get(f"/projets/{slug}/debat"))


def test_a_refusal_needs_a_reason_kept_in_the_journal(citizen_client, as_role):
    """Refusing without a reason is refused (French); with one, the statement is never asked
    and the reason is in the journal."""
    made = debate()
    services.add_statement(citizen_client.user, made, NEW)
    db.session.commit()
    statement = _statement(NEW)
    moderator = as_role("moderator")
    queue = moderator.get("/moderation/attente")
    button = f"Refuser l'affirmation «\u00a0{NEW}\u00a0»"
    response = submit(moderator, "/moderation/attente", queue, button)
    assert "Indiquez le motif de la décision." in plain(moderator.get(response.headers["Location"]))
    assert _statement(NEW).state == "pending"
    response = submit(moderator, "/moderation/attente", queue, button, {"reason": "Hors sujet."})
    assert response.status_code == 303
    assert _statement(NEW).state == "rejected"
    [entry] = entries("opinions.reject")
    assert (entry.target_kind, entry.target_id, entry.reason) == (
        "statement",
        statement.id,
        "Hors sujet.",
    )
    journal = plain(moderator.get("/moderation/journal"))
    assert "Affirmation refusée" in journal and "Hors sujet." in journal
    answer_all(made, citizen_client.user)
    assert NEW not in plain(citizen_client.get(f"/projets/{made.project.slug}/debat"))


def test_without_premoderation_a_statement_is_published_at_once(citizen_client):
    """The debate without pre-moderation publishes a participant's statement at once; the
    analysis is due."""
    made = debate(premoderation=False)
    response = citizen_client.post(
        f"/projets/{made.project.slug}/debat/affirmations/nouvelle", data={"text": NEW}
    )
    assert response.status_code == 303
    assert "Votre affirmation est publiée" in plain(
        citizen_client.get(response.headers["Location"])
    )
    assert _statement(NEW).state == "published"
    # The map was asked for: computed at once (inline jobs), or due for the timer.
    assert (db.session.get_one(Debate, made.id).analysis_due_at is not None
            or db.session.get(DebateAnalysis, made.id) is not None)


def test_statements_too_long_empty_or_already_there_are_refused(citizen_client):
    """141 characters, nothing, or a statement already in the debate: the form again with a
    French message, as typed."""
    made = debate()
    url = f"/projets/{made.project.slug}/debat/affirmations/nouvelle"
    for typed, message in (
        ("y" * 141, "140 caractères au maximum."),
        ("   ", "Ce champ est obligatoire."),
        ("il faut PLUS de bancs à l'ombre.", "Cette affirmation est déjà dans le débat."),
    ):
        response = citizen_client.post(url, data={"text": typed})
        assert response.status_code == 200
        body = plain(response)
        assert message in body, typed
        assert "Le formulaire n'a pas été enregistré" in body
        if typed.strip():
            assert typed in body
    assert len(db.session.scalars(select(Statement)).all()) == 3


def test_a_moderator_hides_a_published_statement_and_can_publish_it_again(as_role):
    """From the debate's moderation page: hide (with a reason) takes it out of what is asked
    and analysed; publishing it again brings it back; the journal has both."""
    made = debate()
    first = published(made)[0]
    moderator = as_role("moderator")
    url = f"/moderation/debats/{made.project.slug}"
    page = moderator.get(url)
    check_page(url, page.get_data(as_text=True))
    response = submit(
        moderator,
        url,
        page,
        f"Masquer l'affirmation «\u00a0{first.text}\u00a0»",
        {"reason": "Propos blessant."},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert _statement(first.text).state == "rejected"
    assert [s.text for s in published(made)] == [s.text for s in published(made)]
    assert first.text not in [s.text for s in published(made)]
    page = moderator.get(url)
    response = submit(moderator, url, page, f"Publier l'affirmation «\u00a0{first.text}\u00a0»")
    assert _statement(first.text).state == "published"
    assert [e.action for e in entries() if e.action.startswith("opinions.")][-2:] == [
        "opinions.hide",
        "opinions.restore",
    ]


def test_a_decision_taken_twice_is_refused(as_role):
    """Two moderators deciding the same statement: the second is told it was decided."""
    made = debate()
    services.add_statement(factories.user(), made, NEW)
    db.session.commit()
    statement = _statement(NEW)
    moderator = as_role("moderator")
    url = f"/moderation/affirmations/{statement.id}/approuver"
    assert moderator.post(url, data={"reason": ""}).status_code == 303
    response = moderator.post(url, data={"reason": ""})
    assert "Cette affirmation a déjà été traitée" in plain(
        moderator.get(response.headers["Location"])
    )
    assert len(entries("opinions.approve")) == 1


def test_only_moderators_decide(as_role, citizen_client):
    """A citizen (the author too) or an admin without the moderator role gets the French 403
    page; unknown decisions and statements are French 404 pages."""
    made = debate()
    services.add_statement(citizen_client.user, made, NEW)
    db.session.commit()
    statement = _statement(NEW)
    for client in (citizen_client, as_role("admin")):
        response = client.post(
            f"/moderation/affirmations/{statement.id}/approuver", data={"reason": ""}
        )
        assert response.status_code == 403
        assert client.get(f"/moderation/debats/{made.project.slug}").status_code == 403
    moderator = as_role("moderator")
    assert moderator.post(f"/moderation/affirmations/{statement.id}/effacer").status_code == 404
    assert moderator.post("/moderation/affirmations/999999/approuver").status_code == 404
    assert _statement(NEW).state == "pending"
