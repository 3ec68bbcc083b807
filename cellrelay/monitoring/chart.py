"""The monitoring chart of an episode as a server-rendered SVG. No Django, no JavaScript.

On one axis of days since the infusion (D0), fitted to what there is to show: from the first
observation (or the start of lymphodepletion) to the latest one or now, with a small margin, at
least ``MIN_DAYS`` wide. Under a shared axis:

* the temperature, as a line with its readings (filled dots from 38 °C), and the 38 °C fever
  threshold dashed;
* the heart rate; the blood pressure, systolic as a solid line of ▼ and diastolic as a dashed
  line of ▲, joined for each reading; the SpO2, with its 90 % threshold dashed;
* the ICU stays, as a band;
* the treatments given, as labelled triangles (T tocilizumab, C corticosteroid, A anakinra, O other);
* the daily maximum CRS and ICANS grades, as two rows of squares: darker for a higher grade, the
  number written inside, a dashed outline while the grade is only proposed.

Everything reads in black and white: shapes, numbers and dash patterns carry the meaning, colour
only repeats it. No label overlaps another or the "now" line: a threshold's label moves to the
other end of its line when "now" would cross it. Every text comes in already translated
(``Texts``), and the caller says how a day is written (D+3, J+3, or a date when there is no D0);
this module escapes every text.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import math
from xml.sax.saxutils import escape, quoteattr

WIDTH = 1000
LEFT = 160  # room for the row labels and the panels' titles, outside the plot
MARGIN_X = 8  # where the left margin's texts begin
RIGHT = 18
FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#1d2430"
MUTED = "#5b6472"
GRID = "#d6dbe3"
FEVER = "#b3261e"
ACCENT = "#1f5fa8"
ICU_FILL = "#c9d3e0"
HEART = "#6a3d9a"
PRESSURE = "#1d2430"
OXYGEN = "#1e7b45"
LABEL_SIZE = 11
SMALL_SIZE = 10
FEVER_C = 38.0
MIN_DAYS = 3  # the axis is never narrower: a couple of days around the data
MARGIN_DAYS = 2 / 24  # room left before the first and after the last moment shown (2 h)
NOW_WITHIN_DAYS = 7  # "now" stretches the axis only while the monitoring is recent (not after discharge)

# Grade 0-4: shade from white to near black, and the colour of the number written on it.
GRADE_FILL = {0: "#ffffff", 1: "#fbe3a1", 2: "#f2a65a", 3: "#c0392b", 4: "#5e0b0b", 5: "#000000"}
GRADE_INK = {0: INK, 1: INK, 2: INK, 3: "#ffffff", 4: "#ffffff", 5: "#ffffff"}
KIND_CODES = ("T", "C", "A", "O")


@dataclass(frozen=True)
class Reading:
    """A temperature: ``at`` in days since D0 midnight (1.5 = D+1 at noon)."""

    at: float
    celsius: float


@dataclass(frozen=True)
class Vitals:
    """The other signs of a reading (any may be missing): ``at`` in days since D0 midnight."""

    at: float
    heart_rate: float | None = None
    systolic: float | None = None
    diastolic: float | None = None
    spo2: float | None = None


@dataclass(frozen=True)
class DayGrade:
    day: int
    grade: int
    proposed: bool = False


@dataclass(frozen=True)
class Treatment:
    at: float
    code: str  # T, C, A or O
    tooltip: str = ""


@dataclass(frozen=True)
class Stay:
    start: float
    end: float | None = None  # None: still in intensive care
    tooltip: str = ""


def _default_day(day: int) -> str:
    return f"D{day:+d}" if day else "D0"


@dataclass(frozen=True)
class Texts:
    """The words of the figure, already translated."""

    title: str = "Monitoring chart"
    temperature: str = "Temperature (°C)"
    fever: str = "38 °C"
    heart_rate: str = "Heart rate (/min)"
    blood_pressure: str = "Blood pressure (mmHg)"
    systolic: str = "systolic"
    diastolic: str = "diastolic"
    spo2: str = "SpO2 (%)"
    spo2_threshold: str = "90 %"
    crs: str = "CRS"
    icans: str = "ICANS"
    treatments: str = "Treatments"
    icu: str = "ICU"
    grade: str = "Grade"
    proposed: str = "proposed"
    today: str = "Today"
    kinds: dict[str, str] = field(default_factory=lambda: {
        "T": "Tocilizumab", "C": "Corticosteroid", "A": "Anakinra", "O": "Other"})
    day_label: Callable[[int], str] = _default_day


# Geometry ---------------------------------------------------------------------------------------------

def text_width(text: str, size: float = LABEL_SIZE) -> float:
    """A conservative estimate for DejaVu Sans (wide)."""
    wide = sum(1 for c in text if c.isupper() or c in "mwMW%@")
    return (len(text) * 0.6 + wide * 0.12) * size


def day_range(moments: Iterable[float], *, start: float | None = None, now: float | None = None) -> tuple[int, int]:
    """First and last whole day shown: from the first moment to the latest one or ``now``, with
    ``MARGIN_DAYS`` each side; ``now`` counts while it is within ``NOW_WITHIN_DAYS`` of the data.
    Before anything is recorded, from ``start`` (the first day of lymphodepletion). At least
    ``MIN_DAYS`` wide, widened towards the days to come first."""
    points = list(moments)
    if not points and start is not None:
        points = [start + MARGIN_DAYS]
    if now is not None and (not points or now - max(points) <= NOW_WITHIN_DAYS):
        points.append(now)
    if not points:
        points = [0.5]  # nothing at all: the days around D0
    first, last = math.floor(min(points) - MARGIN_DAYS), math.floor(max(points) + MARGIN_DAYS)
    missing = MIN_DAYS - (last - first + 1)
    if missing > 0:
        first, last = first - missing // 2, last + missing - missing // 2
    return first, last


@dataclass(frozen=True)
class Axis:
    first: int
    last: int
    left: float = LEFT
    right: float = WIDTH - RIGHT

    @property
    def per_day(self) -> float:
        return (self.right - self.left) / (self.last - self.first + 1)

    def x(self, at: float) -> float:
        """Where a moment falls (days since D0 midnight); a whole day spans [day, day + 1)."""
        return self.left + (at - self.first) * self.per_day

    def centre(self, day: int) -> float:
        return self.x(day + 0.5)

    def label_step(self, widest: float) -> int:
        """Label every day when the labels fit, else every 2, 5, 7… days."""
        return next((step for step in (1, 2, 5, 7, 10, 14, 28) if step * self.per_day >= widest + 6), 28)


# Drawing ----------------------------------------------------------------------------------------------

def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, *, size: int = LABEL_SIZE, anchor: str = "middle",
          weight: str = "normal", fill: str = INK, css: str = "") -> str:
    attrs = [f'x="{_f(x)}"', f'y="{_f(y)}"', f'font-size="{size}"', f'text-anchor="{anchor}"', f'fill="{fill}"']
    if weight != "normal":
        attrs.append(f'font-weight="{weight}"')
    if css:
        attrs.append(f"class={quoteattr(css)}")
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def _title(tooltip: str) -> str:
    return f"<title>{escape(tooltip)}</title>" if tooltip else ""


def grade_square(x: float, y: float, size: float, grade: int, *, proposed: bool = False, tooltip: str = "",
                 css: str = "") -> str:
    """A square centred on (x, y): shaded by grade, the number inside, dashed while only proposed."""
    grade = max(0, min(grade, 5))
    dash = ' stroke-dasharray="3 2"' if proposed else ""
    css_attr = f" class={quoteattr(css)}" if css else ""
    return (f"<g{css_attr} data-grade=\"{grade}\">{_title(tooltip)}"
            f'<rect x="{_f(x - size / 2)}" y="{_f(y - size / 2)}" width="{_f(size)}" height="{_f(size)}" '
            f'fill="{GRADE_FILL[grade]}" stroke="{INK}" stroke-width="1.2"{dash}/>'
            + _text(x, y + 4, str(grade), size=SMALL_SIZE + 1, weight="bold", fill=GRADE_INK[grade])
            + "</g>")


def triangle(x: float, y: float, code: str, *, tooltip: str = "", css: str = "") -> str:
    """An upward triangle centred on (x, y), its letter inside (T, C, A, O)."""
    css_attr = f" class={quoteattr(css)}" if css else ""
    return (f"<g{css_attr}>{_title(tooltip)}"
            f'<path d="M{_f(x)} {_f(y - 10)} L{_f(x + 9)} {_f(y + 7)} L{_f(x - 9)} {_f(y + 7)} Z" fill="#fff" '
            f'stroke="{INK}" stroke-width="1.4"/>'
            + _text(x, y + 5, code, size=SMALL_SIZE, weight="bold") + "</g>")


def _legend(texts: Texts, top: float) -> tuple[list[str], float]:
    """Entries laid out left to right, wrapping to a new line when the width runs out."""
    entries: list[tuple[float, Callable[[float, float], str], str]] = [
        (24, lambda x, y: (f'<polyline points="{_f(x)},{_f(y)} {_f(x + 10)},{_f(y - 5)} {_f(x + 20)},{_f(y + 1)}" '
                           f'fill="none" stroke="{ACCENT}" stroke-width="2"/>'
                           f'<circle cx="{_f(x + 10)}" cy="{_f(y - 5)}" r="3" fill="{ACCENT}"/>'), texts.temperature),
        (24, lambda x, y: (f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 20)}" y2="{_f(y)}" stroke="{FEVER}" '
                           f'stroke-width="1.5" stroke-dasharray="5 3"/>'), texts.fever),
        (5 * 17 + 4, lambda x, y: "".join(grade_square(x + 7 + 17 * g, y, 14, g) for g in range(5)), texts.grade),
        (18, lambda x, y: grade_square(x + 7, y, 14, 2, proposed=True), texts.proposed),
    ]
    entries += [(20, lambda x, y, c=code: triangle(x + 9, y + 1, c), texts.kinds.get(code, code))
                for code in KIND_CODES]
    entries.append((24, lambda x, y: (f'<rect x="{_f(x)}" y="{_f(y - 6)}" width="20" height="12" fill="{ICU_FILL}" '
                                      f'stroke="{INK}" stroke-width="1"/>'), texts.icu))
    entries[2:2] = [
        (24, lambda x, y: (f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 20)}" y2="{_f(y)}" stroke="{PRESSURE}" '
                           f'stroke-width="2"/>' + _marker(Series("legend", [], PRESSURE, marker="down"), x + 10, y)),
         texts.systolic),
        (24, lambda x, y: (f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 20)}" y2="{_f(y)}" stroke="{PRESSURE}" '
                           f'stroke-width="2" stroke-dasharray="5 3"/>'
                           + _marker(Series("legend", [], PRESSURE, marker="up"), x + 10, y)), texts.diastolic),
        (24, lambda x, y: (f'<line x1="{_f(x + 10)}" y1="{_f(y - 7)}" x2="{_f(x + 10)}" y2="{_f(y + 7)}" '
                           f'stroke="{FEVER}" stroke-width="1.2" stroke-dasharray="2 3"/>'), texts.today),
    ]
    out, x, y = [], float(MARGIN_X), top + 10
    for width, draw, words in entries:
        needed = width + 4 + text_width(words, SMALL_SIZE) + 16
        if x + needed > WIDTH - RIGHT and x > MARGIN_X:
            x, y = float(MARGIN_X), y + 22
        out.append(f'<g class="legend-entry">{draw(x, y)}'
                   + _text(x + width + 4, y + 4, words, size=SMALL_SIZE, anchor="start") + "</g>")
        x += needed
    return out, y + 14


def wrap(words: str, width: float, size: float = LABEL_SIZE) -> list[str]:
    """Words in lines no wider than ``width`` (a single longer word keeps its own line)."""
    lines: list[str] = []
    for word in words.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


TITLE_WIDTH = LEFT - MARGIN_X - 44  # the grid's numbers (3 digits) sit right of the titles, left of the plot


def _margin_title(words: str, top: float) -> list[str]:
    """A panel's title in the left margin, from the top of its panel down: never over the plot."""
    return [_text(MARGIN_X, top + 10 + 13 * n, line, anchor="start", weight="bold", css="row-label panel-title")
            for n, line in enumerate(wrap(words, TITLE_WIDTH))]


