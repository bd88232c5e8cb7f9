"""Rules about comments."""

from flask_babel import lazy_gettext as _l

from consultation.core.permissions import (
    check,
    email_confirmed,
    is_authenticated,
    is_author,
    not_blocked,
    phase_allows,
    rule,
)

target_open = check(
    "target_open",
    lambda user, target: getattr(target, "is_counted", True),
    _l("Cette proposition a été retirée ou masquée : elle ne reçoit plus de commentaires."),
)
replies_allowed = check(
    "replies_allowed",
    lambda user, comment: comment.can_have_replies and comment.is_counted,
    _l(
        "On ne peut pas répondre à ce commentaire"
        " (troisième niveau atteint ou commentaire supprimé)."
    ),
)
not_deleted = check(
    "not_deleted",
    lambda user, comment: not comment.is_deleted,
    _l("Ce commentaire a été supprimé."),
)
not_hidden = check(
    "not_hidden",
    lambda user, comment: comment.is_visible,
    _l("Ce commentaire a été masqué par la modération."),
)
thread_open = check(
    "thread_open",
    lambda user, comment: comment.proposal is None or comment.proposal.is_counted,
    _l("Cette proposition a été retirée ou masquée : elle ne reçoit plus de commentaires."),
    # The same answer for every comment of a proposal: asked once per page.
    depends_on=lambda comment: ("proposal", comment.proposal_id),
)

# obj: the project or proposal commented on, for "create"; the comment otherwise.
rule(
    "comments.create",
    is_authenticated, not_blocked, phase_allows("comment"), target_open, email_confirmed,
)
rule(
    "comments.reply",
    is_authenticated, not_blocked, phase_allows("comment"), replies_allowed, thread_open,
    email_confirmed,
)
rule("comments.edit", is_author, not_blocked, phase_allows("comment"), not_deleted, not_hidden)
rule("comments.delete", is_author, not_blocked, phase_allows("comment"), not_deleted)
