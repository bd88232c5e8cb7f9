"""Acting for an assisted participant: 30 minutes, renewable, shown on every page; the
participant is the author, the mediator is credited, logged and shown; once the time is over,
nothing goes to the wrong person."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consultation.comments.models import Comment
from consultation.extensions import db
from consultation.mediation import services
from consultation.mediation.models import AssistedProfile
from consultation.notifications.models import Follow
from consultation.projects.models import Project, ProjectParticipant
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.forms import form_of
from tests.mediation.helpers import acting_state, expire, participant, shift_clock, start_acting
from tests.moderation.helpers import entries
from tests.proposals.helpers import text
from tests.recount import assert_counters_exact
from tests.test_pages import check_page

BANNER = "Vous agissez pour le compte d'Yvonne Le Bihan — fin dans"
EXPIRED = "sont écoulées\u00a0: cette action n'a pas été enregistrée"
HELPED_PROPOSAL = "déposée avec l'aide d'un·e médiateur·rice"
HELPED_COMMENT = "déposé avec l'aide d'un·e médiateur·rice"


@pytest.fixture
def world(mediator):
    """A project in consultation with a proposal by someone else, and a participant."""
    project = factories.project("consultation", support_limit=2)
    proposal = factories.proposal(project, title="Des bancs à la médiathèque")
    profile = participant(mediator.user)
    db.session.commit()
    return project, proposal, profile


def _count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _propose(client, project, title="Un accueil numérique en mairie"):
    return client.post(f"/projets/{project.slug}/propositions/nouvelle",
                       data={"title": title, "body": "Avec une personne pour aider.",
                             "territory": ""})


def test_the_banner_shows_on_every_page_while_acting(mediator, world):
    """Starting shows, on every page, who the mediator acts for, the minutes left, and the
    buttons to extend and to stop; the pages keep the site's rules."""
    project, proposal, _profile = world
    start_acting(mediator, world[2])
    state = acting_state(mediator)
    assert state is not None
    assert state["person"] == world[2].user_id and state["mediator"] == mediator.user.id
    for url in ("/", "/projets", f"/projets/{project.slug}", f"/propositions/{proposal.id}",
                f"/projets/{project.slug}/propositions/nouvelle", "/compte/profil"):
        response = mediator.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        check_page(url, page)
        assert BANNER + " 30 min" in text(response), url
        banner = page[page.index('<div class="acting">'):page.index("</header>")]
        assert 'role="status"' in banner
        assert "Prolonger de 30 minutes" in banner and "Arrêter" in banner
        assert 'action="/mediation/agir/prolonger"' in banner
        assert 'action="/mediation/agir/arreter"' in banner
    shift_clock(mediator, -20 * 60)
    assert BANNER + " 10 min" in text(mediator.get("/"))


def test_acting_proposal_is_the_participants_credited_to_the_mediator(mediator, world):
    """A proposal made while acting is the participant's; it records the mediator, says so on
    its page and in the list, and the audit log names the mediator."""
    project, _proposal, profile = world
    start_acting(mediator, profile)
    response = _propose(mediator, project)
    assert response.status_code == 302
    db.session.commit()
    made = db.session.scalars(select(Proposal).where(Proposal.title.startswith("Un accueil"))).one()
    assert made.author_id == profile.user_id and made.mediator_id == mediator.user.id
    [entry] = entries("mediation.proposal")
    assert entry.actor_id == mediator.user.id and entry.target_id == made.id
    assert entry.data == {"mediator": "Thomas Médiateur", "person": "Yvonne Le Bihan",
                          "person_id": profile.user_id}
    assert entry.reason == "Pour le compte d'Yvonne Le Bihan"
    page = text(mediator.get(f"/propositions/{made.id}"))
    assert "Proposée par Yvonne Le Bihan" in page and HELPED_PROPOSAL in page
    listing = text(mediator.get(f"/projets/{project.slug}/propositions?tri=recentes"))
    assert listing.count(HELPED_PROPOSAL) == 1
    assert_counters_exact()


def test_acting_comment_and_reply_are_marked(mediator, world, as_role):
    """Comments and replies made while acting are the participant's and say they were made
    with a mediator's help, to every reader; the journal shows the act."""
    _project, proposal, profile = world
    start_acting(mediator, profile)
    response = mediator.post(f"/propositions/{proposal.id}/commentaires",
                             data={"stance": "pour", "body": "Très utile pour moi."})
    assert response.status_code == 302
    db.session.commit()
    comment = db.session.scalars(select(Comment)).one()
    assert comment.author_id == profile.user_id and comment.mediator_id == mediator.user.id
    response = mediator.post(f"/commentaires/{comment.id}/repondre",
                             data={"stance": "neutre", "body": "Je précise ma pensée."})
    assert response.status_code == 302
    assert [e.target_id for e in entries("mediation.comment")] == [comment.id, comment.id + 1]
    page = text(factories_client(mediator).get(f"/propositions/{proposal.id}"))
    assert page.count(HELPED_COMMENT) == 2
    journal = text(as_role("moderator").get("/moderation/journal?action=mediation."))
    assert "Commentaire déposé pour une personne accompagnée" in journal
    assert "Thomas Médiateur" in journal and "Pour le compte d'Yvonne Le Bihan" in journal
    assert_counters_exact()


