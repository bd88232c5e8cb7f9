"""The participation charter: accepted at registration (by the person, or through the mediator
who registers them), recorded with its time, and linked beside every moderation reason."""

from __future__ import annotations

import html
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.core import jobs
from consultation.core.models import today
from consultation.extensions import db
from consultation.mediation import services as mediation
from consultation.mediation.models import AssistedProfile
from consultation.moderation import services as moderation
from tests import factories
from tests.accounts.helpers import read
from tests.forms import submit
from tests.mailbox import Outbox, body
from tests.test_pages import check_page

PASSWORD = "un-mot-de-passe-long"
REGISTRATION = {"email": "anne@exemple.fr", "display_name": "Anne", "password": PASSWORD,
                "confirm": PASSWORD}
REFUSED = "Pour participer, cochez la case\u00a0: vous acceptez la charte de participation."


@pytest.fixture
def mediator(as_role):
    """A logged-in digital mediator."""
    return as_role("citizen", "mediator")


def user_by_email(email: str) -> User | None:
    """The account of an email, read afresh."""
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == email))


def test_registration_refused_until_the_charter_is_accepted(client):
    """The box is unticked on the page; sent so, the form comes back as typed with the reason
    at the box, and no account is made."""
    page = client.get("/compte/inscription")
    text = page.get_data(as_text=True)
    assert 'href="/charte"' in text
    assert 'type="checkbox"' in text and 'name="charter"' in text
    response = submit(client, "/compte/inscription", page, "Créer mon compte", REGISTRATION)
    assert response.status_code == 200
    form = read(response.data)
    assert form.field_errors["charter"] == REFUSED
    assert form.values["email"] == "anne@exemple.fr" and form.values["charter"] is None
    check_page("refused registration", response.get_data(as_text=True))
    assert 'href="#charter"' in response.get_data(as_text=True)  # from the error summary
    assert user_by_email("anne@exemple.fr") is None


def test_registration_records_when_the_charter_was_accepted(client):
    """Ticked, the account is made with the time of acceptance."""
    page = client.get("/compte/inscription")
    response = submit(client, "/compte/inscription", page, "Créer mon compte",
                      {**REGISTRATION, "charter": "y"})
    assert response.status_code == 302
    user = user_by_email("anne@exemple.fr")
    assert user is not None and user.charter_accepted_at is not None
    download = client.get("/compte/mes-donnees.zip")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        account = json.loads(archive.read("compte.json"))["compte"]
    assert account["charte_acceptee_le"] is not None  # part of what is kept about the person


def test_accounts_made_elsewhere_have_not_accepted_it(app):
    """An account made on the command line (or existing before the charter) has no time."""
    user = accounts.register("cli@exemple.fr", "En ligne de commande", PASSWORD, confirmed=True)
    assert user.charter_accepted_at is None
    user.accept_charter()
    first = user.charter_accepted_at
    user.accept_charter()
    assert first is not None and user.charter_accepted_at == first


def test_a_mediator_confirms_the_person_accepted_the_charter(mediator):
    """The mediator's form asks for it like the consent; refused without, recorded with."""
    url = "/mediation/participants/nouveau"
    page = mediator.get(url)
    assert 'href="/charte"' in page.get_data(as_text=True)
    fields = {"display_name": "Yvonne Le Bihan", "consent": "y",
              "consent_reference": "Formulaire n° 2026-020",
              "consented_on": today().isoformat()}
    refused = submit(mediator, url, page, "Inscrire la personne", fields)
    assert refused.status_code == 200
    assert "charte de participation" in html.unescape(refused.get_data(as_text=True))
    assert db.session.scalar(select(AssistedProfile)) is None
    done = submit(mediator, url, page, "Inscrire la personne", {**fields, "charter": "y"})
    assert done.status_code == 302
    db.session.rollback()
    profile = db.session.scalars(select(AssistedProfile)).one()
    assert profile.user.charter_accepted_at is not None


def test_claiming_an_account_asks_for_the_charter(client, mediator):
    """A person taking over the account a mediator opened accepts the charter themselves."""
    helper = db.session.get_one(User, mediator.user.id)
    profile = mediation.register_participant(helper, "Jean K.", None, None, "Formulaire n° 1",
                                             today())
    code = mediation.new_claim_code(helper, profile)
    db.session.commit()
    page = client.get("/compte/reclamer")
    fields = {"code": code, "email": "jean@exemple.fr", "password": PASSWORD,
              "confirm": PASSWORD}
    refused = submit(client, "/compte/reclamer", page, "Récupérer mon compte", fields)
    assert refused.status_code == 200
    assert read(refused.data).field_errors["charter"] == REFUSED
    done = submit(client, "/compte/reclamer", page, "Récupérer mon compte",
                  {**fields, "charter": "y"})
    assert done.status_code == 302
    user = user_by_email("jean@exemple.fr")
    assert user is not None and user.charter_accepted_at is not None


def test_every_moderation_reason_links_to_the_charter(app, client, as_role):
    """Where a hidden contribution's reason is shown (its page, the thread, the author's space,
    the author's email), the charter is one link away."""
    author = as_role("citizen")
    project = factories.project("consultation")
    proposal = factories.proposal(project, author=author.user)
    commented = factories.proposal(project)
    comment = factories.comment(commented, author=author.user)
    staff = factories.user(roles=("moderator",))
    db.session.commit()
    outbox = Outbox(app)
    outbox.new()
    moderation.hide(staff, "proposal", proposal, "Contraire à la charte")
    moderation.hide(staff, "comment", comment, "Propos injurieux")
    db.session.commit()
    jobs.dispatch_committed()
    link = 'href="/charte#moderation">Voir la charte de participation</a>'
    for who, url in ((client, f"/propositions/{proposal.id}"),
                     (client, f"/propositions/{commented.id}"), (author, "/compte")):
        page = html.unescape(who.get(url).get_data(as_text=True))
        assert link in page, url
    page = html.unescape(author.get("/compte").get_data(as_text=True))
    assert page.count(link) == 2
    told = [m for m in outbox.new() if "masquée par la modération" in str(m["Subject"])]
    assert told, "the author of the hidden comment is emailed"
    assert "http://127.0.0.1:5000/charte" in body(told[0], "plain")
    assert 'href="http://127.0.0.1:5000/charte"' in body(told[0], "html")
