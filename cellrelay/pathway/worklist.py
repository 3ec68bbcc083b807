"""What is due, by team: today, this week, overdue within a window. Read-only queries over open episodes.

Bounded whatever the size of the registry: each section (a bucket of a team) shows its first SECTION_CAP steps with
its count, the rest a page away (``section``); steps overdue for longer than OVERDUE_WINDOW_DAYS are behind their
own link, never on the page.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy as _

from cellrelay import bounded, formats
from cellrelay.bounded import Bounded
from cellrelay.organisation import landing
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import seen_by
from cellrelay.web import url_for_each

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
STEP_TEAMS = tuple(dict.fromkeys(TEAM_OF_KIND.values()))  # the teams that have steps: apheresis, pharmacy, unit
TEAMS = {
    "apheresis": _("Apheresis"), "pharmacy": _("Pharmacy"), "unit": _("Transplant unit"), "icu": _("Intensive care"),
    "neurology": _("Neurology"), "research": _("Clinical research"),
}
WEEK = 7
# How far back the worklist looks for overdue steps, and how many steps a section shows before "show all": a
# worklist is what a team must do now, not the site's history (issue 14). Twenty a section: about a screen, and nine
# sections of 50 made a 100 KB page at 100,000 episodes that nobody reads to the end.
OVERDUE_WINDOW_DAYS = 30
SECTION_CAP = 20
# A full section is counted up to this, "100+" beyond (as an RCP meeting's agenda): a team acts on the first rows and
# the section's own page gives the figure; every full section's count read 500 steps, each with its episode and
# patient, and was most of the page's database time at 100,000 episodes.
COUNT_CAP = 100
BUCKETS = {"overdue": _("Overdue"), "today": _("Today"), "week": _("This week"),
           "older": _("Overdue for more than %(days)s days")}


def bucket_label(code: str) -> str:
    return str(BUCKETS[code]) % {"days": OVERDUE_WINDOW_DAYS} if code == "older" else str(BUCKETS[code])
# The section of the worklist whoever works in a team lands on (permission table); the coordinator's is every team's.
TEAM_OF_ACTION = {
    Action.WORK_IN_UNIT: "unit",  # the physicians and nurses of the transplant unit: its steps, bags, toxicity alerts
    Action.WORK_IN_PHARMACY: "pharmacy",
    Action.WORK_IN_APHERESIS: "apheresis",
    Action.WORK_IN_ICU: "icu",
    Action.WORK_IN_NEUROLOGY: "neurology",
}


def bucket_asked(request) -> str | None:
    """The one section a "show all" link asks for (``?bucket=overdue``), paginated; None for the worklist."""
    bucket = request.GET.get("bucket")
    return bucket if bucket in BUCKETS else None


def team_of(request) -> str | None:
    """The team whose section the worklist shows (``?team=pharmacy``); None for every team's, or an unknown team."""
    team = request.GET.get("team")
    return team if team in TEAMS else None


def url_of(team: str | None = None, bucket: str | None = None) -> str:
    """The worklist, or one team's section of it, or every step of one bucket (of a team or all)."""
    url = reverse("pathway:worklist")
    query = {name: value for name, value in (("team", team), ("bucket", bucket)) if value}
    return f"{url}?{urlencode(query)}" if query else url


def register_landings() -> None:
    landing.register(Action.FOLLOW_ALL_TEAMS, url_of)
    for action, team in TEAM_OF_ACTION.items():
        landing.register(action, partial(url_of, team))


@dataclass
class Worklist:
    overdue: dict[str, list] = field(default_factory=dict)
    today: dict[str, list] = field(default_factory=dict)
    week: dict[str, list] = field(default_factory=dict)
    # Each (bucket, team) section: its first SECTION_CAP steps and how many it has (bounded.Bounded).
    sections: dict[tuple[str, str], Bounded] = field(default_factory=dict)
    # Whether steps overdue for longer than the window exist (the page links to them).
    older: bool = False

    def buckets(self):
        return [(code, BUCKETS[code], getattr(self, code)) for code in ("overdue", "today", "week")]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.week)


@dataclass(frozen=True)
class Row:
    """A step as the worklist shows it: its words and links worked out once for the page, not per row in the template
    (the choices' labels, gettext and URL reversing per row were most of the page's time at 100,000 episodes)."""

    milestone: Milestone
    when: str
    patient: str
    patient_url: str  # "" when the user may not open the patient's episode
    product: str
    step: str
    step_url: str  # "" when the user may not record the step


def rows(milestones, *, may_view: bool, may_record: bool) -> list[Row]:
    """The rows of these steps for a user who may (or not) open the episodes and record the steps."""
    episode_url, record_url, advance_url = (url_for_each(name) for name in (
        "pathway:episode", "pathway:milestone_record", "pathway:episode_advance"))
    days, labels, products = {}, {}, {}
    shown = []
    for m in milestones:
        if m.planned not in days:
            days[m.planned] = formats.weekday(m.planned)
        if (m.kind, m.code) not in labels:
            labels[m.kind, m.code] = m.label
        template = m.episode.template
        if template.pk not in products:
            products[template.pk] = template.get_product_display()
        step_url = ""
        if may_record:
            step_url = advance_url(m.episode_id) if m.moves_episode else record_url(m.pk)
        shown.append(Row(m, days[m.planned], str(m.episode.patient), episode_url(m.episode_id) if may_view else "",
                         products[template.pk], labels[m.kind, m.code], step_url))
    return shown


