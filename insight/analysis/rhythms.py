"""When the community talks: weekday × hour in the community's time zone, where its regular
members probably live (their time-zone mix), month by month activity, seasonality, and whether
the number of active members grows or shrinks.

Local times are computed once per distinct quarter of an hour, not per message (a year has 35,040
of them; a community may have a million messages), so daylight saving and half- or quarter-hour
zones (India, Nepal) are exact and a million times cost milliseconds.
"""

from __future__ import annotations

from array import array
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
REGULAR_MESSAGES = 20  # a member's time zone is estimated only from this many messages...
REGULAR_DAYS = 5  # ...on at least this many days
NIGHT_HOURS = 6  # the quietest six hours of a member's day are taken to be their night...
NIGHT_MIDDLE = 4  # ...centred on 04:00 local time
CLEAR_NIGHT = 0.1  # ...when they hold at most this share of the member's messages
REGIONS = [
    (-10, -3, "the Americas"),
    (-2, 4, "Europe, Africa and the Middle East"),
    (5, 13, "Asia and Oceania"),
]


class RhythmsReader:
    def __init__(self):
        self.times = array("q")
        self.authors = array("q")

    def add(self, posted_at: int, author: int | None) -> None:
        self.times.append(posted_at)
        self.authors.append(-1 if author is None else author)

    def result(self, *, timezone: str, monthly: list[dict], end: date) -> dict:
        times = np.frombuffer(self.times, dtype=np.int64)
        authors = np.frombuffer(self.authors, dtype=np.int64)
        heatmap = weekday_hours(times, timezone)
        return {
            "timezone": timezone,
            "heatmap": heatmap.tolist(),
            "busiest": _cells(heatmap, busiest=True),
            "quietest": _cells(heatmap, busiest=False),
            "weekend_share": round(float(heatmap[5:].sum() / heatmap.sum()), 3) if heatmap.sum() else None,
            "timezone_mix": timezone_mix(times, authors),
            "monthly": monthly,
            "growth": growth(monthly, end),
            "seasonality": seasonality(monthly, end),
        }


