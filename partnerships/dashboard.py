"""The brand dashboard and the partnership page's depth panel, read from the latest measurement.

Pages show the stored document of the newest BrandMeasurement (recomputed after each sync and
on demand), so they cost a few queries whatever the size of the communities. Charts are SVG
drawn on the server: this module computes their geometry.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.template.defaultfilters import floatformat

from crm import charts, tenancy
from crm.csv_safety import csv_writer
from partnerships.models import Brand, BrandMeasurement, Partnership

CHART_HEIGHT = 100
BAR_STEP = 28  # px between monthly bars
BAR_WIDTH = 20
CURVE_DAYS, CURVE_WIDTH = 90, 180  # the return curves: 90 days across 180 px


def brands_visible_to(user):
    return tenancy.scope_to_user(Brand.objects.select_related("organization"), user).order_by("name")


def latest_measurement(brand: Brand) -> BrandMeasurement | None:
    return brand.measurements.order_by("-computed_at").first()


@dataclass(frozen=True)
class MonthBar:
    """A month of the brand's mentions, as the chart and its table show it."""

    month: str
    mentions: int
    in_absence: int
    tone: float | None
    recommendations: int

    @property
    def title(self) -> str:
        tone = "" if self.tone is None else f", tone {floatformat(self.tone, 2)}"  # as the table prints it
        return (
            f"{self.month}: {self.mentions} mentions, {self.in_absence} in the brand's absence{tone}, "
            f"{self.recommendations} organic recommendations"
        )


def month_bars(monthly: list[dict]) -> list[MonthBar]:
    return [MonthBar(m["month"], m["mentions"], m["in_absence"], m["sentiment_in_absence"],
                     m["organic_recommendations"]) for m in monthly]  # fmt: skip


def mentions_chart(bars: list[MonthBar]) -> charts.BarChart | None:
    """Stacked bars (in the brand's absence at the bottom) and the tone in absence as a dot (the
    chart's middle is neutral, the top +1, the bottom -1), the month under each bar; shown at twice
    its drawn size."""
    if not bars:
        return None
    stacks = charts.stacked_bars(
        [[bar.in_absence, bar.mentions - bar.in_absence] for bar in bars],
        height=CHART_HEIGHT,
        kinds=("absent", "present"),
    )
    drawn = [
        charts.Bar(
            x=index * BAR_STEP,
            segments=segments,
            title=bar.title,
            marker_y=None
            if bar.tone is None
            else round(charts.position(bar.tone, low=0, high=1, start=CHART_HEIGHT / 2, end=4)),
            label=bar.month[2:],  # "24-05"
        )
        for index, (bar, segments) in enumerate(zip(bars, stacks, strict=True))
    ]
    width = max(len(bars) * BAR_STEP, BAR_STEP)
    return charts.BarChart(
        bars=drawn,
        width=width,
        height=CHART_HEIGHT,
        bar_width=BAR_WIDTH,
        label=f"Mentions per month from {bars[0].month}",
        view_box=charts.view_box(width, CHART_HEIGHT, left=2, top=2, right=2, bottom=16),
        shown_width=width * 2,
        midline=True,
        marker_kind="tone",
    )


@dataclass
class CurveLine:
    label: str
    kind: str  # "before" or "after" the start: the line's colour
    members: int
    points: str  # SVG polyline points
    shares: list[dict] = field(default_factory=list)


def curve_line(label: str, kind: str, cohort: dict | None) -> CurveLine | None:
    """A return curve as a polyline: days 0-90 across 180 px, share 0-100 % up 100 px."""
    if not cohort or not cohort.get("curve"):
        return None
    points = [(0, CHART_HEIGHT)]
    for point in cohort["curve"]:
        if point["share"] is not None:
            x = charts.position(point["days"], low=0, high=CURVE_DAYS, start=0, end=CURVE_WIDTH)
            points.append((x, round(charts.length(1 - point["share"], top=1, size=CHART_HEIGHT))))
    return CurveLine(
        label=label, kind=kind, members=cohort["members"], points=charts.points(points), shares=cohort["curve"]
    )


def curves_chart(curves: list[CurveLine]) -> charts.LineChart | None:
    """The return curves with their axes: share 0-100 % up the left, days 7 to 90 along the bottom."""
    if not curves:
        return None
    ticks = [
        charts.Tick(-4, 4, "100%", "end"), charts.Tick(-4, 54, "50%", "end"), charts.Tick(-4, 103, "0", "end"),
        charts.Tick(14, 114, "7"), charts.Tick(60, 114, "30"), charts.Tick(120, 114, "60"),
        charts.Tick(188, 114, "90 days", "end"),
    ]  # fmt: skip
    return charts.LineChart(
        lines=[charts.Line(c.points, kind=c.kind, title=f"{c.label} ({c.members} members)") for c in curves],
        width=CURVE_WIDTH,
        height=CHART_HEIGHT,
        label="Share of members back within 7 to 90 days, before and after the start",
        view_box=charts.view_box(CURVE_WIDTH, CHART_HEIGHT, left=30, top=6, right=10, bottom=18),
        shown_width=2 * (CURVE_WIDTH + 40),
        axes=True,
        ticks=ticks,
    )


def _share_at(cohort: dict | None, days: int) -> dict | None:
    if not cohort:
        return None
    return next((p for p in cohort["curve"] if p["days"] == days), None)


