"""Referrals, RCP meetings and their decisions. An approved decision opens the treatment episode (on_approval.py)."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, snapshot
from cellrelay.validation import refuse_future_date

from . import on_approval
from .models import MdtDecision, MdtMeeting, Referral

Action = JournalEntry.Action
FINAL_OUTCOMES = (MdtDecision.Outcome.APPROVED, MdtDecision.Outcome.DECLINED)


# What a referral letter may be, known by its first bytes whatever its name says (an HTML page named .pdf is
# refused: served back, it would run in the reader's browser).
LETTER_SIGNATURES = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"II*\x00": "TIFF",
                     b"MM\x00*": "TIFF"}


def _check_letter(letter) -> None:
    """A PDF or an image, at most CELLRELAY_MAX_LETTER_MB."""
    limit_mb = settings.CELLRELAY_MAX_LETTER_MB
    if letter.size > limit_mb * 1024 * 1024:
        raise ValidationError({"letter": _("The letter is larger than %(size)s MB.") % {"size": f"{limit_mb:g}"}})
    head = letter.read(8)
    letter.seek(0)
    if not any(head.startswith(signature) for signature in LETTER_SIGNATURES):
        raise ValidationError({"letter": _("A referral letter must be a PDF or an image (PNG, JPEG, TIFF).")})


@transaction.atomic
def create_referral(*, actor, patient, from_center, received_on, diagnosis, prior_lines, prior_transplant,
                    current_status, from_physician=None, from_physician_name="", diagnosis_detail="",
                    disease_stage="", letter=None) -> Referral:
    """A referral to the patient's treating center, from a referring hospital or from the center itself."""
    referral = Referral(
        patient=patient, to_center=patient.treating_center, from_center=from_center, from_physician=from_physician,
        from_physician_name=from_physician_name, received_on=received_on, diagnosis=diagnosis,
        diagnosis_detail=diagnosis_detail, disease_stage=disease_stage, prior_lines=prior_lines,
        prior_transplant=prior_transplant, current_status=current_status, created_by=actor,
    )
    refuse_future_date("received_on", received_on, born=patient.birth_date)
    if from_center.kind != from_center.Kind.REFERRING and from_center.pk != patient.treating_center_id:
        raise ValidationError({"from_center": _("A referral comes from a referring hospital or from the treating center itself.")})
    if letter:
        _check_letter(letter)
        referral.letter = letter
    if not from_physician and not from_physician_name.strip():
        raise ValidationError({"from_physician_name": _("Name the referring physician.")})
    referral.full_clean()
    referral.save()
    record(Action.REFERRAL_CREATED, actor=actor, obj=referral, patient_id=patient.pk,
           center_id=patient.treating_center_id, after=snapshot(referral, [
               "from_center_id", "received_on", "diagnosis", "prior_lines", "prior_transplant", "current_status"]))
    return referral


@transaction.atomic
def create_meeting(*, actor, center, held_on, title="", attendees=(), external_attendees="") -> MdtMeeting:
    meeting = MdtMeeting(center=center, held_on=held_on, title=title, external_attendees=external_attendees,
                         created_by=actor)
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    record(Action.MEETING_CREATED, actor=actor, obj=meeting, center_id=center.pk,
           after={"held_on": held_on, "attendees": sorted(u.get_username() for u in attendees)})
    return meeting


def _check_same_center(meeting: MdtMeeting, referral: Referral) -> None:
    if referral.to_center_id != meeting.center_id:
        raise ValidationError({"referral": _("This referral is addressed to another center: its RCP decides on it.")})


def is_decided(referral: Referral) -> bool:
    return referral.decisions.filter(outcome__in=FINAL_OUTCOMES).exists()