def _row_label(y: float, words: str) -> str:
    return _text(LEFT - 8, y + 4, words, anchor="end", weight="bold", css="row-label")


def _day_axis(axis: Axis, texts: Texts, top: float, bottom: float) -> list[str]:
    """Day separators across the chart, day labels under it (D0 in bold, with a strong rule)."""
    out = []
    widest = max(text_width(texts.day_label(d), SMALL_SIZE) for d in (axis.first, axis.last, 0, -1, 10))
    step = axis.label_step(widest)
    for day in range(axis.first, axis.last + 2):
        x = axis.x(day)
        out.append(f'<line x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{GRID}" '
                   f'stroke-width="0.6"/>')
    for day in range(axis.first, axis.last + 1):
        if day % step == 0:
            out.append(_text(axis.centre(day), bottom + 14, texts.day_label(day), size=SMALL_SIZE,
                             weight="bold" if day == 0 else "normal", fill=INK if day == 0 else MUTED,
                             css="day-label"))
    if axis.first <= 0 <= axis.last:
        x = axis.x(0)
        out.append(f'<line class="d0" x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{ACCENT}" '
                   f'stroke-width="2"/>')
    out.append(f'<line x1="{_f(axis.left)}" y1="{_f(bottom)}" x2="{_f(axis.right)}" y2="{_f(bottom)}" '
               f'stroke="{INK}" stroke-width="1.2"/>')
    return out


