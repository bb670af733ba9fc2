"""The insight page's charts as plain geometry the template prints: heatmap cells with a heat level,
SVG bars, sparkline points. No markup here and nothing marked safe."""

from __future__ import annotations

import math

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
HEAT_LEVELS = 9  # heat-1 … heat-9 for hours with messages; heat-0 for none
MONTHS_SHOWN = 36  # the monthly chart: the last three years, bars still wide enough to hover
SPARK_WIDTH, SPARK_HEIGHT = 96, 20


def messages_said(count: int) -> str:
    return f"{count:,} message" + ("" if count == 1 else "s")


def heatmap(grid) -> dict | None:
    """Weekday × hour counts as rows of cells with a heat level (0: none; 1–9: up to the busiest
    hour) and a title; None when the grid is not 7 × 24 or holds no message."""
    if not grid or len(grid) != 7 or any(len(row or []) != 24 for row in grid):
        return None
    top = max(max(row) for row in grid)
    if top <= 0:
        return None
    rows = []
    for day, counts in zip(WEEKDAYS, grid, strict=True):
        cells = []
        for hour, count in enumerate(counts):
            level = 0 if count <= 0 else max(1, math.ceil(HEAT_LEVELS * count / top))
            cells.append({"level": level, "count": count,
                          "title": f"{day} {hour:02d}:00–{hour + 1:02d}:00: {messages_said(count)}"})  # fmt: skip
        rows.append({"day": day, "cells": cells})
    legend = [{"level": 0, "title": "no messages"}]
    for level in range(1, HEAT_LEVELS + 1):
        low, high = math.floor((level - 1) * top / HEAT_LEVELS) + 1, math.floor(level * top / HEAT_LEVELS)
        span = "no hour" if low > high else (f"{low:,}" if low == high else f"{low:,}–{high:,}") + " messages"
        legend.append({"level": level, "title": span})
    return {"rows": rows, "hours": [f"{h:02d}" for h in range(24)], "top": top, "legend": legend}


def monthly_chart(months) -> dict | None:
    """Active members per month as SVG bars (the chart is 100 high, bars 10 wide every 12)."""
    months = [m for m in months or [] if m.get("month")][-MONTHS_SHOWN:]
    if not months:
        return None
    tallest = max((m.get("active_members") or 0 for m in months), default=0) or 1
    bars = []
    for index, month in enumerate(months):
        members = month.get("active_members") or 0
        height = max(1, round(100 * members / tallest)) if members else 0
        bars.append({
            "x": index * 12, "y": 105 - height, "h": height, "month": month["month"],
            "title": f"{month['month']}: {members:,} active members, {month.get('new_members') or 0:,} new, "
                     f"{month.get('interactions') or 0:,} posts and replies",
        })  # fmt: skip
    busiest = max(months, key=lambda m: m.get("active_members") or 0)
    return {
        "bars": bars,
        "width": max(12 * 12, len(bars) * 12),  # a young community's few months are not drawn a foot wide
        "first": months[0]["month"],
        "last": months[-1]["month"],
        "busiest": f"{busiest['month']} ({busiest.get('active_members') or 0:,} members)",
    }


def sparkline(counts: list[int]) -> str:
    """SVG polyline points for monthly counts, oldest first, in a SPARK_WIDTH × SPARK_HEIGHT box."""
    if not counts:
        return ""
    top = max(counts) or 1
    step = SPARK_WIDTH / max(1, len(counts) - 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 1 - (SPARK_HEIGHT - 2) * c / top:.1f}" for i, c in enumerate(counts)
    )
