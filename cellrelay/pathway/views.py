from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import may, patients_for, reach
from cellrelay.web import run_service

from . import delays, episode_documents, schedule, services, step_checks, worklist, worklist_sections
from .codes import day_label, localize_code
from .forms import DayForm, PlanForm, ReplanForm, StopForm, TemplateForm
from .models import Episode, Milestone, ProtocolTemplate
from .states import FINAL, REACHED_THROUGH_THE_PRODUCT, State, next_state


EPISODE_RELATED = ("template", "decision__meeting", "decision__referral")  # what the episode pages show


def _episodes():
    return Episode.objects.select_related(*EPISODE_RELATED)


def key_delays(episode: Episode) -> list[delays.Delay]:
    by_code = {m.code: m for m in episode.milestones.all()}
    apheresis, infusion = by_code.get("APH"), by_code.get("D0")
    return delays.key_delays(
        referral=episode.decision.referral.received_on, decision=episode.decision.meeting.held_on,
        apheresis=apheresis.actual if apheresis else None, infusion=infusion.actual if infusion else None)


def episode_summaries(patient) -> list[dict]:
    """Each episode of the patient with its key delays, for the patient page."""
    # The milestones read once for the delays, the plan's presence and the timeline.
    episodes = patient.episodes.select_related(*EPISODE_RELATED).prefetch_related("milestones")
    return [{"episode": e, "delays": [(DELAY_LABELS[d.code], d) for d in key_delays(e)],
             "has_plan": bool(e.milestones.all())} for e in episodes]


def patient_section(request, patient) -> str:
    """The patient's episodes, each with its timeline and key delays: a section of the patient's page
    (patients.page_sections); nothing before the first episode."""
    episodes = episode_summaries(patient)
    if not episodes:
        return ""
    return render_to_string("pathway/_patient_episodes.html", {"episodes": episodes}, request=request)


DELAY_LABELS = {
    "referral_to_decision": gettext_lazy("Referral → RCP decision"),
    "decision_to_apheresis": gettext_lazy("Decision → apheresis"),
    "vein_to_vein": gettext_lazy("Apheresis → infusion (vein to vein)"),
    "decision_to_infusion": gettext_lazy("Decision → infusion"),
}


@access.requires(Action.VIEW_PATIENT)
def episode_detail(request, pk):
    episode = reach(request.user, _episodes(), pk)
    can_plan = may(request.user, Action.PLAN_PATHWAY, episode.patient)
    can_record = may(request.user, Action.RECORD_STEP, episode.patient)
    upcoming = next_state(State(episode.state))
    return render(request, "pathway/episode.html", {
        "episode": episode,
        "patient": episode.patient,
        "milestones": episode.milestones.all(),
        "delays": [(DELAY_LABELS[d.code], d) for d in key_delays(episode)],
        "state_changes": episode.state_changes.select_related("by"),
        "next_state": upcoming,
        "next_label": Episode.STATE_LABELS.get(upcoming) if upcoming else None,
        "can_plan": can_plan and episode.state in (State.APPROVED, State.APHERESIS_SCHEDULED),
        "can_advance": can_record and upcoming not in (None, State.APHERESIS_SCHEDULED)
        and upcoming not in REACHED_THROUGH_THE_PRODUCT,
        "through_the_product": upcoming in REACHED_THROUGH_THE_PRODUCT and episode.is_open,
        "can_stop": can_plan and episode.state not in FINAL,
        "can_record": can_record and episode.is_open,
        "plan_form": PlanForm(initial={"version": episode.version}),
        "today": timezone.localdate(),
        "documents": episode_documents.links(request.user, episode),  # the rooms above's (the alert card)
    })


def _milestones():
    return Milestone.objects.select_related(*(f"episode__{name}" for name in EPISODE_RELATED))


def _episode_form(request, episode, form_class, call, title, done, initial=None, extra=None):
    """A small form acting on one episode: shows errors beside fields, refuses stale versions."""
    form = form_class(request.POST or None, initial={"version": episode.version, **(initial or {})})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if run_service(form, lambda: call(episode, version, data)) is not None:
            messages.success(request, done)
            return redirect("pathway:episode", episode.pk)
    return render(request, "pathway/form.html", {"form": form, "episode": episode, "title": title, **(extra or {})})