@dataclass(frozen=True)
class Series:
    """One line of a panel: its points (days, value), drawn with a dash pattern and a marker shape."""

    name: str  # CSS class of the line and of its markers
    points: list[tuple[float, float]]
    colour: str
    marker: str = "circle"  # circle, down (▼) or up (▲)
    dash: str = ""  # stroke-dasharray; "" = solid
    unit: str = ""
    filled_from: float | None = None  # markers filled from this value up (fever); hollow below


@dataclass(frozen=True)
class Panel:
    title: str
    series: list[Series]
    low: float
    high: float
    step: float  # between grid lines
    height: float
    threshold: tuple[float, str, str] | None = None  # value, label, CSS class
    joins: list[tuple[float, float, float]] = field(default_factory=list)  # (at, low, high): a vertical stroke


def _marker(series: Series, x: float, y: float, value: float | None = None) -> str:
    """A reading's mark (with its value as a tooltip), or the legend's sample when ``value`` is None."""
    filled = series.filled_from is not None and value is not None and value >= series.filled_from
    fill = series.colour if filled else "#fff"
    tooltip = _title(f"{_f(value)} {series.unit}".strip()) if value is not None else ""
    css = f"reading {series.name}" + (" fever" if filled else "")
    if series.marker == "circle":
        return (f'<circle class="{css}" cx="{_f(x)}" cy="{_f(y)}" r="3.2" fill="{fill}" stroke="{series.colour}" '
                f'stroke-width="1.5">{tooltip}</circle>')
    tip, base = (4, -4) if series.marker == "down" else (-4, 4)
    return (f'<path class="{css}" d="M{_f(x)} {_f(y + tip)} L{_f(x + 4)} {_f(y + base)} L{_f(x - 4)} {_f(y + base)} Z" '
            f'fill="{series.colour}" stroke="{series.colour}" stroke-width="1">{tooltip}</path>')


