"""Completeness of every patient × form × timepoint, computed in one pass over a ``sources.Bundle``.

A row is blocked (a consent the destination needs is missing), not due yet (its timepoint is not reached),
missing items (each naming where it is filled and by whom), overdue (missing items past the due date),
complete, submitted, or to correct (a value changed since it was submitted).
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import dictionary
from .consent import missing_consents
from .sources import EVENTS, NOT_APPLICABLE, Bundle, Context, EpisodeData, catalog, value_of, where_of

BLOCKED, NOT_DUE, MISSING, OVERDUE, COMPLETE, SUBMITTED, TO_CORRECT = (
    "blocked", "not_due", "missing", "overdue", "complete", "submitted", "to_correct")
STATUS_LABELS = {
    BLOCKED: _("blocked"), NOT_DUE: _("not due yet"), MISSING: _("missing items"), OVERDUE: _("overdue"),
    COMPLETE: _("complete"), SUBMITTED: _("submitted"), TO_CORRECT: _("to correct"),
}
# Rows a research assistant has to act on, and those counted as due (complete / due).
DUE = (MISSING, OVERDUE, COMPLETE, SUBMITTED, TO_CORRECT)
FILLED = (COMPLETE, SUBMITTED, TO_CORRECT)


@dataclass
class Row:
    data: EpisodeData
    form: dictionary.Form
    timepoint: str
    reached: date | None
    due: date | None
    status: str
    values: dict = field(default_factory=dict)  # item code -> value (None: missing; "n/a": not applicable)
    missing: list = field(default_factory=list)  # (item, where text)
    missing_consents: list = field(default_factory=list)
    submission: object = None
    differences: list = field(default_factory=list)  # (item, sent, now)
    overdue: bool = False  # past the due date and not submitted

    @property
    def episode(self):
        return self.data.episode

    @property
    def patient(self):
        return self.data.patient

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def title(self) -> str:
        """The form's title in the current language (the page's table: no template include a row)."""
        return self.form.title(get_language() or "en")

    @property
    def missing_labels(self) -> list[tuple[str, str]]:
        """(item label in the current language, where it is filled) for each missing item."""
        language = get_language() or "en"
        return [(item.label(language), where) for item, where in self.missing]

    @property
    def month(self) -> str:
        return self.due.strftime("%Y-%m") if self.due else ""


def sendable(values: dict) -> dict:
    """The values as frozen in a submission or an export: "not applicable" as null."""
    return {code: (None if value == NOT_APPLICABLE else value) for code, value in values.items()}


def _timepoints(form: dictionary.Form, data: EpisodeData, today: date):
    """(timepoint, reached) for the form, in order: every reached one and, for follow-up timepoints, the next one
    (later ones are not shown); none after the patient's death, nor for an event that has not happened."""
    event = EVENTS[form.event_source](data) if form.event_source else None
    upcoming_shown = False
    for timepoint in form.timepoints:
        reached = dictionary.timepoint_date(timepoint, decision=data.decision_date, infusion=data.infusion,
                                            event=event)
        if timepoint == "event" and reached is None:
            continue
        if data.death and reached and reached > data.death.died_on:
            continue
        if reached is None or reached > today:
            if upcoming_shown:
                continue
            upcoming_shown = True
        yield timepoint, reached


def row_for(form: dictionary.Form, data: EpisodeData, timepoint: str, reached: date | None, today: date) -> Row:
    catalogue = catalog()
    due = (dictionary.due_date(form, reached, decision=data.decision_date, infusion=data.infusion)
           if reached else None)
    row = Row(data, form, timepoint, reached, due, NOT_DUE)
    row.missing_consents = missing_consents(form.registry, data.consents)
    if row.missing_consents:
        row.status = BLOCKED
        return row
    if reached is None or reached > today:
        return row
    context = Context(timepoint, reached, dictionary.offset_days(timepoint) is not None)
    for code in form.items:
        item = catalogue.items[code]
        value = value_of(item, data, context)
        row.values[code] = value
        if value is None:
            row.missing.append((item, where_of(item).text(timepoint)))
    row.submission = data.submissions.get((form.key, timepoint))
    if row.submission is not None:
        now = sendable(row.values)
        row.differences = [(catalogue.items[code], row.submission.values.get(code), now[code]) for code in form.items
                           if row.submission.values.get(code) != now[code]]
        row.status = TO_CORRECT if row.differences else SUBMITTED
        return row
    row.overdue = today > due
    row.status = (OVERDUE if row.overdue else MISSING) if row.missing else COMPLETE
    return row


def rows(bundle: Bundle, *, destination: str = "", form_key: str = "", today: date | None = None) -> list[Row]:
    """Every row of these episodes (optionally one destination or one form), episode by episode."""
    today = today or timezone.localdate()
    forms = [form for form in catalog().forms.values()
             if (not destination or form.registry == destination) and (not form_key or form.key == form_key)]
    found = []
    for data in bundle:
        for form in forms:
            for timepoint, reached in _timepoints(form, data, today):
                found.append(row_for(form, data, timepoint, reached, today))
    return found


def one_row(bundle: Bundle, episode_id: int, form_key: str, timepoint: str, today: date | None = None) -> Row | None:
    today = today or timezone.localdate()
    form = catalog().forms.get(form_key)
    data = bundle.by_id.get(episode_id)
    if form is None or data is None:
        return None
    return next((row_for(form, data, tp, reached, today) for tp, reached in _timepoints(form, data, today)
                 if tp == timepoint), None)


@dataclass
class Summary:
    due: int
    complete: int
    counts: dict  # status -> count


def summarise(found: list[Row]) -> Summary:
    counts = {status: 0 for status in STATUS_LABELS}
    for row in found:
        counts[row.status] += 1
    return Summary(due=sum(counts[s] for s in DUE), complete=sum(counts[s] for s in FILLED), counts=counts)


def filtered(found: list[Row], *, status: str = "", month: str = "") -> list[Row]:
    """The rows to act on by default (due, not blocked nor submitted as is), or those of one status; of one month
    of due date when given ("2026-03")."""
    if status:
        kept = [row for row in found if row.status == status]
    else:
        kept = [row for row in found if row.status in (MISSING, OVERDUE, COMPLETE, TO_CORRECT)]
    if month:
        kept = [row for row in kept if row.month == month]
    return sorted(kept, key=lambda row: (row.due or date.max, row.patient.family_name, row.form.key))
