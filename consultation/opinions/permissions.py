"""Rules about the debate by statements: answering, adding a statement, setting the debate up,
entering a paper sheet and moderating statements."""

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


def _open(debate: Any) -> bool:
    project = debate.project
    return project is not None and project.allows("opinions")


# obj None (a list of debates) passes: what is asked of the person alone decides there.
debate_open = check(
    "debate_open",
    lambda user, debate: debate is None or _open(debate),
    _l("Le débat par affirmations n'est pas ouvert dans la phase actuelle du projet."),
    # The same answer for every debate of a project (one per project): its phase decides.
    depends_on=lambda debate: ("project", getattr(debate, "project_id", None)),
)

# obj: the debate.
rule("opinions.answer", is_authenticated, not_blocked, debate_open, email_confirmed)
rule("opinions.add_statement", is_authenticated, not_blocked, debate_open, email_confirmed)
# obj: the debate (None for the list of the debates open to paper sheets).
rule("opinions.record_sheet", has_role("mediator"), not_blocked, debate_open)
# obj: the project whose consultation phase gets (or loses) the debate.
rule("opinions.manage", has_role("admin"))
# obj: the statement decided on (None for the lists).
rule("opinions.moderate", has_role("moderator"), not_blocked)
# Who may ask for the opinion map to be computed again now (its page's "Recalculer la carte").
rule("opinions.recompute", has_role("moderator", "admin"))
