"""Background work on discovery data: thin wrappers that take ids and call a service."""

from celery import shared_task

from influencers import services
from influencers.models import Community


@shared_task(acks_late=True)
def refresh_community_memberships(community_id: int) -> int:
    """Link replies to their parents and recompute members' activity; idempotent."""
    community = Community.objects.get(pk=community_id)
    services.interactions_link_parents(community=community)
    return services.community_memberships_refresh(community=community)
