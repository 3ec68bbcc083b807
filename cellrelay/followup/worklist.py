"""What the follow-up asks of someone now: calls that need a physician, calls due, visits due this week, visits
awaiting their record, visits overdue past their window, and patients not heard of for 13 months.

Each section is a bounded query over the patients the user may see: its first ``LIMIT`` rows, and its count up to
``COUNT_CAP`` ("100+" beyond). Each section's own index finds its rows in the order shown and the user's scope is
checked row by row (``patients.access.seen_by``): a section reads its index range (the rows due, open or
unacknowledged), not every visit and call of every patient in scope. The sections of one kind of row (calls, visits)
are read together (``bounded.first_of_each``): five queries for the page whatever it holds. Each row names who must
act: the treating center or the referring hospital; its words and links are worked out once for the page (``Line``).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy as _

from cellrelay import bounded, formats
from cellrelay.patients.access import seen_by
from cellrelay.web import url_for_each

from .models import Call, Death, FollowUpPlan, Visit
from .timepoints import MAX_WINDOW_DAYS  # no window is wider: a visit whose window is open was due since then

LIMIT = 20  # about a screen, as the worklist's sections (pathway.worklist.SECTION_CAP)
# Counted up to a hundred, "100+" beyond: five screens of a section. Each row counted is checked against the user's
# scope through its plan, episode and patient (four index lookups), so the count, not the rows shown, was the page's
# growth: five sections counted to 500 read 2,500 rows at 100,000 episodes (about 55 ms of SQL on PostgreSQL) for a
# number that says "more than a day's work" either way. A center's own sections stay below it and are exact.
COUNT_CAP = 100
WEEK = 7
# Issue #10: "patients at risk of being lost to follow-up (no contact for 13 months)": a yearly visit missed by a
# month past its window.
LOST_AFTER_DAYS = 396


@dataclass(frozen=True)
class Line:
    """A row as the worklist shows it: its words and links worked out once for the page, not per row in the template
    (the choices' labels, date formats and translations per row were most of the page's time)."""

    when: str
    when_note: str
    patient: str
    patient_url: str
    patient_note: str
    who: str
    code: str = ""  # a visit's timepoint, before who records it
    tag: str = ""
    action: str = ""  # the link's words; "" when the user may not act on the row
    action_url: str = ""


@dataclass
class Section:
    key: str
    title: str
    rows: list  # the calls, visits or plans shown (their patients are journaled)
    count: int  # COUNT_CAP + 1 when there are more than COUNT_CAP
    count_text: str  # "100+" beyond COUNT_CAP
    empty: str = ""
    lines: list[Line] = field(default_factory=list)


def _section(key, title, found: bounded.Bounded, empty="") -> Section:
    return Section(key, str(title), found.rows, found.count, found.count_text, str(empty))


def _visits(patients) -> QuerySet:
    return Visit.objects.filter(seen_by(patients, "plan__episode__patient"), status=Visit.Status.PLANNED)


def escalated_calls(patients) -> QuerySet:
    """Calls whose answers need a physician, until one has taken them over (followup.md)."""
    return (Call.objects.filter(seen_by(patients, "plan__episode__patient"), escalated=True,
                                acknowledged_at__isnull=True)
            .select_related("plan__episode__patient", "caller").order_by("made_at"))


def calls_due(patients, today: date) -> QuerySet:
    """One row per plan with a planned call due today or before (the latest one: a call today does them all)."""
    later = Call.objects.filter(Q(due__gt=OuterRef("due")) | Q(due=OuterRef("due"), pk__gt=OuterRef("pk")),
                                plan=OuterRef("plan"), status=Call.Status.PLANNED, due__lte=today)
    return (Call.objects.filter(seen_by(patients, "plan__episode__patient"), status=Call.Status.PLANNED,
                                due__lte=today)
            .exclude(Exists(later)).order_by("due", "pk"))


def at_risk_of_loss(patients, today: date) -> QuerySet:
    """Alive, still followed (a visit left to do), and no visit nor call for 13 months (counted from D0 when there was
    none); the longest silence first. The plan's last contact is kept by the services: one index range."""
    cutoff = today - timedelta(days=LOST_AFTER_DAYS)
    dead = Death.objects.filter(patient=OuterRef("episode__patient"))
    return (FollowUpPlan.objects.filter(seen_by(patients, "episode__patient"), ~Exists(dead), visits_left=True,
                                        last_contact__lt=cutoff).order_by("last_contact", "pk"))


# The columns the rows show (and the journal's patient and center), not every call's answers nor the plan's schedule.
PATIENT = ("family_name", "given_names", "treating_center")
CALL_COLUMNS = ("due", "made_at", "note", "escalation", "plan__episode__patient__treating_center__name",
                "caller__first_name", "caller__last_name", *(f"plan__episode__patient__{name}" for name in PATIENT))
VISIT_COLUMNS = ("code", "due", "earliest", "latest", "place", "center__name", "plan__episode__template__product",
                 *(f"plan__episode__patient__{name}" for name in PATIENT))


# Each section: its title and what it says when empty, in the order shown.
TITLES = {
    "escalated": (_("Calls that need a physician"), ""),
    "calls": (_("Calls due"), _("No call due today.")),
    "this_week": (_("Visits due this week"), _("No visit due this week.")),
    "awaiting": (_("Visits to record (date passed, window still open)"), ""),
    "overdue": (_("Overdue: window closed, nothing recorded"), ""),
    "at_risk": (_("At risk of being lost to follow-up (no contact for 13 months)"), ""),
}
CALLS, VISITS = ("escalated", "calls"), ("this_week", "awaiting", "overdue")


