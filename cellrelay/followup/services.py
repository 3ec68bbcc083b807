"""Every change of the follow-up room: the plan made at the infusion, visits and what is found at them, the calls.

Each function runs in one transaction, validates, writes its models and one journal entry filed under the patient.
A referring physician records only the visits assigned to their hospital (``_refuse_unless_theirs``); the treating
center records any visit, its own and the letters a referring hospital sends.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record_for_patient
from cellrelay.organisation.access import centers_for
from cellrelay.organisation.permissions import Action as Permission
from cellrelay.patients.access import referring_membership
from cellrelay.pathway.models import Episode
from cellrelay.validation import refuse_future_date

from . import calls, response, timepoints
from .models import BloodCount, Call, Death, FollowUpPlan, LateEffect, Response, SubsequentTreatment, Visit
from .settings import windows

Action = JournalEntry.Action


def _journal(action, episode: Episode, *, actor, obj=None, before=None, after=None) -> None:
    record_for_patient(action, episode.patient, actor=actor, obj=obj or episode, before=before, after=after)


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


# The plan ------------------------------------------------------------------------------------------------------

def plan_follow_up(episode: Episode, d0: date, *, actor) -> FollowUpPlan:
    """At the infusion, in its transaction: the visits of the template's timepoints and the call schedule, both
    counted from the actual D0 (followup.md) and from nothing else."""
    if FollowUpPlan.objects.filter(episode=episode).exists():
        raise _refused("on", _("This episode already has a follow-up plan."))
    template = episode.template
    codes = template.timepoints()
    planned = timepoints.plan(d0, codes, windows())
    # followup.md: daily calls while the patient stays near the center, then twice a month until M3 (D100).
    daily_until = d0 + timedelta(days=template.proximity_days)
    twice_monthly_until = d0 + timedelta(days=100)
    plan = FollowUpPlan.objects.create(
        episode=episode, d0=d0, timepoints=" ".join(codes), daily_calls_until=daily_until,
        twice_monthly_calls_until=twice_monthly_until, created_by=actor, last_contact=d0, visits_left=bool(planned))
    treating = episode.patient.treating_center
    Visit.objects.bulk_create(
        Visit(plan=plan, code=v.code, day=v.day, due=v.due, earliest=v.earliest, latest=v.latest, center=treating)
        for v in planned)
    _plan_calls(plan)
    _journal(Action.FOLLOWUP_PLANNED, episode, actor=actor, obj=plan,
             after={"d0": d0, "timepoints": plan.timepoints, "daily_calls_until": daily_until,
                    "twice_monthly_calls_until": twice_monthly_until})
    return plan


def _plan_calls(plan: FollowUpPlan) -> None:
    """The planned calls from today on, from the plan's schedule; calls made and past planned ones stay as they are."""
    today = timezone.localdate()
    plan.calls.filter(status=Call.Status.PLANNED, due__gte=today).delete()  # planned only: nothing was recorded
    visit_dues = [v.due for v in plan.visits.all()]
    daily_days = (plan.daily_calls_until - plan.d0).days
    dates = calls.call_dates(plan.d0, daily_days, visit_dues, daily_until_day=daily_days,
                             twice_monthly_until_day=(plan.twice_monthly_calls_until - plan.d0).days,
                             days_before_visit=plan.calls_before_visit_days)
    Call.objects.bulk_create(Call(plan=plan, due=day) for day in dates if day >= today)


def _locked_plan(plan: FollowUpPlan, expected_version: int | None) -> FollowUpPlan:
    plan = FollowUpPlan.objects.select_for_update().select_related("episode__patient").get(pk=plan.pk)
    if expected_version is not None and plan.version != expected_version:
        raise ValidationError(_("Someone changed this follow-up meanwhile: reload the page and check."))
    return plan


def _bump(plan: FollowUpPlan) -> None:
    plan.version += 1
    plan.save(update_fields=["version"])


def _contacted(plan: FollowUpPlan, on: date) -> None:
    """The patient was seen or heard of that day: the plan's last contact, for the patients at risk of being lost."""
    if on > plan.last_contact:
        plan.last_contact = on
        plan.save(update_fields=["last_contact"])