def nice_range(values: list[float], low: float, high: float, step: float) -> tuple[float, float]:
    """The default range, widened to the values, on whole steps."""
    if values:
        low = min(low, math.floor(min(values) / step) * step)
        high = max(high, math.ceil(max(values) / step) * step)
    return low, high


def _grid_step(low: float, high: float, height: float, step: float) -> float:
    """Grid lines at least 16 px apart, so that their labels never touch."""
    while (high - low) / step * 16 > height:
        step *= 2
    return step


def threshold_label_x(axis: Axis, text: str, now_x: float | None) -> tuple[float, str]:
    """Where a threshold's label goes: at the right end of its line, else at the left end when the
    "now" line would cross it there."""
    width = text_width(text, SMALL_SIZE)
    right = (axis.right - 2 - width - 4, axis.right - 2 + 4)
    if now_x is None or not right[0] <= now_x <= right[1]:
        return axis.right - 2, "end"
    return axis.left + 4, "start"


def _panel(axis: Axis, panel: Panel, top: float, now_x: float | None) -> list[str]:
    height = panel.height

    def y(value: float) -> float:
        return top + height - (value - panel.low) / (panel.high - panel.low) * height

    out = _margin_title(panel.title, top)
    step = _grid_step(panel.low, panel.high, height, panel.step)
    value = panel.low
    while value <= panel.high + 1e-9:
        out.append(f'<line x1="{_f(axis.left)}" y1="{_f(y(value))}" x2="{_f(axis.right)}" y2="{_f(y(value))}" '
                   f'stroke="{GRID}" stroke-width="0.8"/>')
        out.append(_text(axis.left - 6, y(value) + 4, _f(value), size=SMALL_SIZE, anchor="end", fill=MUTED))
        value += step
    if panel.threshold is not None:
        level, words, css = panel.threshold
        colour = FEVER if css == "fever-threshold" else panel.series[0].colour
        out.append(f'<line class="{css}" x1="{_f(axis.left)}" y1="{_f(y(level))}" x2="{_f(axis.right)}" '
                   f'y2="{_f(y(level))}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4"/>')
        x, anchor = threshold_label_x(axis, words, now_x)
        out.append(_text(x, y(level) - 4, words, size=SMALL_SIZE, anchor=anchor, fill=colour,
                         css="threshold-label"))
    for at, low, high in panel.joins:
        out.append(f'<line class="bp-join" x1="{_f(axis.x(at))}" y1="{_f(y(high))}" x2="{_f(axis.x(at))}" '
                   f'y2="{_f(y(low))}" stroke="{PRESSURE}" stroke-width="0.8"/>')
    for series in panel.series:
        points = sorted(series.points)
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        if len(points) > 1:
            coords = " ".join(f"{_f(axis.x(at))},{_f(y(value))}" for at, value in points)
            out.append(f'<polyline class="{series.name}" points="{coords}" fill="none" stroke="{series.colour}" '
                       f'stroke-width="2" stroke-linejoin="round"{dash}/>')
        out += [_marker(series, axis.x(at), y(value), value) for at, value in points]
    return out