@access.requires(Action.PLAN_PATHWAY)
def episode_plan(request, pk):
    return _episode_form(
        request, reach(request.user, _episodes(), pk, Action.PLAN_PATHWAY), PlanForm,
        lambda episode, version, data: services.plan_schedule(actor=request.user, episode=episode,
                                                              expected_version=version, **data),
        _("Plan the schedule"), _("Schedule planned."))


PREVIEW_UNTIL_DAY = 28  # the preview shows the plan to D28; the follow-up comes with the saved plan


@access.requires(Action.PLAN_PATHWAY)
def episode_plan_preview(request, pk):
    """The plan a date would give, before saving: the same rules as the schedule calculator API. The preview shows
    dates and doses, not who the patient is, and is asked again at each keystroke: its read is not journaled (the
    plan page around it journaled it)."""
    episode = reach(request.user, Episode.objects.select_related("template"), pk, Action.PLAN_PATHWAY,
                    journal_read=False)
    form = PlanForm({**request.GET.dict(), "version": episode.version})
    milestones, error = [], ""
    if form.is_valid():
        patient = episode.patient
        try:
            milestones = schedule.plan(episode.template.as_protocol(), infusion_date=form.cleaned_data["infusion_date"],
                                       apheresis_date=form.cleaned_data["apheresis_date"],
                                       weight_kg=patient.weight_kg, height_cm=patient.height_cm)
        except schedule.ScheduleError as refused:
            error = _(str(refused))
    else:
        error = " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
    rows = [(day_label(m.day, get_language()), Milestone.KIND_LABELS[m.kind], localize_code(m.code, get_language()), m)
            for m in milestones if m.day <= PREVIEW_UNTIL_DAY]
    return render(request, "pathway/_plan_preview.html", {"rows": rows, "error": error})


def what_moves(milestone: Milestone) -> str:
    """What else changes when this step is done or moved on another day (schedule.moves_when_done)."""
    if milestone.kind in schedule.FROM_D0:
        return _("No other date changes: the dates after the infusion stay counted from D0.")
    if milestone.kind == schedule.Kind.INFUSION:
        return _("The dates after the infusion (assessments, discharge, stay near the center, follow-up) are "
                 "counted from this D0.")
    return _("The later steps up to the infusion (D0) move by the same number of days, and the dates counted from "
             "D0 with it.")


def _about(milestone: Milestone | None) -> dict:
    return {"milestone": milestone, "what_moves": what_moves(milestone) if milestone else ""}


def _day_form(episode: Episode, step: str | None, milestone: Milestone | None) -> tuple:
    """The day form for a step, with a confirmation box when the rooms above ask to confirm something
    (step_checks: e.g. a CRS not resolved at discharge); the service refuses the step unless it is ticked."""
    reasons = step_checks.reasons_to_confirm(episode, step) if step else []
    return partial(DayForm, asks_confirmation=bool(reasons)), {**_about(milestone), "reasons": reasons}


@access.requires(Action.RECORD_STEP)
def episode_advance(request, pk):
    episode = reach(request.user, _episodes(), pk, Action.RECORD_STEP)
    target = next_state(State(episode.state))
    title = _("Record: %(step)s") % {"step": Episode.STATE_LABELS[target]} if target else _("Episode closed")
    if target in REACHED_THROUGH_THE_PRODUCT:
        # Nothing to submit here: the step is the product's custody record, on the product page.
        return render(request, "pathway/through_the_product.html", {"episode": episode, "title": title})
    step = services.step_of(target) if target else None
    milestone = episode.milestones.filter(kind=step, status=Milestone.Status.PLANNED).first() if step else None
    form_class, extra = _day_form(episode, step, milestone)
    return _episode_form(
        request, episode, form_class,
        lambda episode, version, data: services.advance(actor=request.user, episode=episode, target=target,
                                                        expected_version=version, **data),
        title, _("Step recorded."), extra=extra)


@access.requires(Action.PLAN_PATHWAY)
def episode_stop(request, pk):
    return _episode_form(
        request, reach(request.user, _episodes(), pk, Action.PLAN_PATHWAY), StopForm,
        lambda episode, version, data: services.stop_episode(actor=request.user, episode=episode,
                                                             expected_version=version, **data),
        _("Stop the episode"), _("Episode stopped. It stays in the record and in the figures."))


