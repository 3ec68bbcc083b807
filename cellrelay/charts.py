"""One way to draw the product's charts: server-rendered SVG, readable printed. No Django, no room.

Every picture (the episode timeline, the monitoring chart, the shipper's temperature log, and the
tank levels and program figures to come) is built from these few primitives: a time axis, value
scales with their grid, line series with markers, threshold lines, shaded bands, point markers,
the "now" line, a legend, and ONE label placer, so that no label ever overlaps another or the now
line. The callers keep only what they mean to draw (their data turned into series and events) and
pass every text already translated and every date already formatted: this module escapes them.

Why a small module and not matplotlib or Vega-Lite: the pictures need these few primitives only;
pages must stay fast at national scale (matplotlib costs 100+ ms a chart and a 40 MB dependency;
Vega-Lite needs a JavaScript runtime on the server); and plain SVG text stays selectable,
searchable and sharp when printed.

Print: meaning is carried by shapes, dash patterns and written numbers, colour only repeats it;
texts are at least 10 px on a 1000-px-wide canvas; one font stack of system sans-serif fonts (no
web font, no asset from the internet); every picture has a ``<title>``, a ``<desc>`` when the caller
gives one, and a ``viewBox`` so that it scales to its container.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from xml.sax.saxutils import escape, quoteattr

# Text -------------------------------------------------------------------------------------------------

# System sans-serif fonts only. The width estimate below is for DejaVu Sans, the widest of them, so that
# with any of the others a text is narrower than its box, never wider.
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
LABEL_SIZE = 11
SMALL_SIZE = 10  # the smallest text drawn: still readable on paper
# A character of DejaVu Sans advances 0.6 em on average (measured on the product's labels); capitals and
# the wide m, w, %, @ advance about 0.72 em, hence 0.12 em more for each of them.
CHAR_EM = 0.6
WIDE_EXTRA_EM = 0.12
WIDE_CHARACTERS = "mwMW%@"
# A text's box runs from 0.8 em above its baseline to 0.2 em below (ascenders and descenders).
ASCENT_EM, DESCENT_EM = 0.8, 0.2


def text_width(words: str, size: float = LABEL_SIZE) -> float:
    """A conservative estimate of the width of ``words`` at ``size`` px, from their characters."""
    wide = sum(1 for c in words if c.isupper() or c in WIDE_CHARACTERS)
    return (len(words) * CHAR_EM + wide * WIDE_EXTRA_EM) * size


def wrap(words: str, width: float, size: float = LABEL_SIZE) -> list[str]:
    """Words in lines no wider than ``width`` (a single longer word keeps its own line)."""
    lines: list[str] = []
    for word in words.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


# Palette: inks of at least 4.5:1 contrast on white, so that they stay legible as greys when printed in
# black and white; the fills are light and always drawn with an ink outline or with ink text on them.
WHITE = "#fff"
INK = "#1d2430"
MUTED = "#5b6472"
GRID = "#d6dbe3"
LINE = "#9aa3b1"  # leaders and separators
ACCENT = "#1f5fa8"
ALERT = "#b3261e"  # thresholds crossed, the now line
VIOLET = "#6a3d9a"
GREEN = "#1e7b45"
SHADE = "#e3e8ef"
BAND = "#c9d3e0"
ALERT_FILL = "#e8a09a"
# Dash patterns that stay apart when printed (stroke-dasharray).
SOLID, DASHED, DOTTED = "", "5 3", "2 3"


# SVG elements -----------------------------------------------------------------------------------------

def num(value: float) -> str:
    """A coordinate with one decimal at most."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attrs(pairs: dict[str, object]) -> str:
    return "".join(f" {name}={quoteattr(str(value))}" for name, value in pairs.items() if value not in (None, ""))


def tooltip(words: str) -> str:
    return f"<title>{escape(words)}</title>" if words else ""


def text(x: float, y: float, words: str, *, size: float = LABEL_SIZE, anchor: str = "middle", weight: str = "",
         fill: str = INK, halo: bool = False, css: str = "") -> str:
    """A text whose baseline is at ``y``; a white halo keeps it readable over lines."""
    attrs = {"x": num(x), "y": num(y), "font-size": num(size), "text-anchor": anchor, "fill": fill,
             "font-weight": weight if weight != "normal" else ""}
    if halo:
        attrs.update({"stroke": WHITE, "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke"})
    attrs["class"] = css
    return f"<text{_attrs(attrs)}>{escape(words)}</text>"


