"""The monitoring chart of an episode, drawn with the product's chart module (cellrelay/charts.py).

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

This module only turns the episode's records into series, bands and marks; drawing, the print-safe
styles and the placing of labels (none over another nor over the "now" line) are the chart module's.
Every text comes in already translated (``Texts``), and the caller says how a day is written (D+3,
J+3, or a date when there is no D0).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
import math

from cellrelay import charts
from cellrelay.charts import ACCENT, ALERT, BAND, GREEN, INK, MUTED, SMALL_SIZE, VIOLET, num, text_width

WIDTH = 1000
LEFT = 160  # room for the row labels and the panels' titles, outside the plot
MARGIN_X = 8  # where the left margin's texts begin
RIGHT = 18
FEVER_C = 38.0
MIN_DAYS = 3  # the axis is never narrower: a couple of days around the data
MARGIN_DAYS = 2 / 24  # room left before the first and after the last moment shown (2 h)
NOW_WITHIN_DAYS = 7  # "now" stretches the axis only while the monitoring is recent (not after discharge)
DAY_STEPS = (1, 2, 5, 7, 10, 14, 28)  # days between day labels, the smallest that fits

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


# The day axis -------------------------------------------------------------------------------------------

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


class Axis(charts.Axis):
    """Whole days from ``first`` to ``last`` across the plot: a day spans [day, day + 1)."""

    def __init__(self, first: int, last: int):
        super().__init__(first, last + 1, LEFT, WIDTH - RIGHT)
        self.first, self.last = first, last

    @property
    def per_day(self) -> float:
        return self.per_unit

    def centre(self, day: int) -> float:
        return self.x(day + 0.5)

    def label_step(self, widest: float) -> int:
        """Label every day when the labels fit, else every 2, 5, 7… days."""
        return int(self.step_for(widest, DAY_STEPS))


def _day_axis(axis: Axis, texts: Texts, top: float, bottom: float) -> list[str]:
    """Day separators across the chart, day labels under it (D0 in bold, with a strong rule)."""
    widest = max(text_width(texts.day_label(d), SMALL_SIZE) for d in (axis.first, axis.last, 0, -1, 10))
    out = [charts.line(axis.x(day), top, axis.x(day), bottom, stroke=charts.GRID, width=0.6)
           for day in range(axis.first, axis.last + 2)]
    for day in axis.aligned_ticks(axis.label_step(widest)):
        day = int(day)
        if day <= axis.last:
            out.append(charts.text(axis.centre(day), bottom + 14, texts.day_label(day), size=SMALL_SIZE,
                                   weight="bold" if day == 0 else "", fill=INK if day == 0 else MUTED,
                                   css="day-label"))
    if axis.first <= 0 <= axis.last:
        out.append(charts.line(axis.x(0), top, axis.x(0), bottom, stroke=ACCENT, width=2, css="d0"))
    out.append(charts.line(axis.left, bottom, axis.right, bottom, width=1.2))
    return out


# Marks ---------------------------------------------------------------------------------------------------

def grade_square(x: float, y: float, size: float, grade: int, *, proposed: bool = False, tooltip: str = "",
                 css: str = "") -> str:
    """A square centred on (x, y): shaded by grade, the number inside, dashed while only proposed."""
    grade = max(0, min(grade, 5))
    square = charts.rect(x - size / 2, y - size / 2, size, size, fill=GRADE_FILL[grade], stroke=INK,
                         stroke_width=1.2, dash="3 2" if proposed else "")
    number = charts.text(x, y + 4, str(grade), size=SMALL_SIZE + 1, weight="bold", fill=GRADE_INK[grade])
    return charts.group(square, number, css=css, tip=tooltip, data={"grade": grade})


def triangle(x: float, y: float, code: str, *, tooltip: str = "", css: str = "") -> str:
    """An upward triangle centred on (x, y), its letter inside (T, C, A, O)."""
    shape = charts.path(f"M{num(x)} {num(y - 10)} L{num(x + 9)} {num(y + 7)} L{num(x - 9)} {num(y + 7)} Z",
                        fill=charts.WHITE, width=1.4)
    return charts.group(shape, charts.text(x, y + 5, code, size=SMALL_SIZE, weight="bold"), css=css, tip=tooltip)


TEMPERATURE = charts.Series("temperature", [], ACCENT, unit="°C", filled_from=FEVER_C)
HEART = charts.Series("heart-rate", [], VIOLET, unit="/min")
SYSTOLIC = charts.Series("systolic", [], INK, marker="down", unit="mmHg")
DIASTOLIC = charts.Series("diastolic", [], INK, marker="up", dash=charts.DASHED, unit="mmHg")
OXYGEN = charts.Series("spo2", [], GREEN, unit="%")


def _legend(texts: Texts, top: float) -> tuple[list[str], float]:
    def with_mark(series: charts.Series, sample_value: float | None = None):
        return lambda x, y: (charts.sample_line(series.colour, series.dash)(x, y)
                             + charts.point_mark(series, x + 10, y, sample_value))

    entries = [
        charts.LegendEntry(24, with_mark(TEMPERATURE), texts.temperature),
        charts.LegendEntry(24, charts.sample_line(ALERT, "5 3", 1.5), texts.fever),
        charts.LegendEntry(24, with_mark(SYSTOLIC), texts.systolic),
        charts.LegendEntry(24, with_mark(DIASTOLIC), texts.diastolic),
        charts.LegendEntry(24, lambda x, y: charts.line(x + 10, y - 7, x + 10, y + 7, stroke=ALERT, width=1.2,
                                                        dash=charts.DOTTED), texts.today),
        charts.LegendEntry(5 * 17 + 4, lambda x, y: "".join(grade_square(x + 7 + 17 * g, y, 14, g) for g in range(5)),
                           texts.grade),
        charts.LegendEntry(18, lambda x, y: grade_square(x + 7, y, 14, 2, proposed=True), texts.proposed),
    ]
    entries += [charts.LegendEntry(20, lambda x, y, c=code: triangle(x + 9, y + 1, c), texts.kinds.get(code, code))
                for code in KIND_CODES]
    entries.append(charts.LegendEntry(24, lambda x, y: charts.rect(x, y - 6, 20, 12, fill=BAND, stroke=INK),
                                      texts.icu))
    return charts.legend(entries, left=MARGIN_X, top=top, right=WIDTH - RIGHT)


TITLE_WIDTH = LEFT - MARGIN_X - 44  # the grid's numbers (3 digits) sit right of the titles, left of the plot


def _margin_title(words: str, top: float) -> list[str]:
    """A panel's title in the left margin, from the top of its panel down: never over the plot."""
    return [charts.text(MARGIN_X, top + 10 + 13 * n, line, anchor="start", weight="bold",
                        css="row-label panel-title")
            for n, line in enumerate(charts.wrap(words, TITLE_WIDTH))]


