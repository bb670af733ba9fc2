"""Writes to discovery data that more than one source needs (imports, the demo loader, tasks)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery

from influencers.models import Community, Interaction, InteractionKind, Membership

MEMBERSHIP_STAT_FIELDS = ["first_seen_at", "last_seen_at", "post_count", "reply_count", "reaction_count"]


def interactions_link_parents(*, community: Community) -> int:
    """Resolve ``parent`` and ``target`` for replies whose parent arrived later (or in another file).

    Only rows whose parent is now stored are touched (a comments-only dump whose submissions never
    arrive rewrites nothing); each costs one probe of the (community, external_id) index.
    Returns the number of replies linked.
    """
    parents = Interaction.objects.filter(community=community, external_id=OuterRef("parent_external_id"))
    linked = (
        Interaction.objects.filter(community=community, parent__isnull=True)
        .exclude(parent_external_id="")
        .filter(Exists(parents))
        .update(parent=Subquery(parents.values("pk")[:1]))
    )
    # The reply network's edge: whom a reply answers is the author of its parent.
    parent_author = Interaction.objects.filter(pk=OuterRef("parent"), author__isnull=False)
    Interaction.objects.filter(
        community=community, kind=InteractionKind.COMMENT, target__isnull=True, parent__isnull=False
    ).filter(Exists(parent_author)).update(target=Subquery(parent_author.values("author")[:1]))
    return linked


@transaction.atomic
def community_memberships_refresh(*, community: Community) -> int:
    """Recompute every member's first/last seen and activity counts from the interactions.

    One aggregate query and one bulk upsert, whatever the community's size; safe to re-run.
    Also records the community's newest activity time. Returns the number of memberships.
    """
    stats = (
        Interaction.objects.filter(community=community, author__isnull=False)
        .values("author")
        .annotate(
            first_seen_at=Min("posted_at"),
            last_seen_at=Max("posted_at"),
            post_count=Count("pk", filter=Q(kind=InteractionKind.POST)),
            reply_count=Count("pk", filter=Q(kind=InteractionKind.COMMENT)),
            reaction_count=Count("pk", filter=Q(kind=InteractionKind.REACTION)),
        )
        .order_by()
    )
    memberships = [Membership(identity_id=row.pop("author"), community=community, **row) for row in stats.iterator()]
    Membership.objects.bulk_create(
        memberships,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["identity", "community"],
        update_fields=MEMBERSHIP_STAT_FIELDS,
    )
    newest = Interaction.objects.filter(community=community).aggregate(newest=Max("posted_at"))["newest"]
    Community.objects.filter(pk=community.pk).update(last_activity_at=newest)
    community.last_activity_at = newest
    return len(memberships)
