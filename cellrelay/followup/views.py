"""Pages of the follow-up room: the follow-up worklist, an episode's follow-up, and the forms that record visits,
findings and calls. Views parse, reach the episode through the one access helper and call one service."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway import worklist as pathway_worklist
from cellrelay.pathway.episode_documents import Link
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import patients_for, reach, referring_membership
from cellrelay.web import posted, run_service

from . import figures, services, worklist
from .forms import (AssignForm, BloodCountForm, CallForm, CallScheduleForm, DeathForm, LateEffectForm, ResponseForm,
                    TreatmentForm, VisitForm)
from .models import Call, Death, FollowUpPlan, Visit

FINDINGS = ("response", "blood-count", "late-effect", "treatment", "death")
# A visit is offered for recording from a month before it is due: a Y15 visit cannot be recorded today.
RECORDABLE_AHEAD = timedelta(days=30)


def _episodes():
    return Episode.objects.select_related("template", "patient__treating_center", "patient__referring_center")


def _plan(episode) -> FollowUpPlan | None:
    return FollowUpPlan.objects.filter(episode=episode).first()


def visits_they_record(user, plan: FollowUpPlan):
    """The visits of this plan the user may record: all of them at the treating center, a referring physician only
    those assigned to their hospital."""
    visits = plan.visits.select_related("center")
    if plan.episode.patient.treating_center_id in access.centers_for(user, Action.RECORD_FOLLOW_UP):
        return visits
    referring = referring_membership(user, Action.RECORD_FOLLOW_UP)
    return visits.filter(center_id=referring.center_id) if referring else visits.none()


def _done(request, episode, text):
    messages.success(request, text)
    return redirect("followup:episode", episode.pk)


# The follow-up worklist ---------------------------------------------------------------------------------------

SECTION_PAGE = 50  # rows a page of a section's own page


@access.requires(Action.VIEW_PATIENT)
def followup_worklist(request):
    """The follow-up worklist: each section's first rows; ``?section=overdue`` (a key of ``worklist.TITLES``): every
    row of that section, a page at a time."""
    today = timezone.localdate()
    key = request.GET.get("section", "")
    if key in worklist.TITLES:
        return _followup_section(request, today, key)
    sections = worklist.sections(patients_for(request.user), today)
    return _render_worklist(request, "followup/worklist.html", sections, {"today": today})


def _followup_section(request, today, key: str):
    page = Paginator(worklist.every_row(patients_for(request.user), today, key), SECTION_PAGE).get_page(
        request.GET.get("page"))
    section = worklist.section_of(key, list(page.object_list))
    return _render_worklist(request, "followup/worklist_section.html", [section], {
        "today": today, "section": section, "page": page, "query": f"section={key}"})


def _render_worklist(request, template: str, sections: list, context: dict):
    shown(request.user, [_patient_of(row) for section in sections for row in section.rows])
    # Whose visits the user records: their treating centers' patients, or their referring hospital's visits.
    referring = referring_membership(request.user, Action.RECORD_FOLLOW_UP)
    treating_ids = set() if referring else set(access.centers_for(request.user, Action.RECORD_FOLLOW_UP))
    referring_id = referring.center_id if referring else None
    worklist.add_lines(sections, may_call=access.can(request.user, Action.CALL_PATIENTS), may_record=lambda visit: (
        visit.plan.episode.patient.treating_center_id in treating_ids or visit.center_id == referring_id))
    return render(request, template, {
        **context, "sections": sections, "may_acknowledge": access.can(request.user, Action.ACKNOWLEDGE_CALL)})


def _patient_of(row):
    """The patient of a worklist row: a visit or a call (through its plan), or a plan itself."""
    plan = getattr(row, "plan", row)
    return plan.episode.patient


def worklist_section(request, patients) -> str:
    """On the shared worklist (pathway): the calls that need a physician, for the transplant unit's physicians and
    the coordinator, the same minute the coordinator records them."""
    team = pathway_worklist.team_of(request)
    if team not in (None, "unit"):
        return ""
    calls = list(worklist.escalated_calls(patients)[:worklist.LIMIT])
    if not calls:
        return ""
    shown(request.user, [_patient_of(call) for call in calls])
    return render_to_string("followup/_escalated.html", {
        "calls": calls, "may_acknowledge": access.can(request.user, Action.ACKNOWLEDGE_CALL)}, request=request)


def patient_section(request, patient) -> str:
    """The follow-up of each infused episode on the patient's page: status, best response, next visit."""
    plans = list(FollowUpPlan.objects.filter(episode__patient=patient).select_related("episode__template"))
    if not plans:
        return ""
    summaries = [(plan, outcome, figures.status_text(outcome), figures.best_response_text(outcome))
                 for plan, outcome in ((plan, figures.outcome_of(plan)) for plan in plans)]
    return render_to_string("followup/_patient.html", {"summaries": summaries, "patient": patient}, request=request)


