"""What the follow-up asks of someone now: calls that need a physician, calls due, visits due this week, visits
awaiting their record, visits overdue past their window, and patients not heard of for 13 months.

Each section is a bounded query (the first ``LIMIT`` rows, with the count of all), over the patients the user may
see; each row names who must act: the treating center or the referring hospital.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from .models import Call, FollowUpPlan, Visit

LIMIT = 50
WEEK = 7
# Issue #10: "patients at risk of being lost to follow-up (no contact for 13 months)": a yearly visit missed by a
# month past its window.
LOST_AFTER_DAYS = 396


@dataclass
class Section:
    key: str
    title: str
    rows: list
    count: int
    empty: str = ""


def _bounded(key, title, queryset: QuerySet, empty="") -> Section:
    rows = list(queryset[:LIMIT])
    count = len(rows) if len(rows) < LIMIT else queryset.count()
    return Section(key, str(title), rows, count, str(empty))


def _visits(patients) -> QuerySet:
    return (Visit.objects.filter(plan__episode__patient__in=patients, status=Visit.Status.PLANNED)
            .select_related("plan__episode__patient", "plan__episode__template", "center"))


def escalated_calls(patients) -> QuerySet:
    """Calls whose answers need a physician, until one has taken them over (followup.md)."""
    return (Call.objects.filter(plan__episode__patient__in=patients, escalated=True, acknowledged_at__isnull=True)
            .select_related("plan__episode__patient", "caller").order_by("made_at"))


def calls_due(patients, today: date) -> QuerySet:
    """One row per plan with a planned call due today or before (the latest one: a call today does them all)."""
    latest = (Call.objects.filter(plan=OuterRef("plan"), status=Call.Status.PLANNED, due__lte=today)
              .order_by("-due").values("pk")[:1])
    return (Call.objects.filter(plan__episode__patient__in=patients, status=Call.Status.PLANNED, due__lte=today,
                                pk=Subquery(latest))
            .select_related("plan__episode__patient__treating_center").order_by("due"))


def at_risk_of_loss(patients, today: date) -> QuerySet:
    """Alive, still followed (a visit left to do), and no visit nor call for 13 months (counted from D0 when there was
    none); the longest silence first. The plan's last contact is kept by the services: one index range."""
    cutoff = today - timedelta(days=LOST_AFTER_DAYS)
    return (FollowUpPlan.objects.filter(visits_left=True, last_contact__lt=cutoff, episode__patient__in=patients,
                                        episode__patient__death__isnull=True)
            .select_related("episode__patient__treating_center", "episode__patient__referring_center")
            .order_by("last_contact", "pk"))


def sections(patients, today: date) -> list[Section]:
    visits = _visits(patients)
    return [
        _bounded("escalated", _("Calls that need a physician"), escalated_calls(patients)),
        _bounded("calls", _("Calls due"), calls_due(patients, today), _("No call due today.")),
        _bounded("this_week", _("Visits due this week"),
                 visits.filter(due__gte=today, due__lte=today + timedelta(days=WEEK)).order_by("due"),
                 _("No visit due this week.")),
        _bounded("awaiting", _("Visits to record (date passed, window still open)"),
                 visits.filter(due__lt=today, latest__gte=today).order_by("due")),
        _bounded("overdue", _("Overdue: window closed, nothing recorded"),
                 visits.filter(latest__lt=today).order_by("-latest")),
        _bounded("at_risk", _("At risk of being lost to follow-up (no contact for 13 months)"),
                 at_risk_of_loss(patients, today)),
    ]
