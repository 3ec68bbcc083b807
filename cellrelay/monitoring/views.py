"""Pages of the monitoring room: the flow sheet, the forms that record what is observed and given,
the live grade previews, and the open alerts shown on the worklists.

Views parse, check access and call one service function (services.py); they never write models.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.codes import day_label
from cellrelay.pathway.models import Episode
from cellrelay.pathway.schedule import Kind
from cellrelay.patients.access import reach
from cellrelay.pharmacy.services import drugs as pharmacy_services
from cellrelay.pharmacy.models import DrugReserve
from cellrelay.web import live_errors, posted, run_service

from . import alerts, chart, contradictions, grading, services, summary
from .alerts import grade_word
from .forms import (AcknowledgeForm, AdverseEventForm, ChecklistForm, ConfirmGradeForm, IcuReturnForm, IcuTransferForm,
                    LabsForm, NeuroAssessmentForm, ReserveForm, TreatmentForm, VitalSignsForm, WaiverForm)
from .models import (Alert, AlertedTeam, GradeRecord, IcuStay, Intervention, NeuroAssessment, NeuroChecklist,
                     VitalSigns)

# The actions of this room, offered on the flow sheet when the user may perform them for this patient.
ROOM_ACTIONS = (Action.RECORD_MONITORING, Action.CONFIRM_GRADE, Action.GIVE_TREATMENT, Action.RECORD_ADVERSE_EVENT,
                Action.MANAGE_CHECKLIST, Action.WAIVE_CHECKLIST, Action.RESERVE_DRUGS)

WARNING_TEXT = {"no_reserved_dose": gettext_lazy("No tocilizumab dose was reserved for this episode.")}
CHECKLIST_LABELS = {"consultation_on": gettext_lazy("Neurology consultation"), "mri_on": gettext_lazy("Brain MRI"),
                    "eeg_on": gettext_lazy("EEG")}
CREATININE_UMOL_PER_MG_DL = 88.4  # creatinine: 1 mg/dL = 88.4 µmol/L
CRP_MG_L_PER_MG_DL = 10  # CRP: 1 mg/dL = 10 mg/L


def reason_texts(codes) -> list[str]:
    """The grading rules' reason codes (and the room's warning codes) as sentences in the user's language."""
    return [_(grading.REASON_TEXT[code]) if code in grading.REASON_TEXT else str(WARNING_TEXT.get(code, code))
            for code in codes]


# Access ------------------------------------------------------------------------------------------------

# Pages reach an episode, or a record of the room through its episode, with patients.access.reach, which journals
# the read. The grade previews do not: they show a grade, not who the patient is, at each keystroke in a form page
# that journaled it.

def _episodes():
    return Episode.objects.select_related("template")


def _records(model):
    return model.objects.select_related("episode__template")


def room_actions(user, patient) -> set[str]:
    """The room's actions this user may perform for this patient (their role at the patient's center)."""
    return {action.value for action in ROOM_ACTIONS if access.can(user, action, patient.treating_center_id)}


# Reading the episode -------------------------------------------------------------------------------------

def d0_of(episode: Episode) -> date | None:
    """The infusion day: when it was done, else when it is planned; None before the plan."""
    infusion = episode.milestones.filter(code="D0").first()
    return (infusion.actual or infusion.planned) if infusion else None


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def days_since(reference: date, moment: datetime) -> float:
    """Days from the reference day's midnight (local time) to the moment: D+1 at noon is 1.5."""
    local = timezone.localtime(moment)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return (local.date() - reference).days + seconds / 86400


def day_namer(d0: date | None):
    """How a day is written: D+3 / J+3 from D0; the date itself before there is a D0."""
    language = get_language()
    if d0 is None:
        return lambda day: formats.date_format(day, "SHORT_DATE_FORMAT")
    return lambda day: day_label((day - d0).days, language)


def current_grade(record) -> tuple[int | None, GradeRecord | None]:
    """The confirmed grade when a physician confirmed it, else the proposed one (None: not graded,
    observed before the infusion)."""
    confirmation = getattr(record, "grade", None)
    proposed = record.crs_proposed if isinstance(record, VitalSigns) else record.icans_proposed
    return (confirmation.confirmed, confirmation) if confirmation else (proposed, None)