# An episode's follow-up ---------------------------------------------------------------------------------------

def episode_link(user, episode) -> list[Link]:
    """On the episode page (pathway.episode_documents): the follow-up, once the infusion has made its plan."""
    if not FollowUpPlan.objects.filter(episode=episode).exists():
        return []
    return [Link(_("Follow-up: visits, calls, response and outcome"), reverse("followup:episode", args=[episode.pk]))]


@access.requires(Action.VIEW_PATIENT)
def episode_followup(request, pk):
    episode = reach(request.user, _episodes(), pk)
    plan = _plan(episode)
    context = {"episode": episode, "patient": episode.patient, "plan": plan}
    if plan is not None:
        user, today = request.user, timezone.localdate()
        theirs = set(visits_they_record(user, plan).values_list("pk", flat=True))
        treating = episode.patient.treating_center_id in access.centers_for(user, Action.RECORD_FOLLOW_UP)
        context |= {
            "visits": [(visit, visit.pk in theirs and visit.is_open and visit.due <= today + RECORDABLE_AHEAD)
                       for visit in plan.visits.select_related("center")],
            "calls": plan.calls.exclude(status__in=[Call.Status.PLANNED, Call.Status.SUPERSEDED])
                                .select_related("caller", "acknowledged_by").order_by("-made_at")[:20],
            "next_calls": plan.calls.filter(status=Call.Status.PLANNED, due__gte=today).order_by("due")[:5],
            "responses": episode.responses.select_related("visit", "recorded_by"),
            "counts": episode.follow_up_counts.select_related("visit"),
            "late_effects": episode.late_effects.select_related("visit"),
            "treatments": episode.subsequent_treatments.all(),
            "death": Death.objects.filter(patient=episode.patient).first(),
            "outcome": (outcome := figures.outcome_of(plan, today=today)),
            "best_response_text": figures.best_response_text(outcome),
            "icaht": figures.icaht_of(plan),
            "may_record": bool(theirs) or treating,
            "may_record_all": treating,
            "may_plan": access.can(user, Action.PLAN_PATHWAY, episode.patient.treating_center_id),
            "may_call": access.can(user, Action.CALL_PATIENTS, episode.patient.treating_center_id),
            "may_acknowledge": access.can(user, Action.ACKNOWLEDGE_CALL, episode.patient.treating_center_id),
        }
    return render(request, "followup/episode.html", context)


def _plan_or_404(episode) -> FollowUpPlan:
    plan = _plan(episode)
    if plan is None:
        raise PermissionDenied(_("There is no follow-up before the infusion is recorded."))
    return plan


