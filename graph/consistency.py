"""Consistent participation: present in most weeks of the window, regular rather than bursty,
still active recently, and people come back to talk with them.

Inputs are plain numbers: days since the epoch on which a member wrote something, and ties as
(source, target, day). Weeks are counted from the first day the community was observed in the
window, so a community imported with three months of history is not judged on twelve.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

RECENT_WEEKS = 4  # active in the last four weeks counts as fully recent
RECENCY_HALF_LIFE_WEEKS = 8
RETURN_PRIOR = 2  # "came back" rates are shrunk as if two more one-off visitors had come


@dataclass(frozen=True)
class Participation:
    active_days: int
    active_weeks: int
    weeks_observed: int
    presence: float  # share of observed weeks with activity
    tenure: float  # weeks from first to last activity, against half the observed weeks (at most 1)
    burstiness: float | None  # Kim–Jo corrected Goh–Barabási B on gaps between active days
    regularity: float  # (1 - B) / 2: 1 periodic, 0.5 random, 0 bursty; 0.5 when unknown
    weeks_since_last: float
    recency: float


def burstiness(gaps: list[float]) -> float | None:
    """Goh & Barabási's B = (σ − μ)/(σ + μ) of inter-event times, with Kim & Jo's (2016) correction
    for a finite number of events n, A_n = (√(n+1)·r − √(n−1)) / ((√(n+1) − 2)·r + √(n−1)),
    r = σ/μ (recalled from the paper). None with fewer than three events."""
    n = len(gaps) + 1
    if n < 3:
        return None
    mean = sum(gaps) / len(gaps)
    if mean <= 0:
        return None
    r = math.sqrt(sum((gap - mean) ** 2 for gap in gaps) / len(gaps)) / mean
    a, b = math.sqrt(n + 1), math.sqrt(n - 1)
    value = (a * r - b) / ((a - 2) * r + b)
    return max(-1.0, min(1.0, value))


def observed_weeks(first_day: int, last_day: int) -> int:
    return max(1, (last_day - first_day + 1) // 7)


def participation(days: list[int], *, first_day: int, last_day: int) -> Participation:
    """One member's participation in the window [first_day, last_day] (days since the epoch)."""
    days = sorted(set(d for d in days if first_day <= d <= last_day))
    weeks_observed = observed_weeks(first_day, last_day)
    if not days:
        return Participation(0, 0, weeks_observed, 0.0, 0.0, None, 0.5, float(weeks_observed), 0.0)
    # Whole weeks counted back from the last day (a 365-day window is 52 of them; the odd day or two
    # before the oldest whole week still counts for tenure and rhythm, not for presence).
    weeks = {week for week in ((last_day - d) // 7 for d in days) if week < weeks_observed}
    b = burstiness([later - earlier for earlier, later in zip(days, days[1:], strict=False)])
    weeks_since_last = (last_day - days[-1]) / 7
    recency = 1.0
    if weeks_since_last > RECENT_WEEKS:
        recency = 0.5 ** ((weeks_since_last - RECENT_WEEKS) / RECENCY_HALF_LIFE_WEEKS)
    return Participation(
        active_days=len(days),
        active_weeks=len(weeks),
        weeks_observed=weeks_observed,
        presence=len(weeks) / weeks_observed,
        # Nobody is embedded after a fortnight: a burst, however lively, is not a long tenure.
        tenure=min(1.0, ((days[-1] - days[0]) / 7 + 1) / max(1.0, weeks_observed / 2)),
        burstiness=None if b is None else round(b, 4),
        regularity=0.5 if b is None else (1 - b) / 2,
        weeks_since_last=round(weeks_since_last, 2),
        recency=recency,
    )


@dataclass(frozen=True)
class ReturnEngagement:
    visitors: int  # distinct members who interacted with them
    returning: int  # of whom came back in another week
    rate: float  # returning / (visitors + RETURN_PRIOR)


def return_engagement(ties: Iterable[tuple[object, object, int]], *, first_day: int) -> dict[object, ReturnEngagement]:
    """For each member, of those who replied to, mentioned or reacted to them, how many did so in
    more than one week. ``ties``: (source, target, day)."""
    # Distinct (target, source, week), then weeks per (target, source): flat structures, fast at a
    # million ties.
    weeks_of_pair = Counter((t, s) for t, s, _ in {(t, s, (d - first_day) // 7) for s, t, d in ties if s != t})
    visitors: Counter = Counter()
    returning: Counter = Counter()
    for (target, _source), weeks in weeks_of_pair.items():
        visitors[target] += 1
        if weeks > 1:
            returning[target] += 1
    return {
        target: ReturnEngagement(count, returning[target], returning[target] / (count + RETURN_PRIOR))
        for target, count in visitors.items()
    }


def all_participation(days_by_member: Mapping[object, list[int]], *, first_day: int, last_day: int) -> dict:
    return {m: participation(days, first_day=first_day, last_day=last_day) for m, days in days_by_member.items()}
