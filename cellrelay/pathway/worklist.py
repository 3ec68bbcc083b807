"""What is due, by team: today, this week, overdue. Read-only queries over open episodes."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation import landing
from cellrelay.organisation.permissions import Action

from .models import Milestone
from .schedule import Kind
from .states import FINAL

# Which team performs each step (pathway.md, "Teams that work in relay").
TEAM_OF_KIND = {
    Kind.APHERESIS: "apheresis",
    Kind.PRODUCT_RECEIPT: "pharmacy",
    Kind.ADMISSION: "unit",
    Kind.LYMPHODEPLETION: "unit",
    Kind.INFUSION: "unit",
    Kind.DISCHARGE: "unit",
    Kind.PROXIMITY_END: "unit",
    Kind.NO_DRIVING_END: "unit",
}
TEAMS = {
    "apheresis": _("Apheresis"), "pharmacy": _("Pharmacy"), "unit": _("Transplant unit"), "icu": _("Intensive care"),
    "neurology": _("Neurology"), "research": _("Clinical research"),
}
WEEK = 7
# The section of the worklist whoever works in a team lands on (permission table); the coordinator's is every team's.
TEAM_OF_ACTION = {
    Action.WORK_IN_UNIT: "unit",  # the physicians and nurses of the transplant unit: its steps, bags, toxicity alerts
    Action.WORK_IN_PHARMACY: "pharmacy",
    Action.WORK_IN_APHERESIS: "apheresis",
    Action.WORK_IN_ICU: "icu",
    Action.WORK_IN_NEUROLOGY: "neurology",
}


def team_of(request) -> str | None:
    """The team whose section the worklist shows (``?team=pharmacy``); None for every team's, or an unknown team."""
    team = request.GET.get("team")
    return team if team in TEAMS else None


def url_of(team: str | None = None) -> str:
    """The worklist, or one team's section of it."""
    url = reverse("pathway:worklist")
    return f"{url}?{urlencode({'team': team})}" if team else url


def register_landings() -> None:
    landing.register(Action.FOLLOW_ALL_TEAMS, url_of)
    for action, team in TEAM_OF_ACTION.items():
        landing.register(action, partial(url_of, team))


@dataclass
class Worklist:
    overdue: dict[str, list] = field(default_factory=dict)
    today: dict[str, list] = field(default_factory=dict)
    week: dict[str, list] = field(default_factory=dict)

    def buckets(self):
        return [("overdue", _("Overdue"), self.overdue), ("today", _("Today"), self.today),
                ("week", _("This week"), self.week)]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.week)


def bucket_of(planned: date, today: date) -> str | None:
    if planned < today:
        return "overdue"
    if planned == today:
        return "today"
    if planned < today + timedelta(days=WEEK):
        return "week"
    return None


def due_milestones(patients, today: date):
    """Planned steps of open episodes of these patients, due within the week or overdue."""
    return (Milestone.objects.filter(status=Milestone.Status.PLANNED, planned__lt=today + timedelta(days=WEEK),
                                     episode__patient__in=patients)
            .exclude(episode__state__in=FINAL).exclude(kind=Kind.REST)  # a rest day asks nothing of anyone
            .select_related("episode__patient", "episode__template").order_by("planned", "sequence"))


def build(patients, today: date) -> Worklist:
    worklist = Worklist()
    for milestone in due_milestones(patients, today):
        bucket = getattr(worklist, bucket_of(milestone.planned, today))
        bucket.setdefault(TEAM_OF_KIND.get(milestone.kind, "unit"), []).append(milestone)
    return worklist
