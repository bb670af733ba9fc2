"""Background work on community insight: thin wrappers that take ids and call the adapter."""

import logging

from celery import shared_task

from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from influencers.models import Community

logger = logging.getLogger(__name__)


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def refresh_community_insight(community_id: int, only_if_new: bool = False) -> int | None:
    """Compute and keep a community's insight; returns the CommunityInsight id (None: the
    community is gone or has nothing to read yet). Safe to run twice: each is a dated document.
    ``only_if_new`` (after a sync): keep the latest insight when nothing was imported since it."""
    from insight import adapter  # numpy, scikit-learn and wordfreq load in the workers that compute, not at start
    from insight.models import CommunityInsight

    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return None
    latest = CommunityInsight.objects.filter(community=community).order_by("-computed_at").first()
    if only_if_new and latest and not community.interactions.filter(imported_at__gt=latest.computed_at).exists():
        return latest.pk  # an hourly sync that found nothing new: a million messages are not read again
    try:
        return adapter.refresh_insight(community).pk
    except adapter.NothingToRead:
        return None


def refresh_insight_after_sync(sender, community_ids, **kwargs) -> None:
    """Receiver of influencers.signals.sync_completed: what a community is like follows its data."""
    for community_id in community_ids:
        try:
            refresh_community_insight.delay(community_id, only_if_new=True)
        except Exception:  # no broker and the eager run failed: the sync succeeded all the same
            logger.exception("refreshing the insight into community %s after a sync failed", community_id)
