"""Rules about syntheses."""

from consultation.core.permissions import has_role, is_authenticated, not_blocked, rule

# obj: the project. Moderators write, preview and publish; they also retry a failed PDF.
rule("syntheses.write", has_role("moderator"), not_blocked)
# obj: the project. Anyone with an account may ask to be told of a publication.
rule("syntheses.subscribe", is_authenticated)
