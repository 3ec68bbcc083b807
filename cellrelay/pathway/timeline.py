"""The timeline of a treatment episode as a server-rendered SVG. No Django, no JavaScript.

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
Every text comes in already translated (``Texts``); dates are formatted by the caller's
functions so that this module stays language-free.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from .schedule import Kind

WIDTH = 1000
MARGIN = 36
INK = "#1d2430"
MUTED = "#5b6472"
LINE = "#9aa3b1"
ACCENT = "#1f5fa8"
TODAY = "#b3261e"
SHADE = "#e3e8ef"
FONT = "DejaVu Sans, Verdana, sans-serif"
LABEL_SIZE = 11
SMALL_SIZE = 10
LABEL_ROWS = 4
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

def text_width(text: str, size: float = LABEL_SIZE) -> float:
    """A conservative estimate for DejaVu Sans (wide): enough to keep labels apart."""
    wide = sum(1 for c in text if c.isupper() or c in "mwMW%@")
    return (len(text) * 0.6 + wide * 0.12) * size


@dataclass(frozen=True)
class Scale:
    """Dates to x, linear, or piecewise linear with the preparation weeks compressed."""

    start: date
    end: date
    split: date | None = None  # first date of the uncompressed stretch
    split_x: float | None = None
    left: float = MARGIN
    right: float = WIDTH - MARGIN

    def x(self, day: date) -> float:
        if self.split is None or self.split_x is None:
            return self._lin(day, self.start, self.end, self.left, self.right)
        if day < self.split:
            return self._lin(day, self.start, self.split, self.left, self.split_x)
        return self._lin(day, self.split, self.end, self.split_x, self.right)

    @staticmethod
    def _lin(day: date, d0: date, d1: date, x0: float, x1: float) -> float:
        span = max((d1 - d0).days, 1)
        return x0 + (x1 - x0) * (day - d0).days / span

    @classmethod
    def for_pathway(cls, start: date, end: date, hospital_start: date | None) -> "Scale":
        total = max((end - start).days, 1)
        if hospital_start is None or not start < hospital_start < end:
            return cls(start, end)
        natural = (hospital_start - start).days / total
        if natural <= PREPARATION_SHARE + 0.04:
            return cls(start, end)
        width = WIDTH - 2 * MARGIN
        return cls(start, end, hospital_start, MARGIN + width * PREPARATION_SHARE)


def place_labels(wanted: list[tuple[float, float]], rows: int, left: float, right: float,
                 gap: float = 6) -> list[tuple[float, int]]:
    """(centre x, width) → (clamped centre x, row): the nearest row where the label fits.

    Rows are filled from the axis outwards; a label that fits nowhere goes where it overlaps least.
    """
    ends = [float("-inf")] * rows
    placed: list[tuple[float, int] | None] = [None] * len(wanted)
    for index in sorted(range(len(wanted)), key=lambda i: wanted[i][0]):
        centre, width = wanted[index]
        centre = min(max(centre, left + width / 2), right - width / 2)
        start = centre - width / 2
        row = next((r for r in range(rows) if start >= ends[r] + gap), None)
        if row is None:
            row = min(range(rows), key=lambda r: ends[r])
        ends[row] = max(ends[row], centre + width / 2)
        placed[index] = (centre, row)
    return placed  # type: ignore[return-value]


# Drawing -------------------------------------------------------------------------------------------

def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, *, size: int = LABEL_SIZE, anchor: str = "middle",
          weight: str = "normal", fill: str = INK, halo: bool = False, css: str = "") -> str:
    attrs = [f'x="{_f(x)}"', f'y="{_f(y)}"', f'font-size="{size}"', f'text-anchor="{anchor}"', f'fill="{fill}"']
    if weight != "normal":
        attrs.append(f'font-weight="{weight}"')
    if halo:
        attrs.append('stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"')
    if css:
        attrs.append(f"class={quoteattr(css)}")
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def marker(kind: str, x: float, y: float, *, filled: bool, crossed: bool = False, tooltip: str = "",
           css: str = "") -> str:
    """Squares for lymphodepletion, a large diamond for D0, small dots for rest days, circles otherwise;
    triangles for the referral and the decision. Filled = done, hollow = planned."""
    colour = MUTED if crossed else INK
    fill = colour if filled else "#fff"
    style = f'fill="{fill}" stroke="{colour}" stroke-width="{2 if kind == Kind.INFUSION else 1.6}"'
    if kind == Kind.LYMPHODEPLETION:
        shape = f'<rect x="{_f(x - 5)}" y="{_f(y - 5)}" width="10" height="10" {style}/>'
    elif kind == Kind.INFUSION:
        shape = (f'<path d="M{_f(x)} {_f(y - 9)} L{_f(x + 9)} {_f(y)} L{_f(x)} {_f(y + 9)} '
                 f'L{_f(x - 9)} {_f(y)} Z" {style}/>')
    elif kind == Kind.REST:
        shape = f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3" {style}/>'
    elif kind in ("referral", "decision"):
        shape = f'<path d="M{_f(x)} {_f(y - 6)} L{_f(x + 6)} {_f(y + 5)} L{_f(x - 6)} {_f(y + 5)} Z" {style}/>'
    else:
        shape = f'<circle cx="{_f(x)}" cy="{_f(y)}" r="5.5" {style}/>'
    if crossed:
        shape += (f'<path d="M{_f(x - 6)} {_f(y - 6)} L{_f(x + 6)} {_f(y + 6)} M{_f(x - 6)} {_f(y + 6)} '
                  f'L{_f(x + 6)} {_f(y - 6)}" stroke="{INK}" stroke-width="1.6"/>')
    title = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    css_attr = f" class={quoteattr(css)}" if css else ""
    return f"<g{css_attr}>{title}{shape}</g>"


def _tooltip(item: Item, texts: Texts) -> str:
    parts = [item.label, f"{texts.planned}: {texts.format_date(item.planned)}"]
    if item.status == DONE and item.actual:
        parts.append(f"{texts.done}: {texts.format_date(item.actual)}")
    elif item.status == CANCELLED and texts.cancelled:
        parts.append(texts.cancelled)
    return " — ".join(parts)


def _state(item: Item) -> str:
    return {DONE: "done", CANCELLED: "cancelled"}.get(item.status, "planned")


def _legend(y: float, texts: Texts, with_cancelled: bool) -> list[str]:
    out, x = [], MARGIN
    entries = [("circle", False, texts.planned), ("circle", True, texts.done)]
    for _shape, filled, words in entries:
        out.append(marker(Kind.APHERESIS, x + 6, y - 4, filled=filled))
        out.append(_text(x + 16, y, words, anchor="start"))
        x += 16 + text_width(words) + 18
    if with_cancelled and texts.cancelled:
        out.append(marker(Kind.APHERESIS, x + 6, y - 4, filled=False, crossed=True))
        out.append(_text(x + 16, y, texts.cancelled, anchor="start"))
        x += 16 + text_width(texts.cancelled) + 18
    out.append(f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 22)}" y2="{_f(y - 4)}" stroke="{TODAY}" '
               f'stroke-width="2" stroke-dasharray="5 3"/>')
    out.append(_text(x + 28, y, texts.today, anchor="start"))
    return out


def _weekly_ticks(scale: Scale, d0: date) -> list[date]:
    """Every 7 days from D0, both ways, within the axis."""
    ticks, day = [], d0
    while day >= scale.start:
        ticks.append(day)
        day -= timedelta(days=7)
    day = d0 + timedelta(days=7)
    while day <= scale.end:
        ticks.append(day)
        day += timedelta(days=7)
    return sorted(ticks)


def _pathway_band(items: list[Item], *, referral: date | None, decision: date | None, d0: date, today: date,
                  texts: Texts, top: float) -> tuple[list[str], float]:
    """The pathway axis with its markers and labels; returns the SVG parts and the band's bottom."""
    events = [(("referral", texts.referral), referral), (("decision", texts.decision), decision)]
    events = [(kind_label, day) for kind_label, day in events if day is not None]
    dates = [d for i in items for d in (i.planned, i.actual) if d] + [day for _kl, day in events] + [d0]
    start = min(dates)
    end = max(dates + [d0 + timedelta(days=28)])
    hospital = [i.planned for i in items if i.kind in HOSPITAL_KINDS]
    hospital_start = min(hospital) - timedelta(days=2) if hospital else None
    scale = Scale.for_pathway(start, end, hospital_start)

    today_label_y = top + 12
    rows_top = top + 24
    axis_y = rows_top + LABEL_ROWS * ROW_HEIGHT + 22
    bottom = axis_y + 32
    out: list[str] = []

    # Lymphodepletion span, shaded behind the axis.
    ld = [i.when for i in items if i.kind == Kind.LYMPHODEPLETION and i.status != CANCELLED]
    if ld:
        x0, x1 = scale.x(min(ld)) - 7, scale.x(max(ld)) + 7
        out.append(f'<rect class="lymphodepletion" x="{_f(x0)}" y="{_f(axis_y - 10)}" width="{_f(x1 - x0)}" '
                   f'height="20" rx="3" fill="{SHADE}"/>')

    # The axis, with a break mark where the preparation weeks are compressed.
    out.append(f'<line x1="{_f(scale.left)}" y1="{_f(axis_y)}" x2="{_f(scale.right)}" y2="{_f(axis_y)}" '
               f'stroke="{INK}" stroke-width="1.5"/>')
    if scale.split_x is not None:
        bx = scale.split_x - 6
        out.append(f'<rect x="{_f(bx - 4)}" y="{_f(axis_y - 3)}" width="8" height="6" fill="#fff"/>')
        out.append(f'<path class="axis-break" d="M{_f(bx - 7)} {_f(axis_y + 6)} L{_f(bx - 1)} {_f(axis_y - 6)} '
                   f'M{_f(bx + 1)} {_f(axis_y + 6)} L{_f(bx + 7)} {_f(axis_y - 6)}" stroke="{INK}" '
                   f'stroke-width="1.5" fill="none"/>')

    # Weekly ticks from D0, with their dates; D0's in bold.
    last_end = float("-inf")
    for day in _weekly_ticks(scale, d0):
        x = scale.x(day)
        out.append(f'<line x1="{_f(x)}" y1="{_f(axis_y)}" x2="{_f(x)}" y2="{_f(axis_y + 5)}" stroke="{INK}"/>')
        words = texts.format_tick(day)
        width = text_width(words, SMALL_SIZE)
        if x - width / 2 >= last_end + 6 and x + width / 2 <= WIDTH:
            out.append(_text(x, axis_y + 18, words, size=SMALL_SIZE, weight="bold" if day == d0 else "normal",
                             fill=INK if day == d0 else MUTED))
            last_end = x + width / 2

    # D0: a strong vertical rule across the band.
    d0_x = scale.x(d0)
    out.append(f'<line class="d0" x1="{_f(d0_x)}" y1="{_f(rows_top - 4)}" x2="{_f(d0_x)}" y2="{_f(axis_y + 8)}" '
               f'stroke="{ACCENT}" stroke-width="3"/>')

    # Today, when it falls on the axis.
    if scale.start <= today <= scale.end:
        tx = scale.x(today)
        out.append(f'<line class="today" x1="{_f(tx)}" y1="{_f(today_label_y + 4)}" x2="{_f(tx)}" '
                   f'y2="{_f(axis_y + 8)}" stroke="{TODAY}" stroke-width="2" stroke-dasharray="5 3"/>')
        width = text_width(texts.today)
        tx_label = min(max(tx, scale.left + width / 2), scale.right - width / 2)
        out.append(_text(tx_label, today_label_y, texts.today, fill=TODAY, weight="bold", halo=True,
                         css="today-label"))

    # Markers: planned (hollow), done (filled), an arc from plan to what happened.
    labels: list[tuple[float, str, bool]] = []  # (x, words, emphasised)
    for (kind, words), day in events:
        x = scale.x(day)
        out.append(marker(kind, x, axis_y, filled=True, tooltip=f"{words} — {texts.format_date(day)}",
                          css=f"marker {kind} done"))
        labels.append((x, words, False))
    for item in items:
        tooltip = _tooltip(item, texts)
        css = f"marker {item.kind} {_state(item)}"
        planned_x = scale.x(item.planned)
        if item.status == DONE and item.actual:
            actual_x = scale.x(item.actual)
            if item.actual != item.planned:
                mid = (planned_x + actual_x) / 2
                out.append(f'<path class="slip" d="M{_f(planned_x)} {_f(axis_y)} Q{_f(mid)} {_f(axis_y - 18)} '
                           f'{_f(actual_x)} {_f(axis_y)}" fill="none" stroke="{INK}" stroke-width="1"/>')
                out.append(marker(item.kind, planned_x, axis_y, filled=False, tooltip=tooltip,
                                  css=f"marker {item.kind} planned"))
            out.append(marker(item.kind, actual_x, axis_y, filled=True, tooltip=tooltip, css=css))
            x = actual_x
        else:
            out.append(marker(item.kind, planned_x, axis_y, filled=False, crossed=item.status == CANCELLED,
                              tooltip=tooltip, css=css))
            x = planned_x
        if item.axis_label:
            labels.append((x, item.axis_label, item.kind == Kind.INFUSION))

    # Labels above the axis, on the nearest free row, with a thin leader to their marker.
    sizes = [LABEL_SIZE + 2 if strong else LABEL_SIZE for _x, _w, strong in labels]
    placed = place_labels([(x, text_width(w, s)) for (x, w, _s), s in zip(labels, sizes, strict=True)],
                          LABEL_ROWS, scale.left - MARGIN / 2, scale.right + MARGIN / 2)
    texts_out, leaders = [], []
    for (x, words, strong), size, (cx, row) in zip(labels, sizes, placed, strict=True):
        y = axis_y - 16 - row * ROW_HEIGHT
        if row or abs(cx - x) > 2:
            leaders.append(f'<line x1="{_f(x)}" y1="{_f(y + 3)}" x2="{_f(x)}" y2="{_f(axis_y - 9)}" '
                           f'stroke="{LINE}" stroke-width="0.8"/>')
        texts_out.append(_text(cx, y, words, size=size, weight="bold" if strong else "normal",
                               fill=ACCENT if strong else INK, halo=True, css="label"))
    return leaders + out + texts_out, bottom


