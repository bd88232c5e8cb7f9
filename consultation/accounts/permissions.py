"""Rules about accounts."""

from consultation.accounts.services import LAST_ADMIN, is_last_admin
from consultation.core.permissions import check, has_role, is_authenticated, rule

not_last_admin = check(
    "not_last_admin", lambda user, _obj: not is_last_admin(user), LAST_ADMIN
)

rule("accounts.edit_profile", is_authenticated)
# Mon espace: a blocked account still reads what it contributed.
rule("accounts.space", is_authenticated)
# A blocked account may still download and delete its data: these are rights, not contributions.
rule("accounts.export", is_authenticated)
rule("accounts.delete", is_authenticated, not_last_admin)
rule("users.manage", has_role("admin"))
