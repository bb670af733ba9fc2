"""Background work on community insight: thin wrappers that take ids and call the adapter."""

from celery import shared_task
from django.core.cache import cache

from crm.background import enqueue_after_commit
from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from influencers.models import Community

PENDING = "insight-refresh-pending:{}"
PENDING_AT_MOST = 15 * 60  # seconds: a worker that died mid-computation does not block refreshes for ever


def refresh_soon(community_id: int) -> bool:
    """Queue a refresh of the community's insight unless one is already waiting or running (the
    page, the API and syncs may all ask at once: one computation answers them all). Returns
    whether this call queued it."""
    if not cache.add(PENDING.format(community_id), True, timeout=PENDING_AT_MOST):
        return False
    # The task clears the mark when it ends. Were the broker unreachable, enqueue_after_commit logs
    # it and the mark lapses after PENDING_AT_MOST: the next ask then queues it again.
    enqueue_after_commit(refresh_community_insight, community_id)
    return True


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def refresh_community_insight(community_id: int) -> int | None:
    """Compute and keep a community's insight; returns the CommunityInsight id (None: the
    community is gone or has nothing to read yet). Safe to run twice: each is a dated document."""
    from insight import adapter  # numpy, scikit-learn and wordfreq load in the workers that compute, not at start

    try:
        community = Community.objects.filter(pk=community_id).first()
        if community is None:
            return None
        return adapter.refresh_insight(community).pk
    except adapter.NothingToRead:
        return None
    finally:
        cache.delete(PENDING.format(community_id))


def refresh_insight_after_sync(sender, community_ids, changed: bool = True, **kwargs) -> None:
    """Receiver of influencers.signals.sync_completed: what a community is like follows its data.
    A sync that created and updated nothing (an hourly sync of a quiet community) leaves an insight
    as it is: a million messages are not read again for nothing. New posts, edits, removals and
    score changes all count as something."""
    from insight.models import CommunityInsight

    described = set()
    if not changed:
        described = set(
            CommunityInsight.objects.filter(community_id__in=community_ids).values_list("community_id", flat=True)
        )
    for community_id in community_ids:
        if community_id in described:
            continue
        refresh_soon(community_id)
