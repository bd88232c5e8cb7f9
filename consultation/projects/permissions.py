"""Rules about projects."""

from consultation.core.permissions import has_role, rule

rule("projects.create", has_role("admin"))
rule("projects.edit", has_role("admin"))
