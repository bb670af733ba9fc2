"""A brand's relationship metrics as one document: what `measure --json` prints and pages show.

Reads only (the mention scan that precedes it is a service). The arithmetic is ``graph.depth``'s;
this module fetches the rows, in a number of queries that grows with the brand's partnerships
and events, not with the interactions (those are read through indexes and aggregated in the
database where they can be).

Every figure carries the counts it rests on, so a page can say "3 mentions" rather than show a
confident-looking average of three numbers.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from graph.depth import (
    DAY,
    Contact,
    Message,
    compare_counts,
    compare_means,
    conversations,
    return_engagement,
    return_engagement_split,
)
from influencers.models import Identity, Interaction, InteractionKind, Membership
from partnerships.measurement.mentions import brand_communities, partner_identity_ids
from partnerships.models import (
    Brand,
    BrandMention,
    Deliverable,
    DeliverableStatus,
    Partnership,
    ReferralEvent,
    ReferralEventKind,
    Stage,
)  # fmt: skip

WINDOW_DAYS = 365
EVENT_WINDOW_DAYS = 60  # before/after a partnership's start or a deliverable (cf. Savannah's gift impact)
LOOKBACK_DAYS = 90  # contacts before the window, so the first cohorts' members can be seen returning
MEASURED_STAGES = (Stage.ACTIVE, Stage.RENEWAL, Stage.ENDED)


def _seconds(moment: datetime) -> float:
    return moment.timestamp()


def _month(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


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
            _partnership(
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
        month = by_month[_month(posted_at)]
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


# --- one partnership --------------------------------------------------------------------------
def _partnership(partnership: Partnership, identities: set[int], own_communities, referrals: dict, start, end,
                 partners: set[int]) -> dict:  # fmt: skip
    result = {
        "id": partnership.pk,
        "creator": partnership.creator.display_name,
        "stage": partnership.stage,
        "started_on": partnership.started_on.isoformat() if partnership.started_on else None,
        "communities": [c.key for c in own_communities],
        "referrals": referrals,
        "organic_recommendations_in_its_threads": _recommendations_in_threads(
            partnership, identities, own_communities, start, end, partners
        ),
    }
    if partnership.stage not in MEASURED_STAGES and partnership.started_on is None:
        result["depth"] = None  # not partnered (yet): referrals and recommendations are all there is
        return result
    if not identities or not own_communities:
        result["depth"] = {"note": "no account of this creator in the brand's communities"}
        return result
    result["depth"] = _depth(partnership, identities, own_communities, start, end)
    return result


def _recommendations_in_threads(partnership, identities: set[int], communities, start, end, partners) -> int:
    """Members other than partners recommending the brand in conversations the creator took part in:
    the organic referrals a creator can set off (the brand's total in the same communities would
    read the same for every creator)."""
    their_threads = (
        Interaction.objects.filter(author__in=identities, community__in=communities, posted_at__gte=start)
        .exclude(thread_external_id="")
        .values("thread_external_id")
    )
    return (
        BrandMention.objects.filter(
            brand=partnership.brand_id,
            community__in=communities,
            is_recommendation=True,
            posted_at__gte=start,
            posted_at__lte=end,
            thread_external_id__in=their_threads,
        )  # fmt: skip
        .exclude(author__in=partners | identities)
        .count()
    )


def _depth(partnership: Partnership, identities: set[int], communities, start, end) -> dict:
    rows = list(
        Interaction.objects.filter(
            Q(author__in=identities) | Q(target__in=identities),
            community__in=communities,
            posted_at__gte=start - timedelta(days=LOOKBACK_DAYS),
            posted_at__lte=end,
        ).values_list(
            "external_id", "parent_external_id", "thread_external_id", "author_id", "target_id", "posted_at", "kind"
        )  # fmt: skip
    )
    contacts, own, received = [], [], []
    for external_id, parent, thread, author, target, posted_at, kind in rows:
        at = _seconds(posted_at)
        message = Message(external_id, parent, thread, author, at, kind)
        if author in identities:
            own.append(message)
            if target is not None and target not in identities:
                contacts.append(Contact(target, at))
        elif author is not None and target in identities:
            received.append(message)
            contacts.append(Contact(author, at))
    started = (
        datetime.combine(partnership.started_on, time(), tzinfo=UTC).timestamp() if partnership.started_on else None
    )
    return {
        "conversations_by_month": _conversations_by_month(identities, own, received, communities, start),
        "return_engagement": _return_engagement(contacts, start, end, started),
        "before_after": _before_after(partnership, identities, communities, start, end),
    }


def _conversations_by_month(identities, own, received, communities, start) -> list[dict]:
    threshold = _seconds(start)
    own, received = [m for m in own if m.at >= threshold], [m for m in received if m.at >= threshold]
    roots = [m.external_id for m in own if m.kind == InteractionKind.POST]
    threads: list[Message] = []
    for offset in range(0, len(roots), 1000):
        chunk = roots[offset : offset + 1000]
        threads += [
            Message(e, p, t, a, 0.0, k)
            for e, p, t, a, k in Interaction.objects.filter(
                community__in=communities, thread_external_id__in=chunk
            ).values_list("external_id", "parent_external_id", "thread_external_id", "author_id", "kind")
        ]
    months: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for message in own:
        months[_month(datetime.fromtimestamp(message.at, UTC))][0].append(message)
    for message in received:
        months[_month(datetime.fromtimestamp(message.at, UTC))][1].append(message)
    result = []
    for month, (mine, theirs) in sorted(months.items()):
        quality = conversations(identities, mine, theirs, threads)
        result.append({"month": month, **asdict(quality), "answered_back_share": quality.answered_back_share})
    return result


def _curve(cohort) -> list[dict]:
    return [{"days": s.days, "eligible": s.eligible, "returned": s.returned, "share": s.share} for s in cohort.curve]


def _return_engagement(contacts, start, end, started: float | None) -> dict:
    cohorts = return_engagement(contacts, start=_seconds(start), end=_seconds(end), data_end=_seconds(end))
    result = {
        "by_period": [
            {"from": datetime.fromtimestamp(c.start, UTC).date().isoformat(), "members": c.members, "curve": _curve(c)}
            for c in cohorts
        ],
        "before_start": None,
        "after_start": None,
    }
    if started is not None:
        before, after = return_engagement_split(
            contacts, split_at=started, start=_seconds(start) - LOOKBACK_DAYS * DAY, end=_seconds(end),
            data_end=_seconds(end),
        )  # fmt: skip
        result["before_start"] = {"members": before.members, "curve": _curve(before)}
        result["after_start"] = {"members": after.members, "curve": _curve(after)}
    return result


def _events(partnership: Partnership, start, end) -> list[tuple[str, datetime]]:
    events = []
    if partnership.started_on:
        events.append(("partnership started", datetime.combine(partnership.started_on, time(), tzinfo=UTC)))
    for deliverable in Deliverable.objects.filter(
        partnership=partnership, status=DeliverableStatus.PUBLISHED, published_at__isnull=False
    ).order_by("published_at"):
        events.append((f"deliverable published: {deliverable.title}", deliverable.published_at))
    return [(label, moment) for label, moment in events if start - timedelta(days=EVENT_WINDOW_DAYS) <= moment <= end]


def _before_after(partnership: Partnership, identities: set[int], communities, start, end) -> list[dict]:
    """Each community's activity and talk of the brand in the 60 days before each event and after."""
    window = timedelta(days=EVENT_WINDOW_DAYS)
    results = []
    for label, moment in _events(partnership, start, end):
        after_end = min(moment + window, end)
        days_after = max(0.0, (after_end - moment).total_seconds() / DAY)
        for community in communities:
            before = _window_figures(partnership, identities, community, moment - window, moment)
            after = _window_figures(partnership, identities, community, moment, after_end)

            def counts(name, before=before, after=after, days_after=days_after):
                return asdict(compare_counts(before[name], after[name], EVENT_WINDOW_DAYS, days_after))

            results.append(
                {
                    "event": label,
                    "at": moment.isoformat(),
                    "community": community.key,
                    "days_after": round(days_after, 1),
                    "note": "the after-window is not over yet" if days_after < EVENT_WINDOW_DAYS else "",
                    "active_members": {"before": before["members"], "after": after["members"]},
                    "interactions": counts("interactions"),
                    "mentions": counts("mentions"),
                    "organic_recommendations": counts("recommendations"),
                    "sentiment_in_absence": asdict(compare_means(before["absent_tones"], after["absent_tones"])),
                }
            )
    return results


def _window_figures(partnership: Partnership, identities: set[int], community, since, until) -> dict:
    figures = Interaction.objects.filter(community=community, posted_at__gte=since, posted_at__lt=until).aggregate(
        interactions=Count("id"), members=Count("author", distinct=True)
    )
    mentions = list(
        BrandMention.objects.filter(
            brand=partnership.brand_id, community=community, posted_at__gte=since, posted_at__lt=until
        ).values_list("sentiment", "brand_took_part", "partner_took_part", "is_recommendation", "author_id")
    )
    return {
        "interactions": figures["interactions"],
        "members": figures["members"],
        "mentions": len(mentions),
        # Recommendations by members other than the creator: what the partnership may have set off.
        "recommendations": sum(1 for *_, recommends, author in mentions if recommends and author not in identities),
        "absent_tones": [
            tone for tone, brand_there, partner_there, *_ in mentions if not (brand_there or partner_there)
        ],
    }
