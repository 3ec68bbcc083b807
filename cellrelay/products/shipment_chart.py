"""The temperature of a dry shipper during a shipment, as a server-rendered SVG. No Django, no JavaScript.

Over the time of the log: the readings as a line, the product's storage limit as a dashed horizontal
line with its label, each excursion above the limit as a red band, and axes with a few time and °C
ticks. Like the monitoring chart (monitoring/chart.py): shapes and dash patterns carry the meaning,
colour only repeats it; every text comes in already translated (``ChartTexts``), and the caller says
how a time is written; this module escapes every text.

Positions come from ``datetime.timestamp()``, so readings in any zone (or across a change of summer
time) fall where they belong; ticks are placed on the wall clock of the first reading's zone: pass
the readings in the site's local time.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

WIDTH = 800
HEIGHT = 300
LEFT = 64  # room for the °C labels
RIGHT = 20
TOP = 24  # room for the limit's label above the plot
BOTTOM = 44  # room for the time labels
FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#1d2430"
MUTED = "#5b6472"
GRID = "#d6dbe3"
LIMIT = "#b3261e"
ACCENT = "#1f5fa8"
EXCURSION_FILL = "#e8a09a"
LABEL_SIZE = 11
SMALL_SIZE = 10
MAX_TICKS = 7
# Steps between ticks, the smallest that keeps at most MAX_TICKS ticks.
DEGREE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
TIME_STEPS = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720)) + tuple(
    timedelta(days=d) for d in (1, 2, 3, 7, 14))
SINGLE_READING_SPAN = timedelta(minutes=30)  # a lone reading is drawn in the middle of an hour


def _default_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")  # the pages pass the language's own (views.shipments._tick)


@dataclass(frozen=True)
class ChartTexts:
    """The words of the figure, already translated; ``limit`` is the limit line's label ("≤ -150 °C")."""

    title: str = "Temperature of the dry shipper"
    no_readings: str = "No temperature readings."
    limit: str = "Storage limit"
    excursion: str = "Excursion above the storage limit"
    temperature: str = "°C"
    reading: str = "%(temperature)s °C at %(time)s"
    time_label: Callable[[datetime], str] = _default_time


# Geometry ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """The plot area and the mapping of (time, °C) into it."""

    start: float  # timestamps
    end: float
    low: float  # °C at the bottom and top
    high: float
    left: float = LEFT
    right: float = WIDTH - RIGHT
    top: float = TOP
    bottom: float = HEIGHT - BOTTOM

    def x(self, moment: datetime) -> float:
        return self.left + (moment.timestamp() - self.start) / (self.end - self.start) * (self.right - self.left)

    def y(self, celsius: float) -> float:
        return self.bottom - (celsius - self.low) / (self.high - self.low) * (self.bottom - self.top)


def degree_step(low: float, high: float) -> int:
    """The smallest step of DEGREE_STEPS that keeps at most MAX_TICKS ticks between low and high."""
    return next((step for step in DEGREE_STEPS if (high - low) / step + 1 <= MAX_TICKS), DEGREE_STEPS[-1])


def temperature_range(values: list[float]) -> tuple[int, int, int]:
    """Bottom, top and step of the °C axis: whole steps around the readings and the limit, never flat."""
    low, high = min(values), max(values)
    if high - low < 2:
        low, high = low - 1, high + 1
    step = degree_step(low, high)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    step = degree_step(bottom, top)  # rounding outwards may have widened the range
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def time_step(span: timedelta) -> timedelta:
    return next((step for step in TIME_STEPS if span / step + 1 <= MAX_TICKS), TIME_STEPS[-1])


def time_ticks(first: datetime, last: datetime) -> list[datetime]:
    """Moments on round values of the wall clock (every hour, every 6 hours, each midnight…) from first to last."""
    step = time_step(last - first)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
    count = math.ceil((first - midnight) / step)
    ticks = []
    tick = midnight + count * step
    while tick.timestamp() <= last.timestamp():
        if tick.timestamp() >= first.timestamp():
            ticks.append(tick)
        tick += step
    return ticks


# Drawing ----------------------------------------------------------------------------------------------

def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, *, size: int = LABEL_SIZE, anchor: str = "middle", fill: str = INK,
          css: str = "") -> str:
    css_attr = f" class={quoteattr(css)}" if css else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{css_attr}>'
            f"{escape(content)}</text>")


