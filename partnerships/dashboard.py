"""The brand dashboard and the partnership page's depth panel, read from the latest measurement.

Pages show the stored document of the newest BrandMeasurement (recomputed after each sync and
on demand), so they cost a few queries whatever the size of the communities. Charts are SVG
drawn on the server: this module computes their geometry.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from crm import tenancy
from crm.csv_safety import csv_writer
from partnerships.models import Brand, BrandMeasurement, Partnership

CHART_HEIGHT = 100
BAR_STEP = 28  # px between monthly bars (bars are 20 wide)


def brands_visible_to(user):
    return tenancy.scope_to_user(Brand.objects.select_related("organization"), user).order_by("name")


def latest_measurement(brand: Brand) -> BrandMeasurement | None:
    return brand.measurements.order_by("-computed_at").first()


@dataclass
class MonthBar:
    month: str
    mentions: int
    in_absence: int
    tone: float | None
    recommendations: int
    x: int = 0
    absent_y: int = 0
    absent_h: int = 0
    present_y: int = 0
    present_h: int = 0
    tone_y: int | None = None


def month_bars(monthly: list[dict]) -> list[MonthBar]:
    """Stacked bars (in the brand's absence at the bottom) and the tone in absence as a dot
    (the chart's middle is neutral, the top +1, the bottom -1)."""
    bars = [MonthBar(m["month"], m["mentions"], m["in_absence"], m["sentiment_in_absence"],
                     m["organic_recommendations"]) for m in monthly]  # fmt: skip
    tallest = max((b.mentions for b in bars), default=0) or 1
    for index, bar in enumerate(bars):
        bar.x = index * BAR_STEP
        bar.absent_h = round(CHART_HEIGHT * bar.in_absence / tallest)
        bar.present_h = round(CHART_HEIGHT * (bar.mentions - bar.in_absence) / tallest)
        bar.absent_y = CHART_HEIGHT - bar.absent_h
        bar.present_y = bar.absent_y - bar.present_h
        if bar.tone is not None:
            bar.tone_y = round(CHART_HEIGHT / 2 - bar.tone * (CHART_HEIGHT / 2 - 4))
    return bars


@dataclass
class CurveLine:
    label: str
    members: int
    points: str  # SVG polyline points
    shares: list[dict] = field(default_factory=list)


def curve_line(label: str, cohort: dict | None) -> CurveLine | None:
    """A return curve as a polyline: days 0-90 across 180 px, share 0-100 % up 100 px."""
    if not cohort or not cohort.get("curve"):
        return None
    points = [(0, CHART_HEIGHT)]
    for point in cohort["curve"]:
        if point["share"] is not None:
            points.append((point["days"] * 2, round(CHART_HEIGHT * (1 - point["share"]))))
    return CurveLine(
        label=label, members=cohort["members"], points=" ".join(f"{x},{y}" for x, y in points), shares=cohort["curve"]
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
        "chart_width": max(len(bars) * BAR_STEP, BAR_STEP),
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
            curve_line("before the start", engagement.get("before_start")),
            curve_line("after the start", engagement.get("after_start")),
        )
        if line is not None
    ]
    return {"measurement": measurement, "entry": entry, "depth": depth, "curves": curves}


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
