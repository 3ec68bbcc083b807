"""Every record of the monitoring room: what was observed, graded, given. Journaled, atomic.

The software proposes a grade (grading.py, ASTCT 2019) and shows it; a physician confirms it or
overrides it with a reason. It never prescribes (grading.md).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record_for_patient, snapshot
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.pathway.schedule import Kind
from cellrelay.pharmacy.services import drugs as pharmacy
from cellrelay.validation import refuse_future_date, refuse_future_time

from . import contradictions, grading
from .models import (AdverseEvent, Alert, AlertAcknowledgement, AlertedTeam, GradeRecord, IcuStay, Intervention,
                     LabResult, NeuroAssessment, NeuroChecklist, VitalSigns)

Action = JournalEntry.Action
ALERT_FROM_GRADE = 2  # issue: CRS or ICANS grade ≥ 2 alerts the ICU and neurology teams


def _journal(action, episode: Episode, obj, *, actor, before=None, after=None):
    record_for_patient(action, episode.patient, actor=actor, obj=obj, before=before, after=after)


BEDSIDE_CLOCK_TOLERANCE = timedelta(minutes=5)  # a ward PC's clock may run a little ahead of the server


def _check_when(when: datetime, field: str, episode: Episode) -> None:
    refuse_future_time(field, when, tolerance=BEDSIDE_CLOCK_TOLERANCE, born=episode.patient.birth_date)


def _as_validation_error(error: grading.ContradictoryInput) -> ValidationError:
    return ValidationError({error.field: [_(str(error))]})


# Proposed grades ---------------------------------------------------------------------------------

def anti_cytokine_given_before(episode: Episode, when: datetime) -> bool:
    """Tocilizumab, corticosteroids or anakinra already given: fever is then no longer required (ASTCT)."""
    return episode.interventions.filter(given_at__lte=when).exclude(kind=Intervention.Kind.OTHER).exists()


def infusion_day(episode: Episode) -> date | None:
    """The day the cells were infused: the D0 step recorded as done; None until then."""
    return (episode.milestones.filter(kind=Kind.INFUSION, status=Milestone.Status.DONE)
            .values_list("actual", flat=True).first())


def infused_by(episode: Episode, when: datetime) -> bool:
    """Whether the cells had been infused at this moment, to the day (the infusion is recorded as a day).

    On D0 itself a finding counts as after the infusion: the cautious side, where a CRS is graded
    and alerts rather than being taken for an infection.
    """
    infused_on = infusion_day(episode)
    return infused_on is not None and timezone.localtime(when).date() >= infused_on


def propose_crs(episode: Episode, *, taken_at, temperature_c, antipyretic_given, hypotension, oxygen,
                oxygen_flow_l_min) -> grading.Grade:
    """The CRS grade proposed for these findings; not graded before the infusion (grading.crs_grade)."""
    try:
        return grading.crs_grade(
            temperature_c=float(temperature_c),
            antipyretic_or_anticytokine_given=antipyretic_given or anti_cytokine_given_before(episode, taken_at),
            hypotension=hypotension, oxygen=oxygen,
            oxygen_flow_l_min=float(oxygen_flow_l_min) if oxygen_flow_l_min is not None else None,
            infused=infused_by(episode, taken_at))
    except grading.ContradictoryInput as error:
        raise _as_validation_error(error) from None


def ice_or_capd(episode: Episode, when: datetime, *, ice_items=None, capd_items=None,
                unarousable: bool = False) -> tuple[int | None, int | None]:
    """The ICE score for adults and older children, CAPD below the site's age boundary (grading.md).

    An unarousable patient cannot perform either: no items, no score (grading counts it as grade 4).
    """
    if unarousable and not ice_items and not capd_items:
        return None, None
    age = episode.patient.age_on(timezone.localtime(when).date())
    if age < settings.CELLRELAY_CAPD_BELOW_AGE:
        if not capd_items:
            raise ValidationError({"capd_items": _("Below %(age)s years, assess with the CAPD.") % {
                "age": settings.CELLRELAY_CAPD_BELOW_AGE}})
        return None, grading.capd_score(**capd_items)
    if ice_items is None:
        raise ValidationError({"ice_items": _("Assess with the ICE score.")})
    return grading.ice_score(**ice_items), None


def propose_icans(episode: Episode, *, assessed_at, ice_score, capd_score, consciousness,
                  consciousness_due_to_sedation, seizure, motor_weakness, cerebral_edema,
                  aphasia_global) -> grading.Grade:
    age = episode.patient.age_on(timezone.localtime(assessed_at).date())
    try:
        return grading.icans_grade(
            age_years=age, ice_score=ice_score, capd_score=capd_score, consciousness=consciousness,
            consciousness_due_to_sedation=consciousness_due_to_sedation, seizure=seizure,
            motor_weakness=motor_weakness, cerebral_edema=cerebral_edema, aphasia_global=aphasia_global,
            capd_below_age=settings.CELLRELAY_CAPD_BELOW_AGE, infused=infused_by(episode, assessed_at))
    except grading.ContradictoryInput as error:
        raise _as_validation_error(error) from None


# Values that contradict each other -------------------------------------------------------------------------

CONFIRM_VALUES = gettext_lazy("These values contradict each other: correct them, or tick “I confirm these values”.")


def warning_text(warning: contradictions.ValueWarning) -> str:
    return _(contradictions.WARNING_TEXT[warning.code]) % warning.values


def vital_signs_warnings(episode: Episode, taken_at: datetime, *, systolic, diastolic, spo2, hypotension,
                         oxygen) -> list[contradictions.ValueWarning]:
    """What contradicts what in this reading; a diastolic at or above the systolic is refused outright."""
    try:
        contradictions.check_blood_pressure(systolic, diastolic)
    except grading.ContradictoryInput as error:
        raise _as_validation_error(error) from None
    age = episode.patient.age_on(timezone.localtime(taken_at).date())
    return contradictions.vital_signs_warnings(systolic=systolic, spo2=spo2, hypotension=hypotension, oxygen=oxygen,
                                               age_years=age)


# Alerts ------------------------------------------------------------------------------------------------

def _raise_alert(episode: Episode, scale: str, grade: int | None, *, actor) -> Alert | None:
    """A grade ≥ 2 reaches the ICU and neurology worklists (and e-mail); nothing for findings not graded
    (before the infusion: None).

    A new grade joins an alert of the same scale and at least its grade only while no team has
    acknowledged that alert yet: once a team has, a new grade is a new alert, so that it never
    hides behind an acknowledgement.
    """
    if grade is None or grade < ALERT_FROM_GRADE:
        return None
    unseen = (episode.alerts.filter(scale=scale, grade__gte=grade, acknowledgements__isnull=True)
              .order_by("-raised_at").first())
    if unseen:
        return unseen
    alert = Alert.objects.create(episode=episode, scale=scale, grade=grade)
    _journal(Action.ALERT_RAISED, episode, alert, actor=actor, after={"scale": scale, "grade": grade})
    from .tasks import send_alert_email

    transaction.on_commit(lambda: send_alert_email.enqueue(alert.pk))
    return alert


@transaction.atomic
def acknowledge_alert(*, actor, alert: Alert, team: str) -> AlertAcknowledgement:
    """One team (intensive care or neurology) has seen the alert: it leaves that team's worklist only.

    Acknowledging again for the same team changes nothing and returns the first acknowledgement.
    """
    if team not in AlertedTeam.values:
        raise ValidationError({"team": _("Alerts are acknowledged by the intensive care or the neurology team.")})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    done = alert.acknowledgements.filter(team=team).first()
    if done:
        return done
    acknowledgement = AlertAcknowledgement.objects.create(alert=alert, team=team, acknowledged_by=actor)
    _journal(Action.ALERT_ACKNOWLEDGED, alert.episode, alert, actor=actor,
             after={"scale": alert.scale, "grade": alert.grade, "team": team,
                    "acknowledged_at": acknowledgement.acknowledged_at})
    return acknowledgement


# Records -----------------------------------------------------------------------------------------------

@transaction.atomic
def record_vital_signs(*, actor, episode: Episode, taken_at, temperature_c, hypotension="none", oxygen="none",
                       oxygen_flow_l_min=None, antipyretic_given=False, heart_rate=None, systolic=None,
                       diastolic=None, spo2=None, values_confirmed=False) -> VitalSigns:
    """Record a reading with its proposed CRS grade. Entries that contradict each other (contradictions.py)
    are saved only when ``values_confirmed``; the journal keeps what was confirmed."""
    _check_when(taken_at, "taken_at", episode)
    warnings = vital_signs_warnings(episode, taken_at, systolic=systolic, diastolic=diastolic, spo2=spo2,
                                    hypotension=hypotension, oxygen=oxygen)
    if warnings and not values_confirmed:
        raise ValidationError({"values_confirmed": [CONFIRM_VALUES, *(warning_text(w) for w in warnings)]})
    grade = propose_crs(episode, taken_at=taken_at, temperature_c=temperature_c, antipyretic_given=antipyretic_given,
                        hypotension=hypotension, oxygen=oxygen, oxygen_flow_l_min=oxygen_flow_l_min)
    vitals = VitalSigns(episode=episode, taken_at=taken_at, temperature_c=temperature_c, heart_rate=heart_rate,
                        systolic=systolic, diastolic=diastolic, spo2=spo2, oxygen=oxygen,
                        oxygen_flow_l_min=oxygen_flow_l_min, hypotension=hypotension,
                        antipyretic_given=antipyretic_given, crs_proposed=grade.grade, crs_reasons=grade.reasons,
                        recorded_by=actor)
    vitals.full_clean()
    vitals.save()
    after = snapshot(vitals, ["taken_at", "temperature_c", "systolic", "diastolic", "spo2", "hypotension", "oxygen",
                              "oxygen_flow_l_min", "crs_proposed"])
    if warnings:
        after["values_confirmed_despite"] = [w.code for w in warnings]
    _journal(Action.VITALS_RECORDED, episode, vitals, actor=actor, after=after)
    _raise_alert(episode, GradeRecord.Scale.CRS, grade.grade, actor=actor)
    return vitals


@transaction.atomic
def record_neuro_assessment(*, actor, episode: Episode, assessed_at, consciousness, ice_items=None, capd_items=None,
                            consciousness_due_to_sedation=False, seizure="none", motor_weakness=False,
                            cerebral_edema="none", aphasia_global=False, tremor=False, notes="") -> NeuroAssessment:
    _check_when(assessed_at, "assessed_at", episode)
    try:
        ice, capd = ice_or_capd(episode, assessed_at, ice_items=ice_items, capd_items=capd_items,
                                unarousable=consciousness == NeuroAssessment.Consciousness.UNAROUSABLE)
    except ValueError as error:
        raise ValidationError({"capd_items" if capd_items else "ice_items": [str(error)]}) from None
    grade = propose_icans(episode, assessed_at=assessed_at, ice_score=ice, capd_score=capd,
                          consciousness=consciousness, consciousness_due_to_sedation=consciousness_due_to_sedation,
                          seizure=seizure, motor_weakness=motor_weakness, cerebral_edema=cerebral_edema,
                          aphasia_global=aphasia_global)
    assessment = NeuroAssessment(
        episode=episode, assessed_at=assessed_at, ice_items=ice_items if ice is not None else None,
        capd_items=capd_items if capd is not None else None, ice_score=ice, capd_score=capd,
        consciousness=consciousness, consciousness_due_to_sedation=consciousness_due_to_sedation, seizure=seizure,
        motor_weakness=motor_weakness, cerebral_edema=cerebral_edema, aphasia_global=aphasia_global, tremor=tremor,
        notes=notes, icans_proposed=grade.grade, icans_reasons=grade.reasons, recorded_by=actor)
    assessment.full_clean()
    assessment.save()
    _journal(Action.NEURO_RECORDED, episode, assessment, actor=actor, after=snapshot(assessment, [
        "assessed_at", "ice_score", "capd_score", "consciousness", "seizure", "cerebral_edema", "icans_proposed"]))
    _raise_alert(episode, GradeRecord.Scale.ICANS, grade.grade, actor=actor)
    return assessment


@transaction.atomic
def record_labs(*, actor, episode: Episode, sampled_at, **values) -> LabResult:
    _check_when(sampled_at, "sampled_at", episode)
    if not any(value is not None for value in values.values()):
        raise ValidationError(_("Enter at least one result."))
    labs = LabResult(episode=episode, sampled_at=sampled_at, recorded_by=actor, **values)
    labs.full_clean()
    labs.save()
    _journal(Action.LABS_RECORDED, episode, labs, actor=actor,
             after=snapshot(labs, ["sampled_at", *[k for k, v in values.items() if v is not None]]))
    return labs


@transaction.atomic
def confirm_grade(*, actor, source, confirmed: int, override_reason: str = "") -> GradeRecord:
    """A physician confirms the proposed grade of vital signs (CRS) or of an assessment (ICANS)."""
    is_vitals = isinstance(source, VitalSigns)
    proposed = source.crs_proposed if is_vitals else source.icans_proposed
    if proposed is None:
        raise ValidationError(_("Observed before the infusion: there is no CRS or ICANS grade to confirm."))
    if confirmed != proposed and not override_reason.strip():
        raise ValidationError({"override_reason": _("Give the reason for a grade other than the one proposed.")})
    if GradeRecord.objects.filter(**{"vital_signs" if is_vitals else "neuro_assessment": source}).exists():
        raise ValidationError(_("This grade has already been confirmed."))
    episode = source.episode
    grade = GradeRecord(
        episode=episode, scale=GradeRecord.Scale.CRS if is_vitals else GradeRecord.Scale.ICANS,
        observed_at=source.taken_at if is_vitals else source.assessed_at,
        vital_signs=source if is_vitals else None, neuro_assessment=None if is_vitals else source,
        proposed=proposed, confirmed=confirmed, override_reason=override_reason, confirmed_by=actor)
    grade.full_clean()
    grade.save()
    _journal(Action.GRADE_CONFIRMED, episode, grade, actor=actor,
             after={"scale": grade.scale, "proposed": proposed, "confirmed": confirmed,
                    "override_reason": override_reason})
    if confirmed > proposed:  # the proposed grade has alerted already; a higher confirmed one alerts anew
        _raise_alert(episode, grade.scale, confirmed, actor=actor)
    return grade


@transaction.atomic
def give_treatment(*, actor, episode: Episode, kind: str, dose_mg, given_at, drug: str = "", route: str = "IV",
                   notes: str = "") -> Intervention:
    """Record a treatment given. Tocilizumab: dose limit refused, dose-count limits warned (grading.md)."""
    _check_when(given_at, "given_at", episode)
    warnings = []
    if kind == Intervention.Kind.TOCILIZUMAB:
        weight = episode.patient.weight_kg
        if weight:
            # grading.md: Kymriah label, 12 mg/kg under 30 kg; otherwise 8 mg/kg, at most 800 mg.
            under_30 = episode.product == "kymriah" and weight < 30
            limit = grading.tocilizumab_dose_mg(float(weight), kymriah_under_30kg=under_30)
            if Decimal(dose_mg) > Decimal(str(limit)):
                raise ValidationError({"dose_mg": _("Above the tocilizumab dose for %(kg)s kg: at most %(mg)s mg.")
                                       % {"kg": weight, "mg": limit}})
        earlier = list(episode.interventions.filter(kind=kind).values_list("given_at", flat=True))
        warnings = grading.tocilizumab_warnings(earlier, given_at)
        if pharmacy.use_dose(actor=actor, episode=episode, drug=pharmacy.TOCILIZUMAB) is None:
            warnings.append("no_reserved_dose")
    intervention = Intervention(episode=episode, kind=kind, drug=drug or kind, dose_mg=dose_mg, route=route,
                                given_at=given_at, given_by=actor, warnings=warnings, notes=notes)
    intervention.full_clean()
    intervention.save()
    _journal(Action.INTERVENTION_GIVEN, episode, intervention, actor=actor, after=snapshot(intervention, [
        "kind", "drug", "dose_mg", "route", "given_at", "warnings"]))
    return intervention


@transaction.atomic
def transfer_to_icu(*, actor, episode: Episode, admitted_at, reason: str) -> IcuStay:
    _check_when(admitted_at, "admitted_at", episode)
    if episode.icu_stays.filter(discharged_at__isnull=True).exists():
        raise ValidationError(_("The patient is already in intensive care."))
    stay = IcuStay(episode=episode, admitted_at=admitted_at, reason=reason, recorded_by=actor)
    stay.full_clean()
    stay.save()
    _journal(Action.ICU_TRANSFER, episode, stay, actor=actor, after={"admitted_at": admitted_at, "reason": reason})
    return stay


@transaction.atomic
def return_from_icu(*, actor, stay: IcuStay, discharged_at, note: str = "") -> IcuStay:
    stay = IcuStay.objects.select_for_update().get(pk=stay.pk)
    _check_when(discharged_at, "discharged_at", stay.episode)
    if stay.discharged_at is not None:
        raise ValidationError(_("This ICU stay has already ended."))
    if discharged_at <= stay.admitted_at:
        raise ValidationError({"discharged_at": _("The return must come after the transfer.")})
    stay.discharged_at, stay.discharge_note = discharged_at, note
    stay.save(update_fields=["discharged_at", "discharge_note"])
    _journal(Action.ICU_TRANSFER, stay.episode, stay, actor=actor, after={"discharged_at": discharged_at})
    return stay


@transaction.atomic
def record_adverse_event(*, actor, episode: Episode, term, ctcae_grade, onset, relation, resolution=None,
                         serious=False, notes="") -> AdverseEvent:
    if resolution and resolution < onset:
        raise ValidationError({"resolution": _("The resolution cannot come before the onset.")})
    refuse_future_date("onset", onset, born=episode.patient.birth_date)
    event = AdverseEvent(episode=episode, term=term, ctcae_grade=ctcae_grade, onset=onset, resolution=resolution,
                         relation=relation, serious=serious, notes=notes, recorded_by=actor)
    event.full_clean()
    event.save()
    _journal(Action.ADVERSE_EVENT, episode, event, actor=actor, after=snapshot(event, [
        "term", "ctcae_grade", "onset", "resolution", "relation", "serious"]))
    return event


CHECKLIST_FIELDS = ["consultation_on", "mri_on", "eeg_on", "waiver_reason"]


def _checklist(episode: Episode) -> NeuroChecklist:
    return NeuroChecklist.objects.select_for_update().get_or_create(episode=episode)[0]


@transaction.atomic
def update_checklist(*, actor, episode: Episode, consultation_on=None, mri_on=None, eeg_on=None) -> NeuroChecklist:
    """Record the neurology consultation, brain MRI and EEG done before infusion (pathway.md)."""
    checklist = _checklist(episode)
    before = snapshot(checklist, CHECKLIST_FIELDS)
    for name, value in (("consultation_on", consultation_on), ("mri_on", mri_on), ("eeg_on", eeg_on)):
        if value is not None:
            refuse_future_date(name, value)
            setattr(checklist, name, value)
    checklist.save()
    _journal(Action.CHECKLIST_UPDATED, episode, checklist, actor=actor, before=before,
             after=snapshot(checklist, CHECKLIST_FIELDS))
    return checklist


@transaction.atomic
def waive_checklist(*, actor, episode: Episode, reason: str) -> NeuroChecklist:
    """A physician decides to infuse without what is missing, and says why."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the infusion goes ahead without it.")})
    checklist = _checklist(episode)
    before = snapshot(checklist, CHECKLIST_FIELDS)
    checklist.waiver_reason, checklist.waived_by, checklist.waived_at = reason, actor, timezone.now()
    checklist.save()
    _journal(Action.CHECKLIST_UPDATED, episode, checklist, actor=actor, before=before,
             after={**snapshot(checklist, CHECKLIST_FIELDS), "missing": checklist.missing()})
    return checklist


def infusion_blockers(episode: Episode) -> list[str]:
    """What is missing from the pre-infusion neurology checklist (empty once complete or waived)."""
    checklist = NeuroChecklist.objects.filter(episode=episode).first()
    if checklist is None:
        return list(NeuroChecklist.ITEMS)
    return [] if checklist.complete_or_waived else checklist.missing()