def _degrees(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _svg(body: str, texts: ChartTexts) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
            f'class="shipment-chart" font-family={quoteattr(FONT)} preserveAspectRatio="xMinYMin meet" '
            f"aria-label={quoteattr(texts.title)}>"
            f"<title>{escape(texts.title)}</title>"
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>{body}</svg>')


def _frame(readings: list[tuple[datetime, float]], limit_c: float | None) -> tuple[Frame, int]:
    first, last = readings[0][0], readings[-1][0]
    if last.timestamp() - first.timestamp() < 60:
        first, last = first - SINGLE_READING_SPAN, last + SINGLE_READING_SPAN
    values = [float(c) for _at, c in readings] + ([float(limit_c)] if limit_c is not None else [])
    low, high, step = temperature_range(values)
    return Frame(first.timestamp(), last.timestamp(), low, high), step


def _axes(frame: Frame, step: int, first: datetime, last: datetime, texts: ChartTexts) -> list[str]:
    out = []
    for degree in range(int(frame.low), int(frame.high) + 1, step):
        y = frame.y(degree)
        out.append(f'<line x1="{_f(frame.left)}" y1="{_f(y)}" x2="{_f(frame.right)}" y2="{_f(y)}" stroke="{GRID}" '
                   f'stroke-width="0.8"/>')
        out.append(_text(frame.left - 6, y + 4, _degrees(degree), size=SMALL_SIZE, anchor="end", fill=MUTED,
                         css="degree-tick"))
    out.append(_text(frame.left - 6, frame.top - 8, texts.temperature, size=SMALL_SIZE, anchor="end", fill=MUTED))
    for tick in time_ticks(first, last):
        x = frame.x(tick)
        out.append(f'<line x1="{_f(x)}" y1="{_f(frame.top)}" x2="{_f(x)}" y2="{_f(frame.bottom + 4)}" '
                   f'stroke="{GRID}" stroke-width="0.8"/>')
        # A label at either end is aligned inwards, not cut off by the edge.
        anchor = "start" if x - frame.left < 40 else "end" if frame.right - x < 40 else "middle"
        out.append(_text(x, frame.bottom + 18, texts.time_label(tick), size=SMALL_SIZE, anchor=anchor, fill=MUTED,
                         css="time-tick"))
    out.append(f'<line x1="{_f(frame.left)}" y1="{_f(frame.bottom)}" x2="{_f(frame.right)}" y2="{_f(frame.bottom)}" '
               f'stroke="{INK}" stroke-width="1.2"/>')
    out.append(f'<line x1="{_f(frame.left)}" y1="{_f(frame.top)}" x2="{_f(frame.left)}" y2="{_f(frame.bottom)}" '
               f'stroke="{INK}" stroke-width="1.2"/>')
    return out


def _excursions(frame: Frame, excursions: list[tuple[datetime, datetime]], texts: ChartTexts) -> list[str]:
    """A red band over each excursion, at least 4 px wide (an excursion of a single reading)."""
    out = []
    for start, end in excursions:
        x0, x1 = frame.x(start), frame.x(end)
        if x1 - x0 < 4:
            x0, x1 = (x0 + x1) / 2 - 2, (x0 + x1) / 2 + 2
        x0, x1 = max(x0, frame.left), min(x1, frame.right)
        tooltip = f"{texts.excursion}: {texts.time_label(start)} → {texts.time_label(end)}"
        out.append(f'<rect class="excursion" x="{_f(x0)}" y="{_f(frame.top)}" width="{_f(x1 - x0)}" '
                   f'height="{_f(frame.bottom - frame.top)}" fill="{EXCURSION_FILL}" fill-opacity="0.6" '
                   f'stroke="{LIMIT}" stroke-width="1"><title>{escape(tooltip)}</title></rect>')
    return out


def _limit(frame: Frame, limit_c: float, texts: ChartTexts) -> list[str]:
    y = frame.y(float(limit_c))
    return [f'<line class="limit" x1="{_f(frame.left)}" y1="{_f(y)}" x2="{_f(frame.right)}" y2="{_f(y)}" '
            f'stroke="{LIMIT}" stroke-width="1.5" stroke-dasharray="6 4"/>',
            _text(frame.right - 2, y - 5, texts.limit, size=SMALL_SIZE, anchor="end", fill=LIMIT, css="limit-label")]


def _readings(frame: Frame, readings: list[tuple[datetime, float]], texts: ChartTexts) -> list[str]:
    points = [(frame.x(at), frame.y(float(celsius))) for at, celsius in readings]
    out = []
    if len(points) > 1:
        out.append(f'<polyline class="readings" points="{" ".join(f"{_f(x)},{_f(y)}" for x, y in points)}" '
                   f'fill="none" stroke="{ACCENT}" stroke-width="2" stroke-linejoin="round"/>')
    if len(points) <= 60:  # a dot per reading while they can be told apart
        for (x, y), (at, celsius) in zip(points, readings, strict=True):
            words = texts.reading % {"temperature": _degrees(float(celsius)), "time": texts.time_label(at)}
            out.append(f'<circle class="reading" cx="{_f(x)}" cy="{_f(y)}" r="2.5" fill="{ACCENT}">'
                       f"<title>{escape(words)}</title></circle>")
    return out


def render(readings: list[tuple[datetime, float]], limit_c: float | None,
           excursions: list[tuple[datetime, datetime]], texts: ChartTexts = ChartTexts()) -> str:
    """The chart as an SVG string that scales to its container's width.

    ``readings``: (aware time, °C) in time order; ``limit_c``: the storage limit, None when not assessed
    (no line drawn); ``excursions``: (first, last reading above the limit) of each excursion.
    """
    if not readings:
        return _svg(_text(WIDTH / 2, HEIGHT / 2, texts.no_readings, size=LABEL_SIZE + 2, fill=MUTED, css="empty"),
                    texts)
    frame, step = _frame(readings, limit_c)
    first = datetime.fromtimestamp(frame.start, readings[0][0].tzinfo)
    last = datetime.fromtimestamp(frame.end, readings[0][0].tzinfo)
    parts = _excursions(frame, excursions, texts) + _axes(frame, step, first, last, texts)
    if limit_c is not None:
        parts += _limit(frame, limit_c, texts)
    parts += _readings(frame, readings, texts)
    return _svg("".join(parts), texts)
