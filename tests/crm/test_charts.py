"""Chart geometry (crm/charts.py) and the two includes that draw it (templates/includes/)."""

import re

import pytest
from django.template.loader import render_to_string

from crm import charts


def test_bars_scale_to_the_tallest_and_stand_on_the_baseline():
    drawn = charts.bars([5, 10, 2.5], step=12, height=100, baseline=105)
    assert [(bar.x, bar.y, bar.height) for bar in drawn] == [(0, 55, 50), (12, 5, 100), (24, 80, 25)]


def test_an_empty_series_draws_no_bars_and_no_line():
    assert charts.bars([], step=12) == []
    assert charts.stacked_bars([]) == []
    assert charts.series_points([], width=96, height=20) == ""


def test_a_series_of_zeros_draws_flat_bars_and_a_line_along_the_bottom():
    drawn = charts.bars([0, 0, 0], step=10, height=100, smallest=1)
    assert [(bar.y, bar.height) for bar in drawn] == [(100, 0)] * 3  # no division by zero, no 1 px stubs
    assert charts.series_points([0, 0, 0], width=96, height=20) == "0.0,19.0 48.0,19.0 96.0,19.0"


def test_one_value_is_a_full_bar_and_a_single_point_at_the_left():
    (bar,) = charts.bars([7], step=12, height=100)
    assert (bar.x, bar.y, bar.height) == (0, 0, 100)
    assert charts.series_points([7], width=96, height=20) == "0.0,1.0"


def test_a_small_value_still_shows_when_asked_and_negative_values_draw_nothing():
    drawn = charts.bars([1000, 1, -5], step=12, height=100, smallest=1)
    assert [bar.height for bar in drawn] == [100, 1, 0]
    assert [bar.height for bar in charts.bars([1000, 1], step=12, height=100)] == [100, 0]


def test_stacked_bars_put_the_first_value_at_the_bottom_and_scale_by_the_tallest_stack():
    first, second = charts.stacked_bars([[4, 6], [20, 0]], height=100, kinds=("absent", "present"))
    assert first == (charts.Segment(80, 20, "absent"), charts.Segment(50, 30, "present"))
    assert second == (charts.Segment(0, 100, "absent"), charts.Segment(0, 0, "present"))
    bar = charts.Bar(x=0, segments=first)
    assert (bar.y, bar.height) == (50, 50)


def test_titles_go_with_their_bars():
    drawn = charts.bars([1, 2], step=28, titles=["May: 1", "June: 2"])
    assert [(bar.x, bar.title) for bar in drawn] == [(0, "May: 1"), (28, "June: 2")]


def test_a_sparkline_spans_the_width_with_the_largest_value_at_the_top():
    assert charts.series_points([1, 5, 0, 3], width=96, height=20) == "0.0,15.4 32.0,1.0 64.0,19.0 96.0,8.2"


def test_positions_on_an_axis_that_points_down_and_lengths_of_nothing():
    assert charts.position(1, low=0, high=1, start=50, end=4) == 4
    assert charts.position(-1, low=0, high=1, start=50, end=4) == 96
    assert charts.position(45, low=0, high=90, start=0, end=180) == 90
    with pytest.raises(ValueError, match="two different ends"):
        charts.position(3, low=2, high=2, start=0, end=100)
    assert charts.length(5, top=0, size=100) == 0
    assert charts.length(5, top=10, size=100) == 50


def test_points_and_view_boxes_are_written_as_svg_reads_them():
    assert charts.points([(0, 100), (14, 50.4)]) == "0,100 14,50"
    assert charts.points([(0, 1)], decimals=1) == "0.0,1.0"
    assert charts.view_box(336, 100, left=2, top=2, right=2, bottom=16) == "-2 -2 340 118"
    assert charts.view_box(96, 20) == "0 0 96 20"
    with pytest.raises(ValueError):
        charts.view_box(-1, 20)