def factories_client(client):
    """A visitor's client on the same app as `client`."""
    return client.application.test_client()


def test_supports_are_the_participants_once_and_within_their_limit(mediator, world):
    """A support while acting is the participant's (the mediator has not supported); a second
    one changes nothing; the project's limit counts the participant's supports, not the
    mediator's."""
    project, proposal, profile = world
    start_acting(mediator, profile)
    assert mediator.post(f"/propositions/{proposal.id}/soutenir").status_code == 302
    again = mediator.post(f"/propositions/{proposal.id}/soutenir", follow_redirects=True)
    assert "Vous soutenez déjà cette proposition." in text(again)
    # The page says whose support it is: the participant's while acting, not the mediator's
    # (whose own facts the page's statement reads: core/pages.py read_with_facts).
    assert "Vous soutenez cette proposition." in text(mediator.get(f"/propositions/{proposal.id}"))
    db.session.commit()
    [support] = db.session.scalars(select(Support)).all()
    assert (support.user_id, support.mediator_id) == (profile.user_id, mediator.user.id)
    assert db.session.get_one(Proposal, proposal.id).supports_count == 1
    assert len(entries("mediation.support")) == 1
    # The participant's second and last support; the third is refused for them.
    second = factories.proposal(project)
    third = factories.proposal(project)
    db.session.commit()
    assert mediator.post(f"/propositions/{second.id}/soutenir").status_code == 302
    page = text(mediator.get(f"/propositions/{third.id}"))
    assert "Vous avez utilisé tous vos soutiens pour ce projet" in page
    response = mediator.post(f"/propositions/{third.id}/soutenir")
    assert response.status_code == 403 and "vos 2 soutiens" in text(response)
    # The mediator, as themself, still has both supports.
    mediator.post("/mediation/agir/arreter")
    assert "Vous soutenez cette proposition." not in text(
        mediator.get(f"/propositions/{proposal.id}"))
    assert mediator.post(f"/propositions/{third.id}/soutenir").status_code == 302
    db.session.commit()
    by = dict(db.session.execute(
        select(Support.user_id, func.count()).group_by(Support.user_id)).all())
    assert by == {profile.user_id: 2, mediator.user.id: 1}
    assert_counters_exact()


def test_taking_a_support_back_while_acting(mediator, world):
    """The participant's support can be taken back while acting; the act is logged."""
    _project, proposal, profile = world
    start_acting(mediator, profile)
    mediator.post(f"/propositions/{proposal.id}/soutenir")
    assert mediator.post(f"/propositions/{proposal.id}/retirer-soutien").status_code == 302
    assert _count(Support) == 0
    assert len(entries("mediation.support_withdraw")) == 1
    assert_counters_exact()


def test_extending_adds_thirty_minutes_up_to_an_hour(mediator, world):
    """"Prolonger" adds 30 minutes to what is left, never beyond an hour from now."""
    start_acting(mediator, world[2])
    shift_clock(mediator, -25 * 60)  # 5 minutes left
    response = mediator.post("/mediation/agir/prolonger", data={"next": "/projets"})
    assert response.headers["Location"] == "/projets"
    assert BANNER + " 35 min" in text(mediator.get("/"))
    mediator.post("/mediation/agir/prolonger")
    mediator.post("/mediation/agir/prolonger")
    assert BANNER + " 60 min" in text(mediator.get("/"))
    assert [e.action for e in entries() if e.action.startswith("mediation.")] == [
        "mediation.register"]


def test_after_thirty_minutes_the_next_action_is_refused(mediator, world):
    """Once the time is over, the action sent is refused with a French message, nothing is
    recorded for anyone, and the mediator is themself again."""
    project, proposal, profile = world
    start_acting(mediator, profile)
    expire(mediator)
    response = _propose(mediator, project)
    assert response.status_code == 409
    page = text(response)
    assert EXPIRED in page and "Yvonne Le Bihan" in page
    assert "Vous agissez pour le compte" not in page
    assert acting_state(mediator) is None
    assert _count(Proposal) == 1  # the one of the world only
    assert mediator.post(f"/propositions/{proposal.id}/soutenir").status_code == 302
    db.session.commit()
    assert db.session.scalars(select(Support.user_id)).all() == [mediator.user.id]
    assert entries("mediation.support") == []


