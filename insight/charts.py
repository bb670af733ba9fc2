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


MONTH_STEP, MONTH_BAR = 16, 12  # the monthly chart: a bar 12 wide every 16
CHART_HEIGHT = 100
LEFT, BOTTOM = 30, 16  # room for the values up the left and the months along the bottom
SCALE = 1.25  # pixels per unit of the drawing


def monthly_chart(months) -> dict | None:
    """Active members per month as bars (the tallest ``CHART_HEIGHT`` high) with their axes: members
    up the left (0 and the busiest month's count), months along the bottom (a few, always the first
    and the last); with the first and last month and the busiest."""
    months = [m for m in months or [] if m.get("month")][-MONTHS_SHOWN:]
    if not months:
        return None
    titles = [
        f"{charts.month_label(m['month'])}: {m.get('active_members') or 0:,} active members, "
        f"{m.get('new_members') or 0:,} new, {m.get('interactions') or 0:,} posts and replies"
        for m in months
    ]
    values = [m.get("active_members") or 0 for m in months]
    bars = charts.bars(values, step=MONTH_STEP, height=CHART_HEIGHT - 4, baseline=CHART_HEIGHT, smallest=1,
                       titles=titles)  # fmt: skip
    # A young community's few months are not drawn a foot wide: room for two years at least.
    width = max(24 * MONTH_STEP, len(bars) * MONTH_STEP)
    busiest = max(months, key=lambda m: m.get("active_members") or 0)
    first, last = charts.month_label(months[0]["month"]), charts.month_label(months[-1]["month"])
    ticks = charts.value_ticks(max(values), height=CHART_HEIGHT - 4, baseline=CHART_HEIGHT) + charts.month_ticks(
        [m["month"] for m in months], step=MONTH_STEP, y=CHART_HEIGHT + 12, offset=MONTH_BAR // 2
    )
    return {
        "chart": charts.BarChart(
            bars=bars,
            width=width,
            height=CHART_HEIGHT,
            bar_width=MONTH_BAR,
            label=f"Active members per month, {first} to {last}: up to {max(values):,} members a month",
            view_box=charts.view_box(width, CHART_HEIGHT, left=LEFT, right=8, top=4, bottom=BOTTOM),
            shown_width=round((width + LEFT + 8) * SCALE),  # drawn at its size (text stays text-sized) …
            shown_height=round((CHART_HEIGHT + 4 + BOTTOM) * SCALE),  # … scrolling sideways on a phone
            axes=True,
            ticks=ticks,
        ),
        "first": first,
        "last": last,
        "busiest": f"{charts.month_label(busiest['month'])} ({busiest.get('active_members') or 0:,} members)",
    }


SPARK_LEFT, SPARK_BOTTOM = 14, 11


def sparkline(counts: list[int], months: list[str] | None = None) -> charts.LineChart | None:
    """Monthly counts, oldest first, as a line in a SPARK_WIDTH × SPARK_HEIGHT box with its axes: the
    busiest month's count up the left, the first and last month along the bottom (when ``months``
    names them); None for none. The include adds the months' figures (its ``title``) after the label."""
    if not counts:
        return None
    ticks = []
    if months and len(months) == len(counts):
        ticks = [
            charts.Tick(0, SPARK_HEIGHT + 9, charts.month_label(months[0]), "start"),
            charts.Tick(SPARK_WIDTH, SPARK_HEIGHT + 9, charts.month_label(months[-1]), "end"),
            charts.Tick(-2, 6, f"{max(counts):,}", "end"),
            charts.Tick(-2, SPARK_HEIGHT, "0", "end"),
        ]
    return charts.LineChart(
        lines=[charts.Line(charts.series_points(counts, width=SPARK_WIDTH, height=SPARK_HEIGHT))],
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        label="Questions per month",
        view_box=charts.view_box(
            SPARK_WIDTH,
            SPARK_HEIGHT,
            left=SPARK_LEFT if ticks else 0,
            bottom=SPARK_BOTTOM if ticks else 0,
            right=1 if ticks else 0,
        ),  # fmt: skip
        shown_width=SPARK_WIDTH + (SPARK_LEFT + 1 if ticks else 0),
        shown_height=SPARK_HEIGHT + (SPARK_BOTTOM if ticks else 0),
        axes=bool(ticks),
        ticks=ticks,
    )