def vital_panels(temperatures: list[Reading], vitals: list[Vitals], texts: Texts,
                 spo2_threshold: float | None) -> list[Panel]:
    """Temperature, heart rate, blood pressure and SpO2, each on its own scale."""
    celsius = [r.celsius for r in temperatures]
    heart = [(v.at, v.heart_rate) for v in vitals if v.heart_rate is not None]
    systolic = [(v.at, v.systolic) for v in vitals if v.systolic is not None]
    diastolic = [(v.at, v.diastolic) for v in vitals if v.diastolic is not None]
    spo2 = [(v.at, v.spo2) for v in vitals if v.spo2 is not None]
    pressures = [value for _at, value in systolic + diastolic]
    return [
        Panel(texts.temperature, [Series("temperature", [(r.at, r.celsius) for r in temperatures], ACCENT,
                                         unit="°C", filled_from=FEVER_C)],
              *nice_range(celsius, 36, 40, 1), step=1, height=130,
              threshold=(FEVER_C, texts.fever, "fever-threshold")),
        Panel(texts.heart_rate, [Series("heart-rate", heart, HEART, unit="/min")],
              *nice_range([value for _at, value in heart], 60, 120, 20), step=20, height=80),
        Panel(texts.blood_pressure,
              [Series("systolic", systolic, PRESSURE, marker="down", unit="mmHg"),
               Series("diastolic", diastolic, PRESSURE, marker="up", dash="5 3", unit="mmHg")],
              *nice_range(pressures, 40, 160, 20), step=20, height=100,
              joins=[(v.at, v.diastolic, v.systolic) for v in vitals
                     if v.systolic is not None and v.diastolic is not None]),
        Panel(texts.spo2, [Series("spo2", spo2, OXYGEN, unit="%")],
              *nice_range([value for _at, value in spo2], 85, 100, 5), step=5, height=70,
              threshold=(spo2_threshold, texts.spo2_threshold, "spo2-threshold") if spo2_threshold else None),
    ]


def _now_line(axis: Axis, now: float | None, texts: Texts, top: float, bottom: float) -> list[str]:
    """The "now" line across the panels, its word above them, kept inside the canvas."""
    if now is None or not axis.first <= now <= axis.last + 1:
        return []
    x = axis.x(now)
    half = text_width(texts.today, SMALL_SIZE) / 2
    label_x, anchor = x, "middle"
    if x + half > WIDTH - 2:
        label_x, anchor = x - 3, "end"
    elif x - half < axis.left:
        label_x, anchor = x + 3, "start"
    return [f'<line class="now" x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{FEVER}" '
            f'stroke-width="1.2" stroke-dasharray="2 3"><title>{escape(texts.today)}</title></line>',
            _text(label_x, top - 4, texts.today, size=SMALL_SIZE, anchor=anchor, fill=FEVER, css="now-label")]


