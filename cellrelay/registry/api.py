"""The registry room's JSON API: completeness (what is due and missing) and submissions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from cellrelay.journal.reads import shown
from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach

from . import completeness, services, stored
from .forms import MONTH
from .models import Submission
from .sources import catalog
from .views import LIMIT

router = Router(tags=["registry"])


class CompletenessQuery(Schema):
    destination: str = Field("", description="A registry code (atih, descart, ebmt, cibmtr, research); empty: all.")
    form: str = Field("", description="A form key such as cibmtr:4100; empty: all.")
    month: str = Field("", description="Due in this month, YYYY-MM; empty: any.")
    status: str = Field("", description="One status; empty: the rows to act on (missing, overdue, complete, "
                                        "to correct).")
    page: int = Field(1, ge=1, le=10000, description="Which page of 50 rows, from 1: ``count`` says how many match.")


class MissingOut(Schema):
    item: str
    label: str
    where: str


class RowOut(Schema):
    episode_id: int
    patient_id: int
    form: str
    form_version: str
    timepoint: str
    status: str
    due: dt.date | None
    missing: list[MissingOut]
    missing_consents: list[str]


class CompletenessOut(Schema):
    due: int
    complete: int
    counts: dict[str, int]
    count: int  # rows matching; ``rows`` holds 50 of them, the page asked for
    rows: list[RowOut]


def _check(query: CompletenessQuery) -> None:
    problems = {}
    if query.destination and query.destination not in catalog().registries:
        problems["destination"] = [_("Unknown registry.")]
    if query.form and query.form not in catalog().forms:
        problems["form"] = [_("Unknown form.")]
    if query.month and not MONTH.match(query.month):
        problems["month"] = [_("Give a month as YYYY-MM.")]
    if query.status and query.status not in completeness.STATUS_LABELS:
        problems["status"] = [_("Unknown status.")]
    if problems:
        raise ValidationError(problems)


@guarded(router.get, "/completeness", Action.REPORT_TO_REGISTRIES, response=CompletenessOut)
def completeness_list(request, query: Query[CompletenessQuery]):
    """Every registry form × timepoint of the caller's patients: counts complete / due, and 50 rows to act on a page
    at a time with their missing items (each naming where it is filled and by which role) or missing consents."""
    _check(query)
    found = stored.listing(request.user, destination=query.destination, form_key=query.form, month=query.month,
                           status=query.status, page=query.page, size=LIMIT)
    page = found.rows
    shown(request.user, [row.patient for row in page])
    language = get_language() or "en"
    return {"due": found.summary.due, "complete": found.summary.complete, "counts": found.summary.counts,
            "count": found.count,
            "rows": [{"episode_id": row.episode.pk, "patient_id": row.patient.pk, "form": row.form.key,
                      "form_version": row.form.version, "timepoint": row.timepoint, "status": row.status,
                      "due": row.due, "missing_consents": row.missing_consents,
                      "missing": [{"item": item.code, "label": item.label(language), "where": where}
                                  for item, where in row.missing]} for row in page]}


class SubmissionIn(Schema):
    episode_id: int
    form: str = Field(..., description="A form key such as cibmtr:4000.", max_length=80)
    timepoint: str = Field(..., max_length=20)
    submitted_on: dt.date
    reference: str = Field("", max_length=100)


class SubmissionOut(Schema):
    id: int
    destination: str
    form: str
    form_version: str
    timepoint: str
    episode_id: int
    submitted_on: dt.date
    reference: str
    values: dict


@guarded(router.post, "/submissions", Action.REPORT_TO_REGISTRIES, response={201: SubmissionOut})
def submit(request, payload: SubmissionIn):
    """Mark a form submitted, with a frozen copy of its values. An incomplete form is refused (422) naming its
    missing items; a blocked one naming the missing consent."""
    episode = reach(request.user, Episode, payload.episode_id, Action.REPORT_TO_REGISTRIES)
    submission: Submission = services.submit(actor=request.user, episode=episode, form_key=payload.form,
                                             timepoint=payload.timepoint, submitted_on=payload.submitted_on,
                                             reference=payload.reference)
    return 201, {"id": submission.pk, "destination": submission.destination, "form": submission.form_key,
                 "form_version": submission.form_version, "timepoint": submission.timepoint,
                 "episode_id": episode.pk, "submitted_on": submission.submitted_on,
                 "reference": submission.reference, "values": submission.values}
