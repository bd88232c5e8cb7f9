"""Rules about moderation."""

from typing import Any

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import (
    check,
    email_confirmed,
    has_role,
    is_authenticated,
    not_blocked,
    rule,
)

not_self = check(
    "not_self",
    lambda user, target: target is None or target.id != user.id,
    _l("Vous ne pouvez pas vous bloquer vous-même."),
)
not_staff = check(
    "not_staff",
    lambda user, target: target is None or not (
        target.has_role("admin") or target.has_role("moderator")
    ) or user.has_role("admin"),
    _l("Seul·e un·e administrateur·rice peut bloquer un compte de l'équipe."),
)

not_deleted = check(
    "not_deleted",
    lambda user, target: target is None or not target.is_deleted,
    _l("Ce compte a été supprimé par son·sa titulaire."),
)

# obj: the account concerned (None for the list).
rule("users.block", has_role("moderator", "admin"), not_blocked, not_self, not_staff,
     not_deleted)
rule("audit.read", has_role("moderator", "admin"))

def _owner(target: Any) -> Any:
    return getattr(target, "author_id", getattr(target, "id", None))


not_own = check(
    "not_own",
    lambda user, target: _owner(target) != user.id,
    _l("Vous ne pouvez pas signaler votre propre contribution ou votre propre compte."),
    # The same answer for everything one person wrote: asked once per author on a page.
    depends_on=lambda target: ("owner", _owner(target)),
)

# obj: the proposal, comment or account reported.
rule("reports.create", is_authenticated, not_blocked, not_own, email_confirmed)
# obj: None (the queue) or the item decided on.
rule("moderation.decide", has_role("moderator"), not_blocked)
