"""GET/POST /api/v1/episodes/{id}/followup/…: an episode's follow-up plan, visits, findings, calls and outcome.

The endpoints reach the episode through the one access helper (journaling the read) and call the same services as
the pages: a referring physician records only the visits assigned to their hospital, here as there.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from cellrelay.apiutil import api_choices
from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach

from . import figures, services
from .models import Call, Death, FollowUpPlan, LateEffect, SubsequentTreatment, Visit

router = Router(tags=["follow-up"])

# Named for the API: Django's nested choices share short names (Kind, Status), which OpenAPI would merge.
VisitRecord = api_choices("VisitRecord", [Visit.Status.DONE, Visit.Status.MISSED, Visit.Status.DECLINED,
                                          Visit.Status.LOST])
LateEffectKind = api_choices("LateEffectKind", LateEffect.Kind)
TreatmentKind = api_choices("TreatmentKind", SubsequentTreatment.Kind)
DeathCause = api_choices("DeathCause", Death.Cause)
DeathToxicity = api_choices("DeathToxicity", Death.Toxicity)


class VisitOut(Schema):
    id: int
    code: str
    day: int
    due: dt.date
    earliest: dt.date
    latest: dt.date
    place: str
    center_id: int
    status: str
    done_on: dt.date | None
    note: str


class PlanOut(Schema):
    episode_id: int
    d0: dt.date
    timepoints: list[str]
    daily_calls_until: dt.date
    twice_monthly_calls_until: dt.date
    calls_before_visit_days: int
    version: int
    visits: list[VisitOut]


class VisitIn(Schema):
    status: VisitRecord
    on: dt.date | None = None
    note: str = Field("", max_length=500)
    version: int | None = Field(None, description="The plan's version you read; a stale one is refused.")


class VisitRecorded(VisitOut):
    delay_days: int = Field(..., description="Days outside the window (0 inside it; negative: before it opened).")


class ResponseIn(Schema):
    assessed_on: dt.date
    raw: dict = Field(..., description="The criteria's findings, e.g. Lugano: deauville_score, uptake_change, "
                                       "new_lesions; B-ALL: remission, mrd_status, mrd_method.")
    visit_id: int | None = None


class ResponseOut(Schema):
    id: int
    assessed_on: dt.date
    criteria: str
    raw: dict
    category: str
    is_progression: bool
    visit_id: int | None


class BloodCountIn(Schema):
    sampled_on: dt.date
    anc_per_ul: int | None = Field(None, ge=0, le=100_000)
    platelets_g_l: int | None = Field(None, ge=0, le=5_000)
    haemoglobin_g_dl: float | None = Field(None, ge=0, le=25)
    visit_id: int | None = None


class LateEffectIn(Schema):
    kind: LateEffectKind
    observed_on: dt.date
    details: dict = {}
    t_cell_malignancy: bool = False
    visit_id: int | None = None


class TreatmentIn(Schema):
    kind: TreatmentKind
    started_on: dt.date
    detail: str = Field("", max_length=300)


class DeathIn(Schema):
    died_on: dt.date
    cause: DeathCause
    toxicity: DeathToxicity | None = None
    detail: str = Field("", max_length=300)


class CallIn(Schema):
    reached: bool = True
    answers: dict = Field({}, description="fever, temperature_c, confusion, trouble_speaking, trouble_writing, "
                                          "drowsiness, tremor, breathlessness, infection_signs, bleeding, "
                                          "caregiver_present, within_reach, driving")
    note: str = Field("", max_length=2000)


class CallOut(Schema):
    id: int
    due: dt.date | None
    status: str
    made_at: dt.datetime | None
    answers: dict
    note: str
    escalation: list[str]
    escalation_texts: list[str]
    advice: list[str]
    escalated: bool


class Created(Schema):
    id: int


class OutcomeOut(Schema):
    d0: dt.date
    days_since_infusion: int
    status: str
    best_response: str | None
    best_response_date: dt.date | None
    pfs_days: int
    pfs_event: bool
    pfs_censored_on: dt.date | None
    os_days: int
    os_event: bool
    os_censored_on: dt.date | None


def _episode(request, episode_id: int, action: Action = Action.VIEW_PATIENT) -> Episode:
    return reach(request.user, Episode.objects.select_related("template", "patient"), episode_id, action)


def _visit(plan: FollowUpPlan, visit_id: int | None) -> Visit | None:
    if visit_id is None:
        return None
    visit = plan.visits.filter(pk=visit_id).first()
    if visit is None:
        raise ValidationError({"visit_id": _("This visit belongs to another episode.")})
    return visit


def _plan_out(plan: FollowUpPlan) -> dict:
    return {"episode_id": plan.episode_id, "d0": plan.d0, "timepoints": plan.timepoints.split(),
            "daily_calls_until": plan.daily_calls_until, "twice_monthly_calls_until": plan.twice_monthly_calls_until,
            "calls_before_visit_days": plan.calls_before_visit_days, "version": plan.version,
            "visits": list(plan.visits.all())}


@guarded(router.get, "/{episode_id}/followup", Action.VIEW_PATIENT, response=PlanOut)
def get_plan(request, episode_id: int):
    """The follow-up plan: visits with their windows and who records them, and the call schedule."""
    return _plan_out(services.plan_of(_episode(request, episode_id)))


@guarded(router.post, "/{episode_id}/followup/visits/{code}", Action.RECORD_FOLLOW_UP, response=VisitRecorded)
def record_visit(request, episode_id: int, code: str, payload: VisitIn):
    """Record a visit: done (with its date), missed, declined, or lost to follow-up. Outside its window it is
    accepted and ``delay_days`` says by how much."""
    plan = services.plan_of(_episode(request, episode_id, Action.RECORD_FOLLOW_UP))
    visit = plan.visits.filter(code=code.upper()).first()
    if visit is None:
        raise ValidationError({"code": _("This episode has no such visit.")})
    visit, delay = services.record_visit(actor=request.user, visit=visit, status=payload.status, on=payload.on,
                                         note=payload.note, expected_version=payload.version)
    return {**{f.attname: getattr(visit, f.attname) for f in Visit._meta.concrete_fields}, "id": visit.pk,
            "delay_days": delay}


@guarded(router.get, "/{episode_id}/followup/responses", Action.VIEW_PATIENT, response=list[ResponseOut])
def list_responses(request, episode_id: int):
    return list(_episode(request, episode_id).responses.all())


@guarded(router.post, "/{episode_id}/followup/responses", Action.RECORD_FOLLOW_UP, response={201: ResponseOut})
def record_response(request, episode_id: int, payload: ResponseIn):
    """A disease response graded by the criteria of the episode's indication from the raw findings."""
    episode = _episode(request, episode_id, Action.RECORD_FOLLOW_UP)
    plan = services.plan_of(episode)
    found = services.record_response(actor=request.user, episode=episode, assessed_on=payload.assessed_on,
                                     criteria=figures.criteria_of(episode), raw=payload.raw,
                                     visit=_visit(plan, payload.visit_id))
    return Status(201, found)