def _row_label(y: float, words: str) -> str:
    return charts.text(LEFT - 8, y + 4, words, anchor="end", weight="bold", css="row-label")


# Panels --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Panel:
    title: str
    series: list[charts.Series]
    low: float
    high: float
    step: float  # between grid lines
    height: float
    threshold: tuple[float, str, str] | None = None  # value, label, CSS class
    joins: list[tuple[float, float, float]] = field(default_factory=list)  # (at, low, high): a vertical stroke


def vital_panels(temperatures: list[Reading], vitals: list[Vitals], texts: Texts,
                 spo2_threshold: float | None) -> list[Panel]:
    """Temperature, heart rate, blood pressure and SpO2, each on its own scale."""
    heart = [(v.at, v.heart_rate) for v in vitals if v.heart_rate is not None]
    systolic = [(v.at, v.systolic) for v in vitals if v.systolic is not None]
    diastolic = [(v.at, v.diastolic) for v in vitals if v.diastolic is not None]
    spo2 = [(v.at, v.spo2) for v in vitals if v.spo2 is not None]
    pressures = [value for _at, value in systolic + diastolic]
    return [
        Panel(texts.temperature, [replace(TEMPERATURE, points=[(r.at, r.celsius) for r in temperatures])],
              *charts.nice_range([r.celsius for r in temperatures], 36, 40, 1), step=1, height=130,
              threshold=(FEVER_C, texts.fever, "fever-threshold")),
        Panel(texts.heart_rate, [replace(HEART, points=heart)],
              *charts.nice_range([value for _at, value in heart], 60, 120, 20), step=20, height=80),
        Panel(texts.blood_pressure, [replace(SYSTOLIC, points=systolic),
                                     replace(DIASTOLIC, points=diastolic)],
              *charts.nice_range(pressures, 40, 160, 20), step=20, height=100,
              joins=[(v.at, v.diastolic, v.systolic) for v in vitals
                     if v.systolic is not None and v.diastolic is not None]),
        Panel(texts.spo2, [replace(OXYGEN, points=spo2)],
              *charts.nice_range([value for _at, value in spo2], 85, 100, 5), step=5, height=70,
              threshold=(spo2_threshold, texts.spo2_threshold, "spo2-threshold") if spo2_threshold else None),
    ]


