"""What the partnership side tells others (webhooks), sent after the change is committed."""

from django.dispatch import Signal

# ``partnership``, ``activity`` (the stage-change entry: from, to, who, note).
partnership_stage_changed = Signal()
# ``agreement``; for updates also ``changes`` (the sentences "term: old → new").
agreement_created = Signal()
agreement_updated = Signal()
# ``creator``, ``names`` (what they were called: the creator's name, each account's handle, name
# and id) and ``replacement`` ("Erased creator #N"), sent inside the erasure's transaction so that
# each app takes the names out of its own stored copies, or the erasure does not happen at all.
creator_erased = Signal()
# ``message`` (partnerships.models.outreach.Message): a creator's message arrived and was filed
# under a partnership (matched, or filed by a manager). After commit.
message_received = Signal()
# ``agreement`` (now signed) and ``acceptance`` (the creator's click-signature, or None when a
# manager marked it signed). After commit.
agreement_signed = Signal()
# ``deliverable``: a piece was published (handed in under no review, or marked so). After commit.
deliverable_published = Signal()
# ``payment``: a payment fell due (told once, the day it does). After commit.
payment_due = Signal()