def _form_page(request, episode, form, call, *, title, done, intro="", template="followup/form.html",
               preview=None):
    """A page with one form: on a valid POST the service is called, then back to the episode's follow-up.

    ``preview(form) -> dict``: what the rule makes of the values typed so far (the response category, the ICAHT
    grade), shown live under the form: htmx posts the form with ``?preview=1`` and nothing is saved."""
    if preview is not None and request.GET.get("preview"):
        return render(request, "followup/_preview.html", preview(form))
    if request.method == "POST" and form.is_valid():
        if run_service(form, call) is not None:
            return _done(request, episode, done)
    context = {"form": form, "episode": episode, "patient": episode.patient, "title": title, "intro": intro}
    if preview is not None:
        context |= {"preview_url": f"{request.path}?preview=1", **(preview(form) if form.is_bound else {})}
    return render(request, template, context)


@access.requires(Action.RECORD_FOLLOW_UP)
def record_visit(request, pk):
    visit = reach(request.user, Visit.objects.select_related("plan__episode__template", "center"), pk,
                  Action.RECORD_FOLLOW_UP, patient="plan__episode__patient")
    episode = visit.plan.episode
    if not visits_they_record(request.user, visit.plan).filter(pk=visit.pk).exists():
        raise PermissionDenied(_("This visit is recorded by %(center)s.") % {"center": visit.center})
    form = VisitForm(posted(request), initial={"version": visit.plan.version, "on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = run_service(form, lambda: services.record_visit(
            actor=request.user, visit=visit, status=data["status"], on=data["on"], note=data["note"],
            expected_version=data["version"]))
        if result is not None:
            _recorded, delay = result
            if delay:
                messages.warning(request, figures.delay_text(delay))
            return _done(request, episode, _("Visit %(code)s recorded.") % {"code": visit.display_code})
    return render(request, "followup/visit_form.html", {
        "form": form, "visit": visit, "episode": episode, "patient": episode.patient,
        "title": _("Record the %(code)s visit") % {"code": visit.display_code}})


@access.requires(Action.PLAN_PATHWAY)
def assign_visits(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.PLAN_PATHWAY)
    plan = _plan_or_404(episode)
    open_visits = list(plan.visits.filter(status=Visit.Status.PLANNED))
    form = AssignForm(posted(request), visits=open_visits, initial={"version": plan.version})
    referring = episode.patient.referring_center
    intro = (_("The referring hospital is %(center)s: the visits assigned to it are recorded by its physician.")
             % {"center": referring} if referring else _("This patient has no referring hospital on record."))
    return _form_page(request, episode, form, lambda: services.assign_visits(
        actor=request.user, plan=plan, codes=form.cleaned_data["codes"], place=form.cleaned_data["place"],
        expected_version=form.cleaned_data["version"]),
        title=_("Where the visits take place"), done=_("Visits assigned."), intro=intro)


@access.requires(Action.CALL_PATIENTS)
def call_schedule(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.CALL_PATIENTS)
    plan = _plan_or_404(episode)
    form = CallScheduleForm(posted(request), initial={
        "version": plan.version, "daily_until": plan.daily_calls_until,
        "twice_monthly_until": plan.twice_monthly_calls_until, "days_before_visit": plan.calls_before_visit_days})
    return _form_page(request, episode, form, lambda: services.edit_call_schedule(
        actor=request.user, plan=plan, daily_until=form.cleaned_data["daily_until"],
        twice_monthly_until=form.cleaned_data["twice_monthly_until"],
        days_before_visit=form.cleaned_data["days_before_visit"], expected_version=form.cleaned_data["version"]),
        title=_("Call schedule"), done=_("Call schedule changed: the calls to come are planned again."),
        intro=_("Daily while the patient stays near the center, then twice a month until M3, then before each "
                "visit."))


@access.requires(Action.CALL_PATIENTS)
def record_call(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.CALL_PATIENTS)
    plan = _plan_or_404(episode)
    form = CallForm(posted(request))
    if request.method == "POST" and form.is_valid():
        call = run_service(form, lambda: services.record_call(
            actor=request.user, plan=plan, answers=form.answers() if form.cleaned_data["reached"] else {},
            note=form.cleaned_data["note"], reached=form.cleaned_data["reached"]))
        if call is not None:
            if call.escalated:
                messages.error(request, _("A physician must see this patient now. The call is on the "
                                          "haematologists' worklist; call the physician on duty as well."))
                for reason in call.escalation_texts:
                    messages.error(request, reason)
            for advice in call.advice_texts:
                messages.warning(request, advice)
            return _done(request, episode, _("Call recorded."))
    return render(request, "followup/call_form.html", {
        "form": form, "episode": episode, "patient": episode.patient, "plan": plan, "title": _("Call the patient")})


