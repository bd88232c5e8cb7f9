"""The permission rules across role x phase: the registry itself, then pages and actions.

The table below is the specification. The first test asks `can()` directly for every rule, role
and phase. The second checks, for a representative set of rules, that a page shows the button
exactly when `can()` allows and that the action is refused (403, or the login page for a
visitor) exactly when `can()` refuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask_login import AnonymousUserMixin

import consultation.followup  # noqa: F401  (importing a domain registers its rules)
import consultation.rencontres  # noqa: F401
import consultation.syntheses  # noqa: F401
from consultation.core.models import today
from consultation.core.permissions import can, rules
from consultation.extensions import db
from consultation.mediation import services as mediation
from consultation.opinions import services as opinions
from consultation.proposals.models import Proposal
from consultation.votes.models import Support
from tests import factories
from tests.conftest import login

PHASES = ("information", "consultation", "synthesis", "follow_up")
# "unconfirmed": a citizen who registered and has not used the link of their email yet.
ROLES = ("anonymous", "citizen", "unconfirmed", "mediator", "moderator", "admin", "author")
LOGGED_IN = frozenset(ROLES) - {"anonymous"}
# Proposing, commenting and supporting need a confirmed email (or no email at all).
CONTRIBUTORS = LOGGED_IN - {"unconfirmed"}
ANY_PHASE = frozenset(PHASES)
CONSULTATION = frozenset({"consultation"})

# rule -> (roles allowed, phases in which they are allowed); every other pair is refused.
MATRIX: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "proposals.create": (CONTRIBUTORS, CONSULTATION),
    "proposals.edit": (frozenset({"author"}), CONSULTATION),
    "proposals.withdraw": (frozenset({"author"}), CONSULTATION),
    "comments.create": (CONTRIBUTORS, CONSULTATION),
    "comments.reply": (CONTRIBUTORS, CONSULTATION),
    # An author does not support their own proposal: it is their voice already.
    "votes.support": (CONTRIBUTORS - {"author"}, CONSULTATION),
    "votes.withdraw": (LOGGED_IN, CONSULTATION),
    "projects.create": (frozenset({"admin"}), ANY_PHASE),
    "projects.edit": (frozenset({"admin"}), ANY_PHASE),
    "users.manage": (frozenset({"admin"}), ANY_PHASE),
    "accounts.export": (LOGGED_IN, ANY_PHASE),
    "syntheses.write": (frozenset({"moderator"}), ANY_PHASE),
    "syntheses.subscribe": (LOGGED_IN, ANY_PHASE),
    "rencontres.manage": (frozenset({"admin"}), ANY_PHASE),
    "rencontres.subscribe": (LOGGED_IN, ANY_PHASE),
    "mediation.register": (frozenset({"mediator"}), ANY_PHASE),
    "mediation.act": (frozenset({"mediator"}), ANY_PHASE),
    "mediation.workshop": (frozenset({"mediator"}), ANY_PHASE),
    "mediation.claim_code": (frozenset({"mediator"}), ANY_PHASE),
    "followup.manage": (frozenset({"admin"}), ANY_PHASE),
    # The debate by statements: open while the consultation phase runs (its feature).
    "opinions.answer": (CONTRIBUTORS, CONSULTATION),
    "opinions.add_statement": (CONTRIBUTORS, CONSULTATION),
    "opinions.record_sheet": (frozenset({"mediator"}), CONSULTATION),
    "opinions.manage": (frozenset({"admin"}), ANY_PHASE),
    "opinions.moderate": (frozenset({"moderator"}), ANY_PHASE),
    "opinions.recompute": (frozenset({"moderator", "admin"}), ANY_PHASE),
}


class World:
    """A project in one phase, its people, a proposal with no reaction yet and a comment."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.users: dict[str, Any] = {
            "citizen": factories.user(),
            "unconfirmed": factories.user(confirmed=False),
            "mediator": factories.user(roles=("mediator",)),
            "moderator": factories.user(roles=("moderator",)),
            "admin": factories.user(roles=("admin",)),
            "author": factories.user(),
        }
        author = self.users["author"]
        self.project = factories.project(phase, actor=self.users["admin"])
        self.proposal = factories.proposal(self.project, author=author)
        self.comment = factories.comment(self.project, author=author)
        # A proposal by someone else that every logged-in role already supports.
        self.supported = factories.proposal(self.project, author=factories.user())
        for role, user in self.users.items():
            if role != "author":
                factories.support(self.supported, user)
        factories.support(self.supported, author)
        # The debate by statements of the consultation phase, with one statement.
        self.debate = opinions.configure(self.users["admin"], self.project,
                                         opinions.DebateSettings(
                                             enabled=True, question="Une question ?",
                                             premoderation=True, seeds="Une affirmation."))
        self.statement = opinions.statements(self.debate)[0]
        # A person the mediator registered, with their consent, to act for.
        self.assisted = mediation.register_participant(
            self.users["mediator"], "Personne accompagnée", None, None, "Formulaire n° 1",
            today(),
        )
        db.session.commit()

    def user(self, role: str) -> Any:
        """The user playing the role (an anonymous visitor for "anonymous")."""
        return AnonymousUserMixin() if role == "anonymous" else self.users[role]

    def targets(self, rule: str) -> list[Any]:
        """The objects the rule is asked about."""
        targets: dict[str, list[Any]] = {
            "proposals.create": [self.project],
            "proposals.edit": [self.proposal],
            "proposals.withdraw": [self.proposal],
            "comments.create": [self.project, self.proposal],
            "comments.reply": [self.comment],
            "votes.support": [self.proposal],
            "votes.withdraw": [self.supported],
            "projects.create": [None],
            "projects.edit": [self.project],
            "users.manage": [None],
            "accounts.export": [None],
            "syntheses.write": [self.project],
            "syntheses.subscribe": [self.project],
            "rencontres.manage": [None],
            "rencontres.subscribe": [None],
            "mediation.register": [None],
            "mediation.act": [self.assisted],
            "mediation.workshop": [None],
            "mediation.claim_code": [self.assisted],
            "followup.manage": [self.project],
            "opinions.answer": [self.debate],
            "opinions.add_statement": [self.debate],
            "opinions.record_sheet": [self.debate],
            "opinions.manage": [self.project],
            "opinions.moderate": [None, self.statement],
            "opinions.recompute": [self.debate],
        }
        return targets[rule]


