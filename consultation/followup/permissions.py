"""Rules about the follow-up of commitments."""

from consultation.core.permissions import has_role, not_blocked, rule

# obj: the project (or the commitment's project). Admins publish commitments and their updates.
rule("followup.manage", has_role("admin"), not_blocked)
