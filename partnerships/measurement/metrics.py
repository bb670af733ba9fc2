"""A brand's relationship metrics as one document: what `measure --json` prints and pages show.

Brand-level measures here (mentions in the brand's communities, referrals added up); each
partnership's figures and depth in ``partnership_depth``. Reads only (the mention scan that
precedes it is a service); the arithmetic is ``depth``'s. The rows are fetched in a number of
queries that grows with the brand's partnerships and events, not with the interactions (those
are read through indexes and aggregated in the database where they can be).

Every figure carries the counts it rests on, so a page can say "3 mentions" rather than show a
confident-looking average of three numbers.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.utils import timezone

from influencers.models import Identity, Interaction, Membership
from partnerships.measurement.depth import compare_means
from partnerships.measurement.mentions import brand_communities, partner_identity_ids
from partnerships.measurement.partnership_depth import month_of, partnership_figures
from partnerships.models import (
    Brand,
    BrandMention,
    Partnership,
    ReferralEvent,
    ReferralEventKind,
)  # fmt: skip

WINDOW_DAYS = 365


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def measure_brand(brand: Brand, *, days: int = WINDOW_DAYS, end: datetime | None = None) -> dict:
    """The brand's metrics over the ``days`` up to ``end`` (default: its communities' newest activity)."""
    communities = list(brand_communities(brand))
    community_ids = [c.pk for c in communities]
    newest = Interaction.objects.filter(community__in=community_ids).aggregate(newest=Max("posted_at"))["newest"]
    end = end or newest or timezone.now()
    start = end - timedelta(days=days)
    partners = partner_identity_ids(brand)
    interactions = Interaction.objects.filter(community__in=community_ids, posted_at__gte=start, posted_at__lte=end)
    document = {
        "brand": {"slug": brand.slug, "name": brand.name, "organization": brand.organization.slug},
        "computed_at": timezone.now().isoformat(),
        "window": {"from": start.isoformat(), "to": end.isoformat(), "days": days},
        "communities": [c.key for c in communities],
        "counts": {
            "communities": len(communities),
            "interactions": interactions.count(),
            "partnerships": Partnership.objects.filter(brand=brand).count(),
        },
        "mentions": _mentions(brand, start, end, partners, communities),
    }
    partnerships = list(
        Partnership.objects.filter(brand=brand).select_related("creator").prefetch_related("communities").order_by("pk")
    )
    referrals = _referrals_by_partnership(brand, start, end)
    document["referrals"] = _total(referrals.values())
    identities = _identities_by_creator({p.creator_id for p in partnerships})
    present_in = _communities_by_identity(set().union(*identities.values()), communities)
    document["partnerships"] = []
    for partnership in partnerships:
        mine = identities.get(partnership.creator_id, set())
        # Its own communities, else the brand's communities the creator takes part in.
        own = list(partnership.communities.all()) or [
            c for c in communities if any(c.pk in present_in.get(i, ()) for i in mine)
        ]
        document["partnerships"].append(
            partnership_figures(
                partnership,
                mine,
                own,
                referrals.get(partnership.pk) or {**_NO_REFERRALS, "revenue": {}},
                start,
                end,
                partners,
            )
        )
    return document


def _identities_by_creator(creator_ids: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for creator_id, identity_id in Identity.objects.filter(creator__in=creator_ids).values_list("creator_id", "id"):
        found[creator_id].add(identity_id)
    return found


def _communities_by_identity(identity_ids: set[int], communities) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for identity_id, community_id in Membership.objects.filter(
        identity__in=identity_ids, community__in=communities
    ).values_list("identity_id", "community_id"):
        found[identity_id].add(community_id)
    return found


# --- mentions ---------------------------------------------------------------------------------
def _mentions(brand: Brand, start, end, partners: set[int], communities) -> dict:
    rows = list(
        BrandMention.objects.filter(brand=brand, posted_at__gte=start, posted_at__lte=end).values_list(
            "community_id", "posted_at", "sentiment", "brand_took_part", "partner_took_part", "is_recommendation",
            "author_id",
        )
    )  # fmt: skip
    by_month: dict[str, dict] = defaultdict(lambda: {"mentions": 0, "in_absence": 0, "absent_tones": [],
                                                      "recommendations": 0})  # fmt: skip
    absent, present = [], []
    organic = 0
    per_community: dict[int, dict] = defaultdict(lambda: {"mentions": 0, "in_absence": 0, "recommendations": 0})
    for community_id, posted_at, tone, brand_there, partner_there, recommends, author in rows:
        month = by_month[month_of(posted_at)]
        month["mentions"] += 1
        counts = per_community[community_id]
        counts["mentions"] += 1
        is_absent = not (brand_there or partner_there)
        (absent if is_absent else present).append(tone)
        if is_absent:
            month["in_absence"] += 1
            month["absent_tones"].append(tone)
            counts["in_absence"] += 1
        # Organic: recommended by a member who is not one of the brand's partners.
        if recommends and author not in partners:
            organic += 1
            month["recommendations"] += 1
            counts["recommendations"] += 1
    names = {c.pk: c.key for c in communities}
    return {
        "total": len(rows),
        "in_absence": len(absent),
        "with_brand_or_partners": len(present),
        "organic_recommendations": organic,
        "sentiment_in_absence": {"mean": _mean(absent), "n": len(absent)},
        "sentiment_with_brand_or_partners": {"mean": _mean(present), "n": len(present)},
        "absence_versus_presence": asdict(compare_means(present, absent)),
        "monthly": [
            {
                "month": key,
                "mentions": m["mentions"],
                "in_absence": m["in_absence"],
                "sentiment_in_absence": _mean(m["absent_tones"]),
                "organic_recommendations": m["recommendations"],
            }
            for key, m in sorted(by_month.items())
        ],  # fmt: skip
        "by_community": [{"community": names.get(cid, str(cid)), **counts} for cid, counts in per_community.items()],
    }


# --- referrals --------------------------------------------------------------------------------
_NO_REFERRALS = {"clicks": 0, "signups": 0, "sales": 0, "revenue": {}}
_KEYS = {ReferralEventKind.CLICK: "clicks", ReferralEventKind.SIGNUP: "signups", ReferralEventKind.SALE: "sales"}


def _referrals_by_partnership(brand: Brand, start, end) -> dict[int, dict]:
    """Clicks, sign-ups, sales and revenue of each of the brand's partnerships (two queries for all)."""
    events = ReferralEvent.objects.filter(
        link__partnership__brand=brand, occurred_at__gte=start, occurred_at__lte=end
    ).order_by()
    found: dict[int, dict] = {}
    for partnership_id, kind, count in events.values_list("link__partnership", "kind").annotate(n=Count("id")):
        found.setdefault(partnership_id, {**_NO_REFERRALS, "revenue": {}})[_KEYS[kind]] = count
    sales = events.filter(kind=ReferralEventKind.SALE, amount__isnull=False)
    for partnership_id, currency, amount in sales.values_list("link__partnership", "currency").annotate(Sum("amount")):
        found[partnership_id]["revenue"][currency or "?"] = str(Decimal(amount).quantize(Decimal("0.01")))
    return found


def _total(referrals) -> dict:
    """The brand's referrals: its partnerships' added up."""
    total = {**_NO_REFERRALS, "revenue": {}}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for figures in referrals:
        for key in ("clicks", "signups", "sales"):
            total[key] += figures[key]
        for currency, amount in figures["revenue"].items():
            revenue[currency] += Decimal(amount)
    total["revenue"] = {currency: str(amount.quantize(Decimal("0.01"))) for currency, amount in revenue.items()}
    return total