def _follow_up_band(items: list[Item], *, today: date, texts: Texts, top: float) -> tuple[list[str], float]:
    """The follow-up timepoints, evenly spaced in order: code above, date below."""
    items = sorted(items, key=lambda i: i.planned)
    title_y = top + 12
    axis_y = top + 40
    left, right = MARGIN + 6, WIDTH - MARGIN - 6
    step = (right - left) / max(len(items) - 1, 1)
    xs = [left + step * n for n in range(len(items))] if len(items) > 1 else [(left + right) / 2]
    out = [_text(MARGIN, title_y, texts.follow_up, anchor="start", weight="bold", css="band-title"),
           f'<line x1="{_f(xs[0])}" y1="{_f(axis_y)}" x2="{_f(xs[-1])}" y2="{_f(axis_y)}" stroke="{INK}" '
           f'stroke-width="1.2"/>']
    months = [texts.format_month(i.when) for i in items]
    stagger = any(text_width(m, SMALL_SIZE) + 6 > step for m in months) and len(items) > 1
    for n, (item, x, month) in enumerate(zip(items, xs, months, strict=True)):
        done = item.status == DONE
        out.append(marker(Kind.FOLLOW_UP, x, axis_y, filled=done, crossed=item.status == CANCELLED,
                          tooltip=_tooltip(item, texts), css=f"marker {item.kind} {_state(item)}"))
        out.append(_text(x, axis_y - 11, item.axis_label, css="label"))
        out.append(_text(x, axis_y + 20 + (12 if stagger and n % 2 else 0), month, size=SMALL_SIZE, fill=MUTED))
    # Today, between the timepoints around it.
    days = [i.when for i in items]
    if len(items) > 1 and days[0] <= today <= days[-1]:
        after = next(n for n, d in enumerate(days) if d >= today)
        if after == 0:
            tx = xs[0]
        else:
            before = after - 1
            share = (today - days[before]).days / max((days[after] - days[before]).days, 1)
            tx = xs[before] + share * (xs[after] - xs[before])
        out.append(f'<line class="today" x1="{_f(tx)}" y1="{_f(axis_y - 24)}" x2="{_f(tx)}" y2="{_f(axis_y + 8)}" '
                   f'stroke="{TODAY}" stroke-width="2" stroke-dasharray="5 3"/>')
    return out, axis_y + 20 + (12 if stagger else 0) + 10