@transaction.atomic
def edit_call_schedule(*, actor, plan: FollowUpPlan, daily_until: date, twice_monthly_until: date,
                       days_before_visit: int, expected_version: int | None = None) -> FollowUpPlan:
    """The coordinator adapts the call schedule; the calls still to come are planned again."""
    plan = _locked_plan(plan, expected_version)
    if daily_until < plan.d0:
        raise _refused("daily_until", _("Daily calls cannot end before the infusion."))
    if twice_monthly_until < daily_until:
        raise _refused("twice_monthly_until", _("Calls twice a month follow the daily calls: end them later."))
    if not 0 <= days_before_visit <= 30:
        raise _refused("days_before_visit", _("Give a number of days from 0 to 30."))
    before = {"daily_calls_until": plan.daily_calls_until, "twice_monthly_calls_until": plan.twice_monthly_calls_until,
              "calls_before_visit_days": plan.calls_before_visit_days}
    plan.daily_calls_until, plan.twice_monthly_calls_until = daily_until, twice_monthly_until
    plan.calls_before_visit_days = days_before_visit
    plan.save(update_fields=["daily_calls_until", "twice_monthly_calls_until", "calls_before_visit_days"])
    _plan_calls(plan)
    _bump(plan)
    _journal(Action.CALL_SCHEDULE_EDITED, plan.episode, actor=actor, obj=plan, before=before,
             after={"daily_calls_until": daily_until, "twice_monthly_calls_until": twice_monthly_until,
                    "calls_before_visit_days": days_before_visit})
    return plan


@transaction.atomic
def assign_visits(*, actor, plan: FollowUpPlan, codes: list[str], place: str,
                  expected_version: int | None = None) -> list[Visit]:
    """Where the open visits ``codes`` take place, and so who records them: the treating center, or the referring
    hospital that takes the follow-up back (the patient's referring center)."""
    plan = _locked_plan(plan, expected_version)
    patient = plan.episode.patient
    if place == Visit.Place.REFERRING:
        if patient.referring_center_id is None:
            raise _refused("place", _("This patient has no referring hospital on record."))
        center_id = patient.referring_center_id
    elif place == Visit.Place.TREATING:
        center_id = patient.treating_center_id
    else:
        raise _refused("place", _("Choose the treating center or the referring hospital."))
    visits = list(plan.visits.filter(code__in=codes))
    if not visits:
        raise _refused("codes", _("Choose at least one visit."))
    closed = [v.display_code for v in visits if not v.is_open]
    if closed:
        raise _refused("codes", _("Already recorded: %(codes)s.") % {"codes": ", ".join(closed)})
    before = {v.code: v.place for v in visits}
    for visit in visits:
        visit.place, visit.center_id = place, center_id
    Visit.objects.bulk_update(visits, ["place", "center"])
    _bump(plan)
    _journal(Action.VISITS_ASSIGNED, plan.episode, actor=actor, obj=plan, before=before,
             after={"codes": sorted(before), "place": place, "center_id": center_id})
    return visits


# Who may record what ------------------------------------------------------------------------------------------

def _refuse_unless_theirs(actor, visit: Visit | None, episode: Episode) -> None:
    """The treating center records everything; a referring physician only the visits assigned to their hospital,
    and what is found at them."""
    patient = episode.patient
    if patient.treating_center_id in centers_for(actor, Permission.RECORD_FOLLOW_UP):
        return
    referring = referring_membership(actor, Permission.RECORD_FOLLOW_UP)
    if (referring is not None and visit is not None and visit.center_id == referring.center_id
            and patient.referring_physician_id == actor.pk):
        return
    raise PermissionDenied(Permission.RECORD_FOLLOW_UP.value)


def _death_of(episode: Episode) -> Death | None:
    return Death.objects.filter(patient_id=episode.patient_id).first()


def _refuse_impossible_date(field: str, on: date, plan: FollowUpPlan) -> None:
    """Not before the infusion, not after the patient's death, not in the future."""
    refuse_future_date(field, on)
    if on < plan.d0:
        raise _refused(field, _("This date is before the infusion (%(d0)s).") % {"d0": plan.d0.isoformat()})
    death = _death_of(plan.episode)
    if death is not None and on > death.died_on:
        raise _refused(field, _("This date is after the patient's death (%(date)s).") % {
            "date": death.died_on.isoformat()})