def _lists(patients, today: date) -> dict[str, QuerySet]:
    """Every section's rows, in the order shown."""
    visits = _visits(patients)
    return {
        "escalated": escalated_calls(patients), "calls": calls_due(patients, today),
        "this_week": visits.filter(due__gte=today, due__lte=today + timedelta(days=WEEK)).order_by("due", "pk"),
        # From the widest window back: the index holds each visit's window end, so those already closed are skipped
        # in the index, not read from the table.
        "awaiting": visits.filter(due__gte=today - timedelta(days=MAX_WINDOW_DAYS), due__lt=today,
                                  latest__gte=today).order_by("due", "pk"),
        "overdue": visits.filter(latest__lt=today).order_by("-latest", "-pk"),
        "at_risk": at_risk_of_loss(patients, today),
    }


def _as_shown(key: str, rows: QuerySet) -> QuerySet:
    """A section's rows with what a line shows (only those columns, and the journal's patient and center). The
    patients at risk's plans are read by primary key: with the section's own filters in the same query, PostgreSQL
    spent longer planning its seven joins than running it."""
    if key in CALLS:
        return rows.select_related("plan__episode__patient__treating_center", "caller").only(*CALL_COLUMNS)
    if key in VISITS:
        return rows.select_related("plan__episode__patient", "plan__episode__template", "center").only(*VISIT_COLUMNS)
    return (rows.select_related("episode__patient__treating_center", "episode__patient__referring_center")
            .only("d0", "last_contact", "episode__patient__treating_center__name",
                  "episode__patient__referring_center__name", *(f"episode__patient__{name}" for name in PATIENT)))


def sections(patients, today: date) -> list[Section]:
    """The page's sections in the order shown, each its first LIMIT rows and its count up to COUNT_CAP: the calls'
    two in two queries, the visits' three in two, the patients at risk in two (each time their first rows' keys and
    counts, then those rows)."""
    lists = _lists(patients, today)
    found = {}
    for keys in (CALLS, VISITS, ("at_risk",)):
        model = lists[keys[0]].model
        found |= bounded.first_of_each({key: lists[key] for key in keys}, _as_shown(keys[0], model.objects.all()),
                                       LIMIT, COUNT_CAP)
    return [_section(key, title, found[key], empty) for key, (title, empty) in TITLES.items()]


def every_row(patients, today: date, key: str) -> QuerySet:
    """Every row of one section in its order, as the lines show them: the section's own page, a page at a time."""
    return _as_shown(key, _lists(patients, today)[key])


def section_of(key: str, rows: list) -> Section:
    """One section's rows of a page (its own page): the lines are added as on the worklist."""
    title, empty = TITLES[key]
    return Section(key, str(title), rows, len(rows), str(len(rows)), str(empty))


@dataclass
class Words:
    """Each date, label and name written once for the page, however many rows share it."""

    days: dict = field(default_factory=dict)
    weekdays: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)

    def day(self, value: date) -> str:
        if value not in self.days:
            self.days[value] = formats.day(value)
        return self.days[value]

    def weekday(self, value: date) -> str:
        if value not in self.weekdays:
            self.weekdays[value] = formats.weekday(value)
        return self.weekdays[value]

    def label(self, key, make) -> str:
        if key not in self.labels:
            self.labels[key] = make()
        return self.labels[key]


def add_lines(sections_: list[Section], *, may_call: bool, may_record) -> None:
    """Each section's lines (but the calls that need a physician, shown as on the shared worklist). ``may_record``
    says whether the user records a visit: at its patient's treating center, or as its referring hospital."""
    episode_url, call_url, record_url = (url_for_each(name) for name in (
        "followup:episode", "followup:call_new", "followup:visit_record"))
    words = Words()
    call_words, coordinator = gettext("Call"), gettext("Coordinator")
    record_words = gettext("Record")
    for section in sections_:
        if section.key == "calls":
            section.lines = [Line(
                words.weekday(call.due), "", str(call.plan.episode.patient), episode_url(call.plan.episode_id), "",
                f"{coordinator} — {call.plan.episode.patient.treating_center}",
                action=call_words if may_call else "", action_url=call_url(call.plan.episode_id) if may_call else "",
            ) for call in section.rows]
        elif section.key == "at_risk":
            section.lines = [_at_risk_line(plan, words, episode_url) for plan in section.rows]
        elif section.key != "escalated":
            section.lines = [_visit_line(visit, words, episode_url, record_url if may_record(visit) else None,
                                         record_words) for visit in section.rows]


def _visit_line(visit: Visit, words: Words, episode_url, record_url, record_words: str) -> Line:
    episode = visit.plan.episode
    return Line(
        words.weekday(visit.due),
        gettext("window %(start)s – %(end)s") % {"start": words.day(visit.earliest), "end": words.day(visit.latest)},
        str(episode.patient), episode_url(episode.pk),
        words.label(("product", episode.template.product), episode.template.get_product_display),
        str(visit.center), words.label(("code", visit.code), lambda: visit.display_code),
        words.label(("place", visit.place), visit.get_place_display),
        action=record_words if record_url else "", action_url=record_url(visit.pk) if record_url else "")


def _at_risk_line(plan: FollowUpPlan, words: Words, episode_url) -> Line:
    patient = plan.episode.patient
    if plan.last_contact > plan.d0:
        when = gettext("last contact %(date)s") % {"date": words.day(plan.last_contact)}
    else:
        when = gettext("no contact since the infusion")
    return Line(when, "", str(patient), episode_url(plan.episode_id),
                gettext("infused %(date)s") % {"date": words.day(plan.d0)},
                str(patient.referring_center or patient.treating_center))
