"""The timeline of a treatment episode, drawn with the product's chart module (cellrelay/charts.py).

Two bands:

* the pathway, on a date axis from the referral to D28: referral and RCP decision, apheresis,
  product receipt, admission, the lymphodepletion days (LD1, LD2…, on a shaded span), rest
  days, the infusion (D0, emphasised), the D7/D14/D28 assessments, discharge and the end of the
  stay near the center. When the weeks before admission would squeeze the hospital stay, they
  get a compressed stretch of the axis, shown by a break mark (//) on the axis.
* the follow-up timepoints (D100, M6, M12, Y2…Y15), evenly spaced in order, each with its date.

Planned dates are hollow markers, done dates filled ones (joined by a thin arc when the step
was done on another day than planned), cancelled steps are crossed out. Markers differ by
shape and fill, not only by colour, so that the figure reads when printed in black and white.
This module only turns milestones into marks on a date axis; drawing, the print-safe styles and
the placing of labels (none over another nor over the "today" line) are the chart module's. Every
text comes in already translated (``Texts``); dates are formatted by the caller's functions so that
this module stays language-free.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
import math

from cellrelay import charts
from cellrelay.charts import ACCENT, ALERT, INK, LABEL_SIZE, LINE, MUTED, SHADE, SMALL_SIZE, WHITE, num, text_width

from .schedule import Kind

WIDTH = 1000
MARGIN = 36
ROW_HEIGHT = 15
# The weeks before admission never take more than this share of the pathway axis.
PREPARATION_SHARE = 0.36

PLANNED, DONE, CANCELLED = "planned", "done", "cancelled"
# Kinds labelled by their code on the axis (LD1, D0, D14, M6…); others by their name; rest days not at all.
CODE_LABELLED = {Kind.LYMPHODEPLETION, Kind.INFUSION, Kind.ASSESSMENT, Kind.FOLLOW_UP}
HOSPITAL_KINDS = {Kind.ADMISSION, Kind.LYMPHODEPLETION, Kind.REST, Kind.INFUSION}


@dataclass(frozen=True)
class Item:
    """One milestone. ``label`` is the full translated name (tooltips); ``code`` as planned (LD1, D0…)."""

    label: str
    kind: str
    planned: date
    actual: date | None = None
    status: str = PLANNED
    code: str = ""

    @property
    def when(self) -> date:
        return self.actual or self.planned

    @property
    def axis_label(self) -> str:
        if self.kind == Kind.REST:
            return ""
        return self.code if self.kind in CODE_LABELLED and self.code else self.label


def _iso(day: date) -> str:
    return day.isoformat()


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


@dataclass(frozen=True)
class Texts:
    """The words of the figure, already translated, and how to write a date."""

    title: str
    planned: str
    done: str
    today: str
    referral: str
    decision: str
    follow_up: str
    cancelled: str = ""
    format_date: Callable[[date], str] = _iso  # full date: tooltips
    format_tick: Callable[[date], str] = _iso  # short date under the pathway axis
    format_month: Callable[[date], str] = _month  # follow-up dates


# Geometry ------------------------------------------------------------------------------------------

def pathway_axis(start: date, end: date, hospital_start: date | None) -> charts.Axis:
    """Dates (as ordinals) to x: linear, or with the weeks before the hospital stay compressed into
    ``PREPARATION_SHARE`` of the width when they would take more."""
    left, right = MARGIN, WIDTH - MARGIN
    first, last = start.toordinal(), max(end.toordinal(), start.toordinal() + 1)
    if hospital_start is None or not start < hospital_start < end:
        return charts.Axis(first, last, left, right)
    if (hospital_start - start).days / (last - first) <= PREPARATION_SHARE + 0.04:
        return charts.Axis(first, last, left, right)
    return charts.Axis(first, last, left, right, break_at=hospital_start.toordinal(),
                       break_x=left + (right - left) * PREPARATION_SHARE)


# Drawing -------------------------------------------------------------------------------------------

def marker(kind: str, x: float, y: float, *, filled: bool, crossed: bool = False, tooltip: str = "",
           css: str = "") -> str:
    """Squares for lymphodepletion, a large diamond for D0, small dots for rest days, circles otherwise;
    triangles for the referral and the decision. Filled = done, hollow = planned."""
    colour = MUTED if crossed else INK
    shape, size = {Kind.LYMPHODEPLETION: ("square", 10), Kind.INFUSION: ("diamond", 18), Kind.REST: ("circle", 6),
                   "referral": ("up", 12), "decision": ("up", 12)}.get(kind, ("circle", 11))
    mark = charts.marker(shape, x, y, size=size, fill=colour if filled else WHITE, stroke=colour,
                         width=2 if kind == Kind.INFUSION else 1.6)
    return charts.group(mark, charts.cross(x, y) if crossed else "", css=css, tip=tooltip)


def _tooltip(item: Item, texts: Texts) -> str:
    parts = [item.label, f"{texts.planned}: {texts.format_date(item.planned)}"]
    if item.status == DONE and item.actual:
        parts.append(f"{texts.done}: {texts.format_date(item.actual)}")
    elif item.status == CANCELLED and texts.cancelled:
        parts.append(texts.cancelled)
    return " — ".join(parts)


def _state(item: Item) -> str:
    return {DONE: "done", CANCELLED: "cancelled"}.get(item.status, "planned")


def _legend(texts: Texts, with_cancelled: bool) -> tuple[list[str], float]:
    entries = [charts.LegendEntry(12, lambda x, y: marker(Kind.APHERESIS, x + 6, y, filled=False), texts.planned),
               charts.LegendEntry(12, lambda x, y: marker(Kind.APHERESIS, x + 6, y, filled=True), texts.done)]
    if with_cancelled and texts.cancelled:
        entries.append(charts.LegendEntry(12, lambda x, y: marker(Kind.APHERESIS, x + 6, y, filled=False,
                                                                  crossed=True), texts.cancelled))
    entries.append(charts.LegendEntry(22, lambda x, y: charts.line(x, y, x + 22, y, stroke=ALERT, width=2,
                                                                   dash=charts.DASHED), texts.today))
    return charts.legend(entries, left=MARGIN, top=2, right=WIDTH - MARGIN, size=LABEL_SIZE)


def _week_labels(axis: charts.Axis, d0: date, texts: Texts, axis_y: float) -> list[str]:
    """Weekly ticks from D0, both ways; their dates while they stand apart, D0's in bold."""
    out, last_end = [], float("-inf")
    for ordinal in axis.aligned_ticks(7, anchor=d0.toordinal()):
        day, x = date.fromordinal(int(ordinal)), axis.x(ordinal)
        out.append(charts.line(x, axis_y, x, axis_y + 5))
        words = texts.format_tick(day)
        width = text_width(words, SMALL_SIZE)
        if x - width / 2 >= last_end + 6 and x + width / 2 <= WIDTH:
            out.append(charts.text(x, axis_y + 18, words, size=SMALL_SIZE, weight="bold" if day == d0 else "",
                                   fill=INK if day == d0 else MUTED))
            last_end = x + width / 2
    return out


