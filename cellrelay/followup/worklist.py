"""What the follow-up asks of someone now: calls that need a physician, calls due, visits due this week, visits
awaiting their record, visits overdue past their window, and patients not heard of for 13 months.

Each section is a bounded query over the patients the user may see: its first ``LIMIT`` rows, and its count up to
``COUNT_CAP`` ("500+" beyond: nobody works through more on one page, and an exact count would read every overdue
visit of the registry). Each section's own index finds its rows in the order shown and the user's scope is checked
row by row (``patients.access.seen_by``): a section reads its index range (the rows due, open or unacknowledged),
not every visit and call of every patient in scope. Each row names who must act: the treating center or the
referring hospital.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cellrelay import bounded
from cellrelay.patients.access import seen_by

from .models import Call, Death, FollowUpPlan, Visit
from .timepoints import MAX_WINDOW_DAYS  # no window is wider: a visit whose window is open was due since then

LIMIT = 20  # about a screen, as the worklist's sections (pathway.worklist.SECTION_CAP)
COUNT_CAP = bounded.COUNT_CAP
WEEK = 7
# Issue #10: "patients at risk of being lost to follow-up (no contact for 13 months)": a yearly visit missed by a
# month past its window.
LOST_AFTER_DAYS = 396


@dataclass
class Section:
    key: str
    title: str
    rows: list
    count: int  # COUNT_CAP + 1 when there are more than COUNT_CAP
    count_text: str  # "500+" beyond COUNT_CAP
    empty: str = ""


def _bounded(key, title, queryset: QuerySet, empty="") -> Section:
    found = bounded.first(queryset, LIMIT, COUNT_CAP)
    return Section(key, str(title), found.rows, found.count, found.count_text, str(empty))


def _visits(patients) -> QuerySet:
    return (Visit.objects.filter(seen_by(patients, "plan__episode__patient"), status=Visit.Status.PLANNED)
            .select_related("plan__episode__patient", "plan__episode__template", "center"))


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
            .exclude(Exists(later))
            .select_related("plan__episode__patient__treating_center").order_by("due", "pk"))


def at_risk_of_loss(patients, today: date) -> QuerySet:
    """Alive, still followed (a visit left to do), and no visit nor call for 13 months (counted from D0 when there was
    none); the longest silence first. The plan's last contact is kept by the services: one index range."""
    cutoff = today - timedelta(days=LOST_AFTER_DAYS)
    dead = Death.objects.filter(patient=OuterRef("episode__patient"))
    return (FollowUpPlan.objects.filter(seen_by(patients, "episode__patient"), ~Exists(dead), visits_left=True,
                                        last_contact__lt=cutoff)
            .select_related("episode__patient__treating_center", "episode__patient__referring_center")
            .order_by("last_contact", "pk"))


def sections(patients, today: date) -> list[Section]:
    visits = _visits(patients)
    return [
        _bounded("escalated", _("Calls that need a physician"), escalated_calls(patients)),
        _bounded("calls", _("Calls due"), calls_due(patients, today), _("No call due today.")),
        _bounded("this_week", _("Visits due this week"),
                 visits.filter(due__gte=today, due__lte=today + timedelta(days=WEEK)).order_by("due", "pk"),
                 _("No visit due this week.")),
        _bounded("awaiting", _("Visits to record (date passed, window still open)"),
                 visits.filter(due__gte=today - timedelta(days=MAX_WINDOW_DAYS), due__lt=today,
                               latest__gte=today).order_by("due", "pk")),
        _bounded("overdue", _("Overdue: window closed, nothing recorded"),
                 visits.filter(latest__lt=today).order_by("-latest", "-pk")),
        _bounded("at_risk", _("At risk of being lost to follow-up (no contact for 13 months)"),
                 at_risk_of_loss(patients, today)),
    ]
