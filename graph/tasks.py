"""Background ranking: a thin task that takes an id and calls the adapter, and the receiver that
queues it when a sync has brought new data (rankings follow the data they rest on)."""

from celery import shared_task

from crm.background import enqueue_after_commit
from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from graph.vocabulary import community_vocabulary_refresh
from influencers.models import Community


# The name it had when it lived in influencers.tasks: messages already queued under that name, and
# any periodic task an operator made for it in the admin, still find it.
@shared_task(name="influencers.tasks.rank_community", **RETRY_WHILE_DATABASE_IS_DOWN)
def rank_community(community_id: int) -> int | None:
    """Rank one community and keep the snapshot; returns the RankingRun id (None: nothing to rank).

    Safe to run twice: each run is a dated snapshot, and the newest is what members point at.
    """
    from graph import adapter  # networkx and the scoring load in the workers that rank, not at every start

    community = Community.objects.get(pk=community_id)
    try:
        run, _ = adapter.rank_community(community)
    except adapter.NothingToRank:
        return None
    return run.pk


def rank_after_sync(sender, community_ids, **kwargs) -> None:
    """Receiver of influencers.signals.sync_completed: rank every community the sync touched, once
    its data is committed. A sync that changed nothing is ranked all the same: the window moves on
    with time, and the members' recency with it."""
    for community_id in community_ids:
        enqueue_after_commit(rank_community, community_id)


def recount_vocabulary_after_ranking(sender, run, **kwargs) -> None:
    """Receiver of influencers.signals.ranking_completed (sent once the run is committed): what
    members wrote — Discover's "talks about" — is recounted with every ranking, in the background."""
    enqueue_after_commit(refresh_member_vocabulary, run.community_id)


@shared_task(name="graph.tasks.refresh_member_vocabulary", **RETRY_WHILE_DATABASE_IS_DOWN)
def refresh_member_vocabulary(community_id: int) -> int:
    """Recount what the community's members wrote (Discover's "talks about"); queued by every
    completed ranking. Returns how many members were read. Safe to run twice: it replaces."""
    community = Community.objects.get(pk=community_id)
    return community_vocabulary_refresh(community=community).members