def graded_vitals(episode: Episode) -> list[VitalSigns]:
    return list(episode.vital_signs.select_related("grade__confirmed_by", "recorded_by"))


def graded_assessments(episode: Episode) -> list[NeuroAssessment]:
    return list(episode.neuro_assessments.select_related("grade__confirmed_by", "recorded_by"))


def daily_grades(records, when) -> dict[date, summary.DailyGrade]:
    observations = []
    for record in records:
        grade, confirmation = current_grade(record)
        if grade is None:
            continue  # before the infusion: nothing graded
        observations.append(summary.Observation(local_day(when(record)), grade, confirmation is not None))
    return summary.daily_maximum(observations)


def since_d0(daily: dict, d0: date | None) -> dict:
    """The CAR-T toxicities count from the infusion on (all days while there is no D0)."""
    return daily if d0 is None else {day: grade for day, grade in daily.items() if day >= d0}


@dataclass
class LabRow:
    labs: object
    hematotox: tuple[int, str] | None
    easix: float | None


def lab_row(labs, table=None) -> LabRow:
    """CAR-HEMATOTOX when its 5 markers are there, EASIX when LDH, creatinine and platelets are."""
    hematotox = easix = None
    markers = (labs.platelets_g_l, labs.anc_g_l, labs.haemoglobin_g_dl, labs.crp_mg_l, labs.ferritin_ng_ml)
    if all(value is not None for value in markers):
        hematotox = grading.car_hematotox(
            float(labs.platelets_g_l), float(labs.anc_g_l), float(labs.haemoglobin_g_dl),
            float(labs.crp_mg_l) / CRP_MG_L_PER_MG_DL, float(labs.ferritin_ng_ml),
            table=table or settings.CELLRELAY_HEMATOTOX_TABLE or grading.DEFAULT_HEMATOTOX_TABLE)
    if labs.ldh_u_l is not None and labs.creatinine_umol_l is not None and labs.platelets_g_l:
        easix = grading.easix(float(labs.ldh_u_l), float(labs.creatinine_umol_l) / CREATININE_UMOL_PER_MG_DL,
                              float(labs.platelets_g_l))
    return LabRow(labs, hematotox, easix)


def chart_texts(d0: date | None, reference: date) -> chart.Texts:
    return chart.Texts(
        title=_("Monitoring chart: temperature, heart rate, blood pressure, SpO2, daily maximum CRS and ICANS grades, "
                "treatments, ICU stays"),
        temperature=_("Temperature (°C)"), fever=_("38 °C (fever)"), crs=_("CRS"), icans=_("ICANS"),
        heart_rate=_("Heart rate (/min)"), blood_pressure=_("Blood pressure (mmHg)"), systolic=_("systolic"),
        diastolic=_("diastolic"), spo2=_("SpO2 (%)"),
        spo2_threshold=_("%(spo2)s %% (hypoxia)") % {"spo2": contradictions.HYPOXIA_SPO2_BELOW},
        treatments=_("Treatments"), icu=_("ICU"), grade=_("Grade 0-4"), proposed=_("proposed, not confirmed"),
        today=_("Now"),
        kinds={"T": _("T = tocilizumab"), "C": _("C = corticosteroid"), "A": _("A = anakinra"), "O": _("O = other")},
        day_label=(lambda n: day_label(n, get_language())) if d0 is not None
        else (lambda n: formats.date_format(reference + timedelta(days=n), "MONTH_DAY_FORMAT")))


KIND_CODES = {Intervention.Kind.TOCILIZUMAB: "T", Intervention.Kind.CORTICOSTEROID: "C",
              Intervention.Kind.ANAKINRA: "A", Intervention.Kind.OTHER: "O"}


def lymphodepletion_start(episode: Episode) -> date | None:
    """The first day of lymphodepletion, done or planned; None without a plan."""
    first = episode.milestones.filter(kind=Kind.LYMPHODEPLETION).order_by("sequence").first()
    return (first.actual or first.planned) if first else None