def _shown_on(item: Item) -> date:
    """Where the step's mark (and label) stands: when it was done, else when it is planned."""
    return item.actual if item.status == DONE and item.actual else item.planned


def _wanted_labels(items: list[Item], events: list[tuple[str, str, date]],
                   axis: charts.Axis) -> list[tuple[float, str, bool]]:
    """(x, words, emphasised) of each label the marks ask for."""
    return ([(axis.x(day.toordinal()), words, False) for _kind, words, day in events]
            + [(axis.x(_shown_on(item).toordinal()), item.axis_label, item.kind == Kind.INFUSION)
               for item in items if item.axis_label])


def _marks(items: list[Item], events: list[tuple[str, str, date]], axis: charts.Axis, texts: Texts,
           axis_y: float) -> list[str]:
    """The markers on the axis: planned hollow, done filled, an arc from plan to what happened."""
    out = []
    for kind, words, day in events:
        out.append(marker(kind, axis.x(day.toordinal()), axis_y, filled=True,
                          tooltip=f"{words} — {texts.format_date(day)}", css=f"marker {kind} done"))
    for item in items:
        tooltip, css = _tooltip(item, texts), f"marker {item.kind} {_state(item)}"
        x = axis.x(item.planned.toordinal())
        if item.status == DONE and item.actual:
            actual_x = axis.x(item.actual.toordinal())
            if item.actual != item.planned:
                out.append(charts.path(f"M{num(x)} {num(axis_y)} Q{num((x + actual_x) / 2)} {num(axis_y - 18)} "
                                       f"{num(actual_x)} {num(axis_y)}", width=1, css="slip"))
                out.append(marker(item.kind, x, axis_y, filled=False, tooltip=tooltip,
                                  css=f"marker {item.kind} planned"))
            out.append(marker(item.kind, actual_x, axis_y, filled=True, tooltip=tooltip, css=css))
        else:
            out.append(marker(item.kind, x, axis_y, filled=False, crossed=item.status == CANCELLED,
                              tooltip=tooltip, css=css))
    return out