@access.requires(Action.ACKNOWLEDGE_CALL)
def acknowledge_call(request, pk):
    """A physician takes over a call that needs one; on GET, the call and the button."""
    call = reach(request.user, Call.objects.select_related("plan__episode__patient", "caller"), pk,
                 Action.ACKNOWLEDGE_CALL, patient="plan__episode__patient")
    if request.method != "POST":
        episode = call.plan.episode
        return render(request, "followup/acknowledge.html", {"call": call, "episode": episode,
                                                             "patient": episode.patient})
    try:
        services.acknowledge_call(actor=request.user, call=call)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have taken this call over."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("followup:episode", call.plan.episode_id)


@access.requires(Action.RECORD_FOLLOW_UP)
def record_finding(request, pk, finding):
    if finding not in FINDINGS:
        raise Http404(finding)
    # A live preview shows a grade, not who the patient is, at each keystroke of a page whose read was journaled.
    episode = reach(request.user, _episodes(), pk, Action.RECORD_FOLLOW_UP, journal_read=not request.GET.get("preview"))
    plan = _plan_or_404(episode)
    visits = visits_they_record(request.user, plan)
    treating = episode.patient.treating_center_id in access.centers_for(request.user, Action.RECORD_FOLLOW_UP)
    if not treating and finding in ("treatment", "death"):
        raise PermissionDenied(_("The treating center records this."))
    data, user = posted(request), request.user
    if finding == "response":
        criteria = figures.criteria_of(episode)
        form = ResponseForm(data, criteria=criteria, visits=visits)
        return _form_page(request, episode, form, lambda: services.record_response(
            actor=user, episode=episode, assessed_on=form.cleaned_data["assessed_on"], criteria=criteria,
            raw=form.raw(), visit=form.cleaned_data["visit"]),
            title=_("Record the disease response"), done=_("Response recorded."),
            intro=figures.criteria_help(criteria), preview=figures.response_preview)
    if finding == "blood-count":
        form = BloodCountForm(data, visits=visits)
        return _form_page(request, episode, form, lambda: services.record_blood_count(
            actor=user, episode=episode, **form.cleaned_data),
            title=_("Record a blood count"), done=_("Blood count recorded."),
            intro=_("Neutrophils and platelets after the infusion grade the haematotoxicity (ICAHT)."),
            preview=lambda form: figures.icaht_preview(plan, form))
    if finding == "late-effect":
        form = LateEffectForm(data, visits=visits)
        return _form_page(request, episode, form, lambda: services.record_late_effect(
            actor=user, episode=episode, kind=form.cleaned_data["kind"], observed_on=form.cleaned_data["observed_on"],
            details=form.details(), t_cell_malignancy=form.cleaned_data["t_cell_malignancy"],
            visit=form.cleaned_data["visit"]),
            title=_("Record a late effect"), done=_("Late effect recorded."),
            intro=_("A T-cell malignancy after a CAR-T: tell the manufacturer and keep a sample for CAR-transgene "
                    "testing (FDA, 2024)."))
    if finding == "treatment":
        form = TreatmentForm(data)
        return _form_page(request, episode, form, lambda: services.record_treatment(
            actor=user, episode=episode, **form.cleaned_data),
            title=_("Record a subsequent treatment"), done=_("Treatment recorded."))
    form = DeathForm(data)
    return _form_page(request, episode, form, lambda: services.record_death(
        actor=user, episode=episode, **form.cleaned_data),
        title=_("Record the patient's death"), done=_("Death recorded: the visits and calls still planned end."))
