"""Rules about the Rencontres des numériques."""

from consultation.core.permissions import has_role, is_authenticated, not_blocked, rule
from consultation.syntheses.permissions import has_email

# obj: the edition (None to create one). Admins run the yearly edition.
rule("rencontres.manage", has_role("admin"), not_blocked)
rule("rencontres.subscribe", is_authenticated, has_email)
