"""Documents of a treatment episode: the calendar export (iCalendar) and the patient's one-page plan (PDF).

Each download is a read of the patient record and is journaled; a user who may not see the
patient gets a 404, as on every patient page.
"""

import io
from datetime import timedelta
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cellrelay.formats import weekday
from cellrelay.organisation import access
from cellrelay.organisation.models import Unit
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import reach
from cellrelay.patients.models import Patient
from cellrelay.pdf import INK, LINE, SHADE, fonts
from cellrelay.pdf import styles as pdf_styles

from . import later_steps
from .models import Episode, Milestone, ProtocolTemplate
from .schedule import Kind, add_months

MARGIN = 1.8 * cm

# What the patient needs to know: no product receipt, no rest day, no drug.
PATIENT_KINDS = (Kind.APHERESIS, Kind.ADMISSION, Kind.LYMPHODEPLETION, Kind.INFUSION, Kind.ASSESSMENT,
                 Kind.DISCHARGE, Kind.PROXIMITY_END, Kind.NO_DRIVING_END, Kind.FOLLOW_UP)
# The unit the patient calls, in order of preference.
CALL_UNITS = (Unit.Kind.TRANSPLANT, Unit.Kind.HAEMATOLOGY)


def _episodes():
    return Episode.objects.select_related("template", "decision__referral", "decision__meeting")


def _kept(episode: Episode) -> list[Milestone]:
    return list(episode.milestones.exclude(status=Milestone.Status.CANCELLED).order_by("sequence"))


def _with_later_steps(episode: Episode, milestones: list[Milestone]) -> list:
    """The milestones and the follow-up visits the rooms above plan (not the cancelled ones), in date order."""
    later = [step for step in later_steps.of(episode) if step.status != Milestone.Status.CANCELLED]
    return sorted(milestones + later, key=lambda step: step.actual or step.planned)