def render(items: Iterable[Item], *, referral: date | None, decision: date | None, d0: date, today: date,
           texts: Texts) -> str:
    """The whole figure as an SVG string (scales to its container's width)."""
    items = list(items)
    pathway = [i for i in items if i.kind != Kind.FOLLOW_UP]
    follow_up = [i for i in items if i.kind == Kind.FOLLOW_UP]
    legend_y = 16
    parts = _legend(legend_y, texts, any(i.status == CANCELLED for i in items))
    band, bottom = _pathway_band(pathway, referral=referral, decision=decision, d0=d0, today=today, texts=texts,
                                 top=legend_y + 6)
    parts += band
    if follow_up:
        parts.append(f'<line x1="{MARGIN}" y1="{_f(bottom + 6)}" x2="{WIDTH - MARGIN}" y2="{_f(bottom + 6)}" '
                     f'stroke="{LINE}" stroke-width="0.8" stroke-dasharray="2 3"/>')
        band, bottom = _follow_up_band(follow_up, today=today, texts=texts, top=bottom + 10)
        parts += band
    height = int(bottom + 8)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'role="img" class="timeline" font-family={quoteattr(FONT)} '
            f'preserveAspectRatio="xMinYMin meet">'
            f"<title>{escape(texts.title)}</title>"
            f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>'
            + "".join(parts) + "</svg>")
