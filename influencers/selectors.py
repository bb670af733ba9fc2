"""Reads of discovery data, with their joins applied."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower

from influencers.models import Community, Identity, MemberScore, Membership, Platform, RankingStatus


def identity_same_handle_suggestions(*, limit: int = 200) -> list[list[Identity]]:
    """Groups of accounts on different platforms sharing a handle (case-insensitive), not all
    linked to one creator yet: likely the same person, for a manager to confirm.

    Bots and deleted accounts are left out. Two queries whatever the number of groups.
    """
    shared = (
        Identity.objects.filter(is_bot=False, is_deleted=False)
        .annotate(key=Lower("handle"))
        .values("key")
        .annotate(
            platforms=Count("platform", distinct=True),
            creators=Count("creator", distinct=True),
            unlinked=Count("pk") - Count("creator"),
        )
        .filter(platforms__gt=1)
        .order_by("key")
    )
    keys = [row["key"] for row in shared if row["creators"] > 1 or row["unlinked"] > 0][:limit]
    groups: dict[str, list[Identity]] = {}
    for identity in _by_handle_keys(keys):
        groups.setdefault(identity.handle.lower(), []).append(identity)
    return [groups[key] for key in keys if key in groups]


def _by_handle_keys(keys: list[str]) -> QuerySet[Identity]:
    return (
        Identity.objects.annotate(key=Lower("handle"))
        .filter(key__in=keys, is_bot=False, is_deleted=False)
        .select_related("creator")
        .order_by("key", "platform")
    )


def membership_trajectory(*, membership: Membership, limit: int = 26) -> list[MemberScore]:
    """A member's scores in the community's completed rankings, oldest window first (the newest
    ``limit`` of them): what a trend line or "up 12 places since last month" is drawn from."""
    scores = (
        MemberScore.objects.filter(membership=membership, run__status=RankingStatus.COMPLETED)
        .select_related("run")
        .order_by("-run__window_end", "-run__started_at")[:limit]
    )
    return list(reversed(scores))


def community_by_key(key: str) -> Community:
    """The community a command line names as ``PLATFORM:EXTERNAL_ID`` (a subreddit's name in any
    case). Raises LookupError with a sentence for the operator."""
    platform, _, external_id = key.partition(":")
    if not external_id or platform not in Platform.values:
        raise LookupError(f"{key!r} is not PLATFORM:COMMUNITY (platforms: {', '.join(Platform.values)})")
    community = Community.objects.filter(platform=platform, external_id=external_id).first()
    if community is None and platform == "reddit":
        community = Community.objects.filter(platform=platform, external_id=external_id.lower()).first()
    if community is None:
        raise LookupError(f"no community {key!r} (import it first with `manage.py ingest`)")
    return community
