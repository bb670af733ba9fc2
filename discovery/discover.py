"""Reads for Discover: ranked members of every community in one list, filtered, sorted and paged,
beside the user's own pipelines and brands.

One row is a member in one community (a membership with a score in that community's newest
completed ranking): the same person ranked in two communities is two rows, each with its own rank.
Members who do not rank (bots, deleted accounts, too little activity) are not listed.

Paging is by keyset, not by page number: each link carries the sort value and id of the last (or
first) row shown, and the next page starts after it, using the sort's order. With 100,000 members
a COUNT(*) of a filtered list, and an OFFSET deep into it, both read every row before the page;
the keyset reads the page and one row more (to know whether there is a next). The price: no "page
7 of 2,000", only first, previous and next, which is how a list this long is read anyway.

A page costs the same small number of queries whatever its length (the page's ids, its rows, then
one each for pipelines, brands watching, and the matched terms; a test holds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django import forms
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm import tenancy
from crm.parsing import IdField, NumberField
from discovery.models import SavedView
from graph.terms import query_terms
from influencers.models import Community, Membership, MemberTerm, Platform
from partnerships.models import Brand, CommunityStance, Partnership

PER_PAGE = 50
FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)  # "never active" sorts last among the most recent


@dataclass(frozen=True)
class Sort:
    label: str
    key: object  # the expression sorted on
    descending: bool


SORTS = {
    "score": Sort("Score, highest first", F("latest_score__score"), True),
    "rank": Sort("Rank in their community", F("latest_score__rank"), False),
    "last_active": Sort("Last active, most recent first", Coalesce("last_seen_at", Value(FAR_PAST)), True),
    # Read from MemberWriting alone (an inner join), so its index gives the order: every member has
    # a row once their community's vocabulary has been refreshed after a ranking.
    "weeks_active": Sort("Weeks active, most first", F("writing__weeks_active"), True),
}


class DiscoverFilters(forms.Form):
    """The filter form (a GET form: a filtered list is a link to share)."""

    talks_about = forms.CharField(
        required=False, max_length=200, label="Talks about",
        help_text="Words or two-word phrases they use, separated by commas: grinder, burr grinder.",
    )  # fmt: skip
    community = forms.TypedMultipleChoiceField(required=False, coerce=int, label="Communities")
    platform = forms.ChoiceField(required=False, choices=[("", "Any platform"), *Platform.choices])
    min_score = NumberField(required=False, min_value=0, max_value=1, label="Minimum score (0–1)")
    active_weeks = IdField(
        required=False, max_value=520, label="Active in the last … weeks",
        error_messages={"invalid": "Enter a whole number of weeks, in the digits 0-9."},
    )  # fmt: skip
    not_in_pipeline = forms.BooleanField(required=False, label="Not yet in one of your pipelines")
    sort = forms.ChoiceField(required=False, choices=[(k, s.label) for k, s in SORTS.items()])

    def __init__(self, data, *, communities: list[Community]):
        super().__init__(data)
        self.fields["community"].choices = [(c.pk, c.label) for c in communities]


@dataclass
class DiscoverPage:
    rows: list[Membership]
    form: DiscoverFilters
    communities: list[Community]
    brands: list[Brand]
    saved_views: list[SavedView]
    sort: str
    terms: list[str]
    refused_terms: list[str]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    notes: list[str] = field(default_factory=list)


def discover_page(*, user, params) -> DiscoverPage:
    """The page for the GET parameters ``params``: invalid filters are reported on the form and
    left out (the list is never refused for them)."""
    communities = list(Community.objects.order_by("platform", "name"))
    form = DiscoverFilters(params, communities=communities)
    form.is_valid()  # errors shown beside their fields; the valid ones apply
    chosen = form.cleaned_data
    sort = chosen.get("sort") or "score"
    terms, refused = query_terms(chosen.get("talks_about") or "")
    members = _filtered(user=user, chosen=chosen, terms=terms, refused=refused)
    rows, next_cursor, previous_cursor = _keyset_page(
        members, sort=sort, after=params.get("after"), before=params.get("before")
    )
    brands = list(tenancy.scope_to_user(Brand.objects.all(), user).order_by("name"))
    _decorate(rows, user=user, brands=brands, terms=terms)
    return DiscoverPage(
        rows=rows, form=form, communities=communities, brands=brands,
        saved_views=list(SavedView.objects.filter(user=user)), sort=sort, terms=terms, refused_terms=refused,
        next_cursor=next_cursor, previous_cursor=previous_cursor,
        is_first=not (params.get("after") or params.get("before")) or previous_cursor is None,
    )  # fmt: skip


def _filtered(*, user, chosen: dict, terms: list[str], refused: list[str]):
    members = Membership.objects.filter(latest_score__isnull=False)
    if chosen.get("community"):
        members = members.filter(community__in=chosen["community"])
    if chosen.get("platform"):
        members = members.filter(community__platform=chosen["platform"])
    if chosen.get("min_score") is not None:
        members = members.filter(latest_score__score__gte=chosen["min_score"])
    if chosen.get("active_weeks"):
        members = members.filter(last_seen_at__gte=timezone.now() - timedelta(weeks=chosen["active_weeks"]))
    if chosen.get("not_in_pipeline"):
        yours = tenancy.scope_to_user(Partnership.objects.filter(creator=OuterRef("identity__creator")), user)
        members = members.filter(~Exists(yours))
    if terms:
        members = members.filter(Exists(MemberTerm.objects.filter(membership=OuterRef("pk"), term__in=terms)))
    elif refused:  # everything typed was refused: nobody "talks about" nothing
        members = members.none()
    return members


def _keyset_page(members, *, sort: str, after: str | None, before: str | None):
    """The page after the row ``after`` names (or before ``before``), and the cursors of the pages
    around it. A cursor is ``<sort value>~<membership id>``; one that does not parse is the first page."""
    order = SORTS[sort]
    members = members.annotate(sort_key=order.key)
    if sort == "weeks_active":
        members = members.filter(writing__isnull=False)
    forward = before is None or after is not None
    cursor = _parse_cursor(after if forward else before, sort)
    if cursor is not None:
        value, pk = cursor
        # Rows that come after the cursor in the list's order, or before it when paging back.
        later = order.descending == forward
        members = members.filter(
            Q(sort_key__lt=value) | Q(sort_key=value, pk__lt=pk)
            if later
            else Q(sort_key__gt=value) | Q(sort_key=value, pk__gt=pk)
        )
    descending = order.descending == forward
    ordering = ["-sort_key", "-pk"] if descending else ["sort_key", "pk"]
    # Two steps: the page's ids and sort values first, then its rows. Sorting 100,000 narrow rows
    # (id, value) stays in memory; sorting the joined rows spilled to disk (200 ms, PostgreSQL).
    keys = list(members.order_by(*ordering).values_list("pk", "sort_key")[: PER_PAGE + 1])
    more = len(keys) > PER_PAGE
    rows = _rows(keys[:PER_PAGE])
    if not forward:
        rows.reverse()
    if not rows:
        return [], None, None
    has_next = more if forward else True
    has_previous = (cursor is not None) if forward else more
    return (
        rows,
        _cursor(rows[-1]) if has_next else None,
        _cursor(rows[0]) if has_previous else None,
    )


def _rows(keys: list[tuple[int, object]]) -> list[Membership]:
    """The members ``keys`` name (id, sort value), in that order, with what a row shows."""
    by_id = (
        Membership.objects.select_related("identity", "community", "latest_score__run", "writing")
        # The score's reasons and measures are read on the community and creator pages, not here.
        .defer("latest_score__details", "latest_score__reasons", "latest_score__run__parameters")
        .in_bulk([pk for pk, _ in keys])
    )
    rows = []
    for pk, value in keys:
        if (row := by_id.get(pk)) is not None:
            row.sort_key = value
            rows.append(row)
    return rows


def _cursor(row: Membership) -> str:
    value = row.sort_key
    if isinstance(value, datetime):
        value = value.astimezone(UTC).isoformat()
    return f"{value}~{row.pk}"


def _parse_cursor(cursor: str | None, sort: str):
    if not cursor or "~" not in cursor:
        return None
    value, _, pk = cursor.rpartition("~")
    try:
        pk = int(pk)
        if sort == "score":
            return float(value), pk
        if sort == "last_active":
            parsed = datetime.fromisoformat(value)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), pk
        return int(value), pk
    except ValueError:
        return None


def _decorate(rows: list[Membership], *, user, brands: list[Brand], terms: list[str]) -> None:
    """On each row: ``pipelines`` (the user's partnerships with this person), ``watching`` (the
    user's brands with a stance in the row's community: the default brands to add them to) and
    ``matched`` (the terms asked for that they use, with how often). One query each."""
    creator_ids = {row.identity.creator_id for row in rows} - {None}
    pipelines: dict[int, list[Partnership]] = {}
    if creator_ids:
        for partnership in tenancy.scope_to_user(
            Partnership.objects.filter(creator__in=creator_ids).select_related("brand"), user
        ).order_by("brand__name"):
            pipelines.setdefault(partnership.creator_id, []).append(partnership)
    watching = brands_watching(user=user, community_ids={row.community_id for row in rows}, brands=brands)
    matched: dict[int, list[tuple[str, int]]] = {}
    if terms and rows:
        for membership_id, term, uses in MemberTerm.objects.filter(
            membership__in=[row.pk for row in rows], term__in=terms
        ).values_list("membership_id", "term", "uses").order_by("-uses", "term"):  # fmt: skip
            matched.setdefault(membership_id, []).append((term, uses))
    for row in rows:
        row.pipelines = pipelines.get(row.identity.creator_id, [])
        row.watching = watching.get(row.community_id, [])
        row.matched = matched.get(row.pk, [])
        writing = getattr(row, "writing", None)
        row.weeks_active = writing.weeks_active if writing is not None else None


def brands_watching(*, user, community_ids, brands: list[Brand] | None = None) -> dict[int, list[Brand]]:
    """Community id → the user's brands with a stance there (observing, contributing or partnered),
    by name: whom a member found in that community is added for when no brand is chosen."""
    if not community_ids:
        return {}
    by_id = {b.pk: b for b in brands} if brands is not None else None
    stances = tenancy.scope_to_user(CommunityStance.objects.filter(community__in=community_ids), user)
    if by_id is None:
        stances = stances.select_related("brand")
    watching: dict[int, list[Brand]] = {}
    for stance in stances.order_by("brand__name"):
        brand = by_id.get(stance.brand_id) if by_id is not None else stance.brand
        if brand is not None:
            watching.setdefault(stance.community_id, []).append(brand)
    return watching
