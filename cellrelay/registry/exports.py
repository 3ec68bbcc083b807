"""The registry exports: a CSV per form, a printable pre-filled form (PDF), and the pseudonymised research export.
Blocked patients (a consent missing) are never in any of them."""

import csv
import hashlib
import hmac
import io
import json
from datetime import date, timedelta

from django.conf import settings
from django.utils import formats as django_formats
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cellrelay import pdf

from . import completeness, dictionary
from .sources import NOT_APPLICABLE, Bundle, catalog

RESEARCH = "research"


# CSV ----------------------------------------------------------------------------------------------------------

def form_csv(found: list[completeness.Row], form: dictionary.Form) -> tuple[str, list, int]:
    """One row per patient × timepoint reached, the item codes as column names. Returns the text, the rows written
    and how many blocked rows were left out (said in the first line too)."""
    rows = [row for row in found if row.form.key == form.key]
    blocked = sum(1 for row in rows if row.status == completeness.BLOCKED)
    written = [row for row in rows if row.status not in (completeness.BLOCKED, completeness.NOT_DUE)]
    out = io.StringIO()
    out.write(f"# {form.key} {form.version}: {blocked} blocked row(s) left out (consent missing)\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timepoint", "status", *form.items])
    for row in written:
        values = completeness.sendable(row.values)
        writer.writerow([row.timepoint, row.status, *(_cell(values[code]) for code in form.items)])
    return out.getvalue(), written, blocked


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# Display ------------------------------------------------------------------------------------------------------

def shown_value(item: dictionary.Item, value, language: str | None = None) -> str:
    """A value as a person reads it: the choice's label, the date in the reader's format, yes/no."""
    language = language or get_language() or "en"
    if value is None:
        return ""
    if value == NOT_APPLICABLE:
        return _("not applicable")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if item.type == "choice":
        return item.choice_label(str(value), language)
    if item.type == "date":
        return django_formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return f"{value} {item.unit}".strip()


# PDF ----------------------------------------------------------------------------------------------------------

def form_pdf(row: completeness.Row) -> bytes:
    """The form pre-filled from cellrelay's records, for a registry that takes paper; blanks where values miss."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    language = get_language() or "en"
    regular, bold = pdf.fonts()
    style = pdf.styles(regular, bold)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                 bottomMargin=16 * mm, title=row.form.title(language))
    patient = row.patient
    story = [Paragraph(str(patient.treating_center), style["center"]),
             Paragraph(f"{row.form.title(language)} — {row.timepoint}", style["title"]),
             Paragraph(_("Version %(version)s. Patient: %(patient)s, born %(born)s.") % {
                 "version": row.form.version, "patient": patient,
                 "born": django_formats.date_format(patient.birth_date, "SHORT_DATE_FORMAT")}, style["text"]),
             Spacer(1, 4 * mm)]
    lines = []
    for code in row.form.items:
        item = catalog().items[code]
        label = item.label(language) + ("" if item.own_code else f" [{code}]")
        lines.append([Paragraph(label, style["label"]), Paragraph(shown_value(item, row.values.get(code)) or "_" * 24,
                                                                  style["text"])])
    table = Table(lines, colWidths=[80 * mm, 94 * mm])
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, pdf.LINE), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 4 * mm),
              Paragraph(_("Pre-filled by cellrelay from the patient's record; source: %(cite)s.") % {
                  "cite": row.form.cite}, style["small"])]
    document.build(story)
    return buffer.getvalue()


# Research export ---------------------------------------------------------------------------------------------

def _base_key() -> bytes:
    configured = settings.CELLRELAY_PSEUDONYM_KEY
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"cellrelay.registry.pseudonym", hashlib.sha256).digest()


def destination_key(destination: str) -> bytes:
    """The key of one destination's pseudonyms: the same patient gets another pseudonym elsewhere."""
    return hmac.new(_base_key(), destination.encode(), hashlib.sha256).digest()


def pseudonym(key: bytes, patient_id: int) -> str:
    return hmac.new(key, f"patient:{patient_id}".encode(), hashlib.sha256).hexdigest()[:32]


def date_shift(key: bytes, patient_id: int, days: int) -> int:
    """A stable shift of ± 1 to ``days`` days for this patient (never 0: a shifted date is never the true one)."""
    if days <= 0:
        return 0
    drawn = int.from_bytes(hmac.new(key, f"shift:{patient_id}".encode(), hashlib.sha256).digest()[:8], "big")
    step = drawn % (2 * days)
    return step - days if step < days else step - days + 1


def research_lines(bundle: Bundle, *, shift_dates: bool, today: date | None = None) -> tuple[bytes, list]:
    """JSON lines, one per episode of a patient who gave the research consent: a pseudonym, no name, INS, IPP,
    address or exact birth date (year and age band only), dates shifted per patient when asked. Returns the bytes
    and the patients written."""
    form = catalog().forms_of(RESEARCH)[0]
    key = destination_key(RESEARCH)
    days = settings.CELLRELAY_RESEARCH_DATE_SHIFT_DAYS if shift_dates else 0
    lines, patients = [], []
    for data in bundle:
        if completeness.missing_consents(RESEARCH, data.consents):
            continue
        row = completeness.row_for(form, data, "infusion", data.decision_date, today or timezone.localdate())
        shift = timedelta(days=date_shift(key, data.patient.pk, days))
        record = {"pseudonym": pseudonym(key, data.patient.pk), "dates_shifted": bool(days)}
        for code, value in completeness.sendable(row.values).items():
            if catalog().items[code].type == "date" and value is not None:
                value = (date.fromisoformat(value) + shift).isoformat()
            record[code] = value
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
        patients.append(data.patient)
    return b"\n".join(lines) + (b"\n" if lines else b""), patients