def weekday_hours(times: np.ndarray, timezone: str) -> np.ndarray:
    """Messages by local weekday (Monday first) and hour: a 7 × 24 array of counts."""
    if not len(times):
        return np.zeros((7, 24), dtype=np.int64)
    zone = ZoneInfo(timezone)
    quarters, inverse = np.unique(times // 900, return_inverse=True)  # every zone's offset is whole quarters
    cell = np.empty(len(quarters), dtype=np.int64)
    for i, quarter in enumerate(quarters.tolist()):
        local = datetime.fromtimestamp(quarter * 900, tz=zone)
        cell[i] = local.weekday() * 24 + local.hour
    counts = np.bincount(cell[inverse.ravel()], minlength=7 * 24)
    return counts.reshape(7, 24)


def _cells(heatmap: np.ndarray, *, busiest: bool, n: int = 3) -> list[dict]:
    if not heatmap.sum():
        return []
    flat = heatmap.ravel()
    order = np.argsort(-flat if busiest else flat, kind="stable")[:n]
    return [{"weekday": WEEKDAYS[i // 24], "hour": int(i % 24), "messages": int(flat[i])} for i in order]


def timezone_mix(times: np.ndarray, authors: np.ndarray) -> dict:
    """Where regular members probably live, from when they are silent: the middle of each regular
    member's quietest six hours (UTC) is taken to be 04:00 where they live. A member with no clear
    quiet stretch (they post around the clock) is not placed."""
    regular = authors >= 0
    if not regular.any():
        return {"members_placed": 0, "members_considered": 0, "offsets": [], "regions": []}
    members, member_of = np.unique(authors[regular], return_inverse=True)
    member_of = member_of.ravel()
    hour = (times[regular] // 3600) % 24
    day = times[regular] // 86400
    per_member = np.bincount(member_of, minlength=len(members))
    member_days = np.unique(member_of * 1_000_000 + (day - day.min()))  # distinct (member, day) pairs
    days = np.bincount(member_days // 1_000_000, minlength=len(members))
    considered = (per_member >= REGULAR_MESSAGES) & (days >= REGULAR_DAYS)
    histogram = np.bincount(member_of * 24 + hour, minlength=len(members) * 24).reshape(len(members), 24)
    histogram = histogram[considered]
    if not len(histogram):
        return {"members_placed": 0, "members_considered": 0, "offsets": [], "regions": []}
    # Messages in each six-hour stretch starting at every UTC hour (wrapping round midnight).
    doubled = np.concatenate([histogram, histogram], axis=1)
    stretches = np.stack([doubled[:, h : h + NIGHT_HOURS].sum(axis=1) for h in range(24)], axis=1)
    quietest = stretches == stretches.min(axis=1, keepdims=True)
    # Several stretches may tie (a long silence): their middle, as a mean of angles on the 24-hour clock.
    angle = 2 * np.pi * np.arange(24) / 24
    start = np.arctan2((quietest * np.sin(angle)).sum(axis=1), (quietest * np.cos(angle)).sum(axis=1))
    middle_utc = (start * 24 / (2 * np.pi) + NIGHT_HOURS / 2) % 24
    clear = stretches.min(axis=1) <= CLEAR_NIGHT * histogram.sum(axis=1)
    # local = UTC + offset, folded into UTC−10 … UTC+13: New Zealand (+12, +13 in summer) is far more
    # likely than the few islands at −11 and −12.
    offsets = (np.rint(NIGHT_MIDDLE - middle_utc[clear]).astype(int) + 10) % 24 - 10
    counted = Counter(int(o) for o in offsets)
    placed = int(clear.sum())
    regions = []
    for low, high, name in REGIONS:
        n = sum(count for offset, count in counted.items() if low <= offset <= high)
        regions.append({"region": name, "utc_offsets": f"UTC{low:+d} to UTC{high:+d}", "members": n,
                        "share": round(n / placed, 3) if placed else None})  # fmt: skip
    return {
        "members_considered": int(len(histogram)),
        "members_placed": placed,
        "offsets": [{"utc_offset": o, "members": counted[o]} for o in sorted(counted)],
        "regions": regions,
        "method": (
            f"Estimated for members with at least {REGULAR_MESSAGES} messages on {REGULAR_DAYS} days or more: "
            f"the middle of their quietest {NIGHT_HOURS} hours is taken to be {NIGHT_MIDDLE:02d}:00 where they live."
        ),
    }


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def growth(monthly: list[dict], end: date) -> dict | None:
    """Active members in the last three full months against the three before and, when the
    history reaches back, the same three months a year earlier. The month in progress and the
    first month of the history (an import starts in the middle of one) are never compared."""
    by_month = {row["month"]: row for row in monthly}
    last_full = end.year * 12 + end.month - 2  # the month before the one in progress

    def members(first: int) -> int | None:
        rows = [by_month.get(f"{i // 12}-{i % 12 + 1:02d}") for i in range(first, first + 3)]
        if not monthly or first <= _month_index(monthly[0]["month"]):
            return None
        return sum(row["active_members"] for row in rows if row) // 3

    recent = members(last_full - 2)
    if recent is None:
        return None
    before, year_ago = members(last_full - 5), members(last_full - 14)

    def change(then):
        return None if not then else round((recent - then) / then, 3)

    trend = change(year_ago) if year_ago else change(before)
    return {
        "active_members_per_month": recent,
        "three_months_before": before,
        "a_year_before": year_ago,
        "change_from_three_months_before": change(before),
        "change_from_a_year_before": change(year_ago),
        "direction": None if trend is None else "growing" if trend > 0.1 else "shrinking" if trend < -0.1 else "steady",
    }


def seasonality(monthly: list[dict], end: date) -> dict:
    """Each calendar month's activity against its own year's average, averaged over the years:
    only said with two full years of history."""
    full = [row for row in monthly if _month_index(row["month"]) < end.year * 12 + end.month - 1]
    years: dict[str, list[dict]] = {}
    for row in full:
        years.setdefault(row["month"][:4], []).append(row)
    complete = {year: rows for year, rows in years.items() if len(rows) == 12}
    if len(complete) < 2:
        return {"known": False, "note": "Seasonality needs two complete calendar years of history."}
    index = np.zeros(12)
    for rows in complete.values():
        counts = np.array([row["interactions"] for row in sorted(rows, key=lambda r: r["month"])], dtype=float)
        if counts.mean():
            index += counts / counts.mean()
    index /= len(complete)
    names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]  # fmt: skip
    return {
        "known": True,
        "years": sorted(complete),
        "index": [{"month": names[i], "relative": round(float(index[i]), 2)} for i in range(12)],
        "busiest_month": names[int(index.argmax())],
        "quietest_month": names[int(index.argmin())],
    }


def month_key(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.year}-{moment.month:02d}"
