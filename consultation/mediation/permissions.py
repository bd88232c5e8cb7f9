"""Rules about digital mediation: only mediators (not blocked) register people and act for
them, and only for a person whose consent is recorded."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import check, has_role, not_blocked, rule

is_mediator = has_role("mediator")


has_consent = check(
    "has_consent",
    lambda user, profile: profile is None or profile.has_consent,
    _l("Le consentement de cette personne n'est pas enregistré : un·e médiateur·rice ne peut "
       "pas agir pour elle. Inscrivez d'abord la référence du formulaire de consentement signé."),
)
not_claimed = check(
    "not_claimed",
    lambda user, profile: profile is None or not profile.is_claimed,
    _l("Cette personne a désormais son propre compte : elle contribue elle-même."),
)

# obj: the assisted participant's profile (None for the pages that list or start nothing).
rule("mediation.register", is_mediator, not_blocked)
rule("mediation.act", is_mediator, not_blocked, has_consent, not_claimed)
rule("mediation.workshop", is_mediator, not_blocked)
rule("mediation.claim_code", is_mediator, not_blocked, has_consent, not_claimed)