@access.requires(Action.RECORD_STEP)
def milestone_record(request, pk):
    milestone = reach(request.user, _milestones(), pk, Action.RECORD_STEP, patient="episode__patient")
    form_class, extra = _day_form(milestone.episode, milestone.kind, milestone)
    return _episode_form(
        request, milestone.episode, form_class,
        lambda episode, version, data: services.record_step(actor=request.user, milestone=milestone,
                                                            expected_version=version, **data),
        _("Record: %(step)s") % {"step": milestone.label}, _("Step recorded."), extra=extra)


@access.requires(Action.PLAN_PATHWAY)
def milestone_replan(request, pk):
    milestone = reach(request.user, _milestones(), pk, Action.PLAN_PATHWAY, patient="episode__patient")
    return _episode_form(
        request, milestone.episode, ReplanForm,
        lambda episode, version, data: services.replan_milestone(actor=request.user, milestone=milestone,
                                                                 expected_version=version, **data),
        _("Move: %(step)s") % {"step": milestone.label}, _("Planned dates moved."),
        initial={"planned": milestone.planned}, extra=_about(milestone))


@access.requires(Action.VIEW_WORKLIST)
def worklist_view(request):
    """Every team's work, or one team's (``?team=pharmacy``: where the pharmacist lands); an unknown team: all.
    The rooms above add their sections (toxicity alerts, the product circuit), filtered to the team themselves.
    ``?bucket=overdue`` (or today, week, older): every step of that bucket, a page at a time."""
    team = worklist.team_of(request)
    today = timezone.localdate()
    patients = patients_for(request.user)
    bucket = worklist.bucket_asked(request)
    if bucket:
        return _worklist_bucket(request, patients, today, bucket, team)
    work = worklist.build(patients, today, team)
    may = _may_follow(request.user)
    buckets = [(code, label, [_section(t, worklist.rows(items, **may), work.sections[code, t], code)
                              for t, items in teams.items()])
               for code, label, teams in work.buckets()]
    shown(request.user, [m.episode.patient for _code, _label, teams in work.buckets() for items in teams.values()
                         for m in items])
    sections = worklist_sections.render(request, patients)
    return render(request, "pathway/worklist.html", {
        "buckets": buckets, "today": today, "sections": sections, "cap": worklist.SECTION_CAP,
        "older_url": worklist.url_of(team, "older") if work.older else "", "window": worklist.OVERDUE_WINDOW_DAYS,
        "team": team, "teams": [(code, label, worklist.url_of(code)) for code, label in worklist.TEAMS.items()],
        "all_teams_url": worklist.url_of(),
        "empty": not (sections or any(teams for _code, _label, teams in buckets))})


def _section(team: str, rows: list, found, code: str) -> tuple:
    """A team's section of a bucket as the page shows it: (team, its name, rows, Bounded, "show all" URL, table)."""
    return (team, worklist.TEAMS[team], rows, found, worklist.url_of(team, code),
            worklist.table(rows, overdue=code == "overdue"))


def _may_follow(user) -> dict[str, bool]:
    """Whether the user may open a step's episode and record it: asked once for the page, not once per row."""
    return {"may_view": access.can(user, Action.VIEW_PATIENT), "may_record": access.can(user, Action.RECORD_STEP)}


def _worklist_bucket(request, patients, today, bucket: str, team: str | None):
    page = Paginator(worklist.section(patients, today, bucket, team), worklist.SECTION_CAP).get_page(
        request.GET.get("page"))
    shown(request.user, [m.episode.patient for m in page])
    items = worklist.rows(page.object_list, **_may_follow(request.user))
    return render(request, "pathway/worklist_bucket.html", {
        "page": page, "items": items, "table": worklist.table(items, overdue=bucket in ("overdue", "older")),
        "label": worklist.bucket_label(bucket), "today": today,
        "team_label": worklist.TEAMS[team] if team else "", "back": worklist.url_of(team),
        "query": f"bucket={bucket}" + (f"&team={team}" if team else "")})


@access.requires(Action.USE_API)
def protocol_list(request):
    return render(request, "pathway/protocols.html", {"templates": ProtocolTemplate.objects.all()})


@access.requires(Action.EDIT_PROTOCOLS)
def protocol_edit(request, pk):
    template = get_object_or_404(ProtocolTemplate, pk=pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        source = data.pop("source")
        if run_service(form, lambda: services.edit_template(actor=request.user, template=template, changes=data,
                                                            source=source)):
            messages.success(request, _("Template saved; the change and its source are kept."))
            return redirect("pathway:protocols")
    return render(request, "pathway/protocol_form.html", {"form": form, "template": template,
                                                           "edits": template.edits.select_related("edited_by")})