def chart_svg(episode: Episode, *, d0: date | None, vitals: list, assessments: list, interventions: list,
              stays: list) -> str:
    """The episode's monitoring chart (monitoring/chart.py) from what was recorded, as the flow sheet read it: from
    the first record (the start of lymphodepletion while there is none) to the latest record or now."""
    moments = ([v.taken_at for v in vitals] + [a.assessed_at for a in assessments]
               + [i.given_at for i in interventions] + [s.admitted_at for s in stays])
    reference = d0 or (local_day(min(moments)) if moments else timezone.localdate())

    def grades(records, when):
        return [chart.DayGrade((day - reference).days, g.grade, g.proposed)
                for day, g in daily_grades(records, when).items()]

    def moment(value: datetime) -> str:
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

    ld_start = lymphodepletion_start(episode)

    def number(value):
        return float(value) if value is not None else None

    return chart.render(
        temperatures=[chart.Reading(days_since(reference, v.taken_at), float(v.temperature_c)) for v in vitals],
        vitals=[chart.Vitals(days_since(reference, v.taken_at), number(v.heart_rate), number(v.systolic),
                             number(v.diastolic), number(v.spo2)) for v in vitals],
        start=(ld_start - reference).days if ld_start and ld_start <= timezone.localdate() else None,
        spo2_threshold=contradictions.HYPOXIA_SPO2_BELOW,
        crs=grades(vitals, lambda v: v.taken_at),
        icans=grades(assessments, lambda a: a.assessed_at),
        treatments=[chart.Treatment(days_since(reference, i.given_at), KIND_CODES.get(i.kind, "O"),
                                    f"{i.get_kind_display()} {i.drug} {i.dose_mg} mg — {moment(i.given_at)}")
                    for i in interventions],
        stays=[chart.Stay(days_since(reference, s.admitted_at),
                          days_since(reference, s.discharged_at) if s.discharged_at else None,
                          f"{_('ICU')} {moment(s.admitted_at)} → {moment(s.discharged_at) if s.discharged_at else '…'}")
               for s in stays],
        now=days_since(reference, timezone.now()),
        texts=chart_texts(d0, reference))


# The flow sheet ------------------------------------------------------------------------------------------

@access.requires(Action.VIEW_PATIENT)
def flow_sheet(request, pk):
    episode = reach(request.user, _episodes(), pk)
    patient = episode.patient
    d0 = d0_of(episode)
    name_day = day_namer(d0)
    vitals, assessments = graded_vitals(episode), graded_assessments(episode)
    crs_daily = since_d0(daily_grades(vitals, lambda v: v.taken_at), d0)
    icans_daily = since_d0(daily_grades(assessments, lambda a: a.assessed_at), d0)
    days = sorted(set(crs_daily) | set(icans_daily))
    checklist = NeuroChecklist.objects.filter(episode=episode).select_related("waived_by").first()
    stays = list(episode.icu_stays.select_related("recorded_by"))
    interventions = list(episode.interventions.select_related("given_by"))
    today = timezone.localdate()
    # Read once for the tables and the chart alike.
    chart = mark_safe(chart_svg(episode, d0=d0, vitals=vitals, assessments=assessments,  # noqa: S308 - escaped
                                interventions=interventions, stays=stays))  # by monitoring.chart, every text
    return render(request, "monitoring/flow_sheet.html", {
        "episode": episode,
        "patient": patient,
        "d0": d0,
        "d0_label": day_label(0, get_language()),
        "today_label": name_day(today),
        "may": room_actions(request.user, patient),
        "checklist": checklist,
        "checklist_items": [(label, getattr(checklist, name) if checklist else None)
                            for name, label in CHECKLIST_LABELS.items()],
        "daily": [(name_day(day), day, crs_daily.get(day), icans_daily.get(day)) for day in days],
        "crs_summary": summary.registry_summary(crs_daily),
        "icans_summary": summary.registry_summary(icans_daily),
        "vitals": [(name_day(local_day(v.taken_at)), v, *current_grade(v), reason_texts(v.crs_reasons))
                   for v in vitals],
        "assessments": [(name_day(local_day(a.assessed_at)), a, *current_grade(a), reason_texts(a.icans_reasons))
                        for a in assessments],
        "labs": [(name_day(local_day(labs.sampled_at)), lab_row(labs))
                 for labs in episode.lab_results.select_related("recorded_by")],
        "interventions": [(name_day(local_day(i.given_at)), i, reason_texts(i.warnings)) for i in interventions],
        "chart": chart,
        "stays": stays,
        "in_icu": next((s for s in stays if s.discharged_at is None), None),
        "alerts": alerts.episode_alerts(episode),
        "to_confirm": alerts.grades_to_confirm(Q(episode=episode)),
        "acknowledging": alerts.acknowledging_teams(request.user, patient.treating_center_id),
        "adverse_events": list(episode.adverse_events.select_related("recorded_by")),
        "reserve": DrugReserve.objects.filter(episode=episode, drug=pharmacy_services.TOCILIZUMAB).first(),
    })


