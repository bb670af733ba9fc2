"""What the partnership side tells others (webhooks), sent after the change is committed."""

from django.dispatch import Signal

# ``partnership``, ``activity`` (the stage-change entry: from, to, who, note).
partnership_stage_changed = Signal()
# ``agreement``; for updates also ``changes`` (the sentences "term: old → new").
agreement_created = Signal()
agreement_updated = Signal()