def _beside_its_marker(x: float) -> tuple[tuple[float, float, str], ...]:
    """Where a label may go before it is nudged away: ending or starting at its marker on the first row, then
    centred, ending or starting at it on the rows above (a leader joins it to its marker), so that a long label
    near the today line or the edge stays over its own marker rather than drifting over another's."""
    first = ((x, -16, "end"), (x, -16, "start"))
    above = tuple((x, -16 - row * ROW_HEIGHT, anchor) for row in range(1, 4) for anchor in ("middle", "end", "start"))
    return first + above


def _place_above_axis(labels: list[tuple[float, str, bool]], today_x: float | None,
                      axis: charts.Axis) -> list[charts.Placed]:
    """The labels above the axis (y relative to it), on the nearest free row, away from the today line;
    D0 first."""
    wanted = [charts.Label(words, x, -16, size=LABEL_SIZE + 2 if strong else LABEL_SIZE,
                           weight="bold" if strong else "", fill=ACCENT if strong else INK, halo=True, css="label",
                           alternatives=_beside_its_marker(x))
              for x, words, strong in sorted(labels, key=lambda label: (not label[2], label[0]))]
    obstacles = [charts.now_obstacle(today_x, -1e6, 8)] if today_x is not None else []
    return charts.place_labels(wanted, left=axis.left - MARGIN / 2, right=axis.right + MARGIN / 2,
                               obstacles=obstacles, row_step=ROW_HEIGHT, direction=-1)


def _pathway_band(items: list[Item], *, referral: date | None, decision: date | None, d0: date, today: date,
                  texts: Texts, top: float) -> tuple[list[str], float]:
    """The pathway axis with its markers and labels; returns the SVG parts and the band's bottom."""
    events = [(kind, words, day) for kind, words, day in (("referral", texts.referral, referral),
                                                          ("decision", texts.decision, decision)) if day is not None]
    dates = [d for i in items for d in (i.planned, i.actual) if d] + [day for _k, _w, day in events] + [d0]
    hospital = [i.planned for i in items if i.kind in HOSPITAL_KINDS]
    axis = pathway_axis(min(dates), max(dates + [d0 + timedelta(days=28)]),
                        min(hospital) - timedelta(days=2) if hospital else None)
    today_x = axis.x(today.toordinal()) if axis.contains(today.toordinal()) else None

    placed = _place_above_axis(_wanted_labels(items, events, axis), today_x, axis)
    today_label_y = top + 12
    rows_top = top + 24
    highest = min((spot.box.top for spot in placed), default=0)
    axis_y = rows_top + max(ROW_HEIGHT + 22, math.ceil(-highest) + 12)
    out: list[str] = []

    # Lymphodepletion span, shaded behind the axis.
    ld = [i.when for i in items if i.kind == Kind.LYMPHODEPLETION and i.status != CANCELLED]
    if ld:
        x0, x1 = axis.x(min(ld).toordinal()) - 7, axis.x(max(ld).toordinal()) + 7
        out.append(charts.rect(x0, axis_y - 10, x1 - x0, 20, fill=SHADE, rx=3, css="lymphodepletion"))
    out.append(charts.line(axis.left, axis_y, axis.right, axis_y, width=1.5))
    if axis.break_x is not None:
        out += charts.break_mark(axis.break_x - 6, axis_y)
    out += _week_labels(axis, d0, texts, axis_y)
    d0_x = axis.x(d0.toordinal())
    out.append(charts.line(d0_x, rows_top - 4, d0_x, axis_y + 8, stroke=ACCENT, width=3, css="d0"))
    if today_x is not None:
        out.append(charts.line(today_x, today_label_y + 4, today_x, axis_y + 8, stroke=ALERT, width=2,
                               dash=charts.DASHED, css="today"))
        half = text_width(texts.today) / 2
        out.append(charts.text(min(max(today_x, axis.left + half), axis.right - half), today_label_y, texts.today,
                               fill=ALERT, weight="bold", halo=True, css="today-label"))
    out += _marks(items, events, axis, texts, axis_y)
    # The labels were placed above an axis at y = 0: moved down to the axis, a leader to those that moved.
    leaders = [charts.leader(spot.label.x, axis_y + spot.y + 3, axis_y - 9) for spot in placed if spot.moved]
    words = [replace(spot, y=axis_y + spot.y).svg() for spot in placed]
    return leaders + out + words, axis_y + 32