# Forms ---------------------------------------------------------------------------------------------------

def _run(form, call):
    """run_service, and a refusal of the grading rules shown beside its field too."""

    def guarded():
        try:
            return call()
        except grading.ContradictoryInput as error:
            raise ValidationError({error.field: [_(error.message)]}) from None

    return run_service(form, guarded)


def _form_page(request, episode, form, call, *, title, done, template="monitoring/form.html", extra=None):
    """A page with one form: on a valid POST the service is called, then back to the flow sheet."""
    if request.method == "POST" and form.is_valid():
        if _run(form, call) is not None:
            messages.success(request, done)
            return redirect("monitoring:flow_sheet", episode.pk)
    return render(request, template, {"form": form, "episode": episode, "patient": episode.patient, "title": title,
                                      **(extra or {})})


def before_infusion_notice(episode: Episode, scale: str) -> str:
    """What the form says while the infusion is not recorded: nothing is graded before it."""
    if services.infusion_day(episode) is not None:
        return ""
    if scale == "crs":
        return _("The infusion (D0) is not recorded as done: before it there is no CRS, and a fever is a fever to "
                 "investigate (look for an infection). No CRS grade is proposed. If the cells have been infused, "
                 "record the infusion first.")
    return _("The infusion (D0) is not recorded as done: before it neurological signs are not ICANS (look for "
             "another cause). No ICANS grade is proposed. If the cells have been infused, record the infusion first.")


@access.requires(Action.RECORD_MONITORING)
def vitals_new(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RECORD_MONITORING)
    form = VitalSignsForm(posted(request), age_years=age_today(episode))
    return _form_page(
        request, episode, form,
        lambda: services.record_vital_signs(actor=request.user, episode=episode, **form.cleaned_data),
        title=_("Record vital signs"), done=_("Vital signs recorded."),
        extra={"preview_url": "monitoring:vitals_preview", "preview_target": "#crs-preview",
               "preview": {"id": "crs-preview", "scale": _("CRS")},
               "notice": before_infusion_notice(episode, "crs")})


def _preview_response(request, context):
    return render(request, "monitoring/_grade_preview.html", {"preview": context})


def _graded_preview(request, context, grade: grading.Grade, **more):
    """The proposed grade and its reasons; before the infusion, why there is none."""
    if not grade.graded:
        return _preview_response(request, {**context, "not_graded": True, "reasons": reason_texts(grade.reasons),
                                           "fever_to_investigate": "fever_before_infusion" in grade.reasons})
    return _preview_response(request, {**context, "grade": grade.grade, "word": grade_word(grade.grade),
                                       "reasons": reason_texts(grade.reasons), **more})


def _raw_blank(form, name) -> bool:
    return not (form.data.get(form.add_prefix(name)) or "").strip()


@access.requires(Action.RECORD_MONITORING)
def vitals_preview(request, pk):
    """The CRS grade the vital signs would be given, before saving: nothing is saved. The fields' error
    areas and the values to confirm are re-rendered too (live validation), so that a corrected entry
    loses its error at once."""
    episode = reach(request.user, _episodes(), pk, Action.RECORD_MONITORING, journal_read=False)
    form = VitalSignsForm(request.POST or request.GET or None, age_years=age_today(episode))
    context = {"id": "crs-preview", "scale": _("CRS")}
    if not form.is_bound:
        return _preview_response(request, {**context, "prompt": _("Enter the temperature to see the proposed grade.")})
    context.update(live=live_errors(form), values_form=form)
    if _raw_blank(form, "temperature_c"):
        return _preview_response(request, {**context, "prompt": _("Enter the temperature to see the proposed grade.")})
    problems = [str(m) for name in ("temperature_c", "hypotension", "oxygen", "oxygen_flow_l_min", "__all__")
                for m in form.errors.get(name, [])]
    if problems or not form.grading_inputs_complete():
        return _preview_response(request, {**context, "problems": problems})
    data = form.cleaned_data
    grade = services.propose_crs(
        episode, taken_at=data.get("taken_at") or timezone.now(), temperature_c=data["temperature_c"],
        antipyretic_given=data.get("antipyretic_given", False), hypotension=data["hypotension"],
        oxygen=data["oxygen"], oxygen_flow_l_min=data.get("oxygen_flow_l_min"))
    return _graded_preview(request, context, grade)


