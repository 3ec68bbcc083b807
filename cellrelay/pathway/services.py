"""Every change to a treatment episode: opening, planning, each step, stops. Journaled, atomic."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, record_for_patient, snapshot
from cellrelay.validation import refuse_date_out_of_range, refuse_future_date

from . import after_move, later_steps, schedule, step_checks
from .models import Episode, Milestone, ProtocolTemplate, ProtocolTemplateEdit, StateChange
from .states import FINAL, State, StopReason, TransitionRefused, check_transition

Action = JournalEntry.Action
Kind = schedule.Kind


class StaleEpisode(ValidationError):
    """Someone else changed the episode since this page was loaded."""


def _journal(action, episode: Episode, *, actor, before=None, after=None, obj=None):
    record_for_patient(action, episode.patient, actor=actor, obj=obj or episode, before=before, after=after)


def _locked(episode: Episode, expected_version: int | None) -> Episode:
    current = Episode.objects.select_for_update().select_related("patient", "template").get(pk=episode.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEpisode(_("This episode was changed by someone else meanwhile. Reload the page and try again."))
    return current


def _refuse_wrong_move(episode: Episode, target: State) -> None:
    try:
        check_transition(State(episode.state), target)
    except TransitionRefused as refused:
        if refused.expected is None:
            message = _("This episode is %(state)s: it cannot change any more.") % {
                "state": episode.get_state_display()}
        else:
            message = _("“%(target)s” cannot follow “%(state)s”: the next step is “%(expected)s”.") % {
                "target": Episode.STATE_LABELS[target], "state": episode.get_state_display(),
                "expected": Episode.STATE_LABELS[refused.expected]}
        raise ValidationError(message) from None


def _move(episode: Episode, target: State, *, actor, on: date, confirmed_despite=()) -> None:
    _refuse_wrong_move(episode, target)
    StateChange.objects.create(episode=episode, from_state=episode.state, to_state=target, on=on, by=actor)
    before = episode.state
    episode.state = target
    episode.version += 1
    episode.save()
    after = {"state": target, "on": on}
    if confirmed_despite:
        after["confirmed_despite"] = list(confirmed_despite)
    _journal(Action.EPISODE_STOPPED if target == State.STOPPED else Action.EPISODE_MOVED, episode, actor=actor,
             before={"state": before}, after=after)
    after_move.moved(episode, before, target)


# Opening -------------------------------------------------------------------------------------------

def template_for(decision) -> ProtocolTemplate:
    """The protocol template an approved RCP decision follows; refused when there is none for its product and
    indication (checked with the decision's other checks, referrals.on_approval)."""
    template = ProtocolTemplate.objects.filter(product=decision.product, indication=decision.indication).first()
    if template is None:
        raise ValidationError({"indication": _("There is no protocol template for this product and indication.")})
    return template


def open_episode(*, actor, decision) -> Episode:
    """An approved RCP decision opens the episode; a second open episode for the same product is refused."""
    patient = decision.referral.patient
    template = template_for(decision)
    open_same_product = Episode.objects.filter(patient=patient, template__product=decision.product).exclude(
        state__in=FINAL)
    if open_same_product.exists():
        raise ValidationError({"product": _("This patient already has an open episode for this product.")})
    episode = Episode.objects.create(patient=patient, decision=decision, template=template, state=State.APPROVED)
    StateChange.objects.create(episode=episode, from_state="", to_state=State.REFERRED,
                               on=decision.referral.received_on, by=actor)
    StateChange.objects.create(episode=episode, from_state=State.REFERRED, to_state=State.APPROVED,
                               on=decision.meeting.held_on, by=actor)
    _journal(Action.EPISODE_OPENED, episode, actor=actor, after={"template": str(template), "state": episode.state})
    return episode


# Planning ------------------------------------------------------------------------------------------

def _milestone_rows(episode: Episode, planned: list[schedule.Planned]) -> list[Milestone]:
    return [
        Milestone(episode=episode, kind=p.kind, code=p.code, sequence=n, day=p.day, planned=p.date,
                  drugs=[{"drug": d.drug, "dose_mg_m2": d.dose_mg_m2, "dose_mg": d.dose_mg} for d in p.drugs])
        for n, p in enumerate(planned)
    ]


def _plan_summary(milestones) -> dict:
    return {m.code: m.planned.isoformat() for m in milestones}


@transaction.atomic
def plan_schedule(*, actor, episode: Episode, expected_version: int | None, infusion_date: date | None = None,
                  apheresis_date: date | None = None, allow_past: bool = False,
                  planned_on: date | None = None) -> Episode:
    """Plan every milestone from D0 or from the apheresis date; allowed until the cells are collected.

    ``allow_past`` is for recording an episode already under way (data import, demo data): the plan
    may then start in the past, the steps already done are recorded after it, and ``planned_on`` says
    when the plan was made (default today).
    """
    if planned_on is not None and not allow_past:
        raise ValidationError(_("Only an episode recorded after the fact has a planning date in the past."))
    refuse_date_out_of_range("infusion_date", infusion_date)
    refuse_date_out_of_range("apheresis_date", apheresis_date)
    episode = _locked(episode, expected_version)
    if episode.state not in (State.APPROVED, State.APHERESIS_SCHEDULED):
        raise ValidationError(_("The cells are collected: move the planned dates instead of planning again."))
    patient = episode.patient
    try:
        planned = schedule.plan(episode.template.as_protocol(), infusion_date=infusion_date,
                                apheresis_date=apheresis_date, weight_kg=patient.weight_kg,
                                height_cm=patient.height_cm)
    except schedule.ScheduleError as error:
        raise ValidationError({error.field: _(str(error))}) from None
    if planned[0].date < timezone.localdate() and not allow_past:
        raise ValidationError({"infusion_date" if infusion_date else "apheresis_date": _(
            "The apheresis would fall on %(day)s, in the past: choose a later date.") % {"day": planned[0].date}})
    old = list(episode.milestones.all())
    before = _plan_summary(old) or None
    episode.milestones.all().delete()
    rows = Milestone.objects.bulk_create(_milestone_rows(episode, planned))
    _journal(Action.EPISODE_SCHEDULED, episode, actor=actor, before=before, after=_plan_summary(rows))
    if episode.state == State.APPROVED:
        _move(episode, State.APHERESIS_SCHEDULED, actor=actor, on=planned_on or timezone.localdate())
    else:
        episode.version += 1
        episode.save()
    return episode


def _apply_moves(episode: Episode, moves: dict[str, date]) -> dict:
    """Give these milestones their new planned dates (schedule.py decides which move); {code: (old, new)}."""
    rows = list(episode.milestones.filter(code__in=moves))
    moved = {}
    for row in rows:
        moved[row.code] = (row.planned, moves[row.code])
        row.planned = moves[row.code]
    Milestone.objects.bulk_update(rows, ["planned"])
    return moved


def _check_order(episode: Episode) -> None:
    """Whatever moved, lymphodepletion and apheresis still come before D0, apheresis on a working day."""
    by_code = {m.code: m for m in episode.milestones.all()}
    d0 = by_code.get("D0")
    if d0 is None:
        return
    d0_date = d0.actual or d0.planned
    for m in by_code.values():
        when = m.actual or m.planned
        if m.kind == Kind.LYMPHODEPLETION and when >= d0_date:
            raise ValidationError({"planned": _("A lymphodepletion day (%(code)s) would fall on or after D0.") % {
                "code": m.code}})
        if m.kind == Kind.APHERESIS and when >= d0_date:
            raise ValidationError({"planned": _("D0 would fall before the apheresis.")})
        if m.kind == Kind.APHERESIS and m.actual is None and not schedule.is_working_day(m.planned):
            raise ValidationError({"planned": _("Apheresis cannot fall on a weekend or a French public holiday.")})


@transaction.atomic
def replan_milestone(*, actor, milestone: Milestone, planned: date, expected_version: int | None) -> Milestone:
    """Move a planned date, and the dates that hang on it (schedule.moves_when_replanned): before the infusion the
    later steps up to D0, from D0 on nothing but the date moved; earlier dates never move."""
    episode = _locked(milestone.episode, expected_version)
    milestone = episode.milestones.get(pk=milestone.pk)
    if milestone.status != Milestone.Status.PLANNED:
        raise ValidationError({"planned": _("This step is already done or cancelled.")})
    moved = _apply_moves(episode, schedule.moves_when_replanned(episode.milestones.all(), milestone.code, planned))
    milestone.refresh_from_db(fields=["planned"])
    _check_order(episode)
    episode.version += 1
    episode.save(update_fields=["version"])
    _journal(Action.MILESTONE_REPLANNED, episode, actor=actor, obj=milestone,
             before={code: old for code, (old, _new) in moved.items()},
             after={code: new for code, (_old, new) in moved.items()})
    return milestone


def _mark_done(episode: Episode, milestone: Milestone, on: date, *, actor, confirmed_despite=()) -> None:
    """The step was done on ``on``. When that differs from the plan, the dates that hang on it follow
    (schedule.moves_when_done): from the infusion on, every date stays counted from the actual D0."""
    refuse_future_date("on", on, born=episode.patient.birth_date)
    moved = _apply_moves(episode, schedule.moves_when_done(episode.milestones.all(), milestone.code, on))
    milestone.actual, milestone.status = on, Milestone.Status.DONE
    milestone.save(update_fields=["actual", "status"])
    _check_order(episode)
    if milestone.kind == Kind.INFUSION:
        later_steps.infused(episode, on, actor=actor)
    confirmation = {"confirmed_despite": list(confirmed_despite)} if confirmed_despite else {}
    _journal(Action.MILESTONE_RECORDED, episode, actor=actor, obj=milestone,
             before={"planned": milestone.planned, **{code: old for code, (old, _n) in moved.items()}},
             after={"actual": on, **{code: new for code, (_o, new) in moved.items()}, **confirmation})


def _confirmed_reasons(episode: Episode, step: str | None, confirmed: bool) -> list[str]:
    """What the rooms above ask to confirm before this step (step_checks); refused unless ``confirmed``."""
    reasons = step_checks.reasons_to_confirm(episode, step) if step else []
    if reasons and not confirmed:
        raise ValidationError({"confirmed": _("Not recorded: confirm that you record this step despite the "
                                              "following: %(reasons)s.") % {"reasons": "; ".join(reasons)}})
    return reasons


@transaction.atomic
def record_step(*, actor, milestone: Milestone, on: date, expected_version: int | None,
                confirmed: bool = False) -> Milestone:
    """Record that a step without a state change (an LD day, an assessment, a visit) was done.

    ``confirmed``: the user saw what the rooms above ask to confirm for this step, and goes ahead.
    """
    episode = _locked(milestone.episode, expected_version)
    milestone = episode.milestones.get(pk=milestone.pk)
    if milestone.status != Milestone.Status.PLANNED:
        raise ValidationError({"on": _("This step is already done or cancelled.")})
    if milestone.moves_episode:
        raise ValidationError({"on": _("This step moves the episode on: record it with its own action.")})
    reasons = _confirmed_reasons(episode, milestone.kind, confirmed)
    _mark_done(episode, milestone, on, actor=actor, confirmed_despite=reasons)
    episode.version += 1
    episode.save(update_fields=["version"])
    return milestone


# Moving on, one state at a time -------------------------------------------------------------------

# The milestone a state's arrival completes, when there is one.
STEP_OF_STATE = {
    State.COLLECTED: Kind.APHERESIS,
    State.PRODUCT_RECEIVED: Kind.PRODUCT_RECEIPT,
    State.ADMITTED: Kind.ADMISSION,
    State.INFUSED: Kind.INFUSION,
    State.DISCHARGED: Kind.DISCHARGE,
}
FIRST_LD = Milestone.FIRST_LD


def step_of(target: State) -> str | None:
    """The kind of milestone that reaching ``target`` completes (None when the state completes none)."""
    return Kind.LYMPHODEPLETION if target == State.LYMPHODEPLETION else STEP_OF_STATE.get(target)


def _preconditions(episode: Episode, target: State) -> None:
    if target in (State.APHERESIS_SCHEDULED, State.LYMPHODEPLETION) and not episode.milestones.exists():
        raise ValidationError(_("Plan the schedule first."))
    step = step_of(target)
    refusals = step_checks.reasons_refusing(episode, step) if step else []
    if refusals:
        raise ValidationError(refusals)
    if target == State.INFUSED:
        missing = episode.milestones.filter(kind=Kind.LYMPHODEPLETION).exclude(status=Milestone.Status.DONE)
        if missing.exists():
            raise ValidationError(_("Record every lymphodepletion day first (%(codes)s).") % {
                "codes": ", ".join(missing.values_list("code", flat=True))})


@transaction.atomic
def advance(*, actor, episode: Episode, target: State, on: date, expected_version: int | None,
            confirmed: bool = False) -> Episode:
    """Move the episode to its next state on the given day, completing the matching step.

    ``confirmed``: the user saw what the rooms above ask to confirm for this step (e.g. a CRS not resolved
    at discharge), and goes ahead; without it such a step is refused and nothing changes.
    """
    episode = _locked(episode, expected_version)
    refuse_future_date("on", on, born=episode.patient.birth_date)
    if target == State.STOPPED:
        raise ValidationError(_("Use stop_episode to stop an episode."))
    _preconditions(episode, target)
    _refuse_wrong_move(episode, target)
    step = step_of(target)
    reasons = _confirmed_reasons(episode, step, confirmed)
    if target == State.LYMPHODEPLETION:
        milestone = episode.milestones.filter(code=FIRST_LD, status=Milestone.Status.PLANNED).first()
    else:
        milestone = episode.milestones.filter(kind=step, status=Milestone.Status.PLANNED).first() if step else None
    _move(episode, target, actor=actor, on=on, confirmed_despite=() if milestone else reasons)
    if milestone is not None:
        _mark_done(episode, milestone, on, actor=actor, confirmed_despite=reasons)
    return episode


@transaction.atomic
def stop_episode(*, actor, episode: Episode, reason: str, on: date, note: str = "",
                 expected_version: int | None) -> Episode:
    """Stop at any open state with a reason. Nothing is deleted: planned steps are marked cancelled."""
    episode = _locked(episode, expected_version)
    refuse_future_date("on", on, born=episode.patient.birth_date)
    if reason not in {r.value for r in StopReason}:
        raise ValidationError({"reason": _("Choose a reason for stopping.")})
    if reason == StopReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why the episode stops.")})
    stopped_from = episode.state
    _move(episode, State.STOPPED, actor=actor, on=on)
    episode.stop_reason, episode.stop_note, episode.stopped_on, episode.stopped_from = reason, note, on, stopped_from
    episode.save(update_fields=["stop_reason", "stop_note", "stopped_on", "stopped_from"])
    episode.milestones.filter(status=Milestone.Status.PLANNED).update(status=Milestone.Status.CANCELLED)
    return episode


# Protocol templates ----------------------------------------------------------------------------------

@transaction.atomic
def edit_template(*, actor, template: ProtocolTemplate, changes: dict, source: str) -> ProtocolTemplate:
    """Labels change: an administrator edits a template, naming the source; every edit is kept."""
    if not source.strip():
        raise ValidationError({"source": _("Name the source of this change (label, SmPC, date).")})
    template = ProtocolTemplate.objects.select_for_update().get(pk=template.pk)
    before = snapshot(template, list(changes))
    for name, value in changes.items():
        setattr(template, name, value)
    template.full_clean()
    try:
        schedule.check_protocol(template.as_protocol())
        template.follow_up = " ".join(schedule.parse_timepoints(template.follow_up))
    except schedule.ScheduleError as error:
        raise ValidationError({error.field: _(str(error))}) from None
    after = snapshot(template, list(changes))
    changed = sorted(name for name in changes if before[name] != after[name])
    if not changed:
        return template
    before, after = {k: before[k] for k in changed}, {k: after[k] for k in changed}
    template.updated_at = timezone.now()
    template.save()
    ProtocolTemplateEdit.objects.create(template=template, edited_by=actor, source=source, before=before,
                                               after=after)
    record(Action.PROTOCOL_EDITED, actor=actor, obj=template, before=before, after={**after, "source": source})
    return template