@dataclass
class PartnershipRow:
    id: int
    creator: str
    stage: str
    started_on: str | None
    back_before: dict | None  # {"share", "eligible"} back within 30 days
    back_after: dict | None
    answered_by_last_month: int | None
    referrals: dict
    recommendations: int | None  # None in measurements from before this figure existed
    changes: list[dict]
    note: str = ""


def partnership_rows(document: dict) -> list[PartnershipRow]:
    rows = []
    for p in document["partnerships"]:
        depth = p.get("depth") or {}
        engagement = depth.get("return_engagement") or {}
        months = depth.get("conversations_by_month") or []
        rows.append(
            PartnershipRow(
                id=p["id"], creator=p["creator"], stage=p["stage"], started_on=p["started_on"],
                back_before=_share_at(engagement.get("before_start"), 30),
                back_after=_share_at(engagement.get("after_start"), 30),
                answered_by_last_month=months[-1]["answered_by"] if months else None,
                referrals=p["referrals"], recommendations=p.get("organic_recommendations_in_its_threads"),
                changes=depth.get("before_after") or [], note=depth.get("note", ""),
            )
        )  # fmt: skip
    return rows


def brand_dashboard(*, brand: Brand) -> dict:
    measurement = latest_measurement(brand)
    if measurement is None:
        return {"brand": brand, "measurement": None}
    document = measurement.document
    bars = month_bars(document["mentions"]["monthly"])
    return {
        "brand": brand,
        "measurement": measurement,
        "d": document,
        "bars": bars,
        "mentions_chart": mentions_chart(bars),
        "partnerships": partnership_rows(document),
    }


def partnership_depth(partnership: Partnership) -> dict | None:
    """The partnership's entry in its brand's latest measurement, with its return curves drawn."""
    measurement = latest_measurement(partnership.brand)
    if measurement is None:
        return None
    entry = next((p for p in measurement.document["partnerships"] if p["id"] == partnership.pk), None)
    if entry is None:
        return {"measurement": measurement, "entry": None}
    depth = entry.get("depth") or {}
    engagement = depth.get("return_engagement") or {}
    curves = [
        line
        for line in (
            curve_line("before the start", "before", engagement.get("before_start")),
            curve_line("after the start", "after", engagement.get("after_start")),
        )
        if line is not None
    ]
    chart = curves_chart(curves)
    return {"measurement": measurement, "entry": entry, "depth": depth, "curves": curves, "curves_chart": chart}


def metrics_csv(document: dict) -> str:
    """The document as tidy rows (scope, name, metric, period, value, based on) for a spreadsheet.
    Names come from outside (communities, creators, the brand): crm.csv_safety keeps them text."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["scope", "name", "metric", "period", "value", "based_on"])
    brand = document["brand"]["name"]
    m = document["mentions"]
    absent = m["sentiment_in_absence"]
    for metric, value, based_on in (
        ("mentions", m["total"], ""),
        ("mentions in the brand's absence", m["in_absence"], ""),
        ("tone in the brand's absence (-1..1)", absent["mean"], absent["n"]),
        ("organic recommendations", m["organic_recommendations"], ""),
        ("referral clicks", document["referrals"]["clicks"], ""),
        ("referral sign-ups", document["referrals"]["signups"], ""),
        ("referral sales", document["referrals"]["sales"], ""),
    ):
        writer.writerow(["brand", brand, metric, "window", "" if value is None else value, based_on])
    for month in m["monthly"]:
        writer.writerow(["brand", brand, "mentions", month["month"], month["mentions"], ""])
        writer.writerow(["brand", brand, "mentions in the brand's absence", month["month"], month["in_absence"], ""])
        tone = month["sentiment_in_absence"]
        writer.writerow(["brand", brand, "tone in the brand's absence", month["month"],
                         "" if tone is None else tone, month["in_absence"]])  # fmt: skip
        writer.writerow(
            ["brand", brand, "organic recommendations", month["month"], month["organic_recommendations"], ""]
        )
    for community in m["by_community"]:
        for metric in ("mentions", "in_absence", "recommendations"):
            writer.writerow(["community", community["community"], metric, "window", community[metric], ""])
    for p in document["partnerships"]:
        name = f"{p['creator']} (#{p['id']})"
        writer.writerow(["partnership", name, "organic recommendations in its threads", "window",
                         p.get("organic_recommendations_in_its_threads", ""), ""])  # fmt: skip
        for kind in ("clicks", "signups", "sales"):
            writer.writerow(["partnership", name, f"referral {kind}", "window", p["referrals"][kind], ""])
        depth = p.get("depth") or {}
        for month in depth.get("conversations_by_month") or []:
            for metric in ("answered_by", "answers", "answered_back", "deepest_thread"):
                writer.writerow(["partnership", name, metric.replace("_", " "), month["month"], month[metric], ""])
        engagement = depth.get("return_engagement") or {}
        for side in ("before_start", "after_start"):
            for point in (engagement.get(side) or {}).get("curve", []):
                share = "" if point["share"] is None else point["share"]
                metric = f"back within {point['days']} days ({side.replace('_', ' ')})"
                writer.writerow(["partnership", name, metric, "window", share, point["eligible"]])
        for change in depth.get("before_after") or []:
            period = f"{change['event']} ({change['at'][:10]}, {change['community']})"
            for metric in ("interactions", "mentions", "organic_recommendations"):
                c = change[metric]
                ratio = "" if c["ratio"] is None else c["ratio"]
                based_on = f"{c['before']} before, {c['after']} after; {c['verdict']}"
                writer.writerow(["partnership", name, f"{metric.replace('_', ' ')} per day after / before", period,
                                 ratio, based_on])  # fmt: skip
    return out.getvalue()