def age_today(episode: Episode) -> int:
    return episode.patient.age_on(timezone.localdate())


def uses_capd(episode: Episode, day: date | None = None) -> bool:
    """Children below the site's CAPD age are assessed with the CAPD; the form decides by today's age."""
    return episode.patient.age_on(day or timezone.localdate()) < settings.CELLRELAY_CAPD_BELOW_AGE


@access.requires(Action.RECORD_MONITORING)
def neuro_new(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RECORD_MONITORING)
    capd = uses_capd(episode)
    form = NeuroAssessmentForm(posted(request), capd=capd)
    return _form_page(
        request, episode, form,
        lambda: services.record_neuro_assessment(actor=request.user, episode=episode, **form.service_arguments()),
        title=_("Neurological assessment"), done=_("Neurological assessment recorded."),
        template="monitoring/neuro_form.html",
        extra={"capd": capd, "capd_age": settings.CELLRELAY_CAPD_BELOW_AGE,
               "preview_url": "monitoring:neuro_preview", "preview_target": "#icans-preview",
               "preview": {"id": "icans-preview", "scale": _("ICANS")},
               "notice": before_infusion_notice(episode, "icans")})


@access.requires(Action.RECORD_MONITORING)
def neuro_preview(request, pk):
    """The ICANS grade the assessment would be given, before saving: nothing is saved."""
    episode = reach(request.user, _episodes(), pk, Action.RECORD_MONITORING, journal_read=False)
    context = {"id": "icans-preview", "scale": _("ICANS")}
    capd = uses_capd(episode)
    form = NeuroAssessmentForm(request.POST or request.GET or None, capd=capd)
    if not form.is_bound:
        return _preview_response(request, {**context, "prompt": _("Fill in the assessment to see the proposed grade.")})
    context["live"] = live_errors(form)
    relevant = set(form.item_names) | {"consciousness", "consciousness_due_to_sedation", "seizure", "motor_weakness",
                                       "cerebral_edema", "aphasia_global", "__all__"}
    problems = [str(m) for name, errors in form.errors.items() if name in relevant for m in errors]
    if problems:
        return _preview_response(request, {**context, "problems": problems})
    data = form.cleaned_data
    try:
        items = form.items()
        score = grading.capd_score(**items) if capd else grading.ice_score(**items)
        grade = services.propose_icans(
            episode, assessed_at=data.get("assessed_at") or timezone.now(),
            ice_score=None if capd else score, capd_score=score if capd else None,
            consciousness=data["consciousness"], consciousness_due_to_sedation=data["consciousness_due_to_sedation"],
            seizure=data["seizure"], motor_weakness=data["motor_weakness"], cerebral_edema=data["cerebral_edema"],
            aphasia_global=data["aphasia_global"])
    except grading.ContradictoryInput as error:
        return _preview_response(request, {**context, "problems": [_(error.message)]})
    except ValidationError as error:
        return _preview_response(request, {**context, "problems": [str(m) for m in error.messages]})
    score_label = (_("CAPD %(score)s/32") if capd else _("ICE %(score)s/10")) % {"score": score}
    return _graded_preview(request, context, grade, score=score_label)


@access.requires(Action.RECORD_MONITORING)
def labs_new(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RECORD_MONITORING)
    form = LabsForm(posted(request))

    def call():
        data = dict(form.cleaned_data)
        return services.record_labs(actor=request.user, episode=episode, sampled_at=data.pop("sampled_at"), **data)

    return _form_page(request, episode, form, call, title=_("Record laboratory results"),
                      done=_("Laboratory results recorded."))