def test_after_thirty_minutes_a_page_says_so_and_acts_as_the_mediator(mediator, world):
    """A page read after the end says the acting is over and shows no banner; a comment
    then is the mediator's own, without the mark."""
    _project, proposal, profile = world
    start_acting(mediator, profile)
    expire(mediator)
    page = text(mediator.get(f"/propositions/{proposal.id}"))
    assert EXPIRED in page and "Vous agissez pour le compte" not in page
    mediator.post(f"/propositions/{proposal.id}/commentaires",
                  data={"stance": "contre", "body": "Mon avis à moi."})
    db.session.commit()
    comment = db.session.scalars(select(Comment)).one()
    assert (comment.author_id, comment.mediator_id) == (mediator.user.id, None)


def test_extending_after_the_end_is_refused(mediator, world):
    """Too late to extend: refused, and the session stays ended."""
    start_acting(mediator, world[2])
    expire(mediator)
    response = mediator.post("/mediation/agir/prolonger")
    assert response.status_code == 409 and EXPIRED in text(response)
    assert acting_state(mediator) is None


def test_stopping_ends_the_banner_and_the_acting(mediator, world):
    """"Arrêter": the mediator acts as themself again."""
    project, _proposal, profile = world
    start_acting(mediator, profile)
    response = mediator.post("/mediation/agir/arreter", follow_redirects=True)
    assert "Vous n'agissez plus pour le compte d'Yvonne Le Bihan." in text(response)
    assert BANNER not in text(mediator.get("/"))
    _propose(mediator, project)
    db.session.commit()
    made = db.session.scalars(select(Proposal).where(Proposal.title.startswith("Un accueil"))).one()
    assert (made.author_id, made.mediator_id) == (mediator.user.id, None)


def test_losing_the_role_ends_the_acting(mediator, world):
    """A mediator whose role is taken back mid-session acts for nobody from the next request."""
    project, _proposal, profile = world
    start_acting(mediator, profile)
    mediator.user.revoke("mediator")
    db.session.commit()
    response = _propose(mediator, project)
    assert response.status_code == 409
    assert "Vous n'agissez plus pour le compte d'Yvonne Le Bihan" in text(response)
    assert acting_state(mediator) is None
    assert _count(Proposal) == 1


def test_no_acting_without_consent_or_for_a_real_account(mediator, world):
    """A workshop's anonymous participant has no consent: refused with the reason; an ordinary
    citizen account is not an assisted participant at all."""
    project, _proposal, _profile = world
    services.enter_workshop(mediator.user, "Mairie de Bohars", factories.today(), [
        services.WorkshopRow(0, "proposition", project.id, None, "Une idée anonyme",
                             "Texte.", None, None),
    ])
    db.session.commit()
    anonymous = db.session.scalars(
        select(AssistedProfile).where(AssistedProfile.consent_reference.is_(None))).one()
    response = mediator.post(f"/mediation/participants/{anonymous.user_id}/agir")
    assert response.status_code == 403
    assert "Le consentement de cette personne n'est pas enregistré" in text(response)
    citizen = factories.user()
    db.session.commit()
    assert mediator.post(f"/mediation/participants/{citizen.id}/agir").status_code == 404
    assert acting_state(mediator) is None


def test_logging_out_ends_the_acting(mediator, world):
    """Logging out forgets the acting session."""
    start_acting(mediator, world[2])
    mediator.post("/compte/deconnexion")
    assert acting_state(mediator) is None


def test_acting_edits_and_withdrawals_are_the_participants(mediator, world):
    """While acting, the participant's own proposal can be edited and withdrawn (their rules),
    each act logged with the mediator."""
    project, _proposal, profile = world
    start_acting(mediator, profile)
    _propose(mediator, project)
    db.session.commit()
    made = db.session.scalars(select(Proposal).where(Proposal.title.startswith("Un accueil"))).one()
    page = mediator.get(f"/propositions/{made.id}").get_data(as_text=True)
    assert f'href="/propositions/{made.id}/modifier"' in page
    response = mediator.post(f"/propositions/{made.id}/modifier",
                             data={"title": "Un accueil numérique", "body": "Mieux dit.",
                                   "territory": ""})
    assert response.status_code == 302
    assert mediator.post(f"/propositions/{made.id}/retirer").status_code == 302
    assert [e.action for e in entries() if e.action.startswith("mediation.proposal")] == [
        "mediation.proposal", "mediation.proposal_edit", "mediation.proposal_withdraw"]
    assert_counters_exact()