def line(x1: float, y1: float, x2: float, y2: float, *, stroke: str = INK, width: float = 1, dash: str = "",
         css: str = "", tip: str = "") -> str:
    attrs = _attrs({"class": css, "x1": num(x1), "y1": num(y1), "x2": num(x2), "y2": num(y2), "stroke": stroke,
                    "stroke-width": num(width), "stroke-dasharray": dash})
    return f"<line{attrs}>{tooltip(tip)}</line>" if tip else f"<line{attrs}/>"


def rect(x: float, y: float, width: float, height: float, *, fill: str = WHITE, stroke: str = "",
         stroke_width: float = 1, dash: str = "", css: str = "", rx: float = 0, opacity: float = 1,
         tip: str = "") -> str:
    attrs = _attrs({"class": css, "x": num(x), "y": num(y), "width": num(width), "height": num(height),
                    "rx": num(rx) if rx else "", "fill": fill, "fill-opacity": num(opacity) if opacity < 1 else "",
                    "stroke": stroke, "stroke-width": num(stroke_width) if stroke else "",
                    "stroke-dasharray": dash})
    return f"<rect{attrs}>{tooltip(tip)}</rect>" if tip else f"<rect{attrs}/>"


def polyline(points: Iterable[tuple[float, float]], *, stroke: str = INK, width: float = 2, dash: str = "",
             css: str = "") -> str:
    coords = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return (f"<polyline{_attrs({'class': css, 'points': coords})} fill=\"none\""
            f"{_attrs({'stroke': stroke, 'stroke-width': num(width), 'stroke-linejoin': 'round'})}"
            f"{_attrs({'stroke-dasharray': dash})}/>")


def path(d: str, *, stroke: str = INK, width: float = 1.5, fill: str = "none", css: str = "") -> str:
    return f"<path{_attrs({'class': css, 'd': d, 'fill': fill, 'stroke': stroke, 'stroke-width': num(width)})}/>"


def group(*children: str, css: str = "", tip: str = "", data: dict[str, object] | None = None) -> str:
    extra = {f"data-{name}": value for name, value in (data or {}).items()}
    return f"<g{_attrs({'class': css, **extra})}>{tooltip(tip)}{''.join(children)}</g>"


MARKER_SHAPES = ("circle", "square", "diamond", "up", "down")


def marker(shape: str, x: float, y: float, *, size: float = 8, fill: str = WHITE, stroke: str = INK,
           width: float = 1.5, css: str = "", tip: str = "") -> str:
    """A point's mark centred on (x, y), ``size`` px across: circle, square, diamond, up (▲) or down (▼).
    Shapes, and filled against hollow, tell series and states apart without colour."""
    half = size / 2
    paint = _attrs({"fill": fill, "stroke": stroke, "stroke-width": num(width)})
    css_attr = _attrs({"class": css})
    if shape == "circle":
        element = f'<circle{css_attr} cx="{num(x)}" cy="{num(y)}" r="{num(half)}"{paint}'
    elif shape == "square":
        element = f'<rect{css_attr} x="{num(x - half)}" y="{num(y - half)}" width="{num(size)}" ' \
                  f'height="{num(size)}"{paint}'
    else:
        corners = {"diamond": [(0, -half), (half, 0), (0, half), (-half, 0)],
                   "up": [(0, -half), (half, half), (-half, half)],
                   "down": [(0, half), (half, -half), (-half, -half)]}[shape]
        d = "M" + " L".join(f"{num(x + dx)} {num(y + dy)}" for dx, dy in corners) + " Z"
        element = f'<path{css_attr} d="{d}"{paint}'
    return f"{element}>{tooltip(tip)}</{element[1:element.index(' ')]}>" if tip else f"{element}/>"


def cross(x: float, y: float, half: float = 6, *, stroke: str = INK) -> str:
    """A cross over a mark: what was planned did not happen."""
    return path(f"M{num(x - half)} {num(y - half)} L{num(x + half)} {num(y + half)} "
                f"M{num(x - half)} {num(y + half)} L{num(x + half)} {num(y - half)}", stroke=stroke, width=1.6)