def _icu_row(axis: Axis, stays: list[Stay], texts: Texts, y: float, now: float | None) -> list[str]:
    out = [_row_label(y, texts.icu)]
    for stay in stays:
        end = stay.end if stay.end is not None else (now if now is not None else axis.last + 1)
        x0 = max(axis.x(stay.start), axis.left)
        x1 = min(max(axis.x(end), x0 + 4), axis.right)
        open_end = ' stroke-dasharray="4 2"' if stay.end is None else ""
        out.append(f'<g class="icu-stay">{_title(stay.tooltip)}<rect x="{_f(x0)}" y="{_f(y - 8)}" '
                   f'width="{_f(x1 - x0)}" height="16" fill="{ICU_FILL}" stroke="{INK}" stroke-width="1"{open_end}/>'
                   + (_text((x0 + x1) / 2, y + 4, texts.icu, size=SMALL_SIZE)
                      if x1 - x0 > text_width(texts.icu, SMALL_SIZE) + 6 else "") + "</g>")
    return out


def _treatment_row(axis: Axis, treatments: list[Treatment], texts: Texts, y: float) -> list[str]:
    out = [_row_label(y, texts.treatments)]
    last_x = float("-inf")
    for treatment in sorted(treatments, key=lambda t: t.at):
        x = max(axis.x(treatment.at), last_x + 19)  # side by side when given close together
        code = treatment.code if treatment.code in KIND_CODES else "O"
        out.append(triangle(x, y, code, tooltip=treatment.tooltip, css=f"treatment treatment-{code}"))
        last_x = x
    return out


def _grade_row(axis: Axis, grades: list[DayGrade], label: str, texts: Texts, y: float, scale: str) -> list[str]:
    out = [_row_label(y, label)]
    size = max(min(axis.per_day - 3, 20), 12)
    for grade in grades:
        words = f"{label} {texts.day_label(grade.day)}: {grade.grade}" + (f" ({texts.proposed})"
                                                                          if grade.proposed else "")
        out.append(grade_square(axis.centre(grade.day), y, size, grade.grade, proposed=grade.proposed,
                                tooltip=words, css=f"grade {scale}"))
    return out


def render(*, temperatures: Iterable[Reading] = (), vitals: Iterable[Vitals] = (), crs: Iterable[DayGrade] = (),
           icans: Iterable[DayGrade] = (), treatments: Iterable[Treatment] = (), stays: Iterable[Stay] = (),
           now: float | None = None, start: float | None = None, spo2_threshold: float | None = None,
           texts: Texts = Texts()) -> str:
    """The whole chart as an SVG string that scales to its container's width.

    ``start``: the beginning of lymphodepletion, where the axis starts while nothing is recorded;
    ``now``: where the "now" line goes (and the axis ends at the earliest, while the monitoring is recent).
    """
    temperatures, vitals, crs, icans = list(temperatures), list(vitals), list(crs), list(icans)
    treatments, stays = list(treatments), list(stays)
    moments = ([r.at for r in temperatures] + [v.at for v in vitals] + [g.day + 0.5 for g in crs + icans]
               + [t.at for t in treatments] + [s.start for s in stays] + [s.end for s in stays if s.end is not None])
    axis = Axis(*day_range(moments, start=start, now=now))
    now_x = axis.x(now) if now is not None and axis.first <= now <= axis.last + 1 else None

    parts, bottom = _legend(texts, 4)
    panel_top = bottom + 30
    top, panels = panel_top, []
    for panel in vital_panels(temperatures, vitals, texts, spo2_threshold):
        panels += _panel(axis, panel, top, now_x)
        top += panel.height + 22
    icu_y = top + 4
    treatment_y = icu_y + 28
    crs_y = treatment_y + 30
    icans_y = crs_y + 28
    axis_bottom = icans_y + 16
    parts += _day_axis(axis, texts, panel_top, axis_bottom)
    parts += panels
    parts += _icu_row(axis, stays, texts, icu_y, now)
    parts += _treatment_row(axis, treatments, texts, treatment_y)
    parts += _grade_row(axis, crs, texts.crs, texts, crs_y, "crs")
    parts += _grade_row(axis, icans, texts.icans, texts, icans_y, "icans")
    parts += _now_line(axis, now, texts, panel_top, axis_bottom)
    height = int(axis_bottom + 24)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
            f'class="monitoring-chart" font-family={quoteattr(FONT)} preserveAspectRatio="xMinYMin meet" '
            f'aria-label={quoteattr(texts.title)}>'
            f"<title>{escape(texts.title)}</title>"
            f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>' + "".join(parts) + "</svg>")
