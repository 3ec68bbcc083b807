"""The temperature of a dry shipper during a shipment, drawn with the product's chart module (cellrelay/charts.py).

Over the time of the log: the readings as a line, the product's storage limit as a dashed horizontal
line with its label, each excursion above the limit as a red band, and axes with a few time and °C
ticks. This module only turns the log into a series, a threshold and bands; drawing, the print-safe
styles and the placing of labels are the chart module's. Every text comes in already translated
(``ChartTexts``), and the caller says how a time is written.

Positions come from ``datetime.timestamp()``, so readings in any zone (or across a change of summer
time) fall where they belong; ticks are placed on the wall clock of the first reading's zone: pass
the readings in the site's local time.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cellrelay import charts
from cellrelay.charts import ACCENT, ALERT, ALERT_FILL, MUTED, SMALL_SIZE

WIDTH = 800
HEIGHT = 300
LEFT = 64  # room for the °C labels
RIGHT = 20
TOP = 24  # room for the limit's label above the plot
BOTTOM = 44  # room for the time labels
MAX_TICKS = 7
SINGLE_READING_SPAN = timedelta(minutes=30)  # a lone reading is drawn in the middle of an hour
MAX_DOTS = 60  # a dot per reading while they can be told apart


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

    @property
    def axis(self) -> charts.Axis:
        return charts.Axis(self.start, self.end, self.left, self.right)

    @property
    def scale(self) -> charts.Scale:
        return charts.Scale(self.low, self.high, self.top, self.bottom)

    def x(self, moment: datetime) -> float:
        return self.axis.x(moment.timestamp())

    def y(self, celsius: float) -> float:
        return self.scale.y(celsius)


def temperature_range(values: list[float]) -> tuple[int, int, int]:
    """Bottom, top and step of the °C axis: whole steps around the readings and the limit, never flat."""
    low, high = min(values), max(values)
    if high - low < 2:
        low, high = low - 1, high + 1
    step = charts.nice_step(low, high, MAX_TICKS)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    step = charts.nice_step(bottom, top, MAX_TICKS)  # rounding outwards may have widened the range
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _degrees(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _frame(readings: list[tuple[datetime, float]], limit_c: float | None) -> tuple[Frame, int]:
    first, last = readings[0][0], readings[-1][0]
    if last.timestamp() - first.timestamp() < 60:
        first, last = first - SINGLE_READING_SPAN, last + SINGLE_READING_SPAN
    values = [float(c) for _at, c in readings] + ([float(limit_c)] if limit_c is not None else [])
    low, high, step = temperature_range(values)
    return Frame(first.timestamp(), last.timestamp(), low, high), step


def _axes(frame: Frame, step: int, first: datetime, last: datetime, texts: ChartTexts) -> list[str]:
    out = charts.value_grid(frame.axis, frame.scale, step, label=_degrees, css="degree-tick")
    out.append(charts.text(frame.left - 6, frame.top - 8, texts.temperature, size=SMALL_SIZE, anchor="end",
                           fill=MUTED))
    for tick in charts.time_ticks(first, last, MAX_TICKS):
        x = frame.x(tick)
        out.append(charts.line(x, frame.top, x, frame.bottom + 4, stroke=charts.GRID, width=0.8))
        out.append(charts.text(x, frame.bottom + 18, texts.time_label(tick), size=SMALL_SIZE, fill=MUTED,
                               anchor=charts.tick_anchor(x, frame.left, frame.right), css="time-tick"))
    out.append(charts.line(frame.left, frame.bottom, frame.right, frame.bottom, width=1.2))
    out.append(charts.line(frame.left, frame.top, frame.left, frame.bottom, width=1.2))
    return out


def _excursions(frame: Frame, excursions: list[tuple[datetime, datetime]], texts: ChartTexts) -> list[str]:
    """A red band over each excursion, at least 4 px wide (an excursion of a single reading)."""
    out = []
    for start, end in excursions:
        x0, x1 = charts.span_x(frame.x(start), frame.x(end), left=frame.left, right=frame.right)
        words = f"{texts.excursion}: {texts.time_label(start)} → {texts.time_label(end)}"
        out.append(charts.rect(x0, frame.top, x1 - x0, frame.bottom - frame.top, fill=ALERT_FILL, opacity=0.6,
                               stroke=ALERT, css="excursion", tip=words))
    return out


def _limit(frame: Frame, limit_c: float, texts: ChartTexts) -> list[str]:
    y = frame.y(float(limit_c))
    label = charts.Label(texts.limit, frame.right - 2, y - 5, anchor="end", fill=ALERT, css="limit-label",
                         halo=True)
    placed = charts.place_labels([label], left=frame.left, right=frame.right)
    return [charts.threshold(frame.axis, y, css="limit")] + [spot.svg() for spot in placed]


def _readings(frame: Frame, readings: list[tuple[datetime, float]], texts: ChartTexts) -> list[str]:
    def tip(at: float, celsius: float) -> str:
        moment = datetime.fromtimestamp(at, readings[0][0].tzinfo)
        return texts.reading % {"temperature": _degrees(celsius), "time": texts.time_label(moment)}

    series = charts.Series("readings", [(at.timestamp(), float(celsius)) for at, celsius in readings], ACCENT,
                           filled=True, marker_size=5, max_markers=MAX_DOTS, tip=tip, mark_css="reading")
    return charts.series_marks(frame.axis, frame.scale, series)


def render(readings: list[tuple[datetime, float]], limit_c: float | None,
           excursions: list[tuple[datetime, datetime]], texts: ChartTexts = ChartTexts()) -> str:
    """The chart as an SVG string that scales to its container's width.

    ``readings``: (aware time, °C) in time order; ``limit_c``: the storage limit, None when not assessed
    (no line drawn); ``excursions``: (first, last reading above the limit) of each excursion.
    """
    if not readings:
        return charts.no_data(texts.no_readings, width=WIDTH, height=HEIGHT, title=texts.title, css="shipment-chart")
    frame, step = _frame(readings, limit_c)
    first = datetime.fromtimestamp(frame.start, readings[0][0].tzinfo)
    last = datetime.fromtimestamp(frame.end, readings[0][0].tzinfo)
    parts = _excursions(frame, excursions, texts) + _axes(frame, step, first, last, texts)
    if limit_c is not None:
        parts += _limit(frame, limit_c, texts)
    parts += _readings(frame, readings, texts)
    return charts.document(parts, width=WIDTH, height=HEIGHT, title=texts.title, css="shipment-chart")
