"""Rules about accounts."""

from consultation.core.permissions import has_role, is_authenticated, rule

rule("accounts.edit_profile", is_authenticated)
rule("users.manage", has_role("admin"))