def document(body: Iterable[str], *, width: float, height: float, title: str, css: str, desc: str = "") -> str:
    """The picture: scales to its container's width, white behind (it prints as drawn), titled for screen
    readers."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(width)} {num(height)}" width="100%" '
            f'role="img" class={quoteattr(css)} font-family={quoteattr(FONT)} '
            f'preserveAspectRatio="xMinYMin meet" aria-label={quoteattr(title)}>'
            f"<title>{escape(title)}</title>" + (f"<desc>{escape(desc)}</desc>" if desc else "")
            + f'<rect width="{num(width)}" height="{num(height)}" fill="{WHITE}"/>' + "".join(body) + "</svg>")


def no_data(words: str, *, width: float, height: float, title: str, css: str) -> str:
    """An honest empty picture: a framed area saying there is nothing to draw, no axis pretending to data."""
    return document([rect(1, 1, width - 2, height - 2, stroke=GRID, dash=DASHED),
                     text(width / 2, height / 2 + 4, words, size=LABEL_SIZE + 2, fill=MUTED, css="empty")],
                    width=width, height=height, title=title, css=css)


# Axes and scales ----------------------------------------------------------------------------------------

class Axis:
    """Positions along x, linear from ``start`` to ``end`` (any unit: days, seconds); optionally with the
    stretch before ``break_at`` compressed into [left, break_x], shown by a break mark."""

    def __init__(self, start: float, end: float, left: float, right: float, *, break_at: float | None = None,
                 break_x: float | None = None):
        self.start, self.end, self.left, self.right = start, end, left, right
        self.break_at, self.break_x = break_at, break_x

    @property
    def per_unit(self) -> float:
        """Px per unit, on the uncompressed stretch."""
        start, left = (self.start, self.left) if self.break_at is None else (self.break_at, self.break_x)
        return (self.right - left) / max(self.end - start, 1e-9)

    def x(self, value: float) -> float:
        if self.break_at is None or self.break_x is None:
            return _lerp(value, self.start, self.end, self.left, self.right)
        if value < self.break_at:
            return _lerp(value, self.start, self.break_at, self.left, self.break_x)
        return _lerp(value, self.break_at, self.end, self.break_x, self.right)

    def contains(self, value: float) -> bool:
        return self.start <= value <= self.end

    def step_for(self, widest: float, steps: Sequence[float], gap: float = 6) -> float:
        """The smallest of ``steps`` whose labels, ``widest`` px at most, stand ``gap`` px apart."""
        return next((step for step in steps if step * self.per_unit >= widest + gap), steps[-1])

    def aligned_ticks(self, step: float, anchor: float = 0) -> list[float]:
        """The values anchor + k·step within the axis (days from D0, weeks from D0…)."""
        first = math.ceil((self.start - anchor) / step - 1e-9)
        last = math.floor((self.end - anchor) / step + 1e-9)
        return [anchor + k * step for k in range(first, last + 1)]


def _lerp(value: float, v0: float, v1: float, x0: float, x1: float) -> float:
    return x0 + (x1 - x0) * (value - v0) / (v1 - v0 if v1 != v0 else 1)


def break_mark(x: float, y: float) -> list[str]:
    """Two slanted strokes across the axis at x: a stretch of the axis is compressed there."""
    return [rect(x - 4, y - 3, 8, 6, fill=WHITE),
            path(f"M{num(x - 7)} {num(y + 6)} L{num(x - 1)} {num(y - 6)} M{num(x + 1)} {num(y + 6)} "
                 f"L{num(x + 7)} {num(y - 6)}", css="axis-break")]


@dataclass(frozen=True)
class Scale:
    """Values along y: ``low`` at ``bottom``, ``high`` at ``top`` (SVG y grows downwards)."""

    low: float
    high: float
    top: float
    bottom: float

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def nice_step(low: float, high: float, max_ticks: int = 7,
              steps: Sequence[float] = (1, 2, 5, 10, 20, 25, 50, 100)) -> float:
    """The smallest of ``steps`` that keeps at most ``max_ticks`` ticks between low and high."""
    return next((step for step in steps if (high - low) / step + 1 <= max_ticks), steps[-1])


def nice_range(values: Iterable[float], low: float, high: float, step: float) -> tuple[float, float]:
    """The default range [low, high], widened to the values, on whole steps."""
    values = list(values)
    if values:
        low = min(low, math.floor(min(values) / step) * step)
        high = max(high, math.ceil(max(values) / step) * step)
    return low, high


def value_ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9)
    return [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]


def spaced_step(low: float, high: float, height: float, step: float, min_gap: float = 16) -> float:
    """The step, doubled until the grid lines stand ``min_gap`` px apart, so that their labels never touch."""
    while (high - low) / step * min_gap > height:
        step *= 2
    return step


# Steps of a time axis chosen by its span: minutes and hours (round values of the wall clock), days,
# weeks (Mondays) and months (the 1st).
HOURLY = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720))
DAILY = tuple(timedelta(days=d) for d in (1, 2, 3))
WEEKLY = tuple(timedelta(days=d) for d in (7, 14))
MONTHLY = (1, 2, 3, 6, 12)  # months
AVERAGE_MONTH = timedelta(days=30.44)


def time_ticks(first: datetime, last: datetime, max_ticks: int = 7) -> list[datetime]:
    """At most ``max_ticks`` moments on round values of the wall clock of ``first``'s zone, from first to
    last: every hour, every 6 hours, each midnight, each Monday, each 1st of a month… as the span asks."""
    span = last - first
    step = next((s for s in HOURLY + DAILY + WEEKLY if span / s + 1 <= max_ticks), None)
    if step is None:
        months = next((m for m in MONTHLY if span / (AVERAGE_MONTH * m) + 1 <= max_ticks), MONTHLY[-1])
        return _monthly_ticks(first, last, months)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
    if step in WEEKLY:
        midnight -= timedelta(days=midnight.weekday())  # weeks begin on Monday
    tick = midnight + math.ceil((first - midnight) / step) * step
    ticks = []
    while tick.timestamp() <= last.timestamp():
        if tick.timestamp() >= first.timestamp():
            ticks.append(tick)
        tick += step
    return ticks


def _monthly_ticks(first: datetime, last: datetime, months: int) -> list[datetime]:
    index = first.year * 12 + first.month - 1
    index += -index % months
    ticks = []
    while True:
        tick = first.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0,
                             microsecond=0)
        if tick.timestamp() > last.timestamp():
            return ticks
        if tick.timestamp() >= first.timestamp():
            ticks.append(tick)
        index += months


def tick_anchor(x: float, left: float, right: float, room: float = 40) -> str:
    """A label near either end of an axis is aligned inwards, not cut off by the edge."""
    return "start" if x - left < room else "end" if right - x < room else "middle"


# Drawing on a plot --------------------------------------------------------------------------------------

def value_grid(axis: Axis, scale: Scale, step: float, *, label: Callable[[float], str] = num,
               css: str = "") -> list[str]:
    """Horizontal grid lines every ``step``, their values in the left margin."""
    out = []
    for value in value_ticks(scale.low, scale.high, step):
        y = scale.y(value)
        out.append(line(axis.left, y, axis.right, y, stroke=GRID, width=0.8))
        out.append(text(axis.left - 6, y + 4, label(value), size=SMALL_SIZE, anchor="end", fill=MUTED, css=css))
    return out


@dataclass(frozen=True)
class Series:
    """One line of a plot: its points (x value, y value), a dash pattern and a marker shape, so that two
    series differ in black and white."""

    name: str  # CSS class of the line and of its markers
    points: list[tuple[float, float]]
    colour: str
    marker: str = "circle"
    dash: str = SOLID
    unit: str = ""
    filled_from: float | None = None  # markers filled from this value up (a fever); hollow below
    filled: bool = False  # every marker filled
    marker_size: float = 6.4
    max_markers: int | None = None  # above this many points, the line only
    tip: Callable[[float, float], str] | None = None  # a point's tooltip; default: its value and unit
    mark_css: str = ""  # CSS class of the markers; default: "reading" and the series' name


def series_marks(axis: Axis, scale: Scale, series: Series) -> list[str]:
    """The line through the points in order, and a marker with its tooltip at each point."""
    points = sorted(series.points)
    out = []
    if len(points) > 1:
        out.append(polyline([(axis.x(at), scale.y(value)) for at, value in points], stroke=series.colour,
                            dash=series.dash, css=series.name))
    if series.max_markers is not None and len(points) > series.max_markers:
        return out
    for at, value in points:
        out.append(point_mark(series, axis.x(at), scale.y(value), value, at))
    return out


def point_mark(series: Series, x: float, y: float, value: float | None = None, at: float | None = None) -> str:
    """A point of the series (with its tooltip), or the legend's sample when ``value`` is None."""
    filled = series.filled or (series.filled_from is not None and value is not None and value >= series.filled_from)
    solid = series.marker in ("up", "down")
    if value is None:
        tip = ""
    elif series.tip is not None and at is not None:
        tip = series.tip(at, value)
    else:
        tip = f"{num(value)} {series.unit}".strip()
    css = series.mark_css or " ".join(filter(None, ["reading", series.name,
                                                    "fever" if filled and series.filled_from else ""]))
    if value is None:
        css = "legend-sample"
    return marker(series.marker, x, y, size=series.marker_size if not solid else 8,
                  fill=series.colour if filled or solid else WHITE, stroke=series.colour,
                  width=1 if solid else 1.5, css=css, tip=tip)


