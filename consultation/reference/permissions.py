"""Rules about reference data."""

from consultation.core.permissions import has_role, rule

rule("territories.manage", has_role("admin"))
