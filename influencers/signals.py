"""What discovery tells the rest of the product, without knowing who listens."""

from django.dispatch import Signal

# Sent after a sync has stored its data (and its rankings are queued); ``community_ids``: the
# communities it touched; ``changed``: whether it created or updated any interaction. The
# partnerships app measures the brands that care about them; insight describes them again.
sync_completed = Signal()

# Sent after a community was ranked: ``run`` (a completed RankingRun). Webhooks tell subscribers.
ranking_completed = Signal()
