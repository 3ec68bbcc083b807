"""The patient alert card (followup.md, EU SmPC: carried at all times): a PDF of two pages of the card's own size
(ISO/IEC 7810 ID-1, a credit card), the front then the back, so that a two-sided print on card stock, or on paper
folded and laminated, gives the card. One PDF of two card-size pages is the simplest honest thing: any printer
dialog can place it on A4 (and crop marks would only be guesses at a printer's margins).

Everything is laid out before it is drawn: each line is placed with its font and size, measured with the font's
own widths, wrapped to the width it has and, when a face's text is too long, shrunk together (never below
``MIN_SIZE``); a very long value keeps its first lines and ends with "…". The tests read the same placed lines.
"""

import io
import re
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from cellrelay.organisation.models import Unit
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.pathway.schedule import Kind
from cellrelay.pdf import INK, MUTED, fonts

# ISO/IEC 7810 ID-1.
CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 54 * mm
MARGIN = 2.5 * mm  # no text nearer the edge: what a cut card can lose
MIN_SIZE = 6.5  # pt: nothing on the card is printed smaller (6-7 pt is the floor of a readable card)
LEADING = 1.2
LABEL_COLUMN = (15 * mm, 22 * mm)  # the front's column of labels: as wide as its widest label, within these
LABEL_GAP = 1.5 * mm
BAND_HEIGHT = 8 * mm
SHADE_INSET = 2.2 * mm  # the warning signs' text, right of the red rule
RED, PALE_RED, WHITE = colors.HexColor("#b42318"), colors.HexColor("#fdecea"), colors.white
SCALES = [1 - step / 40 for step in range(21)]  # 100 % down to 50 %, the smallest text held at MIN_SIZE
# The unit whose phone the card gives when the center recorded no 24-hour number, in order of preference.
CALL_UNITS = (Unit.Kind.TRANSPLANT, Unit.Kind.HAEMATOLOGY)


class NotInfused(Exception):
    """The card names the infusion date: there is no card before the infusion."""


# What the card says ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """The card's text, already in the card's language."""

    patient: str
    product: str
    infusion: str
    no_driving_until: str | None
    center: str
    phone: str


def _done_on(episode: Episode, kind: str):
    milestone = episode.milestones.filter(kind=kind).exclude(status=Milestone.Status.CANCELLED).first()
    if milestone is None:
        return None
    return milestone.actual if milestone.status == Milestone.Status.DONE else milestone.planned


def infusion_date(episode: Episode):
    """The actual D0, or None before the infusion."""
    d0 = episode.milestones.filter(kind=Kind.INFUSION, status=Milestone.Status.DONE).first()
    return d0.actual if d0 else None


def emergency_phone(center) -> str:
    """The center's 24-hour number; else its transplant or haematology unit's; else a plain statement."""
    if center.emergency_phone:
        return center.emergency_phone
    units = {unit.kind: unit.phone for unit in center.units.filter(kind__in=CALL_UNITS).exclude(phone="")}
    return next((units[kind] for kind in CALL_UNITS if kind in units), _("no 24-hour number recorded"))


def _product(episode: Episode) -> str:
    product = episode.template.get_product_display()
    trial = episode.decision.trial if episode.template.product == "investigational" else ""
    return f"{product} — {trial}" if trial else product


def card_for(episode: Episode) -> Card:
    """The card of an infused episode, in the active language."""
    d0 = infusion_date(episode)
    if d0 is None:
        raise NotInfused(episode.pk)
    patient = episode.patient
    no_driving_until = _done_on(episode, Kind.NO_DRIVING_END)
    return Card(
        patient=_("%(name)s, born on %(date)s") % {
            "name": str(patient), "date": formats.date_format(patient.birth_date, "SHORT_DATE_FORMAT")},
        product=_product(episode),
        infusion=formats.date_format(d0, "DATE_FORMAT"),
        no_driving_until=formats.date_format(no_driving_until, "DATE_FORMAT") if no_driving_until else None,
        center=patient.treating_center.name,
        phone=emergency_phone(patient.treating_center),
    )


# Layout ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """A value, with its label in the front's label column ("" when the value spans the width)."""

    value: str
    size: float
    label: str = ""
    bold: bool = False
    color: Color = INK
    max_lines: int = 3
    one_line: bool = False  # shrinks to stay on one line before it wraps (a phone number)
    gap: float = 0  # space above it, in pt at full size
    shaded: bool = False  # one of the warning signs, on pale red with a red rule
    optional: bool = False  # left out when the face cannot hold everything


