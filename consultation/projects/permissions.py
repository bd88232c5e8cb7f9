"""Rules about projects."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import check, has_role, rule

rule("projects.create", has_role("admin"))
rule("projects.edit", has_role("admin"))
# Drafts: seen by admins and moderators (who prepare what follows), published by admins.
rule("projects.see_drafts", has_role("admin", "moderator"))
rule(
    "projects.publish",
    has_role("admin"),
    check("draft", lambda user, project: project is None or not project.is_published,
          _l("Ce projet est déjà publié.")),
)