def threshold(axis: Axis, y: float, *, colour: str = ALERT, css: str = "") -> str:
    """A horizontal dashed line across the plot at y: a limit not to cross."""
    return line(axis.left, y, axis.right, y, stroke=colour, width=1.5, dash="6 4", css=css)


def span_x(x0: float, x1: float, *, left: float, right: float, min_width: float = 4) -> tuple[float, float]:
    """A band's ends within [left, right], at least ``min_width`` px wide (an instant stays visible)."""
    if x1 - x0 < min_width:
        x0, x1 = (x0 + x1) / 2 - min_width / 2, (x0 + x1) / 2 + min_width / 2
    return max(x0, left), min(x1, right)


def now_line(x: float, top: float, bottom: float, words: str, *, css: str = "now", width: float = 1.2,
             dash: str = DOTTED) -> str:
    """The vertical "now" line (its word goes through the label placer with the line as an obstacle)."""
    return line(x, top, x, bottom, stroke=ALERT, width=width, dash=dash, css=css, tip=words)


def now_obstacle(x: float, top: float, bottom: float) -> "Box":
    return Box(x - 1, top, x + 1, bottom)


# The label placer -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box", gap: float = 0) -> bool:
        return (self.left < other.right + gap and other.left < self.right + gap
                and self.top < other.bottom + gap and other.top < self.bottom + gap)


