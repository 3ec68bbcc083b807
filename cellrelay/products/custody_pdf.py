"""The chain of identity and custody as a PDF, for an inspection (regulation.md: traceability from donor to
recipient). Landscape A4: who the patient is, every identifier, every handover with its signatures, every
deviation. In the active language; the codes scanned are printed as scanned."""

import io
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cellrelay.pdf import INK, LINE, fonts
from cellrelay.pdf import styles as pdf_styles

from .chain import Chain, subject
from .models import CustodyEvent, Deviation

PAGE = landscape(A4)
MARGIN = 1.5 * cm
WIDTH = PAGE[0] - 2 * MARGIN


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _table(rows, widths, styles, header=True) -> Table:
    cells = [[Paragraph(escape(str(value)), styles["label" if header and n == 0 else "small_ink"]) for value in row]
             for n, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if header:
        style.append(("LINEBELOW", (0, 0), (-1, 0), 0.8, INK))
    table.setStyle(TableStyle(style))
    return table


def _identity(chain: Chain, styles) -> Table:
    patient, episode = chain.episode.patient, chain.episode
    rows = [
        (_("Patient"), f"{patient.family_name.upper()} {patient.given_names}"),
        (_("Birth date"), formats.date_format(patient.birth_date, "SHORT_DATE_FORMAT")),
        ("INS", patient.ins_display if patient.ins else "—"),
        ("IPP", chain.ipp or "—"),
        (_("Treatment"), f"{episode.template.get_product_display()} — {episode.template.get_indication_display()}"),
        (_("Episode state"), episode.get_state_display()),
    ]
    return _table(rows, [4 * cm, WIDTH - 4 * cm], styles, header=False)


def _identifiers(chain: Chain, styles) -> list:
    rows = [(_("Identifier"), _("Value"), _("Of"))]
    rows += [("DIN", c.din, _("collection of %(date)s") % {"date": _when(c.collected_at)}) for c in chain.collections]
    for link in chain.products:
        owner = _("product #%(id)s (%(manufacturer)s, %(status)s)") % {
            "id": link.product.pk, "manufacturer": link.product.manufacturer,
            "status": link.product.get_status_display()}
        rows += [(i.get_scheme_display(), i.value, owner) for i in link.identifiers]
        rows += [(_("Bag %(number)s") % {"number": b.number}, _("expires %(when)s") % {"when": _when(b.expiry)}, owner)
                 for b in link.bags]
    return [_table(rows, [5 * cm, 9 * cm, WIDTH - 14 * cm], styles)]


def _events(chain: Chain, styles) -> list:
    if not chain.events:
        return [Paragraph(escape(_("No handover recorded yet.")), styles["text"])]
    rows = [(_("When"), _("Event"), _("Of"), _("By"), _("Verified by"), _("Place"), _("Scanned"), "°C")]
    for event in chain.events:
        by = _person(event.actor) + (f" ({_(event.meaning)})" if event.meaning else "")
        second = (_person(event.second_person) + (f" ({_(event.second_meaning)})" if event.second_meaning else "")
                  if event.second_person_id else "")
        rows.append((_when(event.at), CustodyEvent.Action(event.action).label, subject(event), by, second,
                     event.place, " · ".join(event.scanned), "" if event.temperature_c is None else
                     formats.number_format(event.temperature_c, use_l10n=True)))
    widths = [2.8, 3.4, 2.2, 3.8, 3.8, 3.4, 5.2]
    return [_table(rows, [w * cm for w in widths] + [WIDTH - sum(widths) * cm], styles)]


def decision(deviation: Deviation) -> str:
    """What was decided on a shipment's temperature excursion: its signed release, or that it blocks the
    dispensing; nothing for the other deviations (the receipt's are decided by the release from quarantine)."""
    if not deviation.is_shipment_excursion:
        return ""
    if deviation.released_at is None:
        return _("Not released: no bag is dispensed")
    released = _("Released by %(who)s on %(when)s") % {"who": _person(deviation.released_by),
                                                       "when": _when(deviation.released_at)}
    return f"{released}: {deviation.release_reason}"


def deviation_rows(chain: Chain) -> list[tuple]:
    """The deviations table as printed, its header first."""
    rows = [(_("When"), _("Deviation"), _("Expected"), _("Scanned or measured"), _("Recorded by"), _("Decision"))]
    return rows + [(_when(d.at), Deviation.Kind(d.kind).label, d.expected_text, d.scanned_text, _person(d.actor),
                    decision(d)) for d in chain.deviations]


def _deviations(chain: Chain, styles) -> list:
    if not chain.deviations:
        return [Paragraph(escape(_("No deviation recorded.")), styles["text"])]
    widths = [2.8, 4.0, 4.0, 4.0, 4.0]
    return [_table(deviation_rows(chain), [w * cm for w in widths] + [WIDTH - sum(widths) * cm], styles)]


def build(chain: Chain, *, printed_by) -> bytes:
    regular, bold = fonts()
    styles = pdf_styles(regular, bold)
    styles["small_ink"] = styles["small"].clone("small_ink", textColor=INK)
    title = _("Chain of identity and custody")
    patient = chain.episode.patient
    story = [
        Paragraph(escape(patient.treating_center.name), styles["center"]),
        Paragraph(escape(title), styles["title"]),
        _identity(chain, styles),
        Paragraph(escape(_("Identifiers")), styles["heading"]), *_identifiers(chain, styles),
        Paragraph(escape(_("Handovers, from vein to vein")), styles["heading"]), *_events(chain, styles),
        Paragraph(escape(_("Deviations")), styles["heading"]), *_deviations(chain, styles),
        Spacer(1, 8),
        Paragraph(escape(_("Printed on %(when)s by %(who)s, from cellrelay's journaled records.") % {
            "when": _when(timezone.now()), "who": _person(printed_by)}), styles["small"]),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=capfirst(title), author=patient.treating_center.name,
                                 pageCompression=0)
    document.build(story)
    return buffer.getvalue()
