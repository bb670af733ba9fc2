"""Background work on community insight: thin wrappers that take ids and call the adapter."""

import logging

from celery import shared_task

from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from influencers.models import Community

logger = logging.getLogger(__name__)


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def refresh_community_insight(community_id: int) -> int | None:
    """Compute and keep a community's insight; returns the CommunityInsight id (None: the
    community is gone or has nothing to read yet). Safe to run twice: each is a dated document."""
    from insight import adapter  # numpy, scikit-learn and wordfreq load in the workers that compute, not at start

    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return None
    try:
        return adapter.refresh_insight(community).pk
    except adapter.NothingToRead:
        return None


def refresh_insight_after_sync(sender, community_ids, **kwargs) -> None:
    """Receiver of influencers.signals.sync_completed: what a community is like follows its data."""
    for community_id in community_ids:
        try:
            refresh_community_insight.delay(community_id)
        except Exception:  # no broker and the eager run failed: the sync succeeded all the same
            logger.exception("refreshing the insight into community %s after a sync failed", community_id)