@dataclass(frozen=True)
class Label:
    """A text to place: wanted with its baseline at (x, y) and ``anchor``; ``alternatives`` are other
    (x, y, anchor) the caller prefers before any nudge (the other end of a threshold line)."""

    words: str
    x: float
    y: float
    size: float = SMALL_SIZE
    anchor: str = "middle"
    alternatives: tuple[tuple[float, float, str], ...] = ()
    weight: str = ""
    fill: str = INK
    halo: bool = False
    css: str = ""

    def box(self, x: float | None = None, y: float | None = None, anchor: str | None = None) -> Box:
        x, y, anchor = self.x if x is None else x, self.y if y is None else y, anchor or self.anchor
        width = text_width(self.words, self.size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        return Box(left, y - self.size * ASCENT_EM, left + width, y + self.size * DESCENT_EM)

    def svg(self, x: float | None = None, y: float | None = None, anchor: str | None = None) -> str:
        """The text, where it is wanted or at (x, y, anchor)."""
        return text(self.x if x is None else x, self.y if y is None else y, self.words, size=self.size,
                    anchor=anchor or self.anchor, weight=self.weight, fill=self.fill, halo=self.halo, css=self.css)


@dataclass(frozen=True)
class Placed:
    label: Label
    x: float
    y: float
    anchor: str
    box: Box

    @property
    def moved(self) -> bool:
        return abs(self.x - self.label.x) > 2 or self.y != self.label.y

    def svg(self) -> str:
        return self.label.svg(self.x, self.y, self.anchor)


def place_labels(labels: Sequence[Label], *, left: float, right: float, obstacles: Iterable[Box] = (),
                 row_step: float = 14, direction: int = -1, near_rows: int = 6, gap: float = 3) -> list[Placed]:
    """Lay out the labels, in the given order of priority, so that no two boxes (nor a box and an
    obstacle) come closer than ``gap`` px, all within [left, right]. Each label goes where it is wanted,
    else at one of its alternatives, else on the nearest of the next ``near_rows`` rows (``row_step``
    px apart, in ``direction``: -1 up, +1 down, 0 alternately both) where it fits within half its
    width of where it is wanted; else on the nearest row where it fits within its width and the gaps
    (enough to clear a line crossing it). Rows beyond every other box leave only lines across, so
    every label finds a place. The caller draws a leader to a label that moved (``Placed.moved``)
    and makes room for the rows used."""
    taken: list[Box] = list(obstacles)
    placed = []
    for label in labels:
        spot = _wanted_spot(label, taken, left, right, gap) or _nudged_spot(label, taken, left, right, row_step,
                                                                             direction, near_rows, gap)
        taken.append(spot.box)
        placed.append(spot)
    return placed


def _fits(box: Box, taken: list[Box], left: float, right: float, gap: float) -> bool:
    return left - 0.01 <= box.left and box.right <= right + 0.01 and not any(box.overlaps(t, gap) for t in taken)


def _wanted_spot(label: Label, taken: list[Box], left: float, right: float, gap: float) -> Placed | None:
    for x, y, anchor in ((label.x, label.y, label.anchor), *label.alternatives):
        box = label.box(x, y, anchor)
        if _fits(box, taken, left, right, gap):
            return Placed(label, x, y, anchor, box)
    return None


def _nudged_spot(label: Label, taken: list[Box], left: float, right: float, row_step: float, direction: int,
                 near_rows: int, gap: float) -> Placed:
    wanted = label.box()
    width = wanted.right - wanted.left
    passes = [(range(near_rows), width / 2), (range(10_000), width + 2 * gap + 4)]
    for rows, reach in passes:
        for row in rows:
            offset = _row_offset(row, direction) * row_step
            top, bottom = wanted.top + offset, wanted.bottom + offset
            blocked = sorted((t.left - gap, t.right + gap) for t in taken
                             if t.top < bottom + gap and top < t.bottom + gap)
            box_left = _nearest_free(wanted.left, width, blocked, left, right, reach)
            if box_left is not None:
                x, y = label.x + (box_left - wanted.left), label.y + offset
                return Placed(label, x, y, label.anchor, label.box(x, y))
    raise AssertionError("unreachable: a row beyond every box is free but for lines")


def _row_offset(n: int, direction: int) -> int:
    if direction:
        return n * direction
    return (n + 1) // 2 * (1 if n % 2 else -1)  # 0, +1, -1, +2, -2…


def _nearest_free(wanted: float, width: float, blocked: list[tuple[float, float]], left: float, right: float,
                  reach: float) -> float | None:
    """The left edge nearest ``wanted`` (once kept within [left, right]), at most ``reach`` px from it, where
    [edge, edge + width] lies in [left, right] outside every blocked interval; None if there is none. A
    label wider than [left, right] starts at ``left``."""
    clamp = min(max(wanted, left), max(right - width, left))
    candidates = [clamp] + [end for _start, end in blocked] + [start - width for start, _end in blocked]
    for edge in sorted(candidates, key=lambda c: abs(c - clamp)):
        if abs(edge - clamp) > reach:
            return None
        if edge < left - 0.01 or (edge + width > right + 0.01 and edge != clamp):
            continue
        if all(edge + width <= start or edge >= end for start, end in blocked):
            return edge
    return None


def leader(x: float, y_from: float, y_to: float) -> str:
    """A thin line from a label that moved to the point it names."""
    return line(x, y_from, x, y_to, stroke=LINE, width=0.8)


# The legend -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LegendEntry:
    """A sample (drawn by ``draw(x, y)``, ``width`` px wide, centred on y) and the words it stands for."""

    width: float
    draw: Callable[[float, float], str]
    words: str


def legend(entries: Iterable[LegendEntry], *, left: float, top: float, right: float,
           size: float = SMALL_SIZE, line_height: float = 22) -> tuple[list[str], float]:
    """Entries left to right, wrapping to a new line when the width runs out; returns the parts and the
    legend's bottom."""
    out, x, y = [], left, top + 10
    for entry in entries:
        needed = entry.width + 4 + text_width(entry.words, size) + 16
        if x + needed > right and x > left:
            x, y = left, y + line_height
        out.append(group(entry.draw(x, y), text(x + entry.width + 4, y + 4, entry.words, size=size,
                                                anchor="start"), css="legend-entry"))
        x += needed
    return out, y + 14


def sample_line(colour: str, dash: str = SOLID, width: float = 2) -> Callable[[float, float], str]:
    return lambda x, y: line(x, y, x + 20, y, stroke=colour, width=width, dash=dash)

