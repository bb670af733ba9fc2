"""Reads for the community, creator and community insight pages: discovery data (shared by every
organization) beside what belongs to the user's organizations (brands, stances, partnerships,
timelines, readiness), which is always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, F
from django.db.models.functions import TruncWeek
from django.template.defaultfilters import pluralize
from django.utils import timezone

from crm import charts, tenancy
from discovery.creator_words import creator_writing
from influencers.models import (
    Community,
    Creator,
    Interaction,
    MemberScore,
    Membership,
    RankingRun,
    RankingStatus,
)
from influencers.selectors import community_source, membership_trajectory
from insight.document_view import document_view
from insight.models import CommunityInsight
from partnerships.models import Activity, Brand, CommunityStance, Partnership, Stance
from partnerships.readiness import MIN_NOTES, OBSERVE_DAYS, Readiness, readiness_of_brands

MEMBERS_PER_PAGE = 50


@dataclass(frozen=True)
class WeekBar:
    week: date  # its Monday
    interactions: int
    members: int


def participation_by_week(community: Community, *, weeks: int = 52) -> list[WeekBar]:
    """Interactions and distinct active members per week, the last ``weeks`` weeks up to the
    community's latest activity (one aggregate query). A quiet week inside that span is there with
    zeros, so the chart shows the gap rather than closing it."""
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
    counted = {_monday(r["week"]): (r["interactions"], r["members"]) for r in rows}
    if not counted:
        return []
    bars, week = [], min(counted)
    while week <= max(counted):
        interactions, members = counted.get(week, (0, 0))
        bars.append(WeekBar(week, interactions, members))
        week += timedelta(weeks=1)
    return bars


def _monday(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def participation_chart(weeks: list[WeekBar]) -> charts.BarChart | None:
    """Active members per week as bars 10 wide every 12, the busiest 100 high, stretched across the
    page (crm.charts, drawn by templates/includes/bar_chart.html)."""
    if not weeks:
        return None
    titles = [
        f"Week of {w.week:%Y-%m-%d}: {w.members:,} active member{pluralize(w.members)}, "
        f"{w.interactions:,} interaction{pluralize(w.interactions)}"
        for w in weeks
    ]
    bars = charts.bars([w.members for w in weeks], step=12, height=100, baseline=105, smallest=1, titles=titles)
    width = max(26 * 12, len(bars) * 12)  # a young community's few weeks are not drawn a foot wide
    return charts.BarChart(
        bars=bars,
        width=width,
        height=100,
        bar_width=10,
        label=f"Active members per week, weeks of {weeks[0].week:%Y-%m-%d} to {weeks[-1].week:%Y-%m-%d}",
        view_box=charts.view_box(width, 100, bottom=10),
        shown_width="100%",
        shown_height=120,
        stretch=True,
    )


def participation_summary(weeks: list[WeekBar]) -> str:
    """The chart in one sentence: how many members a usual week sees, and the busiest week."""
    if not weeks:
        return ""
    active = sorted(w.members for w in weeks)
    typical = active[len(active) // 2]
    busiest = max(weeks, key=lambda w: (w.members, w.week))
    quiet = sum(1 for w in weeks if w.members == 0)
    if len(weeks) == 1:  # one week of data: no usual week, no busiest one to speak of
        return f"The week of {busiest.week:%Y-%m-%d} saw {busiest.members:,} active member{pluralize(busiest.members)}."
    sentence = (
        f"Over these {len(weeks)} weeks, a usual week saw {typical:,} active "
        f"member{pluralize(typical)}; the busiest, the week of {busiest.week:%Y-%m-%d}, saw {busiest.members:,}."
    )
    if quiet:
        sentence += f" {quiet} week{pluralize(quiet)} had no activity at all."
    return sentence


def ranking_summary(run: RankingRun | None, runs: int) -> dict:
    """What a manager reads above the ranked members: a sentence first, the figures behind it
    (algorithm version, weights, how many rankings so far) for the <details> under it."""
    if run is None:
        return {}
    weights = (run.parameters or {}).get("weights") or {}
    return {
        "sentence": (
            f"Ranked on what members did from {run.window_start:%Y-%m-%d} to {run.window_end:%Y-%m-%d}: "
            f"{run.ranked_members:,} member{pluralize(run.ranked_members)}, the most embedded first. A score "
            "says how a member compares with the community's best (1.00): it takes in how steadily they take "
            "part, how many different members they talk with, and how much they speak the community's own "
            "language and help rather than promote."
        ),
        "details": [
            ("Ranking method (version)", run.algorithm_version),
            ("Weights", ", ".join(f"{name} {value:g}" for name, value in weights.items()) or "—"),
            ("Rankings of this community so far", f"{runs:,}"),
            ("Finished", f"{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else "—"),
        ],
    }


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
    runs = RankingRun.objects.filter(community=community, status=RankingStatus.COMPLETED).count()
    return {
        "community": community,
        "run": run,
        "ranking": ranking_summary(run, runs),
        "members": page,
        "weeks": weeks,
        "participation_chart": participation_chart(weeks),
        "participation_summary": participation_summary(weeks),
        "brands": brands,
        "stances": [(brand, stances.get(brand.pk)) for brand in brands],
        "stance_choices": Stance.choices,
        "runs": runs,
        "source": community_source(community=community),
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


def creator_page(*, creator: Creator, user, query=None) -> dict:
    """A person across platforms: accounts, where they are active with their scores, what they
    wrote in each community (``discovery.creator_words``; ``query``: the page's GET parameters,
    each community's page of writings), and the user's own partnerships and timeline with them."""
    identities = list(creator.identities.all().order_by("platform", "handle"))
    memberships = list(
        Membership.objects.filter(identity__in=identities)
        .select_related("community", "identity", "latest_score__run")
        .order_by(F("last_seen_at").desc(nulls_last=True), "community__name")
    )
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
        "memberships": [(m, membership_trajectory(membership=m, limit=8)) for m in memberships],
        "writing": creator_writing(identities=identities, memberships=memberships, query=query),
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
        # The user's own brands' names are how members talk about them, not the community's own
        # vocabulary: the page leaves them out of its words and phrases.
        brand_names = [name for r in context["brands"] for name in (r.brand.name, *(r.brand.aliases or []))]
        context |= document_view(latest.document or {}, brand_names=brand_names)
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
