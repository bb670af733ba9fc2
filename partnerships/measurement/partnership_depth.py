"""One partnership's figures in a brand's measurement document: its referrals, the organic
recommendations in conversations its creator took part in, and the depth of the relationship
(conversation quality by month, return engagement before and after it started, each community's
activity and talk of the brand before and after each event).

Reads only; the arithmetic is ``partnerships.measurement.depth``'s. ``metrics.measure_brand``
calls ``partnership_figures`` once per partnership, with what it has read for the whole brand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Q

from influencers.models import Interaction, InteractionKind
from partnerships.measurement.depth import (
    DAY,
    Contact,
    Message,
    compare_counts,
    compare_means,
    conversations,
    return_engagement,
    return_engagement_split,
)
from partnerships.models import BrandMention, Deliverable, DeliverableStatus, Partnership, Stage

EVENT_WINDOW_DAYS = 60  # before/after a partnership's start or a deliverable (cf. Savannah's gift impact)
LOOKBACK_DAYS = 90  # contacts before the window, so the first cohorts' members can be seen returning
MEASURED_STAGES = (Stage.ACTIVE, Stage.RENEWAL, Stage.ENDED)


def _seconds(moment: datetime) -> float:
    return moment.timestamp()


def month_of(moment: datetime) -> str:
    """The UTC month of ``moment`` as YYYY-MM (the documents' monthly keys)."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def partnership_figures(partnership: Partnership, identities: set[int], own_communities, referrals: dict, start, end,
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
        "conversations_by_month": _conversations_bymonth_of(identities, own, received, communities, start),
        "return_engagement": _return_engagement(contacts, start, end, started),
        "before_after": _before_after(partnership, identities, communities, start, end),
    }


def _conversations_bymonth_of(identities, own, received, communities, start) -> list[dict]:
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
        months[month_of(datetime.fromtimestamp(message.at, UTC))][0].append(message)
    for message in received:
        months[month_of(datetime.fromtimestamp(message.at, UTC))][1].append(message)
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
