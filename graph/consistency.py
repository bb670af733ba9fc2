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
RETURN_PRIOR = 2  # "came back" rates are shrunk as if two more one-off visitors had come
# How fast the past fades, as a share of the window: in a year's window a week half a year ago
# counts half as much as this week (presence), and a member silent for a quarter of the window is
# half as current. The window is what the user asked to look at; the fading follows its length,
# so a long window still favours who is there now without forgetting who was there for years.
#
# Presence counts every week a member took part in, before the window too: trust is built over
# years and fades slowly, by half a year after year (or, in a window longer than two years, by
# half over half the window). On a forum whose regulars are chosen by hand, a member who has
# answered there for three years and posted four times this year is a trusted regular; a
# newcomer with the same four weeks is not. Currency says whether they are still here.
PRESENCE_HALF_LIFE = 0.5
PRESENCE_MIN_HALF_LIFE_WEEKS = 52
CURRENCY_HALF_LIFE = 0.25
CURRENCY_MIN_HALF_LIFE_WEEKS = 13  # a quarter of a year: in a short window, weeks of silence are not leaving
MIN_HALF_LIFE_WEEKS = 4


def half_life(weeks_observed: int, share: float, minimum: float = MIN_HALF_LIFE_WEEKS) -> float:
    return max(minimum, weeks_observed * share)


@dataclass(frozen=True)
class Participation:
    active_days: int
    active_weeks: int
    weeks_observed: int
    presence: float  # share of observed weeks with activity
    tenure: float  # weeks from first seen to last activity, against half the observed weeks (at most 1)
    burstiness: float | None  # Kim–Jo corrected Goh–Barabási B on gaps between active days
    regularity: float  # (1 - B) / 2: 1 periodic, 0.5 random, 0 bursty; 0.5 when unknown
    weeks_since_last: float
    recency: float  # how current: 1 within the last RECENT_WEEKS, halving every CURRENCY_HALF_LIFE of the window
    weighted_weeks: float  # active weeks, before the window too, each counted by how recent it is


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


def participation(
    days: list[int],
    *,
    first_day: int,
    last_day: int,
    first_seen: int | None = None,
    earlier_days: list[int] = (),
) -> Participation:
    """One member's participation in the window [first_day, last_day] (days since the epoch).
    ``first_seen``: the day the member first appeared in the community, maybe before the window:
    tenure runs from then (someone who has answered here for years and came back this month is
    not a newcomer). ``earlier_days``: days they took part before the window, which count towards
    their presence, fading (PRESENCE_HALF_LIFE)."""
    days = sorted(set(d for d in days if first_day <= d <= last_day))
    weeks_observed = observed_weeks(first_day, last_day)
    if not days:
        return Participation(0, 0, weeks_observed, 0.0, 0.0, None, 0.5, float(weeks_observed), 0.0, 0.0)
    # Whole weeks counted back from the last day (a 365-day window is 52 of them); the odd day or two
    # before the oldest whole week belongs to it, so every active day is in some week observed.
    weeks = {min(week, weeks_observed - 1) for week in ((last_day - d) // 7 for d in days)}
    b = burstiness([later - earlier for earlier, later in zip(days, days[1:], strict=False)])
    weeks_since_last = (last_day - days[-1]) / 7
    fading = half_life(weeks_observed, PRESENCE_HALF_LIFE, PRESENCE_MIN_HALF_LIFE_WEEKS)
    earlier_weeks = {(last_day - d) // 7 for d in earlier_days if d < first_day} - weeks
    quiet = max(0.0, weeks_since_last - RECENT_WEEKS)
    recency = 0.5 ** (quiet / half_life(weeks_observed, CURRENCY_HALF_LIFE, CURRENCY_MIN_HALF_LIFE_WEEKS))
    return Participation(
        active_days=len(days),
        active_weeks=len(weeks),
        weeks_observed=weeks_observed,
        presence=len(weeks) / weeks_observed,
        # Nobody is embedded after a fortnight: a burst, however lively, is not a long tenure.
        tenure=min(1.0, ((days[-1] - min(days[0], first_seen or days[0])) / 7 + 1) / max(1.0, weeks_observed / 2)),
        burstiness=None if b is None else round(b, 4),
        regularity=0.5 if b is None else (1 - b) / 2,
        weeks_since_last=round(weeks_since_last, 2),
        recency=recency,
        weighted_weeks=sum(0.5 ** (week / fading) for week in weeks | earlier_weeks),
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
