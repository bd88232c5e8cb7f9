"""Rules about the elected officials' reading space."""

from consultation.core.permissions import has_role, rule

# Admins may open it too: they publish what elected officials read and check how it looks.
# Nothing in it is secret (everything listed is public); it gathers and marks what is new.
rule("elected.read", has_role("elected", "admin"))
