"""core/permissions.py: the registry of named rules, its predicates and its French refusals."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from consultation.core import permissions
from consultation.core.errors import NotAllowed
from consultation.core.permissions import (
    can,
    check,
    has_role,
    is_authenticated,
    is_author,
    not_blocked,
    phase_allows,
    refusal,
    require,
    rule,
    rules,
)
from consultation.extensions import db
from tests import factories

NAMED_RULES = {
    "accounts.edit_profile",
    "users.manage",
    "projects.create",
    "projects.edit",
    "proposals.create",
    "proposals.edit",
    "proposals.withdraw",
    "comments.create",
    "comments.reply",
    "comments.edit",
    "comments.delete",
    "votes.support",
    "votes.withdraw",
}


class Member:
    """A stand-in for a logged-in user."""

    is_authenticated = True

    def __init__(self, ident: int = 1, roles: tuple[str, ...] = ("citizen",), **extra) -> None:
        self.id = ident
        self._roles = set(roles)
        self.__dict__.update(extra)

    def has_role(self, role: str) -> bool:
        return role in self._roles


class Phase:
    """A stand-in for a project whose phase allows some features."""

    def __init__(self, *features: str) -> None:
        self.features = set(features)

    def allows(self, feature: str) -> bool:
        return feature in self.features


@pytest.fixture
def in_request(app):
    """A request context, so lazy French messages can be turned into text."""
    with app.test_request_context():
        yield app


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry, so a test can register rules without leaking them."""
    monkeypatch.setattr(permissions, "_RULES", dict(permissions._RULES))


def test_every_named_rule_is_registered(app):
    """Every rule named in the specification exists in the registry."""
    assert set(rules()) >= NAMED_RULES


def test_rules_returns_a_copy(app):
    """Changing what rules() returns does not change the registry."""
    copy = rules()
    copy.pop("users.manage")
    assert "users.manage" in rules()


def test_registering_an_existing_name_raises(app):
    """A second registration of a known rule is a programming error and changes nothing."""
    before = rules()["users.manage"]
    with pytest.raises(ValueError, match="registered twice"):
        rule("users.manage", is_authenticated)
    assert rules()["users.manage"] is before


def test_new_rule_registers_once(scratch_registry):
    """A new rule is registered and usable; registering it again raises."""
    made = rule("tests.exemple", is_authenticated)
    assert rules()["tests.exemple"] is made
    assert can(Member(), "tests.exemple")
    with pytest.raises(ValueError):
        rule("tests.exemple", is_authenticated)


def test_unknown_rule_name_fails_loudly(app):
    """A misspelt rule name is an error, never a silent allow or refuse."""
    with pytest.raises(KeyError):
        can(Member(), "users.manag")
    with pytest.raises(KeyError):
        require(Member(), "nope")


def test_no_rule_allows_an_anonymous_visitor(app):
    """Every registered rule refuses a visitor who is not logged in, with a message."""
    anonymous = AnonymousUserMixin()
    with app.test_request_context():
        for name in rules():
            assert not can(anonymous, name), name
            assert refusal(anonymous, name), name


def test_refusal_gives_first_failing_predicate_message(scratch_registry, app):
    """The refusal message is the one of the first predicate that fails, in order."""
    first = check("first", lambda u, o: o.get("a", False), "premier refus")
    second = check("second", lambda u, o: o.get("b", False), "second refus")
    rule("tests.ordre", first, second)
    assert refusal(Member(), "tests.ordre", {}) == "premier refus"
    assert refusal(Member(), "tests.ordre", {"a": True}) == "second refus"
    assert refusal(Member(), "tests.ordre", {"a": True, "b": True}) is None
    assert can(Member(), "tests.ordre", {"a": True, "b": True})
    assert not can(Member(), "tests.ordre", {"b": True})


def test_require_raises_not_allowed_with_reason(app):
    """require() raises NotAllowed (403) with the French reason; returns None when allowed."""
    with app.test_request_context():
        with pytest.raises(NotAllowed) as raised:
            require(Member(roles=("citizen",)), "users.manage")
        assert raised.value.status == 403
        assert raised.value.message == "Cette action est réservée à un rôle que vous n'avez pas."
        require(Member(roles=("citizen", "admin")), "users.manage")  # allowed: no exception


def test_refusal_messages_are_french_by_default_and_translated(app):
    """Refusals are French by default and follow the English locale when chosen."""
    anonymous = AnonymousUserMixin()
    with app.test_request_context():
        french = refusal(anonymous, "accounts.edit_profile")
        assert french == "Connectez-vous pour effectuer cette action."
        with force_locale("en"):
            english = refusal(anonymous, "accounts.edit_profile")
        assert english and english != french


def test_has_role_predicate(app):
    """has_role holds for any listed role and never for an anonymous visitor."""
    predicate = has_role("moderator", "admin")
    assert predicate(Member(roles=("citizen", "admin")), None)
    assert predicate(Member(roles=("moderator",)), None)
    assert not predicate(Member(roles=("citizen", "mediator")), None)
    assert not predicate(AnonymousUserMixin(), None)


def test_is_author_predicates(app):
    """is_author compares author_id with the user."""
    mine = SimpleNamespace(author_id=7)
    assert is_author(Member(7), mine)
    assert not is_author(Member(8), mine)
    assert not is_author(AnonymousUserMixin(), mine)
    assert not is_author(Member(7), SimpleNamespace())


def test_not_blocked_predicate(in_request):
    """A blocked account is refused with its own message."""
    assert not_blocked(Member(), None)
    assert not not_blocked(Member(is_blocked=True), None)
    assert "bloqué" in str(not_blocked.message)


def test_phase_allows_predicate(in_request):
    """phase_allows reads the project, or the object's project, and refuses without one."""
    open_project = Phase("propose", "comment", "support")
    closed_project = Phase()
    assert phase_allows("comment")(Member(), open_project)
    assert phase_allows("support")(Member(), SimpleNamespace(project=open_project))
    assert not phase_allows("comment")(Member(), closed_project)
    assert not phase_allows("support")(Member(), SimpleNamespace(project=closed_project))
    assert not phase_allows("propose")(Member(), SimpleNamespace())
    assert not phase_allows("propose")(Member(), None)
    messages = {str(phase_allows(f).message) for f in ("propose", "comment", "support")}
    assert len(messages) == 3
    with pytest.raises(KeyError):
        phase_allows("teleport")


def test_account_rules_with_real_users(app):
    """accounts.edit_profile needs a login; users.manage needs the admin role."""
    citizen = factories.user()
    admin = factories.user(roles=("citizen", "admin"))
    moderator = factories.user(roles=("citizen", "moderator"))
    db.session.commit()
    with app.test_request_context():
        assert can(citizen, "accounts.edit_profile")
        assert can(admin, "users.manage")
        assert not can(citizen, "users.manage")
        assert not can(moderator, "users.manage")
        assert refusal(moderator, "users.manage") == (
            "Cette action est réservée à un rôle que vous n'avez pas."
        )
        assert can(admin, "projects.create") and not can(citizen, "projects.create")
