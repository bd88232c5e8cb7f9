"""Merging duplicate proposals: no support lost or counted twice, comments kept, undoable."""

import re

import pytest
from sqlalchemy import func, select

from consultation.core.audit import AuditEntry
from consultation.extensions import db
from consultation.moderation import services as moderation
from consultation.notifications.models import Notification
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.core.test_forms import labels_of
from tests.forms import submit
from tests.proposals.helpers import text
from tests.recount import assert_counters_exact


def _supporters(proposal_id: int) -> set[int]:
    return set(db.session.scalars(select(Support.user_id).where(
        Support.proposal_id == proposal_id)))


def _duplicates():
    project = factories.project()
    a, b = factories.proposal(project), factories.proposal(project)
    only_a, only_b, both = factories.user(), factories.user(), factories.user()
    for user, targets in ((only_a, [a]), (only_b, [b]), (both, [a, b])):
        for target in targets:
            factories.support(target, user)
    comment = factories.comment(a)
    db.session.commit()
    return project, a, b, (only_a.id, only_b.id, both.id), comment


def _merge(client, a, b, reason="Doublon"):
    return client.post(f"/moderation/fusion/{a.id}", data={"target": b.id, "reason": reason})


def test_merge_keeps_every_supporter_once(as_role, app):
    """After A is merged into B, each supporter of A or B supports B exactly once."""
    project, a, b, (only_a, only_b, both), comment = _duplicates()
    moderator = as_role("moderator")
    response = _merge(moderator, a, b)
    assert response.status_code == 302
    assert _supporters(b.id) == {only_a, only_b, both}
    assert _supporters(a.id) == set()
    merged = db.session.get_one(Proposal, a.id)
    assert merged.status == "merged" and merged.merged_into_id == b.id
    assert db.session.get_one(Proposal, b.id).supports_count == 3
    assert_counters_exact()
    page = moderator.get(f"/propositions/{b.id}").get_data(as_text=True)
    assert f'href="/propositions/{a.id}"' in page
    source = client_text(app, f"/propositions/{a.id}")
    assert "fusionnée" in source and f"commentaire-{comment.id}" in source
    listed = client_text(app, f"/projets/{project.slug}/propositions")
    assert f'href="/propositions/{a.id}"' not in listed
    # The merged proposal's author is notified (the email goes with the notification).
    db.session.commit()
    notified = db.session.scalars(select(Notification).where(Notification.kind == "merged")).all()
    assert [(n.user_id, n.kind, n.proposal_id, n.subject_id) for n in notified] == [
        (a.author_id, "merged", a.id, b.id)]


def client_text(app, url: str) -> str:
    """A page as an anonymous visitor sees it."""
    return app.test_client().get(url).get_data(as_text=True)


def test_merge_is_undone_from_the_log(as_role):
    """Undoing a merge puts every support back where it was, counts exact."""
    _project, a, b, (only_a, only_b, both), _comment = _duplicates()
    moderator = as_role("moderator")
    _merge(moderator, a, b)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "proposal.merge")).one()
    assert entry.data["moved"] == [only_a] and entry.data["supported_both"] == [both]
    journal = moderator.get("/moderation/journal").get_data(as_text=True)
    assert f"/moderation/journal/{entry.id}/annuler-fusion" in journal
    response = moderator.post(f"/moderation/journal/{entry.id}/annuler-fusion",
                              data={"reason": "Erreur"})
    assert response.status_code == 302
    assert _supporters(a.id) == {only_a, both}
    assert _supporters(b.id) == {only_b, both}
    assert db.session.get_one(Proposal, a.id).status == "published"
    assert_counters_exact()
    again = moderator.post(f"/moderation/journal/{entry.id}/annuler-fusion",
                           data={"reason": "Encore"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "proposal.unmerge")) == 1


