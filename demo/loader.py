"""Load the demo data set: communities with generated conversation, then the CRM on top.

This is a fixture generator, not a user-facing write path, so it writes with the ORM directly
(bulk inserts, get_or_create on natural keys) and backdates timeline entries; it never calls the
services that stamp "now". Every row is keyed on a natural key, so a second run creates nothing,
and the whole load is one transaction on one connection: an interrupted load leaves nothing
behind. (Its steps keep to that: the ranking reads members' texts on a second connection only
outside a transaction, and every step's own ``atomic`` becomes a savepoint of this one. What they
queue for after the commit — webhooks for the rankings — is sent only if the load commits.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from demo import creator_side as demo_creator_side
from demo import outreach as demo_outreach
from demo import partnerships as demo_partnerships
from demo.activity import CommunityActivity, CommunitySpec, generate
from demo.communities import COMMUNITIES, identity_external_id, profile_url
from graph.adapter import rank_community
from influencers import services as influencer_services
from influencers.models import Community, Creator, Identity, Interaction, RankingRun
from insight.adapter import refresh_insight
from insight.models import CommunityInsight
from partnerships.measurement.services import brand_measure
from partnerships.models import Brand, BrandMention

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"


def _load_community(spec: CommunitySpec, *, end: datetime) -> tuple[Community, dict[str, Identity]]:
    community, _ = Community.objects.get_or_create(
        platform=spec.platform,
        external_id=spec.external_id,
        defaults={
            "name": spec.name,
            "url": spec.url,
            "description": spec.description,
            "topic_tags": spec.topic_tags,
            "norms_notes": spec.norms_notes,
            "timezone": spec.timezone,
            "is_tracked": False,  # fictional: nothing to sync periodically
        },
    )
    activity: CommunityActivity = generate(spec, end=end)
    identities: dict[str, Identity] = {}
    for member in activity.members:
        external_id = "[deleted]" if member.role == "deleted" else identity_external_id(spec, member.handle)
        identity, _ = Identity.objects.get_or_create(
            platform=spec.platform,
            external_id=external_id,
            defaults={
                "handle": member.handle,
                "profile_url": "" if member.role == "deleted" else profile_url(spec, member.handle),
                "reach": member.reach,
                "reach_kind": spec.reach_kind if member.reach is not None else "",
                "reach_updated_at": end if member.reach is not None else None,
                "is_bot": member.role == "bot",
                "is_deleted": member.role == "deleted",
            },
        )
        identities[member.handle] = identity

    rows = [
        Interaction(
            community=community,
            external_id=message.external_id,
            kind=message.kind,
            author=identities[message.author],
            target=identities.get(message.target),
            parent_external_id=message.parent_id,
            thread_external_id=message.thread_id,
            posted_at=message.posted_at,
            title=message.title,
            text=message.text,
            score=message.score,
            is_removed=message.text == "[removed]",
            url=f"{spec.url.rstrip('/')}/{message.thread_id}" if spec.platform in ("reddit", "discourse") else "",
        )
        for message in activity.messages
    ]
    # Re-running inserts nothing: (community, external_id) is unique and conflicts are skipped.
    Interaction.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    influencer_services.interactions_link_parents(community=community)
    influencer_services.community_memberships_refresh(community=community)
    return community, identities


def _link_cross_platform_creators(identities_by_community: dict[str, dict[str, Identity]]) -> None:
    """Two people the demo knows are the same across platforms (identity linking)."""
    pairs = [
        ("Ivy Lambert", [("fountainpens", "inky_fingers"), ("704112345678901234", "LevainLena")]),
        ("Gus Moreau", [("https://forum.homebrewers.example", "grainfather_gus"), ("T03TRAILRUN", "jonas.ultra")]),
    ]
    for name, handles in pairs:
        identities = [identities_by_community[community][handle] for community, handle in handles]
        creator = next((i.creator for i in identities if i.creator_id), None)
        if creator is None:
            creator = Creator.objects.create(display_name=name)
        for identity in identities:
            if identity.creator_id != creator.pk:
                identity.creator = creator
                identity.save(update_fields=["creator"])


def _rank(community: Community, *, end: datetime) -> None:
    """Three snapshots, four weeks apart, so members' trajectories have something to show."""
    if community.ranking_runs.exists():
        return
    for weeks_ago in (8, 4, 0):
        rank_community(community, end=end - timedelta(weeks=weeks_ago))


@transaction.atomic
def load_demo(*, now: datetime | None = None) -> dict[str, int]:
    """Create (or complete) the demo data set, all or nothing; returns counts of what exists afterwards."""
    now = now or timezone.now()
    # Conversation ends yesterday so "last 7 days" views have something in them.
    end = (now - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    communities: dict[str, Community] = {}
    identities_by_community: dict[str, dict[str, Identity]] = {}
    for spec in COMMUNITIES:
        community, identities = _load_community(spec, end=end)
        communities[spec.external_id] = community
        identities_by_community[spec.external_id] = identities
    _link_cross_platform_creators(identities_by_community)
    for community in communities.values():
        _rank(community, end=end)
    demo_partnerships.load(
        communities=communities,
        identities_by_community=identities_by_community,
        today=timezone.localdate(now),
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
    )
    # Outreach: templates, Dana's mailbox on the demo mail server, a first note waiting, a reply.
    demo_outreach.load(today=timezone.localdate(now), username=DEMO_USERNAME)
    # The creator side: the ledger of every signed agreement, a piece waiting for a factual check.
    demo_creator_side.load(today=timezone.localdate(now))
    # Each brand measured once (its mentions found, its metrics kept): loading again adds nothing.
    for brand in Brand.objects.filter(measurements__isnull=True):
        brand_measure(brand=brand)
    # What each community is like (the insight page): computed once, as a sync would.
    for community in communities.values():
        if not community.insights.exists():
            refresh_insight(community)
    return {
        "communities": Community.objects.count(),
        "identities": Identity.objects.count(),
        "interactions": Interaction.objects.count(),
        "ranking runs": RankingRun.objects.count(),
        "creators": Creator.objects.count(),
        "brand mentions": BrandMention.objects.count(),
        "community insights": CommunityInsight.objects.count(),
        **demo_partnerships.counts(),
        **demo_outreach.counts(),
        **demo_creator_side.counts(),
    }