def table(rows: list[Row], *, overdue: bool) -> SafeString:
    """The rows as the page's table, written in one pass: a section's rows through the template engine (a dozen
    lookups and tags per row) were a third of the page's rendering at 100,000 episodes. Every text escaped here."""
    late = format_html(" — <strong>{}</strong>", gettext("overdue")) if overdue else ""
    opening = '<tr class="overdue">' if overdue else "<tr>"
    return mark_safe("<table><tbody>" + "".join(  # noqa: S308 - every text escaped
        f'{opening}<td class="date">{escape(row.when)}{late}</td>'
        f'<td>{linked(row.patient, row.patient_url)} <span class="help">{escape(row.product)}</span></td>'
        f"<td>{linked(row.step, row.step_url)}</td></tr>" for row in rows) + "</tbody></table>")


def linked(text: str, url: str) -> str:
    """The text, escaped, as a link to ``url`` (none when ``url`` is empty: the user may not follow it)."""
    return format_html('<a href="{}">{}</a>', url, text) if url else escape(text)


def bucket_of(planned: date, today: date) -> str | None:
    if planned < today - timedelta(days=OVERDUE_WINDOW_DAYS):
        return "older"
    if planned < today:
        return "overdue"
    if planned == today:
        return "today"
    if planned < today + timedelta(days=WEEK):
        return "week"
    return None


def _of_team(team: str) -> Q:
    others = [kind for kind, of in TEAM_OF_KIND.items() if of != "unit"]
    if team == "unit":
        return ~Q(kind__in=others)
    return Q(kind__in=[kind for kind, of in TEAM_OF_KIND.items() if of == team])


def _in_bucket(bucket: str, today: date) -> Q:
    window_start = today - timedelta(days=OVERDUE_WINDOW_DAYS)
    return {
        "older": Q(planned__lt=window_start),
        "overdue": Q(planned__gte=window_start, planned__lt=today),
        "today": Q(planned=today),
        "week": Q(planned__gt=today, planned__lt=today + timedelta(days=WEEK)),
    }[bucket]


def open_steps(patients):
    """Planned steps of open episodes of these patients, in the order they are due."""
    # The scope row by row (seen_by): the steps' (status, planned) index finds the window's few, where
    # ``patient__in`` made SQLite start from every patient of the center (issue #14). Within a day, by primary key:
    # an episode's steps are created in their plan's order, and SQLite's index holds equal dates in that order, so a
    # section stops at its LIMIT (by plan sequence first, it sorted every step of the day to show 50).
    return (Milestone.objects.filter(seen_by(patients, "episode__patient"), status=Milestone.Status.PLANNED)
            .exclude(episode__state__in=FINAL).exclude(kind=Kind.REST)  # a rest day asks nothing of anyone
            .select_related("episode__patient", "episode__template").order_by("planned", "pk"))


def section(patients, today: date, bucket: str, team: str | None):
    """Every step of one section (a bucket of one team or all), for its own paginated page."""
    return _section(open_steps(patients), today, bucket, team)


def _section(open_: QuerySet, today: date, bucket: str, team: str | None) -> QuerySet:
    steps = open_.filter(_in_bucket(bucket, today))
    return steps.filter(_of_team(team)) if team else steps


def build(patients, today: date, team: str | None = None) -> Worklist:
    """The first SECTION_CAP steps of each section (a bucket of a team) and its count up to COUNT_CAP ("100+"); and
    whether older overdue steps exist. Each section is its own ``LIMIT`` on the steps' (status, planned) index (or
    (status, kind, planned) for a team of one kind of step), in the order shown: the page reads about as many steps as
    it shows and counts, not every open step of the window (issue #14). Three queries whatever the sections hold."""
    open_ = open_steps(patients)  # built once: the ten sections' querysets were a quarter of the page's ORM time
    lists = {(code, step_team): _section(open_, today, code, step_team)
             for code in ("overdue", "today", "week") for step_team in STEP_TEAMS if team in (None, step_team)}
    # The columns a row shows (rows(); the journal's patient and center): not every step's drugs nor the protocol.
    steps = (Milestone.objects.select_related("episode__patient", "episode__template")
             .only("kind", "code", "sequence", "planned", "episode__state", "episode__patient__family_name",
                   "episode__patient__given_names", "episode__patient__treating_center", "episode__template__product"))
    worklist = Worklist()
    for (code, step_team), found in bounded.first_of_each(lists, steps, SECTION_CAP, COUNT_CAP).items():
        if found.rows:
            getattr(worklist, code)[step_team] = found.rows
            worklist.sections[code, step_team] = found
    # In the index's order: as exists() (unordered) PostgreSQL expected many rows and read the steps in another order.
    worklist.older = bool(_section(open_, today, "older", team).values_list("pk", flat=True)[:1])
    return worklist
