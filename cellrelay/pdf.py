"""What every PDF of cellrelay shares: the fonts (DejaVu Sans when installed: every accent of a French name), the
colours and the paragraph styles, so that a patient's plan and an inspection's custody record look alike."""

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Text, secondary text, rules between rows, shaded rows.
INK, MUTED, LINE, SHADE = (colors.HexColor(c) for c in ("#1d2430", "#5b6472", "#d6dbe3", "#eef1f5"))


def fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu Sans when installed, else the PDF's built-in Helvetica."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    registered = pdfmetrics.getRegisteredFontNames()
    if "DejaVuSans" not in registered:
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
    if "DejaVuSans-Bold" not in registered:
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


def styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles of a document, in these fonts (``fonts()``): the center's name, the title, headings,
    text, labels and small print."""
    return {
        "center": ParagraphStyle("center", fontName=bold, fontSize=15, leading=19, textColor=INK),
        "title": ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, spaceBefore=2, spaceAfter=6),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=12.5, leading=16, spaceBefore=10,
                                  spaceAfter=4),
        "text": ParagraphStyle("text", fontName=regular, fontSize=11.5, leading=14.5),
        "strong": ParagraphStyle("strong", fontName=bold, fontSize=11.5, leading=14.5),
        "label": ParagraphStyle("label", fontName=regular, fontSize=10.5, leading=14, textColor=MUTED),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11, textColor=MUTED),
    }