def plan_of(episode: Episode) -> FollowUpPlan:
    """The episode's follow-up plan; refused before the infusion has made it."""
    plan = FollowUpPlan.objects.filter(episode=episode).select_related("episode__patient").first()
    if plan is None:
        raise ValidationError(_("There is no follow-up before the infusion is recorded."))
    return plan


def _visit_of(episode: Episode, visit: Visit | None) -> Visit | None:
    if visit is not None and visit.plan.episode_id != episode.pk:
        raise _refused("visit", _("This visit belongs to another episode."))
    return visit


# Visits ------------------------------------------------------------------------------------------------------

@transaction.atomic
def record_visit(*, actor, visit: Visit, status: str, on: date | None, note: str = "",
                 expected_version: int | None = None) -> tuple[Visit, int]:
    """A visit done (with its date), missed, declined by the patient, or the patient lost to follow-up.

    Returns the visit and its delay in days outside the window (0 inside it): a visit outside its window is
    accepted, and the page says by how much."""
    plan = _locked_plan(visit.plan, expected_version)
    visit = plan.visits.get(pk=visit.pk)
    _refuse_unless_theirs(actor, visit, plan.episode)
    if not visit.is_open:
        raise _refused("status", _("This visit is already recorded (%(status)s).") % {
            "status": visit.get_status_display()})
    if status not in {Visit.Status.DONE, Visit.Status.MISSED, Visit.Status.DECLINED, Visit.Status.LOST}:
        raise _refused("status", _("Choose what happened at this visit."))
    if status == Visit.Status.DONE and on is None:
        raise _refused("on", _("Give the date of the visit."))
    on = on or timezone.localdate()
    _refuse_impossible_date("on", on, plan)
    delay = timepoints.delay_days(_planned(visit), on) if status == Visit.Status.DONE else 0
    visit.status, visit.done_on, visit.note = status, on, note
    visit.recorded_by, visit.recorded_at = actor, timezone.now()
    visit.save(update_fields=["status", "done_on", "note", "recorded_by", "recorded_at"])
    if status == Visit.Status.DONE:
        _contacted(plan, on)
    if not plan.visits.filter(status=Visit.Status.PLANNED).exists():
        plan.visits_left = False
        plan.save(update_fields=["visits_left"])
    _bump(plan)
    _journal(Action.VISIT_RECORDED, plan.episode, actor=actor, obj=visit,
             after={"code": visit.code, "status": status, "on": on, "delay_days": delay, "note": note,
                    "center_id": visit.center_id})
    return visit, delay


def _planned(visit: Visit) -> timepoints.PlannedVisit:
    return timepoints.PlannedVisit(visit.code, visit.day, visit.due, visit.earliest, visit.latest)


# What is found -------------------------------------------------------------------------------------------------

@transaction.atomic
def record_response(*, actor, episode: Episode, assessed_on: date, criteria: str, raw: dict,
                    visit: Visit | None = None) -> Response:
    """A disease assessment: the criteria grade the raw findings (response.py); both are kept."""
    plan = plan_of(episode)
    visit = _visit_of(episode, visit)
    _refuse_unless_theirs(actor, visit, episode)
    _refuse_impossible_date("assessed_on", assessed_on, plan)
    try:
        graded = response.evaluate(criteria, raw)
    except response.ContradictoryInput as error:
        raise _refused(error.field, _(error.message)) from None
    found = Response.objects.create(episode=episode, visit=visit, assessed_on=assessed_on, criteria=criteria,
                                    raw=raw, category=graded.category, is_progression=graded.is_progression,
                                    recorded_by=actor)
    _journal(Action.RESPONSE_RECORDED, episode, actor=actor, obj=found,
             after={"assessed_on": assessed_on, "criteria": criteria, "raw": raw, "category": graded.category,
                    "is_progression": graded.is_progression})
    return found


@transaction.atomic
def record_treatment(*, actor, episode: Episode, kind: str, started_on: date, detail: str = "") -> SubsequentTreatment:
    plan = plan_of(episode)
    _refuse_unless_theirs(actor, None, episode)
    if kind not in SubsequentTreatment.Kind.values:
        raise _refused("kind", _("Choose the kind of treatment."))
    _refuse_impossible_date("started_on", started_on, plan)
    treatment = SubsequentTreatment.objects.create(episode=episode, kind=kind, started_on=started_on, detail=detail,
                                                   recorded_by=actor)
    _journal(Action.TREATMENT_RECORDED, episode, actor=actor, obj=treatment,
             after={"kind": kind, "started_on": started_on, "detail": detail})
    return treatment


