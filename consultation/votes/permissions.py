"""Rules about supports."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import check, is_authenticated, not_blocked, phase_allows, rule

is_published = check(
    "is_published",
    lambda user, proposal: proposal.is_counted,
    _l("Cette proposition a été retirée ou masquée : elle ne reçoit plus de soutiens."),
)

rule("votes.support", is_authenticated, not_blocked, phase_allows("support"), is_published)
rule("votes.withdraw", is_authenticated, not_blocked, phase_allows("support"))
