"""Depth of a relationship, from plain rows: conversations, return engagement, before and after.

Pure functions (times are seconds since the epoch, ids are plain ints or strings); ``partnership_depth``
reads the rows. What counts:

- **Conversation quality** of a creator's posts in a period: how many distinct members answered
  them, how many of those answers the creator answered back, and how deep the creator's threads
  went (the longest reply chain below the post).
- **Return engagement**: of the members who interacted with the creator (either way: answered
  them, were answered, reacted) in a period, the share who interact with them again, on a later
  day, within N days of their first contact in that period. A member whose N days are not over
  yet when the data ends is left out of that N's share (right-censored), rather than counted as
  not returning.
- **Before and after** an event (a partnership's start, a deliverable's publication): counts
  compared as rates per day with a 95 % interval on their ratio (Poisson), means compared with a
  95 % interval on their difference (Welch); small numbers are said to be small.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

DAY = 86_400.0
HORIZONS = (7, 14, 30, 60, 90)
TOO_FEW = 20  # events (or values) on both sides together below which no change is claimed


# --- conversation quality -------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    external_id: str
    parent_external_id: str
    thread: str
    author: int | None
    at: float
    kind: str = "comment"


@dataclass
class Conversations:
    posts: int = 0
    answered_by: int = 0  # distinct other members who answered the creator
    answers: int = 0  # answers from other members to the creator's posts and comments
    answered_back: int = 0  # of those, how many the creator replied to
    deepest_thread: int = 0  # longest reply chain under one of the creator's posts
    mean_thread_depth: float = 0.0

    @property
    def answered_back_share(self) -> float | None:
        return self.answered_back / self.answers if self.answers else None


def thread_depths(messages: Iterable[Message], roots: set[str]) -> dict[str, int]:
    """Longest chain of replies under each root (a post with no replies has depth 0).

    Each message is walked up to a root once (levels are remembered), so a thread of any size
    costs one pass; messages whose chain ends at an unknown parent, or loops, belong to no root.
    """
    parent_of = {m.external_id: m.parent_external_id for m in messages}
    level: dict[str, int | None] = {root: 0 for root in roots}
    root_of: dict[str, str | None] = {root: root for root in roots}
    deepest = {root: 0 for root in roots}
    for external_id in parent_of:
        chain, node, seen = [], external_id, set()
        while node not in level and node in parent_of and node not in seen:
            seen.add(node)
            chain.append(node)
            node = parent_of[node]
        base, root = (level[node], root_of[node]) if node in level else (None, None)
        for offset, member in enumerate(reversed(chain), start=1):
            level[member] = base + offset if base is not None else None
            root_of[member] = root
            if root is not None and level[member] > deepest[root]:
                deepest[root] = level[member]
    return deepest


def conversations(
    creator_ids: set[int], own: list[Message], received: list[Message], threads: list[Message]
) -> Conversations:
    """Quality of the creator's conversations among the given rows (one period's).

    ``own``: the creator's posts and comments; ``received``: other members' answers to them;
    ``threads``: every message in the threads the creator's posts started.
    """
    result = Conversations()
    roots = {m.external_id for m in own if m.kind == "post"}
    result.posts = len(roots)
    answers = [m for m in received if m.author not in creator_ids and m.kind == "comment"]
    result.answers = len(answers)
    result.answered_by = len({m.author for m in answers if m.author is not None})
    replied_to = {m.parent_external_id for m in own if m.parent_external_id}
    result.answered_back = sum(1 for m in answers if m.external_id in replied_to)
    if roots:
        depths = thread_depths(threads, roots)
        result.deepest_thread = max(depths.values())
        result.mean_thread_depth = round(sum(depths.values()) / len(depths), 2)
    return result


# --- return engagement ----------------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    member: int
    at: float


@dataclass
class ReturnShare:
    days: int
    eligible: int = 0
    returned: int = 0

    @property
    def share(self) -> float | None:
        return round(self.returned / self.eligible, 4) if self.eligible else None


@dataclass
class Cohort:
    start: float
    end: float
    members: int = 0
    curve: list[ReturnShare] = field(default_factory=list)


def _returns(contacts: Iterable[Contact], start: float, end: float, period: float):
    """(period index, days from the member's first contact in the period to their next contact
    at least a day later, or None; that first contact's time) for each member in each period
    they were in touch. A back-and-forth within the same day is one conversation, not a return."""
    by_member: dict[int, list[float]] = defaultdict(list)
    for contact in contacts:
        by_member[contact.member].append(contact.at)
    for times in by_member.values():
        times.sort()
        first_in_period: dict[int, float] = {}
        for at in times:
            if start <= at < end:
                first_in_period.setdefault(int((at - start) // period), at)
        for index, first in first_in_period.items():
            following = bisect_left(times, first + DAY)
            gap = (times[following] - first) / DAY if following < len(times) else None
            yield index, gap, first


def _tally(cohort: Cohort, gap: float | None, last: float, data_end: float, horizons) -> None:
    cohort.members += 1
    for share in cohort.curve:
        if last + share.days * DAY <= data_end:  # this member's N days are over: they count
            share.eligible += 1
            if gap is not None and gap <= share.days:
                share.returned += 1


def return_engagement(
    contacts: Iterable[Contact], *, start: float, end: float, data_end: float, period_days: int = 30,
    horizons: tuple[int, ...] = HORIZONS,
) -> list[Cohort]:  # fmt: skip
    """One cohort per period from ``start`` to ``end``: its members and their return curve."""
    period = period_days * DAY
    count = max(1, math.ceil((end - start) / period))
    cohorts = [
        Cohort(start + i * period, min(end, start + (i + 1) * period), curve=[ReturnShare(h) for h in horizons])
        for i in range(count)
    ]
    for index, gap, last in _returns(contacts, start, end, period):
        _tally(cohorts[index], gap, last, data_end, horizons)
    return cohorts


def return_engagement_split(
    contacts: Iterable[Contact], *, split_at: float, start: float, end: float, data_end: float,
    period_days: int = 30, horizons: tuple[int, ...] = HORIZONS,
) -> tuple[Cohort, Cohort]:  # fmt: skip
    """Pooled return curves of the periods before ``split_at`` (a partnership's start) and after."""
    period = period_days * DAY
    before = Cohort(start, split_at, curve=[ReturnShare(h) for h in horizons])
    after = Cohort(split_at, end, curve=[ReturnShare(h) for h in horizons])
    for _index, gap, last in _returns(contacts, start, end, period):
        _tally(before if last < split_at else after, gap, last, data_end, horizons)
    return before, after


# --- before and after -----------------------------------------------------------------------
@dataclass(frozen=True)
class CountChange:
    before: int
    after: int
    days_before: float
    days_after: float
    per_day_before: float | None
    per_day_after: float | None
    ratio: float | None  # after / before, per day
    low: float | None  # 95 % interval of the ratio
    high: float | None
    verdict: str


def compare_counts(before: int, after: int, days_before: float, days_after: float) -> CountChange:
    """Rates per day before and after, their ratio with a 95 % interval (log rate ratio, Poisson
    counts; 0.5 added to both when one is zero), and a verdict in words."""
    rate_before = before / days_before if days_before > 0 else None
    rate_after = after / days_after if days_after > 0 else None
    ratio = low = high = None
    if rate_before is not None and rate_after is not None:
        a, b = (after, before) if after and before else (after + 0.5, before + 0.5)
        log_ratio = math.log((a / days_after) / (b / days_before))
        spread = 1.96 * math.sqrt(1 / a + 1 / b)
        ratio = round(math.exp(log_ratio), 3)
        low, high = round(math.exp(log_ratio - spread), 3), round(math.exp(log_ratio + spread), 3)
    if rate_before is None or rate_after is None:
        verdict = "no window to compare"
    elif before + after < TOO_FEW:
        verdict = f"too few to say ({before} before, {after} after)"
    elif low > 1:
        verdict = "up"
    elif high < 1:
        verdict = "down"
    else:
        verdict = "no clear change"
    return CountChange(
        before, after, round(days_before, 1), round(days_after, 1),
        round(rate_before, 4) if rate_before is not None else None,
        round(rate_after, 4) if rate_after is not None else None, ratio, low, high, verdict,
    )  # fmt: skip


@dataclass(frozen=True)
class MeanChange:
    before_n: int
    after_n: int
    before_mean: float | None
    after_mean: float | None
    difference: float | None
    low: float | None
    high: float | None
    verdict: str


def _mean_and_variance(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
    return mean, variance


def compare_means(before: list[float], after: list[float]) -> MeanChange:
    """Difference of means (after − before) with a 95 % interval (Welch, normal approximation)."""
    if not before or not after:
        mean_b = round(_mean_and_variance(before)[0], 4) if before else None
        mean_a = round(_mean_and_variance(after)[0], 4) if after else None
        return MeanChange(len(before), len(after), mean_b, mean_a, None, None, None, "nothing to compare")
    mean_b, var_b = _mean_and_variance(before)
    mean_a, var_a = _mean_and_variance(after)
    difference = mean_a - mean_b
    spread = 1.96 * math.sqrt(var_b / len(before) + var_a / len(after))
    low, high = difference - spread, difference + spread
    if len(before) + len(after) < TOO_FEW or min(len(before), len(after)) < 5:
        verdict = f"too few to say ({len(before)} before, {len(after)} after)"
    elif low > 0:
        verdict = "up"
    elif high < 0:
        verdict = "down"
    else:
        verdict = "no clear change"
    return MeanChange(
        len(before), len(after), round(mean_b, 4), round(mean_a, 4), round(difference, 4), round(low, 4),
        round(high, 4), verdict,
    )  # fmt: skip
