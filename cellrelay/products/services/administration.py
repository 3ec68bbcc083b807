"""Giving a dispensed bag (*administration*): thaw, two-person bedside check, infusion, or return/destruction.

Order: the pharmacy dispenses the bag (``pharmacy.services.dispensing``), then it is thawed (``start_thaw``)
and checked at the bedside (``bedside_check``, before or after the thaw); the infusion starts
(``start_infusion``: both done) and ends (``end_infusion``). Times are the times given by the nurse (``at``),
never in the future, each one after the previous step (thaw after the dispensing, infusion start after the thaw,
end after the start). ``Bag.status`` stays “dispensed”: the administration fields on the bag tell how far it went.

The bedside check is a two-person verification (regulation.md): two different people, each re-entering their
password (``custody.sign_with_second_person``). The nurse scans the patient's WRISTBAND and the BAG:

- the wristband carries the patient's IPP at the treating center (``patients.LocalId`` of the patient's
  treating center) or the patient's INS (15 characters, spaces allowed); either one is accepted. An IPP of
  another center is not accepted: the treating center prints the wristband.
- the bag's code must be an identifier of the bag's product (``custody.verify_bag_scan``, the same hard
  stop as the dispensing and the storage).

A mismatch is a HARD STOP naming what was expected and what was scanned; its deviation is committed on its own
transaction before the refusal, nothing else changes. So call ``bedside_check`` outside any enclosing
transaction (no ATOMIC_REQUESTS).

The end of the infusion past the product's thaw limit (``ProtocolTemplate.thaw_limit_minutes``, see
``products.thaw``) records a deviation “thaw_limit_exceeded”; the infusion is recorded all the same (the cells
are in the patient). The first bag ended moves an episode in lymphodepletion to “Infused” (``pathway.advance``):
if the pathway refuses (LD days or the neurology checklist not recorded), the end is refused with its
message and nothing is written.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cellrelay.organisation.permissions import Action as PermissionAction
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.states import State
from cellrelay.patients import identity
from cellrelay.patients.models import LocalId
from cellrelay.validation import refuse_future_time

from .. import thaw
from ..custody import Action, journal, journal_signature, lock_bag, sign_with_second_person, verify_bag_scan
from ..models import Bag, CustodyEvent, Deviation

# Meaning of the nurse's electronic signature at the bedside (regulation.md); the second person signs VERIFIED.
CHECKED_AT_BEDSIDE = gettext_noop("checked at the bedside")


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _not_future(at: datetime, field: str = "at") -> None:
    if at is None:
        raise ValidationError({field: _("Give the time.")})
    refuse_future_time(field, at)


def _not_before(at: datetime, earlier: datetime | None, message: str) -> None:
    if earlier is not None and at < earlier:
        raise ValidationError({"at": message % {"when": _when(earlier)}})


def refuse_unusable(bag: Bag) -> None:
    """Refused unless the bag is dispensed and not yet infused, returned or destroyed: what every step here asks
    first (the pages ask it too, to say why a step is not offered)."""
    if bag.status != Bag.Status.DISPENSED:
        raise ValidationError({"bag": _("This bag is not dispensed: the pharmacy dispenses it first.")})
    if bag.disposal:
        message = (_("This bag was returned unused on %(when)s.") if bag.disposal == Bag.Disposal.RETURNED else
                   _("This bag was destroyed on %(when)s."))
        raise ValidationError({"bag": message % {"when": _when(bag.disposed_at)}})
    if bag.infusion_ended_at:
        raise ValidationError({"bag": _("This bag was infused on %(when)s.") % {"when": _when(bag.infusion_ended_at)}})


def _limit(bag: Bag) -> int | None:
    return bag.product.episode.template.thaw_limit_minutes


# Thaw ----------------------------------------------------------------------------------------------------

@transaction.atomic
def start_thaw(*, actor, bag: Bag, at: datetime) -> Bag:
    """The bag goes into the water bath (or dry thaw): the countdown of ``thaw`` starts at ``at``."""
    _not_future(at)
    bag = lock_bag(bag)
    refuse_unusable(bag)
    if bag.thaw_started_at:
        raise ValidationError({"bag": _("The thaw of this bag started on %(when)s.") % {
            "when": _when(bag.thaw_started_at)}})
    _not_before(at, bag.dispensed_at, _("The thaw cannot start before the dispensing (%(when)s)."))
    episode = bag.product.episode
    bag.thaw_started_at = at
    bag.save(update_fields=["thaw_started_at"])
    CustodyEvent.objects.create(bag=bag, product=bag.product, action=CustodyEvent.Action.THAWED, actor=actor, at=at)
    limit = _limit(bag)
    journal(Action.THAW_STARTED, episode, bag, actor=actor, after={
        "thaw_started_at": at, "thaw_limit_minutes": limit, "deadline": thaw.deadline(at, limit)})
    return bag


# Bedside check -------------------------------------------------------------------------------------------

def _wristband_matches(patient, scanned: str) -> bool:
    """The IPP of the patient at the treating center, or the INS (spaces and dots ignored)."""
    if LocalId.objects.filter(patient=patient, center_id=patient.treating_center_id, ipp=scanned).exists():
        return True
    if patient.ins:
        try:
            return identity.normalise_ins(scanned) == patient.ins
        except identity.InvalidIns:
            return False
    return False


def _expected_wristband(patient) -> str:
    local = LocalId.objects.filter(patient=patient, center_id=patient.treating_center_id).first()
    parts = [f"IPP {local.ipp}"] if local else []
    if patient.ins:
        parts.append(f"INS {patient.ins_display}")
    # Stored in the deviation as well: language-neutral.
    return " / ".join(parts) if parts else "no IPP or INS recorded"


@transaction.atomic
def _record_wristband_deviation(*, actor, bag: Bag, expected: str, scanned: str) -> None:
    """Committed on its own, before the check is refused: the hard stop leaves its trace."""
    episode = bag.product.episode
    deviation = Deviation.objects.create(
        episode=episode, product=bag.product, kind=Deviation.Kind.IDENTITY_MISMATCH, expected=expected[:500],
        scanned=scanned[:500], actor=actor, description=f"bedside wristband, bag {bag.number}")
    journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor, after={
        "kind": deviation.kind, "expected": deviation.expected, "scanned": deviation.scanned,
        "what": "wristband", "bag": bag.pk})


def bedside_check(*, actor, actor_password: str, second_person, second_password: str, bag: Bag,
                  scanned_wristband: str, scanned_bag_code: str, at: datetime | None = None) -> Bag:
    """Two people at the bedside scan the patient's wristband and the bag, and both sign.

    Refused, nothing written: the same person twice, a second person whose role at the patient's treating center
    does not give the product (``ADMINISTER_PRODUCT`` in the permission table: never an administrator), a wrong
    password, an empty or unreadable scan, a bag not dispensed or already infused, returned or destroyed. Hard stop (deviation kept, one per mismatch): a
    wristband that is not this patient's IPP or INS, a bag code that is not an identifier of the bag.
    ``at`` (default: the signatures' time, never in the future) is for recording an episode already under way.
    """
    if at is not None:
        _not_future(at)
    bag = Bag.objects.select_related("product__episode__patient", "product__episode__template").get(pk=bag.pk)
    check, verification = sign_with_second_person(
        actor=actor, actor_password=actor_password, meaning=CHECKED_AT_BEDSIDE, second_person=second_person,
        second_password=second_password,
        same_person=_("A second person verifies at the bedside: it cannot be the person giving the bag."),
        verifies=PermissionAction.ADMINISTER_PRODUCT, center_id=bag.product.episode.patient.treating_center_id)
    wristband = (scanned_wristband or "").strip()
    if not wristband:
        raise ValidationError({"scanned_wristband": _("Scan the patient's wristband.")})
    refuse_unusable(bag)
    patient = bag.product.episode.patient
    errors = {}
    if not _wristband_matches(patient, wristband):
        expected = _expected_wristband(patient)
        _record_wristband_deviation(actor=actor, bag=bag, expected=expected, scanned=wristband)
        errors["scanned_wristband"] = [_(
            "HARD STOP — wristband %(scanned)s does not identify the patient of bag %(bag)s. Expected: %(expected)s. "
            "Do not give the bag; the deviation is recorded.") % {
                "scanned": wristband, "bag": bag.number, "expected": expected}]
    try:
        scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return _record_check(actor=actor, check=check, verification=verification, bag=bag, wristband=wristband,
                         bag_code=scan.raw, at=at or check.at)


@transaction.atomic
def _record_check(*, actor, check, verification, bag: Bag, wristband: str, bag_code: str, at: datetime) -> Bag:
    bag = lock_bag(bag)
    refuse_unusable(bag)
    if bag.infusion_started_at:
        raise ValidationError({"bag": _("The infusion of this bag started on %(when)s.") % {
            "when": _when(bag.infusion_started_at)}})
    episode = bag.product.episode
    bag.bedside_checked_at = at
    bag.bedside_checked_by = actor
    bag.bedside_second_person = verification.user
    bag.save(update_fields=["bedside_checked_at", "bedside_checked_by", "bedside_second_person"])
    event = CustodyEvent.objects.create(
        bag=bag, product=bag.product, action=CustodyEvent.Action.BEDSIDE_CHECKED, actor=actor,
        second_person=verification.user, scanned=[wristband, bag_code], at=at, meaning=CHECKED_AT_BEDSIDE,
        second_meaning=verification.meaning)
    journal_signature(check, episode, event)
    journal_signature(verification, episode, event)
    journal(Action.BEDSIDE_CHECKED, episode, bag, actor=actor, after={
        "checked_at": at, "verified_by": verification.user.get_username(), "wristband": wristband,
        "bag_code": bag_code})
    return bag


# Infusion ------------------------------------------------------------------------------------------------

@transaction.atomic
def start_infusion(*, actor, bag: Bag, at: datetime) -> Bag:
    """The infusion starts: the bag is thawed and passed its bedside check."""
    _not_future(at)
    bag = lock_bag(bag)
    refuse_unusable(bag)
    if bag.infusion_started_at:
        raise ValidationError({"bag": _("The infusion of this bag started on %(when)s.") % {
            "when": _when(bag.infusion_started_at)}})
    if not bag.bedside_checked_at:
        raise ValidationError({"bag": _("Check the patient's wristband and the bag at the bedside first, with a "
                                        "second person.")})
    if not bag.thaw_started_at:
        raise ValidationError({"bag": _("Record the start of the thaw first.")})
    _not_before(at, bag.thaw_started_at, _("The infusion cannot start before the thaw (%(when)s)."))
    bag.infusion_started_at = at
    bag.save(update_fields=["infusion_started_at"])
    episode = bag.product.episode
    CustodyEvent.objects.create(bag=bag, product=bag.product, action=CustodyEvent.Action.INFUSION_STARTED,
                                actor=actor, at=at)
    journal(Action.INFUSION_STARTED, episode, bag, actor=actor, after={"infusion_started_at": at})
    return bag


@transaction.atomic
def end_infusion(*, actor, bag: Bag, at: datetime) -> Bag:
    """The bag is empty. Past the thaw limit: a deviation. The episode in lymphodepletion becomes “Infused”."""
    _not_future(at)
    bag = lock_bag(bag)
    refuse_unusable(bag)
    if not bag.infusion_started_at:
        raise ValidationError({"bag": _("Record the start of the infusion first.")})
    _not_before(at, bag.infusion_started_at, _("The infusion cannot end before it started (%(when)s)."))
    episode = bag.product.episode
    if episode.state == State.LYMPHODEPLETION:
        try:
            episode = pathway_services.advance(actor=actor, episode=episode, target=State.INFUSED,
                                               on=timezone.localdate(at), expected_version=None)
        except ValidationError as error:
            raise ValidationError({"episode": error.messages}) from None
    bag.infusion_ended_at = at
    bag.save(update_fields=["infusion_ended_at"])
    CustodyEvent.objects.create(bag=bag, product=bag.product, action=CustodyEvent.Action.INFUSED, actor=actor, at=at)
    limit = _limit(bag)
    elapsed = round(thaw.elapsed_minutes(bag.thaw_started_at, at), 1)
    if thaw.is_overdue(bag.thaw_started_at, limit, at):
        expected, actual = f"≤ {limit} min", f"{elapsed:g} min"
        deviation = Deviation.objects.create(
            episode=episode, product=bag.product, kind=Deviation.Kind.THAW_LIMIT_EXCEEDED, expected=expected,
            scanned=actual, actor=actor, at=at,
            description=f"bag {bag.number}: thaw {bag.thaw_started_at.isoformat()}, end of infusion {at.isoformat()}")
        journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor, after={
            "kind": deviation.kind, "expected": expected, "scanned": actual, "bag": bag.pk})
    journal(Action.INFUSION_ENDED, episode, bag, actor=actor, after={
        "infusion_ended_at": at, "minutes_since_thaw": elapsed, "thaw_limit_minutes": limit,
        "episode_state": episode.state})
    return bag


# Unused bag ----------------------------------------------------------------------------------------------

@transaction.atomic
def return_or_destroy(*, actor, bag: Bag, action: str, reason: str) -> Bag:
    """A dispensed bag that will not be given: returned to the pharmacy, or destroyed, with the reason.

    A thawed bag cannot be refrozen: it is destroyed, not returned. A bag whose infusion started is not unused.
    A bag still in storage (not dispensed) is not handled here.
    """
    if action not in Bag.Disposal.values:
        raise ValidationError({"action": _("Choose: returned or destroyed.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the bag is returned or destroyed.")})
    bag = lock_bag(bag)
    refuse_unusable(bag)
    if bag.infusion_started_at:
        raise ValidationError({"bag": _("The infusion of this bag started on %(when)s: it is not an unused "
                                        "bag.") % {"when": _when(bag.infusion_started_at)}})
    if action == Bag.Disposal.RETURNED and bag.thaw_started_at:
        raise ValidationError({"action": _("A thawed bag cannot be refrozen: it is destroyed, not returned.")})
    now = timezone.now()
    bag.disposal, bag.disposed_at, bag.disposal_reason = action, now, reason.strip()
    bag.save(update_fields=["disposal", "disposed_at", "disposal_reason"])
    episode = bag.product.episode
    CustodyEvent.objects.create(bag=bag, product=bag.product, action=action, actor=actor, at=now)
    journal(Action.BAG_DISPOSED, episode, bag, actor=actor, before={"disposal": ""}, after={
        "disposal": action, "reason": bag.disposal_reason, "disposed_at": now})
    return bag