@transaction.atomic
def add_to_agenda(*, actor, meeting: MdtMeeting, referral: Referral) -> None:
    _check_same_center(meeting, referral)
    if is_decided(referral):
        raise ValidationError({"referral": _("This referral has already been decided.")})
    if meeting.agenda.filter(pk=referral.pk).exists():
        return
    meeting.agenda.add(referral)
    record(Action.AGENDA_CHANGED, actor=actor, obj=meeting, patient_id=referral.patient_id,
           center_id=meeting.center_id, after={"added": str(referral)})


def refuse_a_meeting_not_held_yet(meeting: MdtMeeting) -> None:
    """A meeting may be planned ahead; its decisions are recorded once it has been held (from its day on)."""
    refuse_future_date(NON_FIELD_ERRORS, meeting.held_on, message=_(
        "This RCP meeting is planned for %(day)s: its decisions can be recorded from that day on.") % {
            "day": formats.date_format(meeting.held_on, "SHORT_DATE_FORMAT")})


def _check_decision(decision: MdtDecision) -> None:
    outcome = decision.outcome
    if outcome == MdtDecision.Outcome.APPROVED:
        missing = {name: _("An approval names the product and the indication.")
                   for name in ("product", "indication") if not getattr(decision, name)}
        if missing:
            raise ValidationError(missing)
        if decision.product == "investigational" and not decision.trial.strip():
            raise ValidationError({"trial": _("Name the clinical trial.")})
        on_approval.check(decision)  # e.g. the pathway: a protocol template for this product and indication
        if decision.bridging_planned and not decision.bridging_detail.strip():
            raise ValidationError({"bridging_detail": _("Describe the bridging therapy planned.")})
    elif outcome == MdtDecision.Outcome.DECLINED and not decision.reason.strip():
        raise ValidationError({"reason": _("Give the reason for declining.")})
    elif outcome == MdtDecision.Outcome.DEFERRED:
        if not decision.deferred_until or decision.deferred_until <= decision.meeting.held_on:
            raise ValidationError({"deferred_until": _("Give a date after the meeting until which the decision is deferred.")})


@transaction.atomic
def record_decision(*, actor, meeting: MdtMeeting, referral: Referral, outcome: str, product: str = "",
                    indication: str = "", trial: str = "", bridging_planned: bool = False, bridging_detail: str = "",
                    reason: str = "", deferred_until=None) -> MdtDecision:
    """The RCP's decision on one referral. Approved opens the episode; declined and deferred say why."""
    _check_same_center(meeting, referral)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if is_decided(referral):
        raise ValidationError({"outcome": _("This referral has already been decided.")})
    if referral.decisions.filter(meeting=meeting).exists():
        raise ValidationError({"outcome": _("This meeting has already deferred this referral: decide at a later RCP.")})
    refuse_a_meeting_not_held_yet(meeting)
    approved = outcome == MdtDecision.Outcome.APPROVED
    # Only what belongs to the outcome is kept (no product on a decline, no reason on an approval).
    product, indication, trial = (product, indication, trial) if approved else ("", "", "")
    bridging_planned, bridging_detail = (bridging_planned, bridging_detail) if approved else (False, "")
    reason = reason if not approved else ""
    deferred_until = deferred_until if outcome == MdtDecision.Outcome.DEFERRED else None
    decision = MdtDecision(meeting=meeting, referral=referral, outcome=outcome, product=product, indication=indication,
                           trial=trial, bridging_planned=bridging_planned, bridging_detail=bridging_detail,
                           reason=reason, deferred_until=deferred_until, decided_by=actor)
    decision.full_clean()
    _check_decision(decision)
    decision.save()
    meeting.agenda.add(referral)
    record(Action.DECISION_RECORDED, actor=actor, obj=decision, patient_id=referral.patient_id,
           center_id=meeting.center_id, after=snapshot(decision, [
               "outcome", "product", "indication", "trial", "bridging_planned", "reason", "deferred_until"]))
    if outcome == MdtDecision.Outcome.APPROVED:
        on_approval.follow(actor=actor, decision=decision)  # the pathway opens the episode
    return decision