@transaction.atomic
def record_blood_count(*, actor, episode: Episode, sampled_on: date, anc_per_ul: int | None = None,
                       platelets_g_l: int | None = None, haemoglobin_g_dl=None,
                       visit: Visit | None = None) -> BloodCount:
    plan = plan_of(episode)
    visit = _visit_of(episode, visit)
    _refuse_unless_theirs(actor, visit, episode)
    _refuse_impossible_date("sampled_on", sampled_on, plan)
    if anc_per_ul is None and platelets_g_l is None and haemoglobin_g_dl is None:
        raise _refused("anc_per_ul", _("Give at least one value of the blood count."))
    if BloodCount.objects.filter(episode=episode, sampled_on=sampled_on).exists():
        raise _refused("sampled_on", _("A blood count is already recorded on this day."))
    count = BloodCount(episode=episode, visit=visit, sampled_on=sampled_on, anc_per_ul=anc_per_ul,
                       platelets_g_l=platelets_g_l, haemoglobin_g_dl=haemoglobin_g_dl, recorded_by=actor)
    count.full_clean(exclude=["episode", "visit", "recorded_by"])
    count.save()
    _journal(Action.BLOOD_COUNT_RECORDED, episode, actor=actor, obj=count,
             after={"sampled_on": sampled_on, "anc_per_ul": anc_per_ul, "platelets_g_l": platelets_g_l,
                    "haemoglobin_g_dl": str(haemoglobin_g_dl) if haemoglobin_g_dl is not None else None})
    return count


# What each late effect must say (registry.md, form 4100: organism, site and date of an infection…).
REQUIRED_DETAILS = {
    LateEffect.Kind.IGG: ("igg_g_l",),
    LateEffect.Kind.INFECTION: ("organism", "site", "severity"),
    LateEffect.Kind.SECOND_MALIGNANCY: ("diagnosis",),
    LateEffect.Kind.NEUROLOGICAL: ("description",),
}


@transaction.atomic
def record_late_effect(*, actor, episode: Episode, kind: str, observed_on: date, details: dict,
                       t_cell_malignancy: bool = False, visit: Visit | None = None) -> LateEffect:
    """A late effect with its raw details. A T-cell malignancy asks the manufacturer to be told and a sample kept
    (registry.md, FDA 2024): the entry says whether both were done, and the page prompts until they are."""
    plan = plan_of(episode)
    visit = _visit_of(episode, visit)
    _refuse_unless_theirs(actor, visit, episode)
    if kind not in LateEffect.Kind.values:
        raise _refused("kind", _("Choose the kind of late effect."))
    _refuse_impossible_date("observed_on", observed_on, plan)
    missing = [name for name in REQUIRED_DETAILS.get(kind, ()) if details.get(name) in (None, "")]
    if missing:
        raise ValidationError({name: _("This field is required.") for name in missing})
    if t_cell_malignancy and kind != LateEffect.Kind.SECOND_MALIGNANCY:
        raise _refused("t_cell_malignancy", _("Only a second malignancy can be a T-cell malignancy."))
    effect = LateEffect.objects.create(episode=episode, visit=visit, kind=kind, observed_on=observed_on,
                                       details=details, t_cell_malignancy=t_cell_malignancy, recorded_by=actor)
    _journal(Action.LATE_EFFECT_RECORDED, episode, actor=actor, obj=effect,
             after={"kind": kind, "observed_on": observed_on, "details": details,
                    "t_cell_malignancy": t_cell_malignancy})
    return effect