def test_the_banner_names_nobody_to_anonymous_pages(client, mediator, world):
    """Visitors never see a banner."""
    start_acting(mediator, world[2])
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'class="acting"', page) is None


def test_a_contribution_refused_at_the_end_comes_back_as_typed(mediator, world):
    """Sent after the 30 minutes, a proposal is refused but given back as typed, saying what
    to do; "Agir de nouveau pour … et envoyer" acts for the person again and sends it, in
    their name; nothing was recorded in between."""
    project, _proposal, profile = world
    start_acting(mediator, profile)
    expire(mediator)
    typed = {"title": "Un écrivain public au marché",
             "body": "Le samedi matin.\r\nPour les courriers administratifs.", "territory": ""}
    response = mediator.post(f"/projets/{project.slug}/propositions/nouvelle", data=typed)
    assert response.status_code == 409
    raw = response.get_data(as_text=True)
    check_page("/projets/…/propositions/nouvelle (acting over)", raw)
    page = text(response)
    assert EXPIRED in page and "agissez de nouveau pour cette personne" in page
    assert "Le samedi matin." in page and "Pour les courriers administratifs." in page
    assert _count(Proposal) == 1

    action, _method, kept = form_of(response, "Agir de nouveau pour Yvonne Le Bihan et envoyer")
    assert action is not None
    response = mediator.post(action, data=kept)
    assert response.status_code == 307
    assert response.headers["Location"] == f"/projets/{project.slug}/propositions/nouvelle"
    response = mediator.post(response.headers["Location"], data=kept)  # the same body again
    assert response.status_code == 302, text(response)
    db.session.commit()
    made = db.session.scalars(select(Proposal).where(Proposal.title == typed["title"])).one()
    assert (made.author_id, made.mediator_id) == (profile.user_id, mediator.user.id)
    assert made.body == "Le samedi matin.\nPour les courriers administratifs."
    assert acting_state(mediator) is not None


def test_a_comment_refused_at_the_end_comes_back_as_typed(mediator, world):
    """The same for a comment: its stance and text come back in the form."""
    _project, proposal, profile = world
    start_acting(mediator, profile)
    expire(mediator)
    response = mediator.post(f"/propositions/{proposal.id}/commentaires",
                             data={"stance": "contre", "body": "Trop loin de l'arrêt de bus."})
    assert response.status_code == 409
    raw = response.get_data(as_text=True)
    assert '<input type="hidden" name="stance" value="contre">' in raw
    assert "Trop loin de l&#39;arrêt de bus." in raw
    assert _count(Comment) == 0


def test_a_refusal_for_lost_rights_keeps_the_text_but_offers_no_restart(mediator, world):
    """Rights gone: the text is shown back, without a button to act again."""
    project, _proposal, profile = world
    start_acting(mediator, profile)
    mediator.user.revoke("mediator")
    db.session.commit()
    response = _propose(mediator, project, title="Une idée gardée")
    assert response.status_code == 409
    page = text(response)
    assert "Avec une personne pour aider." in page and "et envoyer" not in page


def test_extending_in_the_background_leaves_no_message(mediator, world):
    """The warning's button (static/kiosk.js) extends without a message for a later page."""
    start_acting(mediator, world[2])
    shift_clock(mediator, -25 * 60)
    response = mediator.post("/mediation/agir/prolonger", data={"quiet": "1"})
    assert response.status_code == 302
    page = text(mediator.get("/"))
    assert BANNER + " 35 min" in page and "pendant encore" not in page


def test_a_mediators_own_facts_add_nobody_less(mediator, count_queries):
    """A mediator who takes part in a project already, acting for someone who does not: the
    facts read with the proposal are the mediator's, and the participant is still added to
    the project's participants and made to follow the proposal."""
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    factories.comment(proposal, author=mediator.user)  # the mediator takes part and follows
    profile = participant(mediator.user)
    db.session.commit()
    project_id, proposal_id, person = project.id, proposal.id, profile.user_id
    before = db.session.get_one(Project, project_id).participants_count
    start_acting(mediator, profile)
    with count_queries() as counter:
        assert mediator.post(f"/propositions/{proposal_id}/soutenir").status_code == 302
    inserted = [statement.split()[2] for statement in counter.statements
                if statement.startswith("INSERT INTO")]
    assert "project_participants" in inserted  # the follow is the support's trigger's
    db.session.expire_all()
    assert db.session.get_one(Project, project_id).participants_count == before + 1
    assert db.session.scalar(select(func.count()).select_from(ProjectParticipant).where(
        ProjectParticipant.user_id == person)) == 1
    assert db.session.scalar(select(func.count()).select_from(Follow).where(
        Follow.user_id == person, Follow.proposal_id == proposal_id)) == 1
    assert_counters_exact()
