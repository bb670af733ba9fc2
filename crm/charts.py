"""Geometry for the charts the pages draw as SVG on the server: where each bar stands and how tall,
the points of a line, a value's place on an axis.

Plain numbers and strings in and out: no markup here and nothing marked safe. The page modules
(insight/charts.py, partnerships/dashboard.py, influencers' community page) add their titles and
hand the result to one template include per kind of chart, which only prints it:
``templates/includes/bar_chart.html`` (a ``BarChart``) and ``templates/includes/line_chart.html``
(a ``LineChart``). SVG's y axis points down: a bar's ``y`` is its top, and a larger value sits higher
on the drawing with a smaller ``y``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def position(value: float, *, low: float, high: float, start: float, end: float) -> float:
    """Where ``value`` falls on an axis drawn from ``start`` (for ``low``) to ``end`` (for ``high``);
    ``end`` may be smaller than ``start`` (a y axis, pointing down). A value outside the range lands
    outside the axis, in proportion. ValueError when ``low`` equals ``high``: no scale to place on."""
    if high == low:
        raise ValueError("an axis needs two different ends (low equals high)")
    return start + (value - low) * (end - start) / (high - low)


def length(value: float, *, top: float, size: float) -> float:
    """How long ``value`` is drawn when ``top`` fills ``size`` (a bar's height); 0 when ``top`` is 0 or less
    (a series of zeros draws nothing, not a division by zero)."""
    return size * value / top if top > 0 else 0.0


@dataclass(frozen=True)
class Segment:
    """One part of a bar: its top (``y``), its height, and what it shows (a CSS class; "" for none)."""

    y: int
    height: int
    kind: str = ""


@dataclass(frozen=True)
class Bar:
    """A bar at ``x``: its segments from the bottom up (one, unless stacked), the text a pointer over
    it shows, and optionally a marker's ``y`` (a second measure drawn as a dot) and a label under it."""

    x: int
    segments: tuple[Segment, ...]
    title: str = ""
    marker_y: int | None = None
    label: str = ""

    @property
    def y(self) -> int:
        """The top of the whole bar."""
        return min((segment.y for segment in self.segments), default=0)

    @property
    def height(self) -> int:
        return sum(segment.height for segment in self.segments)


@dataclass(frozen=True)
class Tick:
    """A label on an axis, at (x, y), anchored ``start``, ``middle`` or ``end``."""

    x: int
    y: int
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class BarChart:
    """Bars ``bar_width`` wide in a drawing ``width`` × ``height`` (the bars' bottom at ``height``
    unless the page drew them on another baseline), seen through ``view_box`` (``view_box()``: the
    drawing and its margins) and shown ``shown_width`` × ``shown_height`` (None: not set;
    ``stretch``: the drawing fills that box whatever its proportions). ``label`` says what the chart
    shows, for screen readers; ``midline``: a line half-way up (a neutral value); ``axes``: draw the
    x axis along ``axis_y`` (the bars' baseline; ``height`` unless given) and the y axis along the
    left; ``ticks``: labels on them (months under the bars, values up the left). A chart with ticks
    is not stretched: text would stretch with it."""

    bars: list[Bar]
    width: int
    height: int
    bar_width: int
    label: str
    view_box: str
    shown_width: int | str
    shown_height: int | None = None
    stretch: bool = False
    midline: bool = False
    marker_kind: str = "marker"  # the CSS class of the bars' markers
    axes: bool = False
    axis_y: int | None = None
    ticks: list[Tick] = field(default_factory=list)

    @property
    def baseline(self) -> int:
        return self.height if self.axis_y is None else self.axis_y

    @property
    def middle(self) -> int:
        return self.height // 2

    @property
    def half_bar(self) -> int:
        return self.bar_width // 2

    @property
    def label_y(self) -> int:
        """Where the labels under the bars stand (their baseline)."""
        return self.height + 12


def view_box(
    width: float, height: float, *, left: float = 0, top: float = 0, right: float = 0, bottom: float = 0
) -> str:
    """An SVG ``viewBox`` showing a ``width`` × ``height`` drawing with margins around it (for
    labels and axes): "-left -top width+left+right height+top+bottom"."""
    if width < 0 or height < 0:
        raise ValueError("a drawing cannot have a negative size")
    return f"{-left:g} {-top:g} {width + left + right:g} {height + top + bottom:g}"


def stacked_bars(
    stacks: Sequence[Sequence[float]],
    *,
    height: int = 100,
    baseline: int | None = None,
    smallest: int = 0,
    kinds: Sequence[str] = (),
) -> list[tuple[Segment, ...]]:
    """The segments of one bar per stack of values (each stack bottom first).

    The tallest stack is ``height`` px; the bottom of every bar is at ``baseline`` (``height`` unless
    given: a margin below, for labels). A value above zero is at least ``smallest`` px high, so a
    quiet month still shows; zero or less is drawn 0 px high, and a series of zeros draws nothing.
    ``kinds`` names the segments (CSS classes), bottom first. An empty series gives no bars.
    """
    baseline = height if baseline is None else baseline
    tallest = max((sum(max(value, 0) for value in stack) for stack in stacks), default=0)
    drawn = []
    for stack in stacks:
        bottom = baseline
        segments = []
        for index, value in enumerate(stack):
            size = round(length(max(value, 0), top=tallest, size=height))
            if value > 0:
                size = max(smallest, size)
            bottom -= size
            segments.append(Segment(y=bottom, height=size, kind=kinds[index] if index < len(kinds) else ""))
        drawn.append(tuple(segments))
    return drawn


def bars(
    values: Sequence[float],
    *,
    step: int,
    height: int = 100,
    baseline: int | None = None,
    smallest: int = 0,
    titles: Sequence[str] = (),
) -> list[Bar]:
    """One bar per value at ``x`` = its index × ``step``, the largest ``height`` px high (the rest as
    ``stacked_bars`` says), each with its title if ``titles`` gives one."""
    stacks = stacked_bars([[value] for value in values], height=height, baseline=baseline, smallest=smallest)
    return [
        Bar(x=index * step, segments=segments, title=titles[index] if index < len(titles) else "")
        for index, segments in enumerate(stacks)
    ]


def points(pairs: Iterable[tuple[float, float]], *, decimals: int = 0) -> str:
    """An SVG polyline's ``points``: "x,y x,y …", each number with ``decimals`` decimals."""
    return " ".join(f"{x:.{decimals}f},{y:.{decimals}f}" for x, y in pairs)


def series_points(values: Sequence[float], *, width: float, height: float, margin: float = 1, decimals: int = 1) -> str:
    """A series (oldest first) as polyline points across ``width``, the largest value ``margin`` below
    the top and zero ``margin`` above the bottom: a sparkline. "" for an empty series; one value is a
    single point at the left; all zeros lie along the bottom."""
    if not values:
        return ""
    top = max(values)
    step = width / max(1, len(values) - 1)
    bottom = height - margin
    return points(
        (
            (index * step, bottom - length(value, top=top, size=height - 2 * margin))
            for index, value in enumerate(values)
        ),
        decimals=decimals,
    )


@dataclass(frozen=True)
class Line:
    """A polyline: its points, what it shows (a CSS class; "" for none) and the text a pointer over it shows."""

    points: str
    kind: str = ""
    title: str = ""


@dataclass(frozen=True)
class LineChart:
    """Lines in a drawing ``width`` × ``height``, seen through ``view_box`` and shown ``shown_width`` ×
    ``shown_height`` (None: not set). ``label`` says what it shows, for screen readers; ``title``, its
    figures, shows on hover and is read after the label (the include may be given one instead);
    ``axes``: draw the x axis along the bottom and the y axis along the left; ``ticks``: their labels."""

    lines: list[Line]
    width: int
    height: int
    label: str
    view_box: str
    shown_width: int | str
    shown_height: int | None = None
    title: str = ""
    axes: bool = False
    ticks: list[Tick] = field(default_factory=list)


def month_label(month: str) -> str:
    """A month key ("2026-05") as the pages write months: the same as their dates (Y-m-d), cut to Y-m."""
    return month[:7]


def month_ticks(months: Sequence[str], *, step: int, y: int, offset: int = 0, most: int = 6) -> list[Tick]:
    """Labels under bars (or points) ``step`` apart, one a month, at most ``most`` of them evenly
    spread and always the first and the last month, so a year or three stay legible at any width.
    ``offset``: where in its slot a month's label stands (half a bar: its middle)."""
    count = len(months)
    if not count:
        return []
    every = max(1, -(-count // most))  # ceiling: at most ``most`` labels
    shown = sorted({*range(0, count, every), count - 1})
    if len(shown) > 1 and shown[-1] - shown[-2] < every:
        shown.pop(-2)  # the last month's label would touch the one before
    return [Tick(index * step + offset, y, month_label(months[index])) for index in shown]


def value_ticks(top: float, *, height: int, baseline: int | None = None, x: int = -3) -> list[Tick]:
    """0 and ``top`` up the left of a chart whose tallest value is ``height`` high above ``baseline``."""
    baseline = height if baseline is None else baseline
    if top <= 0:
        return [Tick(x, baseline + 3, "0", "end")]
    return [Tick(x, baseline + 3, "0", "end"), Tick(x, baseline - height + 4, f"{top:,.0f}", "end")]