def _panel(axis: Axis, panel: Panel, top: float, labels: list[charts.Label]) -> list[str]:
    """The panel's grid, threshold and series; its threshold's label joins ``labels``, to be placed."""
    scale = charts.Scale(panel.low, panel.high, top, top + panel.height)
    out = _margin_title(panel.title, top)
    out += charts.value_grid(axis, scale, charts.spaced_step(panel.low, panel.high, panel.height, panel.step))
    if panel.threshold is not None:
        level, words, css = panel.threshold
        colour = ALERT if css == "fever-threshold" else panel.series[0].colour
        y = scale.y(level)
        out.append(charts.threshold(axis, y, colour=colour, css=css))
        labels.append(charts.Label(words, axis.right - 2, y - 4, anchor="end", fill=colour, css="threshold-label",
                                   alternatives=((axis.left + 4, y - 4, "start"),)))
    for at, low, high in panel.joins:
        out.append(charts.line(axis.x(at), scale.y(high), axis.x(at), scale.y(low), width=0.8, css="bp-join"))
    for series in panel.series:
        out += charts.series_marks(axis, scale, series)
    return out


def _icu_row(axis: Axis, stays: list[Stay], texts: Texts, y: float, now: float | None) -> list[str]:
    out = [_row_label(y, texts.icu)]
    for stay in stays:
        end = stay.end if stay.end is not None else (now if now is not None else axis.last + 1)
        x0 = max(axis.x(stay.start), axis.left)
        x1 = min(max(axis.x(end), x0 + 4), axis.right)
        band = charts.rect(x0, y - 8, x1 - x0, 16, fill=BAND, stroke=INK, dash="4 2" if stay.end is None else "")
        word = (charts.text((x0 + x1) / 2, y + 4, texts.icu, size=SMALL_SIZE)
                if x1 - x0 > text_width(texts.icu, SMALL_SIZE) + 6 else "")
        out.append(charts.group(band, word, css="icu-stay", tip=stay.tooltip))
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
    now_shown = now is not None and axis.first <= now <= axis.last + 1

    parts, bottom = _legend(texts, 4)
    panel_top = bottom + 30
    top, panels, labels = panel_top, [], []
    for panel in vital_panels(temperatures, vitals, texts, spo2_threshold):
        panels += _panel(axis, panel, top, labels)
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
    obstacles = []
    if now_shown:
        x = axis.x(now)
        parts.append(charts.now_line(x, panel_top, axis_bottom, texts.today))
        obstacles.append(charts.now_obstacle(x, panel_top, axis_bottom))
        labels.append(charts.Label(texts.today, x, panel_top - 6, fill=ALERT, css="now-label"))
    placed = charts.place_labels(labels, left=axis.left, right=WIDTH - 2, obstacles=obstacles, row_step=12)
    parts += [spot.svg() for spot in placed]
    return charts.document(parts, width=WIDTH, height=int(axis_bottom + 24), title=texts.title,
                           css="monitoring-chart")
