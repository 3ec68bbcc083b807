"""Dispensing a bag (*délivrance*): the pharmacy hands one bag over for the infusion. Journaled and signed.

The bag is dispensed when the episode is in lymphodepletion: the infusion follows the lymphodepletion within
days (products.md), the bag is then thawed for the infusion day, and an episode only moves to “Infused” once
the bag has been given. An admitted patient not yet lymphodepleted does not get a bag: if the lymphodepletion
is postponed, a bag already out of the tank would be lost. Recording the thaw is a later step.

Preconditions, each refused with its reason: the episode is in lymphodepletion, the template's tocilizumab
doses are reserved and not used up, the bag is not expired, its product is accepted (not quarantined) and the
bag is not dispensed yet. The scanned code must be an identifier of the bag's product: otherwise a hard stop
whose deviation is committed on its own transaction before the refusal (as at the receipt). So call the
services here outside any enclosing transaction (no ATOMIC_REQUESTS).

Two pharmacists dispensing the same bag at the same moment: the bag row is locked (``select_for_update``)
and its status read inside the lock, so exactly one succeeds; the other is told who dispensed it and when.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.pharmacy.models import DrugReserve
from cellrelay.pharmacy.services import TOCILIZUMAB
from cellrelay.validation import refuse_future_time

from .models import Bag, CustodyEvent, Identifier, Product
from .services import Scan, _expected, _journal, _journal_signature, _read_scan, _record_identity_deviations, sign

# Meaning of the pharmacist's electronic signature (regulation.md), stored in English, shown translated.
DISPENSED = gettext_noop("dispensed")


def _bag_for_update(bag: Bag) -> Bag:
    # of=("self",): lock the bag row only, not the product, episode and patient joined to it.
    return (Bag.objects.select_for_update(of=("self",))
            .select_related("product__episode__patient", "product__episode__template", "dispensed_by")
            .get(pk=bag.pk))


def verify_bag_scan(*, actor, bag: Bag, scanned_bag_code: str) -> Scan:
    """The scanned code is an identifier of the bag's product; a hard stop otherwise.

    The deviation of a hard stop is committed on its own transaction before the ValidationError: call this
    outside any transaction that the refusal rolls back. Shared by storage (``pharmacy/storage.py``).
    """
    try:
        scan = _read_scan(scanned_bag_code or "")
    except ValidationError as error:
        raise ValidationError({"scanned_bag_code": error.message_dict["scanned"]}) from None
    product = Product.objects.select_related("episode__patient").get(pk=bag.product_id)
    if product.identifiers.filter(scheme=scan.scheme, value=scan.value).exists():
        return scan
    other = Identifier.objects.filter(scheme=scan.scheme, value=scan.value).select_related("product").first()
    other_product = other.product if other else None
    _record_identity_deviations(actor=actor, product=product, mismatches=[(scan, other_product)])
    message = (_("HARD STOP — %(scanned)s belongs to another patient's product, not to bag %(bag)s. Expected: "
                 "%(expected)s. Put the bag aside; the deviation is recorded.") if other_product else
               _("HARD STOP — %(scanned)s is not an identifier of bag %(bag)s. Expected: %(expected)s. Put the "
                 "bag aside; the deviation is recorded."))
    raise ValidationError({"scanned_bag_code": message % {
        "scanned": scan.raw, "bag": bag.number, "expected": _expected(product)}})


def already_dispensed(bag: Bag) -> str:
    """“Already dispensed by X at T”, in the active language."""
    who = (bag.dispensed_by.get_full_name() or bag.dispensed_by.get_username()) if bag.dispensed_by else "?"
    when = formats.date_format(timezone.localtime(bag.dispensed_at), "DATETIME_FORMAT") if bag.dispensed_at else "?"
    return _("This bag was already dispensed by %(who)s at %(when)s.") % {"who": who, "when": when}


def dispense_bag(*, actor, actor_password: str, bag: Bag, scanned_bag_code: str, at: datetime | None = None) -> Bag:
    """The pharmacist signs, scans the bag and hands it over: the bag leaves its storage position.

    Refused, nothing written: a wrong password, an unreadable scan, any precondition. Hard stop (deviation
    kept): a scan that is not an identifier of the bag's product. ``at`` (default: the signature's time, never
    in the future) is for recording an episode already under way.
    """
    if at is not None:
        refuse_future_time("at", at)
    try:
        signature = sign(user=actor, password=actor_password, meaning=DISPENSED)
    except ValidationError as error:
        raise ValidationError({"actor_password": error.message_dict["password"]}) from None
    scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    return _dispense(actor=actor, signature=signature, bag=bag, scan=scan, at=at or signature.at)


@transaction.atomic
def _dispense(*, actor, signature, bag: Bag, scan: Scan, at: datetime) -> Bag:
    from cellrelay.pharmacy import storage  # storage imports verify_bag_scan from here

    bag = _bag_for_update(bag)  # every check below reads the bag inside this lock
    if bag.status == Bag.Status.DISPENSED:
        raise ValidationError({"bag": already_dispensed(bag)})
    product = bag.product
    episode = product.episode
    if episode.state != State.LYMPHODEPLETION:
        raise ValidationError({"episode": _("A bag is dispensed during the lymphodepletion, for the infusion; this "
                                            "episode is %(state)s.") % {"state": episode.get_state_display()}})
    needed = episode.template.tocilizumab_doses
    reserve = DrugReserve.objects.filter(episode=episode, drug=TOCILIZUMAB).first()
    available = reserve.remaining if reserve else 0
    if available < needed:
        raise ValidationError({"tocilizumab": _("Reserve %(needed)s dose(s) of tocilizumab for this patient before "
                                                "dispensing; %(available)s available.") % {
                                                    "needed": needed, "available": available}})
    if bag.expiry <= at:
        raise ValidationError({"bag": _("This bag expired on %(expiry)s: it is not dispensed.") % {
            "expiry": formats.date_format(timezone.localtime(bag.expiry), "DATETIME_FORMAT")}})
    if product.status != Product.Status.ACCEPTED:
        raise ValidationError({"product": _("The product is “%(status)s”: only an accepted product is dispensed "
                                            "(a quarantined product waits for its deviations to be closed).") % {
                                                "status": product.get_status_display()}})
    place = storage.take_out_for_dispensing(bag)
    before = {"status": bag.status}
    bag.status = Bag.Status.DISPENSED
    bag.dispensed_at = at
    bag.dispensed_by = actor
    bag.save(update_fields=["status", "dispensed_at", "dispensed_by"])
    event = CustodyEvent.objects.create(bag=bag, product=product, action=CustodyEvent.Action.DISPENSED, actor=actor,
                                        place=place, scanned=[scan.raw], at=at, meaning=DISPENSED)
    _journal_signature(signature, episode, event)
    _journal(JournalEntry.Action.BAG_DISPENSED, episode, bag, actor=actor, before=before, after={
        "status": bag.status, "dispensed_at": bag.dispensed_at, "from_position": place, "scanned": scan.raw})
    return bag