@dataclass(frozen=True)
class Line:
    """One line of text as drawn: its left end and baseline in pt from the card's bottom left corner."""

    text: str
    x: float
    y: float
    font: str
    size: float
    color: Color

    @property
    def width(self) -> float:
        return pdfmetrics.stringWidth(self.text, self.font, self.size)

    @property
    def top(self) -> float:
        return self.y + pdfmetrics.getAscentDescent(self.font, self.size)[0]

    @property
    def bottom(self) -> float:
        return self.y + pdfmetrics.getAscentDescent(self.font, self.size)[1]


@dataclass(frozen=True)
class Band:
    x: float
    y: float
    width: float
    height: float
    color: Color


@dataclass
class Face:
    bands: list[Band] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _pieces(word: str, font: str, size: float, width: float) -> list[str]:
    """A word wider than the line, cut where it must be (a long hyphen-less name, a phone without spaces)."""
    pieces, current = [], ""
    for char in word:
        if current and _width(current + char, font, size) > width:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current]


def _shortened(line: str, font: str, size: float, width: float) -> str:
    while line and _width(line + "…", font, size) > width:
        line = line[:-1]
    return line.rstrip() + "…"


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """The text in lines no wider than ``width``; past ``max_lines`` the last kept line ends with "…"."""
    lines: list[str] = []
    for word in re.split(r"[ \t\n]+", text.strip()):  # a no-break space (24 h/24) holds its words together
        for piece in _pieces(word, font, size, width):
            candidate = f"{lines[-1]} {piece}" if lines else piece
            if lines and _width(candidate, font, size) <= width:
                lines[-1] = candidate
            else:
                lines.append(piece)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [_shortened(lines[max_lines - 1], font, size, width)]
    return lines or [""]


def _one_line_size(row: Row, font: str, size: float, width: float) -> float:
    """The largest size, down to MIN_SIZE, at which the value stays on one line."""
    while size > MIN_SIZE and _width(row.value, font, size) > width:
        size = max(MIN_SIZE, size - 0.5)
    return size


@dataclass(frozen=True)
class _Placed:
    row: Row
    size: float
    value_lines: list[str]
    label_lines: list[str]
    gap: float

    @property
    def height(self) -> float:
        return max(len(self.value_lines) * self.size, len(self.label_lines) * MIN_SIZE) * LEADING


def label_column(rows: list[Row], regular: str) -> float:
    """The width of the labels' column (with the gap after it): its widest label's, within LABEL_COLUMN."""
    widest = max((_width(row.label, regular, MIN_SIZE) for row in rows if row.label), default=0)
    return min(max(widest, LABEL_COLUMN[0]), LABEL_COLUMN[1]) + LABEL_GAP


def _measure(rows: list[Row], width: float, scale: float, regular: str, bold: str) -> list[_Placed]:
    placed = []
    labels = label_column(rows, regular)
    for row in rows:
        font = bold if row.bold else regular
        value_width = width - (labels if row.label else 0) - (SHADE_INSET if row.shaded else 0)
        size = max(MIN_SIZE, row.size * scale)
        if row.one_line:
            size = _one_line_size(row, font, size, value_width)
        label_lines = wrap(row.label, regular, MIN_SIZE, labels - LABEL_GAP, 3) if row.label else []
        placed.append(_Placed(row, size, wrap(row.value, font, size, value_width, row.max_lines), label_lines,
                              row.gap * scale))
    return placed


def _fit(rows: list[Row], width: float, height: float, regular: str, bold: str) -> list[_Placed]:
    """The rows at the largest common scale at which they fit the height; without the optional rows if they
    cannot all fit (the smallest scale if nothing does: the rows' ``max_lines`` are chosen so that it never
    happens, and the tests hold them to it)."""
    for kept in (rows, [row for row in rows if not row.optional]):
        for scale in SCALES:
            placed = _measure(kept, width, scale, regular, bold)
            if sum(p.height + p.gap for p in placed) <= height:
                return placed
    return placed


def _baseline(top: float, n: int, font: str, size: float) -> float:
    """The baseline of a row's line ``n`` when the row starts at ``top``: its accents touch ``top``, and its last
    line's descenders stay above the row's bottom (``LEADING`` leaves more than the font's descent)."""
    return top - pdfmetrics.getAscentDescent(font, size)[0] - n * size * LEADING