def _confirm(request, episode, source, *, scale, proposed, reasons, observed_at, score=""):
    if proposed is None:
        messages.warning(request, _("Observed before the infusion: there is no CRS or ICANS grade to confirm."))
        return redirect("monitoring:flow_sheet", episode.pk)
    confirmation = getattr(source, "grade", None)
    form = ConfirmGradeForm(posted(request), initial={"confirmed": proposed})
    return _form_page(
        request, episode, form,
        lambda: services.confirm_grade(actor=request.user, source=source, **form.cleaned_data),
        title=_("Confirm the %(scale)s grade") % {"scale": scale}, done=_("Grade confirmed."),
        template="monitoring/confirm_form.html",
        extra={"scale": scale, "proposed": proposed, "word": grade_word(proposed), "reasons": reason_texts(reasons),
               "observed_at": observed_at, "confirmation": confirmation, "score": score,
               "day": day_namer(d0_of(episode))(local_day(observed_at))})


@access.requires(Action.CONFIRM_GRADE)
def vitals_confirm(request, pk):
    vitals = reach(request.user, _records(VitalSigns), pk, Action.CONFIRM_GRADE, patient="episode__patient")
    episode = vitals.episode
    return _confirm(request, episode, vitals, scale=_("CRS"), proposed=vitals.crs_proposed, reasons=vitals.crs_reasons,
                    observed_at=vitals.taken_at,
                    score=_("%(temperature)s °C") % {"temperature": formats.localize(vitals.temperature_c)})


@access.requires(Action.CONFIRM_GRADE)
def neuro_confirm(request, pk):
    assessment = reach(request.user, _records(NeuroAssessment), pk, Action.CONFIRM_GRADE, patient="episode__patient")
    episode = assessment.episode
    score = ""
    if assessment.ice_score is not None:
        score = _("ICE %(score)s/10") % {"score": assessment.ice_score}
    elif assessment.capd_score is not None:
        score = _("CAPD %(score)s/32") % {"score": assessment.capd_score}
    return _confirm(request, episode, assessment, scale=_("ICANS"), proposed=assessment.icans_proposed,
                    reasons=assessment.icans_reasons, observed_at=assessment.assessed_at, score=score)


def tocilizumab_context(episode: Episode) -> dict:
    """What the bedside needs before a tocilizumab dose: the weight-based dose, doses given, reserve left."""
    weight = episode.patient.weight_kg
    light_kymriah = bool(weight) and episode.product == "kymriah" and float(weight) < grading.KYMRIAH_LIGHT_BELOW_KG
    doses = episode.interventions.filter(kind=Intervention.Kind.TOCILIZUMAB)
    return {
        "weight": weight,
        "suggested_dose": grading.tocilizumab_dose_mg(float(weight), kymriah_under_30kg=light_kymriah)
        if weight else None,
        "per_kg": grading.TOCILIZUMAB_KYMRIAH_LIGHT_MG_KG if light_kymriah else grading.TOCILIZUMAB_MG_KG,
        "max_dose": grading.TOCILIZUMAB_MAX_MG,
        "doses_24h": doses.filter(given_at__gt=timezone.now() - timedelta(hours=24)).count(),
        "doses_total": doses.count(),
        "max_24h": grading.TOCILIZUMAB_MAX_IN_24H,
        "max_total": grading.TOCILIZUMAB_MAX_TOTAL,
        "last_dose": doses.order_by("-given_at").first(),
        "reserve": DrugReserve.objects.filter(episode=episode, drug=pharmacy_services.TOCILIZUMAB).first(),
    }


@access.requires(Action.GIVE_TREATMENT)
def treatment_new(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.GIVE_TREATMENT)
    form = TreatmentForm(posted(request), initial={"kind": Intervention.Kind.TOCILIZUMAB, "route": "IV"})
    return _form_page(
        request, episode, form,
        lambda: services.give_treatment(actor=request.user, episode=episode, **form.cleaned_data),
        title=_("Record a treatment given"), done=_("Treatment recorded."), template="monitoring/treatment_form.html",
        extra=tocilizumab_context(episode))


@access.requires(Action.RECORD_MONITORING)
def icu_transfer(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RECORD_MONITORING)
    form = IcuTransferForm(posted(request))
    return _form_page(
        request, episode, form,
        lambda: services.transfer_to_icu(actor=request.user, episode=episode, **form.cleaned_data),
        title=_("Transfer to intensive care"), done=_("Transfer to intensive care recorded."))


