"""Blinker signals that domains emit and others subscribe to.

Senders are the objects concerned; receivers run inside the same transaction and must not
commit. Work that leaves the process (mail, PDF) is enqueued through core.jobs, after commit.
Counters are moved by the database's triggers, for each row written that they count
(core/counters.py); the counters' receivers let the request's session follow, with no statement.

Each signal: its sender (the first argument of send), its keyword arguments, who sends it,
and who receives it. Besides those named, opendata.receivers receives every signal of a
publication (all but edition_published) and, when one is due (a few minutes after the last),
asks for a rebuild of the open data after the commit, at most one per transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the new Proposal (it may wait for approval: receivers look at is_counted).
# Sent by proposals.services.create_proposal.
# Received by projects.receivers (proposals_count, participants). The author's follow is the
# INSERT's trigger's (migration 0026), as is every automatic follow below.
proposal_created = _signals.signal("proposal-created")

# sender: the Proposal its author withdrew; sent only if it was counted.
# Sent by proposals.services.withdraw_proposal.
# Received by projects.receivers (proposals_count).
proposal_withdrawn = _signals.signal("proposal-withdrawn")

# sender: the new Comment (it may wait for approval: receivers look at is_counted).
# Sent by comments.services.add_comment.
# Received by projects.receivers (comments_count, participants), proposals.receivers
# (the proposal's comments_count and per-stance count, first reaction),
# notifications.receivers (a comment that counts tells the parent's author and the proposal's
# author: a job with a queue, else at the commit)
# and search.receivers (its index row: the comment is written by a Core INSERT, which the
# session listener does not see).
comment_created = _signals.signal("comment-created")

# sender: the Comment its author deleted; sent only if it was counted.
# Sent by comments.services.delete_comment.
# Received by projects.receivers and proposals.receivers (comment counts).
comment_deleted = _signals.signal("comment-deleted")

# sender: a counted Comment whose stance its author changed; kwarg previous: the old stance.
# Sent by comments.services.edit_comment.
# Received by proposals.receivers (per-stance counts).
comment_restanced = _signals.signal("comment-restanced")

# sender: the Support given (a transient row: user_id, proposal_id, project_id).
# Sent by votes.services.add_support.
# Received by projects.receivers (supports_count, participants) and proposals.receivers
# (supports_count, first reaction).
support_added = _signals.signal("support-added")

# sender: the Support taken back (a transient row, as above).
# Sent by votes.services.remove_support.
# Received by projects.receivers and proposals.receivers (supports_count).
support_removed = _signals.signal("support-removed")

# sender: a Proposal that moderation made count again or stop counting; kwarg delta: +1 or -1.
# Sent by moderation.services (hide, restore, approve, hold, dismiss, merge, unmerge).
# Received by projects.receivers (proposals_count) and search.receivers (the proposal and its
# comments enter or leave the search index).
proposal_counted = _signals.signal("proposal-counted")

# sender: a Comment that moderation made count again or stop counting; kwarg delta: +1 or -1.
# Sent by moderation.services (hide, restore, approve, hold, dismiss).
# Received by search.receivers (the comment enters or leaves the search index),
# projects.receivers (comments_count), proposals.receivers (comment counts,
# first reaction when it counts again) and notifications.receivers (+1: a comment approved
# is told as a new one; the event's key tells nobody twice).
comment_counted = _signals.signal("comment-counted")

# sender: the Proposal supports left in bulk; kwargs to: the Proposal that took them,
# removed: how many supports were deleted on the way (negative: restored).
# Sent by moderation.services.merge (source -> target, duplicates removed) and unmerge
# (target -> source, duplicates restored).
# Received by projects.receivers (supports_count) and proposals.receivers (both proposals'
# supports_count, recounted in SQL).
supports_moved = _signals.signal("supports-moved")

# sender: the Proposal the metropole has just answered (answer_status, answer_body and
# answered_at set); kwarg actor: the admin who answered (not told).
# Sent by proposals.services.give_answer (a changed answer sends it again: a new event).
# Received by notifications.receivers (tells the proposal's author and followers).
proposal_answered = _signals.signal("proposal-answered")

# sender: the Proposal a moderator acted on; kwargs action: "hidden", "restored" or "merged",
# actor: the moderator, into: the Proposal it was merged into (merged only).
# Sent by moderation.services (hide; restore of a hidden proposal, not of a held one; merge).
# Received by notifications.receivers (tells the proposal's author).
proposal_moderated = _signals.signal("proposal-moderated")

# sender: the SynthesisVersion just published (published_by_id: the actor, not told).
# Sent by syntheses.services.publish.
# Received by notifications.receivers (tells the project's followers, elected officials and
# the project's synthesis subscribers).
synthesis_published = _signals.signal("synthesis-published")

# sender: the Edition just published (or its dossier published again); kwarg actor: who
# published it (not told).
# Sent by rencontres.services.publish.
# Received by notifications.receivers (tells the Rencontres' subscribers and elected
# officials, once per edition).
edition_published = _signals.signal("edition-published")

# sender: the CommitmentUpdate just recorded (a commitment created or changed); the receiver
# reads its id, commitment.project_id, commitment.proposals and its author's id if it has one.
# Sent by followup.services.
# Received by notifications.receivers (tells the followers of its project and proposals).
commitment_updated = _signals.signal("commitment-updated")
