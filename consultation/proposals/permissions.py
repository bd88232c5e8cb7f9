"""Rules about proposals."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import (
    check,
    email_confirmed,
    has_role,
    is_authenticated,
    is_author,
    not_blocked,
    phase_allows,
    rule,
)

is_published = check(
    "is_published",
    lambda user, proposal: proposal.is_published,
    _l("Cette proposition a été retirée par son auteur·rice."),
)
is_visible = check(
    "is_visible",
    lambda user, proposal: proposal.is_visible,
    _l("Cette proposition a été masquée par la modération."),
)
is_editable = check(
    "is_editable",
    lambda user, proposal: proposal.is_editable,
    _l("Une proposition ne se modifie plus après son premier soutien ou commentaire."),
)

# obj is the project for "create", the proposal otherwise.
rule("proposals.create", is_authenticated, not_blocked, phase_allows("propose"), email_confirmed)
rule(
    "proposals.edit",
    is_author, not_blocked, phase_allows("propose"), is_published, is_visible, is_editable,
)
rule("proposals.withdraw", is_author, not_blocked, phase_allows("propose"), is_published)
rule("proposals.answer", has_role("admin"), not_blocked, is_published)