@transaction.atomic
def record_death(*, actor, episode: Episode, died_on: date, cause: str, toxicity: str = "",
                 detail: str = "") -> Death:
    """The patient's death, once: the visits and calls still planned end (no longer due)."""
    plan = plan_of(episode)
    _refuse_unless_theirs(actor, None, episode)
    patient = episode.patient
    Episode.objects.select_for_update().filter(patient=patient).exists()  # two deaths recorded at once: one waits
    if Death.objects.filter(patient=patient).exists():
        raise _refused("died_on", _("This patient's death is already recorded."))
    if cause not in Death.Cause.values:
        raise _refused("cause", _("Choose the cause of death."))
    if cause == Death.Cause.NON_RELAPSE and toxicity not in Death.Toxicity.values:
        raise _refused("toxicity", _("Name the cause of a death without relapse (the toxicity or other cause)."))
    if cause == Death.Cause.PROGRESSION:
        toxicity = ""
    refuse_future_date("died_on", died_on)
    if died_on < plan.d0:
        raise _refused("died_on", _("This date is before the infusion (%(d0)s).") % {"d0": plan.d0.isoformat()})
    later = plan.visits.filter(status=Visit.Status.DONE, done_on__gt=died_on).first()
    if later is not None:
        raise _refused("died_on", _("A visit is recorded after this date (%(code)s, %(date)s).") % {
            "code": later.display_code, "date": later.done_on.isoformat()})
    death = Death.objects.create(patient=patient, episode=episode, died_on=died_on, cause=cause, toxicity=toxicity,
                                 detail=detail, recorded_by=actor)
    Visit.objects.filter(plan__episode__patient=patient, status=Visit.Status.PLANNED).update(
        status=Visit.Status.ENDED)
    FollowUpPlan.objects.filter(episode__patient=patient).update(visits_left=False)
    Call.objects.filter(plan__episode__patient=patient, status=Call.Status.PLANNED).update(
        status=Call.Status.CANCELLED)
    _journal(Action.DEATH_RECORDED, episode, actor=actor, obj=death,
             after={"died_on": died_on, "cause": cause, "toxicity": toxicity, "detail": detail})
    return death


# Calls ----------------------------------------------------------------------------------------------------------

@transaction.atomic
def record_call(*, actor, plan: FollowUpPlan, answers: dict, note: str = "", reached: bool = True) -> Call:
    """The coordinator's call, with the structured answers. An answer that needs a physician escalates the call:
    it is on the haematologists' worklist from this moment until one of them has seen it (followup.md: a fever or
    a neurological sign after a CAR-T is an emergency). The planned calls up to today are done by this one."""
    plan = _locked_plan(plan, None)
    episode = plan.episode
    if _death_of(episode) is not None:
        raise _refused("answers", _("This patient's death is recorded: there is no call to make."))
    today = timezone.localdate()
    day_after_d0 = (today - plan.d0).days
    if reached:
        periods = {"day_after_d0": day_after_d0, "proximity_days": episode.template.proximity_days,
                   "no_driving_days": episode.template.no_driving_days}
        try:
            escalation = calls.escalation(answers, **periods)
            advice = calls.advice(answers, **periods)
        except calls.ContradictoryInput as error:
            raise _refused(error.field, _(error.message)) from None
        checked = answers
    else:
        checked, escalation, advice = {}, [], []
    due_now = plan.calls.filter(status=Call.Status.PLANNED, due__lte=today).order_by("-due")
    call = due_now.first() or Call(plan=plan, due=None)
    call.status = Call.Status.DONE if reached else Call.Status.NO_ANSWER
    call.made_at, call.caller, call.answers, call.note = timezone.now(), actor, checked, note
    call.escalation, call.advice, call.escalated = escalation, advice, bool(escalation)
    call.save()
    if reached:
        plan.calls.filter(status=Call.Status.PLANNED, due__lte=today).exclude(pk=call.pk).update(
            status=Call.Status.SUPERSEDED)
        _contacted(plan, timezone.localdate(call.made_at))
    _journal(Action.CALL_RECORDED, episode, actor=actor, obj=call,
             after={"reached": reached, "answers": checked, "note": note, "escalation": escalation,
                    "advice": advice})
    return call


@transaction.atomic
def acknowledge_call(*, actor, call: Call) -> Call:
    """A physician has taken over an escalated call: it leaves the worklist."""
    call = Call.objects.select_for_update().select_related("plan__episode__patient").get(pk=call.pk)
    if not call.escalated:
        raise _refused("call", _("This call needs no physician."))
    if call.acknowledged_at is not None:
        raise _refused("call", _("A physician has already taken this call over."))
    call.acknowledged_by, call.acknowledged_at = actor, timezone.now()
    call.save(update_fields=["acknowledged_by", "acknowledged_at"])
    _journal(Action.CALL_ACKNOWLEDGED, call.plan.episode, actor=actor, obj=call)
    return call