@access.requires(Action.RECORD_MONITORING)
def icu_return(request, pk):
    stay = reach(request.user, _records(IcuStay), pk, Action.RECORD_MONITORING, patient="episode__patient")
    episode = stay.episode
    form = IcuReturnForm(posted(request))
    return _form_page(
        request, episode, form,
        lambda: services.return_from_icu(actor=request.user, stay=stay, **form.cleaned_data),
        title=_("Return from intensive care"), done=_("Return from intensive care recorded."),
        template="monitoring/icu_return_form.html", extra={"stay": stay})


@access.requires(Action.RECORD_ADVERSE_EVENT)
def adverse_event_new(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RECORD_ADVERSE_EVENT)
    form = AdverseEventForm(posted(request))
    return _form_page(
        request, episode, form,
        lambda: services.record_adverse_event(actor=request.user, episode=episode, **form.cleaned_data),
        title=_("Record an adverse event"), done=_("Adverse event recorded."))


@access.requires(Action.MANAGE_CHECKLIST)
def checklist(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.MANAGE_CHECKLIST)
    current = NeuroChecklist.objects.filter(episode=episode).first()
    initial = {name: getattr(current, name) for name in NeuroChecklist.ITEMS} if current else {}
    form = ChecklistForm(posted(request), initial=initial)
    return _form_page(
        request, episode, form,
        lambda: services.update_checklist(actor=request.user, episode=episode, **form.cleaned_data),
        title=_("Pre-infusion neurology checklist"), done=_("Checklist updated."),
        extra={"intro": _("Neurology consultation, brain MRI and EEG before the infusion: enter the day each was "
                          "done. A date once entered can be corrected, not removed.")})


@access.requires(Action.WAIVE_CHECKLIST)
def checklist_waive(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.WAIVE_CHECKLIST)
    missing = services.infusion_blockers(episode)
    form = WaiverForm(posted(request))
    return _form_page(
        request, episode, form,
        lambda: services.waive_checklist(actor=request.user, episode=episode, **form.cleaned_data),
        title=_("Infuse without the complete checklist"), done=_("Waiver recorded."),
        extra={"intro": _("Missing: %(items)s. Your name and your reason are kept in the record.") % {
            "items": ", ".join(str(CHECKLIST_LABELS[name]) for name in missing) or _("nothing")}})


@access.requires(Action.RESERVE_DRUGS)
def reserve(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RESERVE_DRUGS)
    current = DrugReserve.objects.filter(episode=episode, drug=pharmacy_services.TOCILIZUMAB).first()
    form = ReserveForm(posted(request),
                       initial={"doses": current.reserved_doses if current else episode.template.tocilizumab_doses})
    return _form_page(
        request, episode, form,
        lambda: pharmacy_services.reserve_drug(actor=request.user, episode=episode, drug=pharmacy_services.TOCILIZUMAB,
                                               doses=form.cleaned_data["doses"]),
        title=_("Reserve tocilizumab"), done=_("Tocilizumab reserved."),
        extra={"intro": _("The protocol template reserves %(doses)s dose(s) before the infusion.") % {
            "doses": episode.template.tocilizumab_doses}
            + (" " + _("Reserved now: %(reserved)s, used: %(used)s.") % {
                "reserved": current.reserved_doses, "used": current.used_doses} if current else "")})


def _acknowledge(request, pk, team: AlertedTeam):
    """POST acknowledges the alert for this team; GET shows it and asks for the acknowledgement."""
    action = alerts.ACKNOWLEDGE_ACTION[team]
    alert = reach(request.user, _records(Alert), pk, action, patient="episode__patient")
    episode = alert.episode
    form = AcknowledgeForm(posted(request))
    return _form_page(
        request, episode, form, lambda: services.acknowledge_alert(actor=request.user, alert=alert, team=team),
        title=_("Acknowledge the alert for %(team)s") % {"team": team.label}, done=_("Alert acknowledged."),
        template="monitoring/acknowledge.html",
        extra={"alert": alert, "word": grade_word(alert.grade), "team": team, "teams": alerts.team_status(alert)})


@access.requires(Action.ACKNOWLEDGE_ICU_ALERT)
def alert_acknowledge_icu(request, pk):
    return _acknowledge(request, pk, AlertedTeam.ICU)


@access.requires(Action.ACKNOWLEDGE_NEUROLOGY_ALERT)
def alert_acknowledge_neurology(request, pk):
    return _acknowledge(request, pk, AlertedTeam.NEUROLOGY)
