"""Rules about the follow-up of commitments."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import check, has_role, not_blocked, rule

# obj: the project (or the commitment's project). Admins publish commitments and their updates,
# on a published project only (a draft's commitments would be public before it).
rule(
    "followup.manage",
    has_role("admin"),
    not_blocked,
    check("project_published", lambda user, project: project is None or project.is_published,
          _l("Publiez d'abord le projet\u00a0: ses engagements ne peuvent pas être publics avant "
             "lui.")),
)
