"""The labels of a cell collection (étiquettes du prélèvement): one A4 page of identical labels for the bag
and its paperwork, in the user's language.

Each label carries the DIN as a Code 128 barcode of the ISBT 128 DIN data structure (``=`` + DIN + flags)
and as eye-readable text with the flags and the boxed keyboard check character K (identifiers.md), then
who the cells belong to (birth name, given names, birth date, IPP at the treating center, INS), the
collection (date and time, volume), the product and indication of the episode, and the center.

The flags printed are the type 3 flag (60 + the mod 37-2 checksum): a misread barcode then fails its
check at the next scan instead of reading as another DIN. ``label_data`` reads the database; ``build``
only draws.
"""

import io
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from cellrelay.patients.models import LocalId
from cellrelay.pdf import INK, MUTED, fonts

from . import isbt128
from .models import Collection

# The eye-readable DIN is in a built-in font: plain characters in the PDF, searchable and testable.
DIN_FONT = "Helvetica-Bold"
COLUMNS, ROWS = 2, 3  # 6 labels per A4 page
MARGIN = 8 * mm
GAP = 4 * mm
PADDING = 4 * mm
BAR_WIDTH = 0.25 * mm  # ISBT 128 recommends an X dimension of 0.19-0.25 mm; wider reads better, not longer
BAR_HEIGHT = 12 * mm
CUT = colors.HexColor("#aab2bf")  # the dashed line to cut along


@dataclass(frozen=True)
class LabelData:
    """What a label says, already formatted and translated."""

    din: str  # the 13 characters
    flags: str
    check_character: str
    center: str
    family_name: str
    given_names: str
    birth_date: str
    ipp: str
    ins: str
    collected_at: str
    volume: str
    product: str

    @property
    def barcode_data(self) -> str:
        """The ISBT 128 DIN data structure 001: ``=`` + DIN + flags."""
        return f"={self.din}{self.flags}"

    @property
    def eye_readable(self) -> str:
        """The DIN as printed for the eye: facility, year, sequence apart (``F9999 26 000001``)."""
        return f"{self.din[:5]} {self.din[5:7]} {self.din[7:]}"


def label_data(collection: Collection) -> LabelData:
    episode = collection.episode
    patient = episode.patient
    local_id = LocalId.objects.filter(patient=patient, center_id=patient.treating_center_id).first()
    return LabelData(
        din=collection.din, flags=isbt128.type3_flag(collection.din),
        check_character=isbt128.mod37_2(collection.din),
        center=patient.treating_center.name,
        family_name=patient.family_name.upper(), given_names=patient.given_names,
        birth_date=formats.date_format(patient.birth_date, "SHORT_DATE_FORMAT"),
        ipp=local_id.ipp if local_id else "", ins=patient.ins_display,
        collected_at=formats.date_format(timezone.localtime(collection.collected_at), "SHORT_DATETIME_FORMAT"),
        volume=_("%(volume)s mL") % {"volume": formats.number_format(collection.volume_ml, use_l10n=True)},
        product=f"{episode.template.get_product_display()} — {episode.template.get_indication_display()}")


def _fit(pdf: canvas.Canvas, text: str, font: str, size: float, width: float) -> float:
    """The font size at which the text fits the width (a long name shrinks, never overflows the label)."""
    while size > 6 and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _line(pdf, x, y, width, label: str, value: str, regular: str, bold: str, size: float = 9) -> None:
    """``label: value`` with the label muted and the value in bold."""
    prefix = f"{label} "
    pdf.setFillColor(MUTED)
    pdf.setFont(regular, size)
    pdf.drawString(x, y, prefix)
    offset = pdf.stringWidth(prefix, regular, size)
    pdf.setFillColor(INK)
    pdf.setFont(bold, _fit(pdf, value, bold, size, width - offset))
    pdf.drawString(x + offset, y, value)


