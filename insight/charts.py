"""The insight page's charts as plain geometry the template prints: heatmap cells with a heat level,
the monthly bars and the questions' sparklines (through crm.charts, drawn by templates/includes/).
No markup here and nothing marked safe."""

from __future__ import annotations

import math

from crm import charts

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
    """Active members per month as bars 10 wide every 12 (the tallest 100 high, over a 10 px margin),
    stretched across the page; with the first and last month and the busiest."""
    months = [m for m in months or [] if m.get("month")][-MONTHS_SHOWN:]
    if not months:
        return None
    titles = [
        f"{m['month']}: {m.get('active_members') or 0:,} active members, {m.get('new_members') or 0:,} new, "
        f"{m.get('interactions') or 0:,} posts and replies"
        for m in months
    ]
    bars = charts.bars(
        [m.get("active_members") or 0 for m in months], step=12, height=100, baseline=105, smallest=1, titles=titles
    )
    width = max(12 * 12, len(bars) * 12)  # a young community's few months are not drawn a foot wide
    busiest = max(months, key=lambda m: m.get("active_members") or 0)
    first, last = months[0]["month"], months[-1]["month"]
    return {
        "chart": charts.BarChart(
            bars=bars,
            width=width,
            height=100,
            bar_width=10,
            label=f"Active members per month, {first} to {last}",
            view_box=charts.view_box(width, 100, bottom=10),
            shown_width="100%",
            shown_height=120,
            stretch=True,
        ),
        "first": first,
        "last": last,
        "busiest": f"{busiest['month']} ({busiest.get('active_members') or 0:,} members)",
    }


def sparkline(counts: list[int]) -> charts.LineChart | None:
    """Monthly counts, oldest first, as a line in a SPARK_WIDTH × SPARK_HEIGHT box; None for none.
    The include adds the months' figures (its ``title``) after the label."""
    if not counts:
        return None
    return charts.LineChart(
        lines=[charts.Line(charts.series_points(counts, width=SPARK_WIDTH, height=SPARK_HEIGHT))],
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        label="Questions per month",
        view_box=charts.view_box(SPARK_WIDTH, SPARK_HEIGHT),
        shown_width=SPARK_WIDTH,
        shown_height=SPARK_HEIGHT,
    )