@guarded(router.post, "/{episode_id}/followup/blood-counts", Action.RECORD_FOLLOW_UP, response={201: Created})
def record_blood_count(request, episode_id: int, payload: BloodCountIn):
    episode = _episode(request, episode_id, Action.RECORD_FOLLOW_UP)
    data = payload.dict()
    visit = _visit(services.plan_of(episode), data.pop("visit_id"))
    return Status(201, services.record_blood_count(actor=request.user, episode=episode, visit=visit, **data))


@guarded(router.post, "/{episode_id}/followup/late-effects", Action.RECORD_FOLLOW_UP, response={201: Created})
def record_late_effect(request, episode_id: int, payload: LateEffectIn):
    episode = _episode(request, episode_id, Action.RECORD_FOLLOW_UP)
    data = payload.dict()
    visit = _visit(services.plan_of(episode), data.pop("visit_id"))
    return Status(201, services.record_late_effect(actor=request.user, episode=episode, visit=visit, **data))


@guarded(router.post, "/{episode_id}/followup/treatments", Action.RECORD_FOLLOW_UP, response={201: Created})
def record_treatment(request, episode_id: int, payload: TreatmentIn):
    episode = _episode(request, episode_id, Action.RECORD_FOLLOW_UP)
    return Status(201, services.record_treatment(actor=request.user, episode=episode, **payload.dict()))


@guarded(router.post, "/{episode_id}/followup/death", Action.RECORD_FOLLOW_UP, response={201: Created})
def record_death(request, episode_id: int, payload: DeathIn):
    episode = _episode(request, episode_id, Action.RECORD_FOLLOW_UP)
    data = payload.dict()
    data["toxicity"] = data["toxicity"] or ""
    return Status(201, services.record_death(actor=request.user, episode=episode, **data))


@guarded(router.get, "/{episode_id}/followup/calls", Action.VIEW_PATIENT, response=list[CallOut])
def list_calls(request, episode_id: int):
    """The calls made (the planned ones are in the plan's schedule)."""
    plan = services.plan_of(_episode(request, episode_id))
    return list(plan.calls.exclude(status__in=[Call.Status.PLANNED, Call.Status.SUPERSEDED]).order_by("made_at"))


@guarded(router.post, "/{episode_id}/followup/calls", Action.CALL_PATIENTS, response={201: CallOut})
def record_call(request, episode_id: int, payload: CallIn):
    """A coordinator's call; an answer that needs a physician escalates it to the haematologists' worklist."""
    plan = services.plan_of(_episode(request, episode_id, Action.CALL_PATIENTS))
    call = services.record_call(actor=request.user, plan=plan, answers=payload.answers, note=payload.note,
                                reached=payload.reached)
    return Status(201, call)


@guarded(router.get, "/{episode_id}/followup/outcome", Action.VIEW_PATIENT, response=OutcomeOut)
def outcome(request, episode_id: int):
    """Time since infusion, status, best response, progression-free and overall survival with their censoring."""
    plan = services.plan_of(_episode(request, episode_id))
    result = figures.outcome_of(plan)
    if result is None:
        raise ValidationError(_("The follow-up records contradict each other: check the dates."))
    best = result.best_response
    return {"d0": plan.d0, "days_since_infusion": result.days_since_infusion, "status": result.status,
            "best_response": best.category if best else None, "best_response_date": result.best_response_date,
            "pfs_days": result.pfs_days, "pfs_event": result.pfs_event, "pfs_censored_on": result.pfs_censored_on,
            "os_days": result.os_days, "os_event": result.os_event, "os_censored_on": result.os_censored_on}
