"""Rules about follows and notifications."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import check, is_authenticated, rule

is_recipient = check(
    "is_recipient",
    lambda user, notification: getattr(notification, "user_id", None) == user.id,
    _l("Cette notification ne vous est pas adressée."),
)

# obj: the project or the proposal. Following is reading: an account not yet confirmed, or
# blocked, may follow (a deleted account cannot log in).
rule("notifications.follow", is_authenticated)
# obj: the notification. Only the person it was made for reads it or marks it read.
rule("notifications.read", is_authenticated, is_recipient)
# obj: the person. Anyone logged in chooses how they are emailed.
rule("notifications.settings", is_authenticated)
