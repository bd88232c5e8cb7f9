"""Rules about supports."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consultation.core.permissions import (
    check,
    email_confirmed,
    is_authenticated,
    not_blocked,
    phase_allows,
    rule,
)
from consultation.votes import services

is_published = check(
    "is_published",
    lambda user, proposal: proposal.is_counted,
    _l("Cette proposition a été retirée ou masquée : elle ne reçoit plus de soutiens."),
)

# A proposal is its author's voice already: supporting it would count them twice (and lock
# their text, which a supported proposal does for good).
not_author = check(
    "not_author",
    lambda user, proposal: proposal.author_id != user.id,
    services.OWN_PROPOSAL,
)


def _limit_message(user, proposal):
    return _(
        "Vous avez déjà donné vos %(n)d soutiens pour ce projet. Retirez-en un pour en "
        "donner un autre.", n=proposal.project.support_limit,
    )


# The service checks the limit again after its insert, for requests that cross each other.
within_limit = check(
    "within_limit",
    lambda user, proposal: services.supports_left(user, proposal.project) != 0,
    _limit_message,
)

rule(
    "votes.support",
    is_authenticated, not_blocked, phase_allows("support"), is_published, email_confirmed,
    not_author, within_limit,
)
rule("votes.withdraw", is_authenticated, not_blocked, phase_allows("support"))
