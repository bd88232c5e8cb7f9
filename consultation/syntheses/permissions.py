"""Rules about syntheses."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import check, has_role, is_authenticated, not_blocked, rule

# Being told of a publication needs an address to write to (assisted participants may have none).
has_email = check(
    "has_email",
    lambda user, _obj: bool(getattr(user, "email", None)),
    _l("Ajoutez une adresse électronique à votre profil pour être prévenu·e."),
)

# obj: the project. Moderators write, preview and publish; they also retry a failed PDF.
rule("syntheses.write", has_role("moderator"), not_blocked)
# obj: the project. Anyone with an account may ask to be told of a publication.
rule("syntheses.subscribe", is_authenticated, has_email)
