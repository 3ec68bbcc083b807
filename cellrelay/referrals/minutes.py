"""The printable minutes of an RCP meeting (compte rendu de RCP), as a PDF in the user's language."""

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cellrelay.patients.models import Patient

from .models import MdtDecision, MdtMeeting, Referral

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 2 * cm
LABEL_WIDTH = 5.5 * cm


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (every accent) when installed, else the PDF's built-in Helvetica."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    return {
        "center": ParagraphStyle("center", fontName=bold, fontSize=15, leading=19),
        "title": ParagraphStyle("title", fontName=bold, fontSize=12, leading=16, spaceBefore=4),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4),
        "text": ParagraphStyle("text", fontName=regular, fontSize=9.5, leading=12),
        "label": ParagraphStyle("label", fontName=regular, fontSize=9.5, leading=12,
                                textColor=colors.HexColor("#5b6472")),
    }


def _label(model, field: str) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


def _day(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _patient_rows(referral: Referral) -> list[tuple[str, str]]:
    patient = referral.patient
    diagnosis = ", ".join(filter(None, [referral.get_diagnosis_display(), referral.diagnosis_detail,
                                        referral.disease_stage]))
    return [
        (_label(Patient, "birth_date"), _day(patient.birth_date)),
        (_label(Patient, "ins"), patient.ins_display),
        (_label(Referral, "diagnosis"), diagnosis),
        (_label(Referral, "prior_lines"), str(referral.prior_lines)),
        (_label(Referral, "prior_transplant"), referral.get_prior_transplant_display()),
        (_label(Referral, "current_status"), referral.get_current_status_display()),
    ]


def _decision_rows(decision: MdtDecision | None) -> list[tuple[str, str]]:
    if decision is None:
        return [(_label(MdtDecision, "outcome"), _("No decision recorded."))]
    return [
        (_label(MdtDecision, "outcome"), decision.get_outcome_display()),
        (_label(MdtDecision, "product"), decision.get_product_display()),
        (_label(MdtDecision, "indication"), decision.get_indication_display()),
        (_label(MdtDecision, "trial"), decision.trial),
        (_label(MdtDecision, "bridging_detail"), decision.bridging_detail if decision.bridging_planned else ""),
        (_label(MdtDecision, "reason"), decision.reason),
        (_label(MdtDecision, "deferred_until"), _day(decision.deferred_until)),
        (_("Decided by"), _person(decision.decided_by)),
    ]


def _table(rows: list[tuple[str, str]], styles) -> Table:
    cells = [[Paragraph(escape(str(label)), styles["label"]), Paragraph(escape(str(value)), styles["text"])]
             for label, value in rows if value]
    table = Table(cells, colWidths=[LABEL_WIDTH, A4[0] - 2 * MARGIN - LABEL_WIDTH])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d6dbe3"))]))
    return table


def _header(meeting: MdtMeeting, attendees, styles) -> list:
    present = [_person(user) for user in attendees]
    if meeting.external_attendees:
        present.append(meeting.external_attendees)
    heading = _("RCP minutes — %(day)s") % {"day": formats.date_format(meeting.held_on, "DATE_FORMAT")}
    return [
        Paragraph(escape(meeting.center.name), styles["center"]),
        Paragraph(escape(heading), styles["title"]),
        Paragraph(escape(meeting.title), styles["text"]),
        Spacer(1, 8),
        _table([(_label(MdtMeeting, "attendees"), ", ".join(present) or "—")], styles),
    ]


def _item(item, styles) -> KeepTogether:
    return KeepTogether([
        Paragraph(escape(str(item.referral.patient)), styles["heading"]),
        _table(_patient_rows(item.referral), styles),
        Spacer(1, 4),
        _table(_decision_rows(item.decision), styles),
    ])


def build(meeting: MdtMeeting, attendees, items) -> bytes:
    """The minutes: center, date, title and attendees, then each referral on the agenda and its decision."""
    regular, bold = _fonts()
    styles = _styles(regular, bold)
    footer = f"{meeting.center.short_name} — {meeting}"

    def number_page(canvas, doc):
        canvas.setFont(regular, 8)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, str(doc.page))

    story = _header(meeting, attendees, styles)
    story.append(Paragraph(escape(_("Agenda")), styles["title"]))
    story += [_item(item, styles) for item in items] or [Paragraph(escape(_("No referral on the agenda.")),
                                                                   styles["text"])]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=str(meeting), author=meeting.center.name)
    document.build(story, onFirstPage=number_page, onLaterPages=number_page)
    return buffer.getvalue()