def _number(value) -> str:
    """58.2 → "58.2" (or "58,2" in French); 970.0 → "970"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return formats.number_format(value, use_l10n=True)


# Calendar ------------------------------------------------------------------------------------------

def drug_lines(milestone: Milestone) -> list[str]:
    """'fludarabine 30 mg/m² — 55.5 mg' for each drug of a lymphodepletion day."""
    lines = []
    for drug in milestone.drugs:
        line = f"{drug['drug']} {_number(drug['dose_mg_m2'])} mg/m²"
        if drug.get("dose_mg") is not None:
            line += f" — {_number(drug['dose_mg'])} mg"
        lines.append(line)
    return lines


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _description(milestone: Milestone) -> str:
    lines = [milestone.label, f"{Milestone.Status.PLANNED.label}: {_day(milestone.planned)}"]
    if milestone.status == Milestone.Status.DONE and milestone.actual:
        lines.append(f"{Milestone.Status.DONE.label}: {_day(milestone.actual)}")
    if getattr(milestone, "drugs", None):
        lines += drug_lines(milestone)
        lines.append(_("Doses calculated from the body surface area when the schedule was planned: "
                       "check them against the prescription."))
    return "\n".join(lines)


def build_calendar(episode: Episode, patient: Patient) -> bytes:
    """One all-day event per planned or done step, in the active language."""
    calendar = Calendar()
    calendar.add("prodid", "-//cellrelay//treatment plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"cellrelay — {patient.family_name.upper()}")
    stamp = timezone.now()
    for milestone in _with_later_steps(episode, _kept(episode)):
        day = milestone.actual or milestone.planned
        event = Event()
        uid = f"milestone-{milestone.pk}" if isinstance(milestone, Milestone) else f"visit-{episode.pk}-{milestone.code}"
        event.add("uid", f"{uid}@cellrelay")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"cellrelay — {milestone.label} — {patient.family_name.upper()}")
        event.add("description", _description(milestone))
        event.add("class", "CONFIDENTIAL")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


@access.requires(Action.VIEW_PATIENT)
def episode_ical(request, pk):
    episode = reach(request.user, _episodes(), pk)  # 404 out of scope; the download is journaled as a read
    patient = episode.patient
    response = HttpResponse(build_calendar(episode, patient), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{episode.pk}.ics"'
    add_never_cache_headers(response)
    return response


# The patient's plan (PDF) ---------------------------------------------------------------------------

def _long_day(value) -> str:
    return capfirst(weekday(value))


def plan_rows(milestones: list) -> list[tuple[Milestone, str]]:
    """The dates the patient needs: the stay, the visits, and the follow-up visits of the first year."""
    d0 = next((m.actual or m.planned for m in milestones if m.kind == Kind.INFUSION), None)
    first_year_end = add_months(d0, 12) if d0 else None
    rows = []
    for milestone in milestones:
        if milestone.kind not in PATIENT_KINDS:
            continue
        day = milestone.actual or milestone.planned
        if milestone.kind == Kind.FOLLOW_UP and (first_year_end is None or day > first_year_end):
            continue
        rows.append((milestone, _long_day(day)))
    return rows


def _call_unit(patient: Patient) -> str:
    units = {u.kind: u for u in patient.treating_center.units.filter(kind__in=CALL_UNITS)}
    unit = next((units[kind] for kind in CALL_UNITS if kind in units), None)
    if unit is None:
        return patient.treating_center.name
    name = f"{unit.name}, {patient.treating_center.name}"
    return f"{name} ({unit.phone})" if unit.phone else name


def _identity_table(episode: Episode, patient: Patient, styles) -> Table:
    rows = [
        (capfirst(Patient._meta.verbose_name), f"{patient.family_name.upper()} {patient.given_names}"),
        (capfirst(Patient._meta.get_field("birth_date").verbose_name),
         formats.date_format(patient.birth_date, "SHORT_DATE_FORMAT")),
        (capfirst(ProtocolTemplate._meta.get_field("product").verbose_name),
         episode.template.get_product_display()),
    ]
    cells = [[Paragraph(escape(str(label)), styles["label"]), Paragraph(escape(value), styles["strong"])]
             for label, value in rows]
    table = Table(cells, colWidths=[4.2 * cm, A4[0] - 2 * MARGIN - 4.2 * cm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _dates_table(rows: list[tuple[Milestone, str]], styles) -> Table:
    head = [Paragraph(escape(capfirst(_("date"))), styles["label"]),
            Paragraph(escape(capfirst(Milestone._meta.get_field("kind").verbose_name)), styles["label"])]
    emphasised = {Kind.INFUSION, Kind.PROXIMITY_END, Kind.NO_DRIVING_END}
    cells = [head] + [
        [Paragraph(escape(day), styles["strong" if m.kind in emphasised else "text"]),
         Paragraph(escape(m.label), styles["strong" if m.kind in emphasised else "text"])]
        for m, day in rows
    ]
    table = Table(cells, colWidths=[6.4 * cm, A4[0] - 2 * MARGIN - 6.4 * cm], repeatRows=1)
    style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
             ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK), ("TOPPADDING", (0, 0), (-1, -1), 3),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    style += [("BACKGROUND", (0, n), (-1, n), SHADE) for n, (m, _when) in enumerate(rows, start=1)
              if m.kind in emphasised]
    table.setStyle(TableStyle(style))
    return table


def _reminders(patient: Patient, proximity_end: Milestone | None, no_driving_end: Milestone | None, styles) -> list:
    items = []
    if proximity_end is not None:
        until = _day(proximity_end.actual or proximity_end.planned)
        items.append(Paragraph(escape(_("Stay within 1 hour of the center until %(date)s, with a caregiver.")
                                      % {"date": until}), styles["strong"]))
    if no_driving_end is not None:
        until = _day(no_driving_end.actual or no_driving_end.planned)
        items.append(Paragraph(escape(_("Do not drive or operate machines until %(date)s.") % {"date": until}),
                               styles["strong"]))
    items.append(Paragraph(escape(_("Always carry your patient alert card and show it to any doctor or nurse "
                                    "you see.")), styles["text"]))
    items.append(Paragraph(escape(_("Call %(unit)s immediately, day or night, if you have a fever of 38 °C or "
                                    "more, confusion, difficulty speaking, or drowsiness.")
                                  % {"unit": _call_unit(patient)}), styles["strong"]))
    items.append(Paragraph(escape(_("These dates may change: the team will tell you.")), styles["text"]))
    return [ListFlowable([ListItem(item, leftIndent=12, value="•") for item in items], bulletType="bullet",
                         start="•", leftIndent=12, bulletFontSize=10)]


def build_plan(episode: Episode, patient: Patient) -> bytes:
    """The patient's plan on one A4 page, in the active language; no drug, no dose."""
    regular, bold = fonts()
    styles = pdf_styles(regular, bold)
    milestones = _kept(episode)
    rows = plan_rows(_with_later_steps(episode, milestones))
    proximity_end = next((m for m in milestones if m.kind == Kind.PROXIMITY_END), None)
    no_driving_end = next((m for m in milestones if m.kind == Kind.NO_DRIVING_END), None)
    story = [
        Paragraph(escape(patient.treating_center.name), styles["center"]),
        Paragraph(escape(_("Your treatment plan")), styles["title"]),
        _identity_table(episode, patient, styles),
        Paragraph(escape(_("Your dates")), styles["heading"]),
        _dates_table(rows, styles) if rows else Paragraph(escape(_("No date is planned yet.")), styles["text"]),
        Paragraph(escape(_("Important")), styles["heading"]),
        *_reminders(patient, proximity_end, no_driving_end, styles),
        Spacer(1, 10),
        Paragraph(escape(_("Printed on %(date)s.") % {"date": _day(timezone.localdate())}), styles["small"]),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=_("Your treatment plan"),
                                 author=patient.treating_center.name, pageCompression=0)
    document.build(story)
    return buffer.getvalue()


def _language(request) -> str:
    asked = request.GET.get("lang", "")
    return asked if asked in dict(settings.LANGUAGES) else translation.get_language()


@access.requires(Action.VIEW_PATIENT)
def episode_plan_pdf(request, pk):
    episode = reach(request.user, _episodes(), pk)  # 404 out of scope; the download is journaled as a read
    patient = episode.patient
    with translation.override(_language(request)):
        content = build_plan(episode, patient)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{episode.pk}.pdf"'
    add_never_cache_headers(response)
    return response