def _svg(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_the_bar_chart_include_draws_single_bars_with_their_titles_and_its_size():
    chart = charts.BarChart(
        bars=charts.bars([3, 0], step=12, height=100, baseline=105, titles=["2026-01: 3 <members>", "2026-02: 0"]),
        width=144, height=100, bar_width=10, label="Active members per month, 2026-01 to 2026-02",
        view_box=charts.view_box(144, 100, bottom=10), shown_width="100%", shown_height=120, stretch=True,
    )  # fmt: skip
    html = _svg(render_to_string("includes/bar_chart.html", {"chart": chart}))
    assert html.startswith(
        '<svg class="chart" viewBox="0 0 144 110" preserveAspectRatio="none" width="100%" height="120" role="img" '
        'aria-label="Active members per month, 2026-01 to 2026-02">'
    )
    assert '<rect x="0" y="5" width="10" height="100"><title>2026-01: 3 &lt;members&gt;</title></rect>' in html
    assert '<rect x="12" y="105" width="10" height="0"><title>2026-02: 0</title></rect>' in html
    assert "<g>" not in html and "midline" not in html


def test_the_bar_chart_include_groups_stacked_bars_with_a_marker_and_a_label():
    segments = charts.stacked_bars([[1, 1]], height=100, kinds=("absent", "present"))[0]
    bar = charts.Bar(x=28, segments=segments, title="2026-03: 2 mentions", marker_y=73, label="26-03")
    chart = charts.BarChart(
        bars=[bar], width=56, height=100, bar_width=20, label="Mentions per month from 2026-03",
        view_box="-2 -2 60 118", shown_width=112, midline=True, marker_kind="tone",
    )  # fmt: skip
    html = _svg(render_to_string("includes/bar_chart.html", {"chart": chart, "css": "chart mentions-chart"}))
    assert html.startswith('<svg class="chart mentions-chart" viewBox="-2 -2 60 118" width="112" role="img" ')
    assert '<line class="midline" x1="0" x2="56" y1="50" y2="50"/>' in html
    assert (
        '<g><title>2026-03: 2 mentions</title><rect class="absent" x="28" y="50" width="20" height="50"/>'
        '<rect class="present" x="28" y="0" width="20" height="50"/><circle class="tone" cx="38" cy="73" r="3"/>'
        '<text x="38" y="112" text-anchor="middle">26-03</text></g>'
    ) in html


def test_the_line_chart_include_reads_the_pages_figures_after_its_label():
    chart = charts.LineChart(
        lines=[charts.Line(charts.series_points([1, 2], width=96, height=20))], width=96, height=20,
        label="Questions per month", view_box="0 0 96 20", shown_width=96, shown_height=20,
    )  # fmt: skip
    html = _svg(render_to_string("includes/line_chart.html", {"chart": chart, "css": "sparkline", "title": "May: 1"}))
    assert html == (
        '<svg class="sparkline" viewBox="0 0 96 20" width="96" height="20" role="img" '
        'aria-label="Questions per month: May: 1"><title>May: 1</title>'
        '<polyline points="0.0,10.0 96.0,1.0"></polyline></svg>'
    )


def test_the_line_chart_include_draws_axes_ticks_and_titled_lines():
    chart = charts.LineChart(
        lines=[charts.Line("0,100 14,50", kind="before", title="before the start (12 members)")],
        width=180, height=100, label="Share of members back", view_box="-30 -6 220 124", shown_width=440,
        axes=True, ticks=[charts.Tick(-4, 4, "100%", "end")],
    )  # fmt: skip
    html = _svg(render_to_string("includes/line_chart.html", {"chart": chart, "css": "curves"}))
    assert 'aria-label="Share of members back">' in html and "<title>" not in html.split("<polyline")[0]
    assert (
        '<line class="axis" x1="0" y1="100" x2="180" y2="100"/><line class="axis" x1="0" y1="0" x2="0" y2="100"/>'
        in html
    )
    assert '<text x="-4" y="4" text-anchor="end">100%</text>' in html
    assert (
        '<polyline class="before" points="0,100 14,50"><title>before the start (12 members)</title></polyline>' in html
    )


def test_month_ticks_label_the_first_and_last_month_and_a_few_between():
    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 13)]
    ticks = charts.month_ticks(months, step=16, y=112, offset=6, most=6)
    assert [(t.x, t.text) for t in ticks] == [
        (6, "2025-01"), (70, "2025-05"), (134, "2025-09"), (198, "2026-01"), (262, "2026-05"), (374, "2026-12")
    ]  # fmt: skip
    assert [t.text for t in charts.month_ticks(["2026-05"], step=16, y=112)] == ["2026-05"]
    assert charts.month_ticks([], step=16, y=112) == []


def test_value_ticks_mark_zero_and_the_top():
    assert [(t.y, t.text, t.anchor) for t in charts.value_ticks(1234, height=96, baseline=100)] == [
        (103, "0", "end"), (8, "1,234", "end")
    ]  # fmt: skip
    assert [t.text for t in charts.value_ticks(0, height=96)] == ["0"]


def test_the_bar_chart_include_draws_axes_and_ticks_when_asked():
    chart = charts.BarChart(
        bars=charts.bars([2, 4], step=16, height=96, baseline=100), width=32, height=100, bar_width=12,
        label="Active members per month", view_box=charts.view_box(32, 100, left=30, bottom=16), shown_width=78,
        axes=True, ticks=[charts.Tick(6, 112, "2026-01"), charts.Tick(-3, 103, "0", "end")],
    )  # fmt: skip
    html = _svg(render_to_string("includes/bar_chart.html", {"chart": chart, "css": "chart monthly-chart"}))
    assert (
        '<line class="axis" x1="0" y1="100" x2="32" y2="100"/><line class="axis" x1="0" y1="0" x2="0" y2="100"/>'
        in html
    )
    assert '<text class="tick" x="6" y="112" text-anchor="middle">2026-01</text>' in html
    assert '<text class="tick" x="-3" y="103" text-anchor="end">0</text>' in html
    assert 'preserveAspectRatio="none"' not in html  # text is not stretched