def test_merge_refusals(as_role):
    """Only moderators merge; not into itself nor across projects."""
    _project, a, b, _ids, _comment = _duplicates()
    other = factories.proposal(factories.project())
    db.session.commit()
    for role in ("citizen", "mediator", "admin"):
        assert _merge(as_role(role), a, b).status_code == 403
    moderator = as_role("moderator")
    response = _merge(moderator, a, other)
    assert response.status_code == 200
    assert db.session.get_one(Proposal, a.id).status == "published"
    response = _merge(moderator, a, a)
    assert response.status_code == 200
    assert db.session.get_one(Proposal, a.id).status == "published"
    assert_counters_exact()


def test_database_holds_merged_and_target_together(app):
    """The database refuses a merged proposal without a target, or a target on another status."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    a, b = factories.proposal(), factories.proposal()
    db.session.commit()
    for sql in ("UPDATE proposals SET status = 'merged' WHERE id = :a",
                "UPDATE proposals SET merged_into_id = :b WHERE id = :a"):
        with pytest.raises(IntegrityError):
            db.session.execute(text(sql), {"a": a.id, "b": b.id})
            db.session.flush()
        db.session.rollback()


# --- Possible duplicates and the search for a target ------------------------------------------

MERGE_HERE = "Fusionner dans celle-ci"


@pytest.fixture
def composters():
    """A project with three proposals about shared composters, one about a bike lane, and a
    composter proposal in another project."""
    project = factories.project("consultation")
    source, twin, cousin = (
        factories.proposal(project, title=title, body=body) for title, body in (
            ("Composteurs collectifs dans chaque quartier", "Composteurs près des immeubles."),
            ("Composteurs collectifs au jardin partagé", "Composteurs gérés par une association."),
            ("Composteurs collectifs rue de Siam", "Composteurs réservés aux commerces."),
        ))
    lane = factories.proposal(project, title="Piste cyclable vers Recouvrance",
                              body="Voie protégée pour vélos.")
    elsewhere = factories.proposal(factories.project("consultation"),
                                   title="Composteurs collectifs ailleurs", body="Composteurs.")
    db.session.commit()
    return source, twin, cousin, lane, elsewhere


def _radios(response) -> list[int]:
    return [int(n) for n in re.findall(r'<input[^>]*name="target"[^>]*value="(\d+)"',
                                       response.get_data(as_text=True))]


def test_the_moderation_page_lists_possible_duplicates(as_role, composters):
    """A proposal's moderation page lists the similar ones of its project, each with a link and
    one to the merge form with it chosen."""
    source, twin, cousin, lane, elsewhere = composters
    moderator = as_role("moderator")
    html = moderator.get(f"/moderation/proposal/{source.id}").get_data(as_text=True)
    duplicates = html[html.index('id="doublons"'):html.index('id="signalements"')]
    for shown in (twin, cousin):
        assert f'href="/propositions/{shown.id}"' in duplicates
        assert f'href="/moderation/fusion/{source.id}?target={shown.id}"' in duplicates
    for absent in (source, lane, elsewhere):
        assert f'href="/propositions/{absent.id}"' not in duplicates
    assert duplicates.count(MERGE_HERE) == 2
    chosen = moderator.get(f"/moderation/fusion/{source.id}?target={cousin.id}")
    page = chosen.get_data(as_text=True)
    assert re.search(rf'<input[^>]*checked[^>]*value="{cousin.id}"|'
                     rf'<input[^>]*value="{cousin.id}"[^>]*checked', page)
    response = submit(moderator, f"/moderation/fusion/{source.id}", chosen, "Fusionner",
                      {"reason": "Même idée"})
    assert response.status_code == 302
    assert db.session.get_one(Proposal, source.id).merged_into_id == cousin.id


def test_the_merge_form_offers_duplicates_and_never_every_proposal(as_role, composters):
    """With no search, the merge form offers the possible duplicates only."""
    source, twin, cousin, lane, elsewhere = composters
    moderator = as_role("moderator")
    response = moderator.get(f"/moderation/fusion/{source.id}")
    assert sorted(_radios(response)) == sorted([twin.id, cousin.id])
    assert lane.title not in text(response)
    page = text(moderator.get(f"/moderation/fusion/{lane.id}"))
    assert "Aucune proposition du projet ne semble proche de celle-ci." in page
    assert 'name="target"' not in page


def test_merge_by_number(as_role, composters):
    """Searching a number ("42" or "n° 42") offers that proposal; choosing it merges."""
    source, _twin, _cousin, lane, elsewhere = composters
    moderator = as_role("moderator")
    url = f"/moderation/fusion/{source.id}"
    for query in (str(lane.id), f"n° {lane.id}"):
        assert _radios(moderator.get(url, query_string={"q": query})) == [lane.id]
    assert _radios(moderator.get(url, query_string={"q": str(elsewhere.id)})) == []
    found = submit(moderator, url, moderator.get(url), "Chercher la cible", {"q": str(lane.id)})
    assert _radios(found) == [lane.id]
    response = submit(moderator, url, found, "Fusionner",
                      {"target": str(lane.id), "reason": "Erreur de saisie"})
    assert response.status_code == 302
    assert db.session.get_one(Proposal, source.id).merged_into_id == lane.id
    assert_counters_exact()


def test_merge_by_title_words(as_role, composters):
    """Searching title words offers the proposals holding all of them."""
    source, twin, cousin, _lane, _elsewhere = composters
    moderator = as_role("moderator")
    url = f"/moderation/fusion/{source.id}"
    found = moderator.get(url, query_string={"q": "jardin partagé"})
    assert _radios(found) == [twin.id]
    assert "Propositions trouvées pour «\u00a0jardin partagé\u00a0»" in text(found)
    assert sorted(_radios(moderator.get(url, query_string={"q": "composteurs collectifs"}))) \
        == sorted([twin.id, cousin.id])
    none = text(moderator.get(url, query_string={"q": "téléphérique"}))
    assert "Aucune proposition publiée de ce projet ne correspond à cette recherche." in none
    response = submit(moderator, url, found, "Fusionner", {"target": str(twin.id),
                                                           "reason": "Doublon"})
    assert response.status_code == 302
    assert db.session.get_one(Proposal, source.id).merged_into_id == twin.id


def test_an_invalid_target_is_refused_as_typed(as_role, composters):
    """A target of another project, a hidden one, the proposal itself, an unknown number or no
    choice: refused with a French message, the reason and the search kept."""
    source, twin, _cousin, _lane, elsewhere = composters
    moderator = as_role("moderator")
    hidden = factories.proposal(source.project, title="Composteurs collectifs cachés")
    moderation.hide(factories.user(roles=("moderator",)), "proposal", hidden, "Hors charte")
    db.session.commit()
    url = f"/moderation/fusion/{source.id}?q=composteurs"
    for target, message in (
        (elsewhere.id, "Choisissez une autre proposition du même projet."),
        (source.id, "Choisissez une autre proposition du même projet."),
        (hidden.id, "Cette proposition est masquée\u00a0: on ne peut pas y en fusionner une"),
        (2**31 - 2, "Cette proposition n'existe pas\u00a0: choisissez-en une dans la liste."),
        ("", "Choisissez la proposition dans laquelle fusionner."),
        ("abc", "Choisissez la proposition dans laquelle fusionner."),
    ):
        response = moderator.post(url, data={"target": target, "reason": "Motif\r\ngardé"})
        assert response.status_code == 200, target
        page = text(response)
        assert message.replace("\u00a0", " ") in page.replace("\u00a0", " "), target
        assert "Le formulaire n'a pas été enregistré" in page
        assert "Motif\r\ngardé</textarea>" in page or "Motif\ngardé</textarea>" in page
        assert 'value="composteurs"' in response.get_data(as_text=True)
        assert twin.id in _radios(response)
    assert db.session.get_one(Proposal, source.id).status == "published"
    assert_counters_exact()


def test_hostile_searches_give_a_page(as_role, composters):
    """No search, however odd, gives a 500."""
    source = composters[0]
    moderator = as_role("moderator")
    for query in ("'", '"', "%", "_", "*", "\\", "NEAR(", "a OR b", "-", "()", '"unclosed',
                  "n°", "0", "-1", "99999999999999999999", "😀", "x" * 5000, "\x00", "\u202e"):
        for params in ({"q": query}, {"target": query}, {"q": query, "target": query}):
            response = moderator.get(f"/moderation/fusion/{source.id}", query_string=params)
            assert response.status_code in (200, 400), (query[:20], response.status_code)
    too_long = text(moderator.get(f"/moderation/fusion/{source.id}", query_string={"q": "x" * 300}))
    assert "200 caractères au maximum." in too_long


def test_merge_pages_run_the_same_statements_however_many_are_found(as_role, count_queries):
    """The moderation page and the merge form run as many statements for 1 candidate as 5."""
    moderator = as_role("moderator")
    counts: dict[str, list[int]] = {"item": [], "merge": [], "search": []}
    for n in (2, 6):
        project = factories.project("consultation")
        source, *_others = [factories.proposal(project, title=f"Bornes fontaines numéro {i}",
                                               body="Bornes fontaines.") for i in range(n)]
        db.session.commit()
        moderator.get("/")
        for name, url in (("item", f"/moderation/proposal/{source.id}"),
                          ("merge", f"/moderation/fusion/{source.id}"),
                          ("search", f"/moderation/fusion/{source.id}?q=bornes+fontaines")):
            with count_queries() as counter:
                assert moderator.get(url).status_code == 200
            counts[name].append(counter.count)
    assert all(first == second for first, second in counts.values()), counts


def test_a_preselected_target_is_offered_only_when_it_may_take_the_merge(as_role, composters):
    """`?target=` names a proposal to preselect; one that is hidden, of another project or the
    proposal itself is not offered (the finder's rules, not a second copy of them)."""
    from consultation.moderation import services as moderation

    source, _twin, _cousin, lane, elsewhere = composters
    moderation.hide(factories.user(("moderator",)), "proposal",
                    db.session.get_one(Proposal, lane.id), "Hors sujet")
    db.session.commit()
    moderator = as_role("moderator")
    for refused in (lane.id, elsewhere.id, source.id):
        page = moderator.get(f"/moderation/fusion/{source.id}?target={refused}")
        assert refused not in _radios(page)


def test_a_merge_never_makes_an_author_support_their_own_proposal(as_role):
    """The target's author who supported the duplicate counts as supporting both: their
    support is not moved onto their own proposal, and undoing the merge gives it back."""
    project = factories.project()
    a, b = factories.proposal(project), factories.proposal(project)
    other = factories.user()
    factories.support(a, b.author)
    factories.support(a, other)
    db.session.commit()
    moderator = as_role("moderator")
    assert _merge(moderator, a, b).status_code == 302
    assert _supporters(b.id) == {other.id}
    assert db.session.get_one(Proposal, b.id).supports_count == 1
    assert_counters_exact()
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "proposal.merge")).one()
    assert entry.data["moved"] == [other.id]
    assert entry.data["supported_both"] == [b.author_id]
    # The reason of an undo is required, and its label says so.
    journal = labels_of(moderator.get("/moderation/journal"))
    assert f"motif-annulation-{entry.id}" in journal.required
    assert moderator.post(f"/moderation/journal/{entry.id}/annuler-fusion",
                          data={"reason": "Erreur"}).status_code == 302
    assert _supporters(a.id) == {b.author_id, other.id}
    assert _supporters(b.id) == set()
    assert_counters_exact()