def _follow_up_band(items: list[Item], *, today: date, texts: Texts, top: float) -> tuple[list[str], float]:
    """The follow-up timepoints, evenly spaced in order: code above, date below, the today line between the
    timepoints around it."""
    items = sorted(items, key=lambda i: i.planned)
    title_y, axis_y = top + 12, top + 40
    left, right = MARGIN + 6, WIDTH - MARGIN - 6
    step = (right - left) / max(len(items) - 1, 1)
    xs = [left + step * n for n in range(len(items))] if len(items) > 1 else [(left + right) / 2]
    title = charts.Label(texts.follow_up, MARGIN, title_y, size=LABEL_SIZE, anchor="start", weight="bold",
                         css="band-title")
    out = [title.svg(), charts.line(xs[0], axis_y, xs[-1], axis_y, width=1.2)]
    obstacles = [title.box()]
    today_x = _follow_up_today_x(items, xs, today)
    if today_x is not None:
        out.append(charts.line(today_x, axis_y - 24, today_x, axis_y + 8, stroke=ALERT, width=2, dash=charts.DASHED,
                               css="today"))
        obstacles.append(charts.now_obstacle(today_x, axis_y - 24, axis_y + 8))
    for item, x in zip(items, xs, strict=True):
        out.append(marker(Kind.FOLLOW_UP, x, axis_y, filled=item.status == DONE, crossed=item.status == CANCELLED,
                          tooltip=_tooltip(item, texts), css=f"marker {item.kind} {_state(item)}"))
    codes = charts.place_labels([charts.Label(item.axis_label, x, axis_y - 11, size=LABEL_SIZE, css="label")
                                 for item, x in zip(items, xs, strict=True)],
                                left=4, right=WIDTH - 4, obstacles=obstacles, direction=-1)
    months = charts.place_labels([charts.Label(texts.format_month(item.when), x, axis_y + 20, fill=MUTED)
                                  for item, x in zip(items, xs, strict=True)],
                                 left=4, right=WIDTH - 4, obstacles=obstacles, row_step=12, direction=1)
    out += [spot.svg() for spot in codes + months]
    return out, max([axis_y + 20] + [spot.y for spot in months]) + 10


def _follow_up_today_x(items: list[Item], xs: list[float], today: date) -> float | None:
    """Today between the timepoints around it (the timepoints are evenly spaced, not by date)."""
    days = [i.when for i in items]
    if len(items) < 2 or not days[0] <= today <= days[-1]:
        return None
    after = next(n for n, d in enumerate(days) if d >= today)
    if after == 0:
        return xs[0]
    share = (today - days[after - 1]).days / max((days[after] - days[after - 1]).days, 1)
    return xs[after - 1] + share * (xs[after] - xs[after - 1])


def render(items: Iterable[Item], *, referral: date | None, decision: date | None, d0: date, today: date,
           texts: Texts) -> str:
    """The whole figure as an SVG string (scales to its container's width)."""
    items = list(items)
    pathway = [i for i in items if i.kind != Kind.FOLLOW_UP]
    follow_up = [i for i in items if i.kind == Kind.FOLLOW_UP]
    parts, legend_bottom = _legend(texts, any(i.status == CANCELLED for i in items))
    band, bottom = _pathway_band(pathway, referral=referral, decision=decision, d0=d0, today=today, texts=texts,
                                 top=legend_bottom - 4)
    parts += band
    if follow_up:
        parts.append(charts.line(MARGIN, bottom + 6, WIDTH - MARGIN, bottom + 6, stroke=LINE, width=0.8,
                                 dash=charts.DOTTED))
        band, bottom = _follow_up_band(follow_up, today=today, texts=texts, top=bottom + 10)
        parts += band
    return charts.document(parts, width=WIDTH, height=int(bottom + 8), title=texts.title, css="timeline")