def test_matrix_covers_the_rules_it_names():
    """Every rule of the table is registered in the permission registry."""
    assert set(MATRIX) <= set(rules())


def test_every_synthesis_edition_and_mediation_rule_is_in_the_matrix():
    """A new rule about syntheses, editions, mediation, follow-up or debates joins the
    table."""
    covered = ("syntheses.", "rencontres.", "mediation.", "followup.", "opinions.")
    assert {name for name in rules() if name.startswith(covered)} <= set(MATRIX)


@pytest.mark.parametrize("phase", PHASES)
def test_can_follows_the_matrix(app, phase):
    """can() allows exactly the (role, phase) pairs of the table, for every rule."""
    world = World(phase)
    wrong = []
    for rule, (roles, phases) in MATRIX.items():
        for role in ROLES:
            expected = role in roles and phase in phases
            for target in world.targets(rule):
                if can(world.user(role), rule, target) != expected:
                    wrong.append((rule, role, phase, type(target).__name__, expected))
    assert wrong == []


# --- Pages and actions agree with can() -----------------------------------------------------


class Visit:
    """A role's client, and checks that a page and an action agree with can()."""

    def __init__(self, app, world: World, role: str) -> None:
        self.role = role
        self.world = world
        self.client = app.test_client()
        if role != "anonymous":
            login(self.client, world.users[role])
        self.allowed = {
            (rule, id(target)): can(world.user(role), rule, target)
            for rule in MATRIX
            for target in world.targets(rule)
        }

    def can(self, rule: str, target: Any = None) -> bool:
        """can() for this role, as computed before any action."""
        return self.allowed[(rule, id(target))]

    def page(self, url: str) -> str:
        """The HTML of a page every role may read."""
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    def shows(self, page: str, marker: str, allowed: bool, rule: str) -> None:
        """The control is on the page exactly when the rule allows."""
        assert (marker in page) == allowed, (rule, self.role, self.world.phase, marker)

    def answers(self, response: Any, allowed: bool, rule: str, success: int = 200,
                location: str | None = None) -> None:
        """The action succeeds when allowed; otherwise 403, or the login page for a visitor."""
        context = (rule, self.role, self.world.phase, response.status_code)
        if allowed:
            assert response.status_code == success, context
            if location is not None:
                assert response.headers["Location"].startswith(location), context
        elif self.role == "anonymous":
            assert response.status_code == 302, context
            assert response.headers["Location"].startswith("/compte/connexion"), context
        else:
            assert response.status_code == 403, context
            assert "Action non autorisée" in response.get_data(as_text=True), context


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_pages_and_actions_follow_can(app, phase, role):
    """Buttons show exactly when can() allows; actions are refused exactly when it refuses."""
    world = World(phase)
    project, proposal, comment, supported = (
        world.project, world.proposal, world.comment, world.supported
    )
    visit = Visit(app, world, role)
    slug = project.slug
    new = f"/projets/{slug}/propositions/nouvelle"
    mine = f"/propositions/{proposal.id}"
    theirs = f"/propositions/{supported.id}"

    # The project page: submit, reply, edit the project; the menu: new project, users.
    page = visit.page(f"/projets/{slug}")
    visit.shows(page, f'href="{new}"', visit.can("proposals.create", project),
                "proposals.create")
    visit.shows(page, f'href="/commentaires/{comment.id}/repondre"',
                visit.can("comments.reply", comment), "comments.reply")
    visit.shows(page, f'action="/projets/{slug}/commentaires"',
                visit.can("comments.create", project), "comments.create")
    visit.shows(page, f'href="/admin/projets/{slug}/modifier"', visit.can("projects.edit", project),
                "projects.edit")
    visit.shows(page, 'href="/admin/projets/nouveau"', visit.can("projects.create"),
                "projects.create")
    visit.shows(page, 'href="/admin/utilisateurs"', visit.can("users.manage"), "users.manage")
    visit.shows(visit.page(f"/projets/{slug}/propositions"), f'href="{new}"',
                visit.can("proposals.create", project), "proposals.create")

    # The forms behind those controls.
    visit.answers(visit.client.get(new), visit.can("proposals.create", project),
                  "proposals.create")
    visit.answers(visit.client.get(f"/commentaires/{comment.id}/repondre"),
                  visit.can("comments.reply", comment), "comments.reply")
    visit.answers(visit.client.get(f"/admin/projets/{slug}/modifier"),
                  visit.can("projects.edit", project), "projects.edit")
    visit.answers(visit.client.get("/admin/projets/nouveau"), visit.can("projects.create"),
                  "projects.create")
    visit.answers(visit.client.get("/admin/utilisateurs"), visit.can("users.manage"),
                  "users.manage")

    # The proposal with no reaction yet: edit, withdraw, comment, support.
    page = visit.page(mine)
    visit.shows(page, f'href="{mine}/modifier"', visit.can("proposals.edit", proposal),
                "proposals.edit")
    visit.shows(page, f'href="{mine}/retirer"', visit.can("proposals.withdraw", proposal),
                "proposals.withdraw")
    visit.shows(page, f'action="{mine}/commentaires"', visit.can("comments.create", proposal),
                "comments.create")
    visit.shows(page, f'action="{mine}/soutenir"', visit.can("votes.support", proposal),
                "votes.support")
    visit.answers(visit.client.get(f"{mine}/modifier"), visit.can("proposals.edit", proposal),
                  "proposals.edit")
    visit.answers(visit.client.get(f"{mine}/retirer"), visit.can("proposals.withdraw", proposal),
                  "proposals.withdraw")

    allowed = visit.can("comments.create", proposal)
    response = visit.client.post(f"{mine}/commentaires",
                                 data={"stance": "pour", "body": "Un avis sur la proposition."})
    visit.answers(response, allowed, "comments.create", success=302, location=mine)
    allowed = visit.can("votes.support", proposal)
    visit.answers(visit.client.post(f"{mine}/soutenir"), allowed, "votes.support", success=302,
                  location=mine)
    db.session.expire_all()
    changed = db.session.get_one(Proposal, proposal.id)
    assert changed.comments_count == int(visit.can("comments.create", proposal))
    assert changed.supports_count == int(visit.can("votes.support", proposal))

    # The proposal this role already supports: take the support back.
    allowed = visit.can("votes.withdraw", supported)
    page = visit.page(theirs)
    visit.shows(page, f'action="{theirs}/retirer-soutien"', allowed, "votes.withdraw")
    visit.answers(visit.client.post(f"{theirs}/retirer-soutien"), allowed, "votes.withdraw",
                  success=302, location=theirs)
    if role != "anonymous":
        db.session.expire_all()
        still = db.session.query(Support).filter_by(
            proposal_id=supported.id, user_id=world.users[role].id
        ).count()
        assert still == int(not allowed)

    # Submitting for real.
    allowed = visit.can("proposals.create", project)
    # Confirmed: past the page of similar proposals, which the project's ones may bring.
    response = visit.client.post(new, data={"title": "Une proposition de plus",
                                            "body": "Son texte.", "territory": "",
                                            "confirmed": "y"})
    visit.answers(response, allowed, "proposals.create", success=302, location="/propositions/")

    # The debate by statements: the answer buttons, answering, adding a statement.
    debate = f"/projets/{slug}/debat"
    allowed = visit.can("opinions.answer", world.debate)
    visit.shows(visit.page(debate), 'name="value"', allowed, "opinions.answer")
    visit.shows(visit.page(debate), f'href="{debate}/affirmations/nouvelle"',
                visit.can("opinions.add_statement", world.debate), "opinions.add_statement")
    response = visit.client.post(f"{debate}/reponse", data={
        "statement_id": str(world.statement.id), "value": "1"})
    visit.answers(response, allowed, "opinions.answer", success=303, location=debate)
    visit.answers(visit.client.get(f"{debate}/affirmations/nouvelle"),
                  visit.can("opinions.add_statement", world.debate), "opinions.add_statement")
    visit.answers(visit.client.get(f"/admin/projets/{slug}/debat"),
                  visit.can("opinions.manage", project), "opinions.manage")
    visit.answers(visit.client.get(f"/mediation/debats/{slug}/fiche"),
                  visit.can("opinions.record_sheet", world.debate), "opinions.record_sheet")

    # Mediation: the menu entry, the pages, and acting for the registered person (last: from
    # then on a mediator acts for that person).
    visit.shows(visit.page("/"), 'href="/mediation/participants"', visit.can("mediation.register"),
                "mediation.register")
    visit.answers(visit.client.get("/mediation/participants"), visit.can("mediation.register"),
                  "mediation.register")
    visit.answers(visit.client.get("/mediation/ateliers/nouveau"),
                  visit.can("mediation.workshop"), "mediation.workshop")
    assisted = world.assisted
    visit.answers(visit.client.post(f"/mediation/participants/{assisted.user_id}/code"),
                  visit.can("mediation.claim_code", assisted), "mediation.claim_code")
    visit.answers(visit.client.post(f"/mediation/participants/{assisted.user_id}/agir"),
                  visit.can("mediation.act", assisted), "mediation.act", success=302,
                  location="/projets")
