"""The monitoring chart of an episode as a server-rendered SVG. No Django, no JavaScript.

On one axis of days since the infusion (D0), from the first observation (at least D-1 to D+30,
more when the data go further):

* the temperature, as a line with its readings (filled dots from 38 °C), and the 38 °C fever
  threshold dashed;
* the ICU stays, as a band;
* the treatments given, as labelled triangles (T tocilizumab, C corticosteroid, A anakinra, O other);
* the daily maximum CRS and ICANS grades, as two rows of squares: darker for a higher grade, the
  number written inside, a dashed outline while the grade is only proposed.

Everything reads in black and white: shapes, numbers and dash patterns carry the meaning, colour
only repeats it. Every text comes in already translated (``Texts``), and the caller says how a
day is written (D+3, J+3, or a date when there is no D0); this module escapes every text.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import math
from xml.sax.saxutils import escape, quoteattr

WIDTH = 1000
LEFT = 112  # room for the row labels
RIGHT = 18
FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#1d2430"
MUTED = "#5b6472"
GRID = "#d6dbe3"
FEVER = "#b3261e"
ACCENT = "#1f5fa8"
ICU_FILL = "#c9d3e0"
LABEL_SIZE = 11
SMALL_SIZE = 10
FEVER_C = 38.0
MIN_FIRST_DAY = -1
MIN_LAST_DAY = 30

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


def day_range(days: Iterable[float]) -> tuple[int, int]:
    """First and last whole day shown: at least D-1…D+30, more when the data go beyond."""
    days = list(days)
    first = min([MIN_FIRST_DAY] + [math.floor(d) for d in days])
    last = max([MIN_LAST_DAY] + [math.floor(d) for d in days])
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


def temperature_range(readings: list[Reading]) -> tuple[int, int]:
    """Whole degrees shown: 36-40 °C at least, widened to the readings."""
    values = [r.celsius for r in readings]
    low = min([36] + [math.floor(v) for v in values])
    high = max([40] + [math.ceil(v) for v in values])
    return low, high


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
    out, x, y = [], float(LEFT - 96), top + 10
    for width, draw, words in entries:
        needed = width + 4 + text_width(words, SMALL_SIZE) + 16
        if x + needed > WIDTH - RIGHT and x > LEFT - 96:
            x, y = float(LEFT - 96), y + 22
        out.append(f'<g class="legend-entry">{draw(x, y)}'
                   + _text(x + width + 4, y + 4, words, size=SMALL_SIZE, anchor="start") + "</g>")
        x += needed
    return out, y + 14


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


def _temperature_panel(axis: Axis, readings: list[Reading], texts: Texts, top: float) -> tuple[list[str], float]:
    height = 150
    low, high = temperature_range(readings)

    def y(celsius: float) -> float:
        return top + height - (celsius - low) / (high - low) * height

    out = [_text(LEFT - 96, top - 16, texts.temperature, anchor="start", weight="bold", css="row-label")]
    for degree in range(low, high + 1):
        out.append(f'<line x1="{_f(axis.left)}" y1="{_f(y(degree))}" x2="{_f(axis.right)}" y2="{_f(y(degree))}" '
                   f'stroke="{GRID}" stroke-width="0.8"/>')
        out.append(_text(axis.left - 6, y(degree) + 4, str(degree), size=SMALL_SIZE, anchor="end", fill=MUTED))
    out.append(f'<line class="fever-threshold" x1="{_f(axis.left)}" y1="{_f(y(FEVER_C))}" x2="{_f(axis.right)}" '
               f'y2="{_f(y(FEVER_C))}" stroke="{FEVER}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    out.append(_text(axis.right - 2, y(FEVER_C) - 4, texts.fever, size=SMALL_SIZE, anchor="end", fill=FEVER))
    points = sorted(readings, key=lambda r: r.at)
    if len(points) > 1:
        coords = " ".join(f"{_f(axis.x(r.at))},{_f(y(r.celsius))}" for r in points)
        out.append(f'<polyline class="temperature" points="{coords}" fill="none" stroke="{ACCENT}" '
                   f'stroke-width="2" stroke-linejoin="round"/>')
    for r in points:
        fever = r.celsius >= FEVER_C
        out.append(f'<circle class="reading{" fever" if fever else ""}" cx="{_f(axis.x(r.at))}" '
                   f'cy="{_f(y(r.celsius))}" r="3.2" fill="{ACCENT if fever else "#fff"}" stroke="{ACCENT}" '
                   f'stroke-width="1.5"><title>{escape(f"{r.celsius:.1f} °C")}</title></circle>')
    return out, top + height


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


def render(*, temperatures: Iterable[Reading] = (), crs: Iterable[DayGrade] = (), icans: Iterable[DayGrade] = (),
           treatments: Iterable[Treatment] = (), stays: Iterable[Stay] = (), now: float | None = None,
           texts: Texts = Texts()) -> str:
    """The whole chart as an SVG string that scales to its container's width."""
    temperatures, crs, icans = list(temperatures), list(crs), list(icans)
    treatments, stays = list(treatments), list(stays)
    moments = ([r.at for r in temperatures] + [g.day for g in crs + icans] + [t.at for t in treatments]
               + [s.start for s in stays] + [s.end for s in stays if s.end is not None])
    axis = Axis(*day_range(moments))

    parts, bottom = _legend(texts, 4)
    panel_top = bottom + 32
    panel, panel_bottom = _temperature_panel(axis, temperatures, texts, panel_top)
    icu_y = panel_bottom + 22
    treatment_y = icu_y + 28
    crs_y = treatment_y + 30
    icans_y = crs_y + 28
    axis_bottom = icans_y + 16
    parts += _day_axis(axis, texts, panel_top, axis_bottom)
    parts += panel
    parts += _icu_row(axis, stays, texts, icu_y, now)
    parts += _treatment_row(axis, treatments, texts, treatment_y)
    parts += _grade_row(axis, crs, texts.crs, texts, crs_y, "crs")
    parts += _grade_row(axis, icans, texts.icans, texts, icans_y, "icans")
    if now is not None and axis.first <= now <= axis.last + 1:
        x = axis.x(now)
        parts.append(f'<line class="now" x1="{_f(x)}" y1="{_f(panel_top)}" x2="{_f(x)}" y2="{_f(axis_bottom)}" '
                     f'stroke="{FEVER}" stroke-width="1.2" stroke-dasharray="2 3"><title>{escape(texts.today)}'
                     f"</title></line>")
    height = int(axis_bottom + 24)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
            f'class="monitoring-chart" font-family={quoteattr(FONT)} preserveAspectRatio="xMinYMin meet" '
            f'aria-label={quoteattr(texts.title)}>'
            f"<title>{escape(texts.title)}</title>"
            f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>' + "".join(parts) + "</svg>")
