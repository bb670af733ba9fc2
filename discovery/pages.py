"""Reads for the community, creator and community insight pages: discovery data (shared by every
organization) beside what belongs to the user's organizations (brands, stances, partnerships,
timelines, readiness), which is always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from crm import tenancy
from influencers.models import Community, Creator, Interaction, MemberScore, RankingRun, RankingStatus
from influencers.selectors import membership_trajectory
from insight.document_view import document_view
from insight.models import CommunityInsight
from partnerships.models import Activity, Brand, CommunityStance, Partnership, Stance
from partnerships.readiness import MIN_NOTES, OBSERVE_DAYS, Readiness, readiness_of_brands

MEMBERS_PER_PAGE = 50


@dataclass
class WeekBar:
    week: object
    interactions: int
    members: int
    x: int = 0  # where its bar is drawn (the chart is 100 high)
    y: int = 0
    h: int = 0


def participation_by_week(community: Community, *, weeks: int = 52) -> list[WeekBar]:
    """Interactions and distinct active members per week, the last ``weeks`` weeks up to the
    community's latest activity (one aggregate query)."""
    newest = Interaction.objects.filter(community=community).order_by("-posted_at").values_list("posted_at", flat=True)
    end = community.last_activity_at or newest.first()
    if end is None:
        return []
    rows = (
        Interaction.objects.filter(community=community, posted_at__gt=end - timedelta(weeks=weeks), posted_at__lte=end)
        .annotate(week=TruncWeek("posted_at"))
        .values("week")
        .annotate(interactions=Count("id"), members=Count("author", distinct=True))
        .order_by("week")
    )
    bars = [WeekBar(r["week"], r["interactions"], r["members"]) for r in rows]
    tallest = max((b.members for b in bars), default=0) or 1
    for index, bar in enumerate(bars):
        bar.h = max(1, round(100 * bar.members / tallest))
        bar.x, bar.y = index * 12, 105 - bar.h
    return bars


def community_page(*, community: Community, user, page_number: str | int = 1) -> dict:
    run = community.ranking_runs.filter(status=RankingStatus.COMPLETED).order_by("-window_end", "-started_at").first()
    scores = (
        MemberScore.objects.filter(run=run).select_related("membership__identity__creator").order_by("rank")
        if run
        else MemberScore.objects.none()
    )
    page = Paginator(scores, MEMBERS_PER_PAGE).get_page(page_number)
    weeks = participation_by_week(community)
    brands = list(tenancy.scope_to_user(Brand.objects.all(), user).order_by("name"))
    _mark_pipelines(list(page), brands, user)
    stances = {
        s.brand_id: s
        for s in tenancy.scope_to_user(CommunityStance.objects.filter(community=community), user).select_related(
            "brand"
        )
    }
    return {
        "community": community,
        "run": run,
        "members": page,
        "weeks": weeks,
        "chart_width": max(12, len(weeks) * 12),
        "tallest_week": max(weeks, key=lambda w: w.members) if weeks else None,
        "brands": brands,
        "stances": [(brand, stances.get(brand.pk)) for brand in brands],
        "stance_choices": Stance.choices,
        "runs": RankingRun.objects.filter(community=community, status=RankingStatus.COMPLETED).count(),
    }


def _mark_pipelines(scores: list, brands: list, user) -> None:
    """On each member of the page: the user's pipelines they are already in (``pipelines``: brand,
    partnership) and the brands they could still be added to (``addable``). One query."""
    creator_ids = {s.membership.identity.creator_id for s in scores} - {None}
    already: dict[int, list] = {}
    if creator_ids:
        for partnership in tenancy.scope_to_user(
            Partnership.objects.filter(creator__in=creator_ids).select_related("brand"), user
        ):
            already.setdefault(partnership.creator_id, []).append(partnership)
    for score in scores:
        pipelines = already.get(score.membership.identity.creator_id, [])
        taken = {p.brand_id for p in pipelines}
        score.pipelines = pipelines
        score.addable = [b for b in brands if b.pk not in taken]


def creator_page(*, creator: Creator, user) -> dict:
    identities = list(creator.identities.all().order_by("platform", "handle"))
    memberships = []
    for identity in identities:
        for membership in identity.memberships.select_related("community", "latest_score__run").order_by(
            "latest_score__rank"
        ):  # fmt: skip
            memberships.append((membership, membership_trajectory(membership=membership, limit=8)))
    partnerships = list(
        tenancy.scope_to_user(
            Partnership.objects.filter(creator=creator).select_related("brand", "owner"), user
        ).order_by("brand__name")
    )
    timeline = tenancy.scope_to_user(
        Activity.objects.filter(creator=creator).select_related("actor", "partnership__brand"), user
    ).order_by("-occurred_at")[:100]
    return {
        "creator": creator,
        "identities": identities,
        "memberships": memberships,
        "partnerships": partnerships,
        # Brands of the user's that do not have this creator in their pipeline yet.
        "addable": [
            b
            for b in tenancy.scope_to_user(Brand.objects.all(), user).order_by("name")
            if b.pk not in {p.brand_id for p in partnerships}
        ],
        "timeline": list(timeline),
    }


# --- the community insight page --------------------------------------------------------------------
@dataclass
class BrandReadiness:
    """One of the user's brands in this community: its stance, its checklist and log, and whether
    the user may change them."""

    brand: Brand
    stance: CommunityStance | None
    state: Readiness
    can_edit: bool

    @property
    def speaking(self) -> bool:
        """Already contributing or partnered: the checklist no longer gates anything."""
        return self.stance is not None and self.stance.stance in (Stance.CONTRIBUTING, Stance.PARTNERED)


def insight_page(*, community: Community, user) -> dict:
    """The page's context: the latest insight (None before the first), the document as plain
    values, and the readiness of each brand the user can see (a few queries per brand)."""
    latest = CommunityInsight.objects.filter(community=community).order_by("-computed_at").first()
    context = {
        "community": community,
        "insight": latest,
        "brands": brand_readiness(community=community, user=user),
        "stance_choices": Stance.choices,
        "observe_days": OBSERVE_DAYS,
        "min_notes": MIN_NOTES,
        "today": timezone.localdate(),
    }
    if latest is not None:
        context |= document_view(latest.document or {})
    return context


def brand_readiness(*, community: Community, user) -> list[BrandReadiness]:
    """Each brand of the user's organizations, by name (another organization's are never read)."""
    brands = list(tenancy.scope_to_user(Brand.objects.select_related("organization"), user).order_by("name"))
    stances = {s.brand_id: s for s in CommunityStance.objects.filter(community=community, brand__in=brands)}
    states = readiness_of_brands(brands=brands, community=community)
    return [
        BrandReadiness(brand=brand, stance=stances.get(brand.pk), state=state, can_edit=tenancy.can_edit(user, brand))
        for brand, state in zip(brands, states, strict=True)
    ]
