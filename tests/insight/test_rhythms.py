"""Rhythms: weekday × hour in the community's own time zone, the members' time-zone mix, growth
and seasonality. Pure functions, no database."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from insight.analysis.rhythms import growth, seasonality, timezone_mix, weekday_hours


def _at(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_the_heatmap_is_in_the_communitys_time_zone_daylight_saving_included():
    times = np.array([
        _at(2026, 1, 5, 14, 0),  # Monday 09:00 in New York (EST, UTC-5)
        _at(2026, 7, 6, 14, 0),  # Monday 10:00 in New York (EDT, UTC-4)
        _at(2026, 1, 5, 3, 30),  # Sunday 22:30 in New York: the day before, in UTC it is Monday
    ])  # fmt: skip
    new_york = weekday_hours(times, "America/New_York")
    assert new_york[0, 9] == 1 and new_york[0, 10] == 1 and new_york[6, 22] == 1
    assert new_york.sum() == 3
    utc = weekday_hours(times, "UTC")
    assert utc[0, 14] == 2 and utc[0, 3] == 1


def test_half_hour_time_zones_place_each_message_in_its_own_local_hour():
    # India is UTC+5:30: 20:10 UTC is 01:40 on Tuesday, 20:40 UTC is 02:10.
    times = np.array([_at(2026, 1, 5, 20, 10), _at(2026, 1, 5, 20, 40)])
    kolkata = weekday_hours(times, "Asia/Kolkata")
    assert kolkata[1, 1] == 1 and kolkata[1, 2] == 1


def _member_day(offset_hours: int, member: int, days: int = 10, per_day: int = 4):
    """A member writing between 08:00 and 23:00 local time (asleep 00:00–08:00), in UTC seconds."""
    times, authors = [], []
    for d in range(days):
        for k in range(per_day):
            local_hour = 8 + (k * 15) // (per_day - 1)
            moment = datetime(2026, 3, 2 + d, local_hour, 15, tzinfo=UTC) - timedelta(hours=offset_hours)
            times.append(int(moment.timestamp()))
            authors.append(member)
    return times, authors


def test_the_time_zone_mix_places_members_by_when_they_are_silent():
    times, authors = [], []
    for member in range(6):  # six members in New York (UTC-5)
        t, a = _member_day(-5, member)
        times += t
        authors += a
    for member in range(6, 9):  # three in Berlin (UTC+1)
        t, a = _member_day(1, member)
        times += t
        authors += a
    occasional, occasional_author = _member_day(9, 99, days=2)  # too few messages to place
    mix = timezone_mix(np.array(times + occasional), np.array(authors + occasional_author))
    assert mix["members_considered"] == 9 and mix["members_placed"] == 9
    offsets = {row["utc_offset"]: row["members"] for row in mix["offsets"]}
    assert offsets == {-5: 6, 1: 3}
    regions = {row["region"]: row["members"] for row in mix["regions"]}
    assert regions["the Americas"] == 6 and regions["Europe, Africa and the Middle East"] == 3


def test_members_posting_around_the_clock_are_not_placed():
    times = [_at(2026, 3, 2, 0) + hour * 3600 for hour in range(24 * 6)]  # every hour for six days
    mix = timezone_mix(np.array(times), np.array([7] * len(times)))
    assert mix["members_considered"] == 1 and mix["members_placed"] == 0


def _months(first: str, counts: list[int], members: list[int] | None = None) -> list[dict]:
    year, month = int(first[:4]), int(first[5:])
    rows = []
    for i, count in enumerate(counts):
        y, m = year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1
        rows.append({"month": f"{y}-{m:02d}", "interactions": count,
                     "active_members": (members or counts)[i], "new_members": 0})  # fmt: skip
    return rows


def test_growth_compares_the_last_three_full_months_with_a_year_before():
    # Two years of monthly active members, rising from 100 to 215; the month in progress is left out.
    members = [100 + 5 * i for i in range(24)] + [1]
    monthly = _months("2024-11", members)
    result = growth(monthly, date(2026, 11, 20))
    assert result["active_members_per_month"] == (205 + 210 + 215) // 3
    assert result["a_year_before"] == (145 + 150 + 155) // 3
    assert result["direction"] == "growing"
    shrinking = growth(_months("2024-11", list(reversed(members[:24])) + [1]), date(2026, 11, 20))
    assert shrinking["direction"] == "shrinking"


def test_growth_without_enough_history_says_nothing():
    assert growth(_months("2026-10", [50, 60]), date(2026, 11, 20)) is None


@pytest.mark.parametrize("years", [1, 2])
def test_seasonality_needs_two_complete_years(years):
    pattern = [80, 80, 90, 100, 100, 100, 60, 50, 100, 120, 140, 200]  # quiet summers, busy Decembers
    monthly = _months("2024-01", pattern * years)
    result = seasonality(monthly, date(2024 + years, 1, 15))
    if years == 1:
        assert result["known"] is False
    else:
        assert result["known"] is True
        assert (result["busiest_month"], result["quietest_month"]) == ("December", "August")


def test_sydney_and_auckland_are_placed_in_oceania_not_the_americas():
    times, authors = [], []
    for member, offset in ((1, 10), (2, 12), (3, 13), (4, -10)):  # Sydney, Auckland, Auckland in summer, Hawaii
        t, a = _member_day(offset, member)
        times += t
        authors += a
    mix = timezone_mix(np.array(times), np.array(authors))
    assert {row["utc_offset"]: row["members"] for row in mix["offsets"]} == {-10: 1, 10: 1, 12: 1, 13: 1}
    regions = {row["region"]: row["members"] for row in mix["regions"]}
    assert regions["Asia and Oceania"] == 3 and regions["the Americas"] == 1


def test_the_first_month_of_an_import_is_not_a_baseline_for_growth():
    """History starting on the 28th of May: May's few days must not make June–August look like growth."""
    monthly = _months("2026-05", [40, 300, 300, 300, 300, 300, 300, 1], members=[8, 50, 50, 50, 51, 50, 50, 1])
    result = growth(monthly, date(2026, 12, 3))
    assert result["three_months_before"] == 50 and result["direction"] == "steady"
    too_short = growth(
        _months("2026-05", [40, 300, 300, 300, 300, 1], members=[8, 50, 50, 50, 50, 1]), date(2026, 10, 3)
    )
    assert too_short["three_months_before"] is None and too_short["direction"] is None
