"""What discovery tells the apps above it, without knowing who listens (they import influencers;
influencers never imports them)."""

from django.dispatch import Signal

# Sent after a sync has stored its data; ``community_ids``: the communities it touched; ``changed``:
# whether it created or updated any interaction. Graph ranks those communities again, insight
# describes them again, partnerships measures the brands that care about them.
sync_completed = Signal()

# Sent after a community was ranked: ``run`` (a completed RankingRun). Webhooks tell subscribers.
ranking_completed = Signal()

# Sent inside the transaction that merges two creators (accounts found to be one person), before
# ``merged`` is deleted: ``kept`` and ``merged`` (Creators). Receivers move what they hold about
# ``merged`` over to ``kept`` (partnerships does its partnerships, timeline, tasks and notes); a
# receiver that raises rolls the merge back. ``merged`` is deleted afterwards unless something
# still points at it.
creators_merged = Signal()
