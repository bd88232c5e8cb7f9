"""Blinker signals that domains emit and others subscribe to.

Senders are the objects concerned; receivers run inside the same transaction and must not
commit. Work that leaves the process (mail, PDF) is enqueued through core.jobs, after commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
proposal_created = _signals.signal("proposal-created")
proposal_updated = _signals.signal("proposal-updated")
proposal_withdrawn = _signals.signal("proposal-withdrawn")
comment_created = _signals.signal("comment-created")
comment_deleted = _signals.signal("comment-deleted")
support_added = _signals.signal("support-added")
support_removed = _signals.signal("support-removed")
# Moderation changed whether a proposal or comment counts; kwarg delta is +1 or -1.
proposal_counted = _signals.signal("proposal-counted")
comment_counted = _signals.signal("comment-counted")
# Supports removed (or, with a negative count, restored) in bulk by a merge; kwarg count.
support_removed_many = _signals.signal("support-removed-many")
