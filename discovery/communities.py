"""Reads for the communities list (/communities/): every community with what a partnership manager
looks at first (platform, members ranked, last sync, last activity) beside the stance of the
user's own brands, searched, filtered and sorted.

A page costs the same few queries whatever its length: the communities with their latest ranking
and sync as subqueries (one query, plus the paginator's count), then the user's stances on the
page's communities (one query). Another organization's brands and stances are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from crm import tenancy
from influencers.models import Community, Platform, RankingRun, RankingStatus, SyncRun, SyncStatus
from partnerships.models import CommunityStance, Stance

COMMUNITIES_PER_PAGE = 50
NO_STANCE = "none"
YES_NO = {"yes": True, "no": False}
# What a manager may sort by: label → the ordering (ties by name, so a page is stable).
SORTS = {
    "name": ("Name", ("name", "pk")),
    "activity": ("Latest activity", (F("last_activity_at").desc(nulls_last=True), "name", "pk")),
    "members": ("Members ranked", (F("ranked_members").desc(nulls_last=True), "name", "pk")),
    "sync": ("Latest sync", (F("last_sync_created_at").desc(nulls_last=True), "name", "pk")),
    "platform": ("Platform", ("platform", "name", "pk")),
}


@dataclass
class CommunityFilters:
    """What the list is narrowed to, read from the query string. A value the page does not know is
    dropped with a sentence in ``problems`` (shown above the list), never an error page."""

    search: str = ""
    platform: str = ""
    tracked: bool | None = None
    ranked: bool | None = None
    stance: str = ""  # a Stance value, or NO_STANCE: none of the user's brands has taken one
    sort: str = "name"
    problems: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.search or self.platform or self.tracked is not None or self.ranked is not None or self.stance)


def communities_filters(params: QueryDict) -> CommunityFilters:
    """The filters a query string asks for (``q``, ``platform``, ``tracked``, ``ranked``, ``stance``,
    ``sort``)."""
    filters = CommunityFilters(search=params.get("q", "").strip()[:200])
    platform = params.get("platform", "")
    if platform in Platform.values:
        filters.platform = platform
    elif platform:
        filters.problems.append(f"There is no platform {platform[:40]!r}: showing every platform.")
    for name, label in (("tracked", "Tracked"), ("ranked", "Ranked")):
        value = params.get(name, "")
        if value in YES_NO:
            setattr(filters, name, YES_NO[value])
        elif value:
            filters.problems.append(f"{label} is yes or no, not {value[:40]!r}: showing both.")
    stance = params.get("stance", "")
    if stance in Stance.values or stance == NO_STANCE:
        filters.stance = stance
    elif stance:
        filters.problems.append(f"There is no stance {stance[:40]!r}: showing every stance.")
    sort = params.get("sort", "name")
    if sort in SORTS:
        filters.sort = sort
    else:
        filters.problems.append(f"The list cannot be sorted by {sort[:40]!r}: sorted by name.")
    return filters


def communities_with_figures() -> QuerySet[Community]:
    """Every community, with its newest completed ranking (``ranked_members``, ``ranked_at``: the
    window's end) and its newest sync (``last_sync_status``, ``last_sync_at``: when it finished, or
    was queued if it has not). One query, the figures as subqueries."""
    latest_run = RankingRun.objects.filter(community=OuterRef("pk"), status=RankingStatus.COMPLETED).order_by(
        "-window_end", "-started_at"
    )
    latest_sync = SyncRun.objects.filter(communities=OuterRef("pk")).order_by("-created_at", "-pk")
    return Community.objects.annotate(
        ranked_members=Subquery(latest_run.values("ranked_members")[:1]),
        ranked_at=Subquery(latest_run.values("window_end")[:1]),
        last_sync_status=Subquery(latest_sync.values("status")[:1]),
        last_sync_at=Subquery(latest_sync.values("finished_at")[:1]),
        last_sync_created_at=Subquery(latest_sync.values("created_at")[:1]),
    )


def communities_filtered(*, filters: CommunityFilters, user) -> QuerySet[Community]:
    """``communities_with_figures`` narrowed and sorted as ``filters`` say. The stance filter reads
    only the user's organizations' stances."""
    communities = communities_with_figures()
    if filters.search:
        words = filters.search
        # A subreddit is shown as r/name: searching for it so finds it.
        bare = words.removeprefix("/").removeprefix("r/") if words.lower().startswith(("r/", "/r/")) else words
        communities = communities.filter(
            Q(name__icontains=words) | Q(external_id__icontains=bare) | Q(description__icontains=words)
        )
    if filters.platform:
        communities = communities.filter(platform=filters.platform)
    if filters.tracked is not None:
        communities = communities.filter(is_tracked=filters.tracked)
    if filters.ranked is not None:
        communities = communities.filter(ranked_members__isnull=not filters.ranked)
    if filters.stance:
        own_stances = tenancy.scope_to_user(CommunityStance.objects.filter(community=OuterRef("pk")), user)
        if filters.stance == NO_STANCE:
            communities = communities.filter(~Exists(own_stances))
        else:
            communities = communities.filter(Exists(own_stances.filter(stance=filters.stance)))
    return communities.order_by(*SORTS[filters.sort][1])


@dataclass(frozen=True)
class CommunityRow:
    """One line of the list: the community with its figures, and the user's brands' stances."""

    community: Community
    stances: list[CommunityStance]

    @property
    def sync_status_label(self) -> str:
        status = self.community.last_sync_status
        return SyncStatus(status).label if status in SyncStatus.values else ""

    @property
    def synced_at(self):
        return self.community.last_sync_at or self.community.last_sync_created_at


def communities_page(*, params: QueryDict, user) -> dict:
    """The list page's context: the filters as read, the page of rows, and the choices the filter
    form offers. Three queries for the rows (count, page, stances) however many there are."""
    filters = communities_filters(params)
    page: Page = Paginator(communities_filtered(filters=filters, user=user), COMMUNITIES_PER_PAGE).get_page(
        params.get("page", 1)
    )
    communities = list(page)
    stances: dict[int, list[CommunityStance]] = {}
    if communities:
        scoped = tenancy.scope_to_user(
            CommunityStance.objects.filter(community__in=communities).select_related("brand"), user
        ).order_by("brand__name", "pk")
        for stance in scoped:
            stances.setdefault(stance.community_id, []).append(stance)
    page.object_list = [CommunityRow(c, stances.get(c.pk, [])) for c in communities]
    return {
        "filters": filters,
        "rows": page,
        "any_community": bool(communities) or Community.objects.exists(),
        "platform_choices": Platform.choices,
        "stance_choices": [*Stance.choices, (NO_STANCE, "No stance yet")],
        "sort_choices": [(value, label) for value, (label, _) in SORTS.items()],
    }
