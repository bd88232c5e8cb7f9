"""The registry of named rules: `can(user, "proposals.create", obj)`.

A rule is a list of predicates that must all hold. Each predicate carries the French message
shown when it fails, so a refusal always says why. Views call `require()`, templates call
`can()` through a Jinja global: a button never shows for an action that would be refused.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from consultation.core.errors import NotAllowed


@dataclass(frozen=True, eq=False)
class Predicate:
    """A named test on (user, obj) with the message shown when it fails."""

    name: str
    test: Callable[[Any, Any], bool]
    # A lazy string, translated when shown, or a function (user, obj) -> str for a message
    # that names something of the object (a limit, a date).
    message: Any
    # What the answer depends on besides the user, for `Rule.allows` to remember it for the
    # request: None (the default) for the whole object, read again for each; `about_user`
    # (nothing of the object: the user's roles, blocked, confirmed) or a key of the object
    # (its project, for a phase).
    depends_on: Callable[[Any], Any] | None = None
    # A predicate on the user alone that this one cannot pass without (is_author needs a
    # logged-in user): a rule that has this one asks that one first, once per request.
    requires: Predicate | None = None

    def __call__(self, user: Any, obj: Any) -> bool:
        return bool(self.test(user, obj))


def about_user(_obj: Any) -> None:
    """`Predicate.depends_on` of a predicate that reads nothing of the object."""
    return None


@dataclass(frozen=True)
class Rule:
    """A named permission: every predicate must hold."""

    name: str
    predicates: tuple[Predicate, ...]
    # The predicates in the order `allows` asks them: those on the user alone first (with what
    # the others require), then the others as written.
    asked: tuple[Predicate, ...] = ()

    def __post_init__(self) -> None:
        first: list[Predicate] = []
        for predicate in self.predicates:
            for needed in (predicate.requires, predicate):
                if needed is not None and needed.depends_on is about_user and needed not in first:
                    first.append(needed)
        rest = tuple(p for p in self.predicates if p not in first)
        object.__setattr__(self, "asked", (*first, *rest))

    def allows(self, user: Any, obj: Any, known: dict[Any, bool]) -> bool:
        """`refusal(user, obj) is None`, remembering in `known` (the request's) the answers of
        the predicates that do not depend on the whole object: a rule asked for each comment
        of a page reads the user's facts and the project's phase once, and for a visitor
        refuses without looking at the comment."""
        for predicate in self.asked:
            depends_on = predicate.depends_on
            if depends_on is None:
                if not predicate(user, obj):
                    return False
                continue
            key = (predicate, user) if depends_on is about_user else (
                predicate, user, depends_on(obj))
            answer = known.get(key)
            if answer is None:
                answer = known[key] = predicate(user, obj)
            if not answer:
                return False
        return True

    def could(self, user: Any) -> bool:
        """True when the user passes the predicates on the user alone: the rule may allow
        them for some object (False: for none)."""
        for predicate in self.asked:
            if predicate.depends_on is not about_user:
                return True
            if not predicate(user, None):
                return False
        return True

    def refusal(self, user: Any, obj: Any) -> Predicate | None:
        """The first predicate that fails, or None when the rule allows."""
        for predicate in self.predicates:
            if not predicate(user, obj):
                return predicate
        return None


_RULES: dict[str, Rule] = {}


def rule(name: str, *predicates: Predicate) -> Rule:
    """Register a named rule; registering a name twice is a programming error."""
    if name in _RULES:
        raise ValueError(f"rule {name!r} registered twice")
    _RULES[name] = Rule(name, predicates)
    return _RULES[name]


def rules() -> dict[str, Rule]:
    """All registered rules, by name (read-only use)."""
    return dict(_RULES)


def rule_named(name: str) -> Rule:
    """The registered rule of that name."""
    return _RULES[name]


def refusal(user: Any, name: str, obj: Any = None) -> str | None:
    """Why `user` may not do `name` on `obj`, or None when allowed."""
    failed = _RULES[name].refusal(user, obj)
    if failed is None:
        return None
    if inspect.isfunction(failed.message):
        return str(failed.message(user, obj))
    return str(failed.message)


def can(user: Any, name: str, obj: Any = None) -> bool:
    """True when the named rule allows `user` to act on `obj`."""
    return _RULES[name].refusal(user, obj) is None


def require(user: Any, name: str, obj: Any = None) -> None:
    """Raise NotAllowed with the rule's French reason when the rule refuses."""
    reason = refusal(user, name, obj)
    if reason is not None:
        raise NotAllowed(reason)


# --- Small predicates, combined by the domains' permissions.py ---------------------------------

def _authenticated(user: Any, obj: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


is_authenticated = Predicate(
    "is_authenticated", _authenticated, _l("Connectez-vous pour effectuer cette action."),
    depends_on=about_user,
)


def has_role(*roles: str) -> Predicate:
    """The user holds at least one of these roles."""
    return Predicate(
        f"has_role({','.join(roles)})",
        lambda user, obj: _authenticated(user, obj) and any(user.has_role(r) for r in roles),
        _l("Cette action est réservée à un rôle que vous n'avez pas."),
        depends_on=about_user,
    )


def _owner_id(obj: Any) -> int | None:
    return getattr(obj, "author_id", None)


is_author = Predicate(
    "is_author",
    lambda user, obj: _authenticated(user, obj) and _owner_id(obj) == user.id,
    _l("Seul·e l'auteur·rice peut effectuer cette action."),
    depends_on=lambda obj: ("author", _owner_id(obj)),
    requires=is_authenticated,
)


not_blocked = Predicate(
    "not_blocked",
    lambda user, obj: not getattr(user, "is_blocked", False),
    _l("Votre compte est bloqué : vous pouvez lire mais plus contribuer."),
    depends_on=about_user,
)


# A person who registered with an email and has not confirmed it reads and follows, but does
# not contribute (User.needs_email_confirmation); people without an email (registered by a
# mediator with their consent) are never concerned. The header offers to send the link again.
email_confirmed = Predicate(
    "email_confirmed",
    lambda user, obj: not getattr(user, "needs_email_confirmation", False),
    _l("Confirmez d'abord votre adresse électronique : le lien vous a été envoyé par courriel."),
    depends_on=about_user,
)


def phase_allows(feature: str) -> Predicate:
    """The current phase of the object's project allows it (propose, comment, support)."""
    messages = {
        "propose": _l(
            "Le dépôt de propositions n'est pas ouvert dans la phase actuelle du projet."
        ),
        "comment": _l("Les commentaires ne sont pas ouverts dans la phase actuelle du projet."),
        "support": _l("Les soutiens ne sont pas ouverts dans la phase actuelle du projet."),
    }

    def test(user: Any, obj: Any) -> bool:
        project = obj if hasattr(obj, "allows") else getattr(obj, "project", None)
        return project is not None and project.allows(feature)

    return Predicate(f"phase_allows({feature})", test, messages[feature], depends_on=_project_of)


def _project_of(obj: Any) -> Any:
    """The project whose phase decides for `obj` (a project, or what belongs to one)."""
    if hasattr(obj, "allows"):
        return ("project", obj.id)
    project_id = getattr(obj, "project_id", None)
    # Something without a project id of its own: the object itself decides (never shared).
    return ("project", project_id) if project_id is not None else ("object", obj)


def check(name: str, test: Callable[[Any, Any], bool], message: Any,
          depends_on: Callable[[Any], Any] | None = None) -> Predicate:
    """A predicate written by a domain for its own objects (`depends_on`: see Predicate)."""
    return Predicate(name, test, message, depends_on=depends_on)