def _stack(rows: list[Row], left: float, top: float, width: float, bottom: float) -> Face:
    """The rows from ``top`` down, with the pale red behind the shaded ones."""
    regular, bold = fonts()
    face, shaded_top, shaded_bottom = Face(), None, None
    labels = label_column(rows, regular)
    y = top
    for placed in _fit(rows, width, top - bottom, regular, bold):
        row = placed.row
        y -= placed.gap
        if row.shaded:
            shaded_top = y if shaded_top is None else shaded_top
            shaded_bottom = y - placed.height
        x = left + (labels if row.label else 0) + (SHADE_INSET if row.shaded else 0)
        font = bold if row.bold else regular
        for n, text in enumerate(placed.label_lines):  # the label first: the text reads "Patient GARNIER Michel"
            face.lines.append(Line(text, left, _baseline(y, n, regular, MIN_SIZE), regular, MIN_SIZE, MUTED))
        for n, text in enumerate(placed.value_lines):
            face.lines.append(Line(text, x, _baseline(y, n, font, placed.size), font, placed.size, row.color))
        y -= placed.height
    if shaded_top is not None:
        pad = 1 * mm
        face.bands += [Band(left - pad, shaded_bottom - pad, width + 2 * pad,
                            shaded_top - shaded_bottom + 2 * pad, PALE_RED),
                       Band(left - pad, shaded_bottom - pad, 0.8 * mm, shaded_top - shaded_bottom + 2 * pad, RED)]
    return face


def _face(title: str, colour: Color, rows: list[Row]) -> Face:
    """A face: the title on a band across the top, then the rows."""
    regular, bold = fonts()
    width = CARD_WIDTH - 2 * MARGIN
    band = Band(0, CARD_HEIGHT - BAND_HEIGHT, CARD_WIDTH, BAND_HEIGHT, colour)
    title_row = Row(title, 8, bold=True, one_line=True, max_lines=1)
    size = _one_line_size(title_row, bold, title_row.size, width)
    title_text = wrap(title, bold, size, width, 1)[0]
    ascent, descent = pdfmetrics.getAscentDescent(bold, size)
    baseline = band.y + (BAND_HEIGHT - ascent + descent) / 2 - descent
    face = _stack(rows, MARGIN, band.y - 1.5 * mm, width, MARGIN)
    face.bands.insert(0, band)
    face.lines.insert(0, Line(title_text, MARGIN, baseline, bold, size, WHITE))
    return face


def front(card: Card) -> Face:
    rows = [
        Row(card.patient, 8.5, label=_("Patient"), bold=True, max_lines=3),
        Row(card.product, 8.5, label=_("CAR-T cells"), bold=True, max_lines=2, gap=1.5),
        Row(card.infusion, 8.5, label=_("Infused on"), bold=True, gap=1.5, max_lines=1),
    ]
    if card.no_driving_until:
        rows.append(Row(card.no_driving_until, 8.5, label=_("No driving until"), bold=True, gap=1.5, max_lines=1))
    rows += [
        Row(card.center, 8, label=_("Treating center"), bold=True, gap=1.5, max_lines=4),
        Row(card.phone, 15, label=_("24-hour phone"), bold=True, color=RED, one_line=True, gap=2, max_lines=2),
        Row(_("Keep this card with you at all times and show it to any doctor or nurse you see."), MIN_SIZE,
            gap=3, max_lines=2, optional=True),
    ]
    return _face(_("Patient alert card · CAR-T cell therapy"), INK, rows)


def back(card: Card) -> Face:
    rows = [
        Row(_("Cytokine release syndrome (CRS):"), 7.5, bold=True, shaded=True),
        Row(_("fever (38 °C or more), low blood pressure, breathlessness."), 7.5, shaded=True),
        Row(_("Neurotoxicity (ICANS):"), 7.5, bold=True, shaded=True, gap=1),
        Row(_("confusion, trouble speaking or writing, drowsiness, seizures."), 7.5, shaded=True),
        Row(_("To any physician or emergency department: this patient received CAR-T cells on %(date)s. "
              "Call the treating center at once:") % {"date": card.infusion}, 7.5, bold=True, gap=4, max_lines=4),
        Row(card.center, 7, max_lines=3),
        Row(card.phone, 14, bold=True, color=RED, one_line=True, max_lines=2),
    ]
    return _face(_("Warning signs: call at once, day or night"), RED, rows)


# Drawing ---------------------------------------------------------------------------------------------------

def _draw(pdf: canvas.Canvas, face: Face) -> None:
    for band in face.bands:
        pdf.setFillColor(band.color)
        pdf.rect(band.x, band.y, band.width, band.height, stroke=0, fill=1)
    for line in face.lines:
        pdf.setFillColor(line.color)
        pdf.setFont(line.font, line.size)
        pdf.drawString(line.x, line.y, line.text)
    pdf.showPage()


def build(card: Card, *, author: str) -> bytes:
    """The card's PDF: the front on page 1, the back on page 2, each the card's size."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(CARD_WIDTH, CARD_HEIGHT))
    pdf.setTitle(_("Patient alert card"))
    pdf.setAuthor(author)
    for face in (front(card), back(card)):
        _draw(pdf, face)
    pdf.save()
    return buffer.getvalue()