def _din_block(pdf, data: LabelData, x: float, top: float) -> float:
    """Barcode, then the eye-readable DIN, the flags and K in its box; returns the y under the block."""
    barcode = code128.Code128(data.barcode_data, barWidth=BAR_WIDTH, barHeight=BAR_HEIGHT)  # with its quiet zones
    barcode.drawOn(pdf, x, top - BAR_HEIGHT)
    y = top - BAR_HEIGHT - 6 * mm
    size = 15
    pdf.setFillColor(INK)
    pdf.setFont(DIN_FONT, size)
    pdf.drawString(x, y, data.eye_readable)
    after = x + pdf.stringWidth(data.eye_readable, DIN_FONT, size) + 1.5 * mm
    pdf.setFont(DIN_FONT, 8)
    pdf.drawString(after, y + 5, data.flags)  # the flags small and raised, as on ISBT 128 labels
    box_x = after + pdf.stringWidth(data.flags, DIN_FONT, 8) + 1.5 * mm
    pdf.setLineWidth(1.2)
    pdf.rect(box_x, y - 1.2 * mm, 6 * mm, 6.6 * mm, stroke=1, fill=0)
    pdf.setFont(DIN_FONT, size)
    pdf.drawCentredString(box_x + 3 * mm, y, data.check_character)
    return y - 5 * mm


def _label(pdf: canvas.Canvas, data: LabelData, x: float, y: float, width: float, height: float,
           fonts: tuple[str, str]) -> None:
    regular, bold = fonts
    pdf.setStrokeColor(CUT)
    pdf.setLineWidth(0.4)
    pdf.setDash(2, 2)
    pdf.rect(x, y, width, height)  # where to cut
    pdf.setDash()
    pdf.setStrokeColor(INK)
    inner_x, inner_width, top = x + PADDING, width - 2 * PADDING, y + height - PADDING
    pdf.setFillColor(INK)
    pdf.setFont(bold, _fit(pdf, data.center, bold, 9, inner_width))
    pdf.drawString(inner_x, top - 9, data.center)
    pdf.setFont(regular, _fit(pdf, data.product, regular, 8.5, inner_width))
    pdf.drawString(inner_x, top - 20, data.product)
    pdf.setFont(bold, 8.5)
    pdf.drawString(inner_x, top - 31, _("AUTOLOGOUS USE ONLY"))
    below = _din_block(pdf, data, inner_x, top - 36)
    pdf.setFont(bold, _fit(pdf, data.family_name, bold, 13, inner_width))
    pdf.drawString(inner_x, below, data.family_name)
    pdf.setFont(regular, _fit(pdf, data.given_names, regular, 11, inner_width))
    pdf.drawString(inner_x, below - 14, data.given_names)
    rows = [(_("Born:"), data.birth_date), (_("IPP:"), data.ipp or "—"), (_("INS:"), data.ins or "—"),
            (_("Collected:"), data.collected_at), (_("Volume:"), data.volume)]
    for n, (label, value) in enumerate(rows):
        _line(pdf, inner_x, below - 29 - 12 * n, inner_width, label, value, regular, bold)


def build(data: LabelData, *, count: int = COLUMNS * ROWS) -> bytes:
    """One A4 page (more if ``count`` asks) of identical labels; uncompressed and reproducible."""
    faces = fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=0)
    pdf.setTitle(_("Labels of the collection %(din)s") % {"din": data.din})
    pdf.setAuthor(data.center)
    page_width, page_height = A4
    width = (page_width - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
    height = (page_height - 2 * MARGIN - (ROWS - 1) * GAP) / ROWS
    per_page = COLUMNS * ROWS
    for n in range(count):
        if n and n % per_page == 0:
            pdf.showPage()
        column, row = n % COLUMNS, (n % per_page) // COLUMNS
        x = MARGIN + column * (width + GAP)
        y = page_height - MARGIN - (row + 1) * height - row * GAP
        _label(pdf, data, x, y, width, height, faces)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
