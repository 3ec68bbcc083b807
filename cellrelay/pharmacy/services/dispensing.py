"""Dispensing a bag (*délivrance*): the pharmacy hands one bag over for the infusion. Journaled and signed.

The bag is dispensed when the episode is in lymphodepletion: the infusion follows the lymphodepletion within
days (products.md), the bag is then thawed for the infusion day, and an episode only moves to “Infused” once
the bag has been given. An admitted patient not yet lymphodepleted does not get a bag: if the lymphodepletion
is postponed, a bag already out of the tank would be lost. Recording the thaw is a later step.

Preconditions (``checks``, shown as such on the dispense page), each refused with its reason: the bag is not
dispensed yet, the episode is in lymphodepletion, it is the planned infusion day or later
(``pharmacy.dispensing_day``), the template's tocilizumab doses are reserved and not used up, the bag is not
expired, its product is accepted (not quarantined) and no temperature excursion of its shipments waits for the
pharmacist's signed release (``products.services.shipping.release_excursion``). The scanned code must be an
identifier of the bag's product (``custody.verify_bag_scan``): otherwise a hard stop whose deviation is committed
on its own transaction before the refusal (as at the receipt). So call the services here outside any enclosing
transaction (no ATOMIC_REQUESTS).

Two pharmacists dispensing the same bag at the same moment: the bag row is locked (``custody.lock_bag``) and its
status read inside the lock, so exactly one succeeds; the other is told who dispensed it and when. The bag leaves
its storage position in the same transaction (``storage.take_out_for_dispensing``).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cellrelay.pathway import schedule
from cellrelay.pathway.models import Milestone
from cellrelay.pathway.states import State
from cellrelay.products.custody import Action, Scan, journal, journal_signature, lock_bag, sign, verify_bag_scan
from cellrelay.products.models import Bag, CustodyEvent, Product
from cellrelay.products.services import shipping
from cellrelay.validation import refuse_future_time

from .. import dispensing_day
from ..models import DrugReserve
from .drugs import TOCILIZUMAB
from .storage import take_out_for_dispensing

# Meaning of the pharmacist's electronic signature (regulation.md), stored in English, shown translated.
DISPENSED = gettext_noop("dispensed")


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
    signature = sign(user=actor, password=actor_password, meaning=DISPENSED, field="actor_password")
    scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    return _dispense(actor=actor, signature=signature, bag=bag, scan=scan, at=at or signature.at)


@dataclass(frozen=True)
class Check:
    """One precondition of the dispensing: what the pharmacist checks, whether it holds, what the page shows
    beside it, and the refusal (under ``field``) when it does not hold."""

    field: str
    what: str
    met: bool
    detail: str
    refusal: str = ""


def checks(bag: Bag, at: datetime) -> list[Check]:
    """Every precondition of dispensing ``bag`` at ``at``, in the order the service refuses them: the dispense
    page shows this same list, so that a check the service would refuse is never shown as met."""
    product, episode = bag.product, bag.product.episode
    return [_not_dispensed(bag), _in_lymphodepletion(episode), _infusion_day(episode, at), _tocilizumab(episode),
            _not_expired(bag, at), _accepted(product), _no_unreleased_excursion(product)]


def _not_dispensed(bag: Bag) -> Check:
    dispensed = bag.status == Bag.Status.DISPENSED
    message = already_dispensed(bag) if dispensed else ""
    return Check("bag", _("Bag not dispensed yet"), not dispensed, message or bag.get_status_display(), message)


def _in_lymphodepletion(episode) -> Check:
    return Check("episode", _("Episode in lymphodepletion"), episode.state == State.LYMPHODEPLETION,
                 episode.get_state_display(),
                 _("A bag is dispensed during the lymphodepletion, for the infusion; this episode is %(state)s.") % {
                     "state": episode.get_state_display()})


def planned_infusion(episode) -> date | None:
    """The day the infusion (D0) is planned, or None without a schedule."""
    return (Milestone.objects.filter(episode=episode, kind=schedule.Kind.INFUSION)
            .order_by("planned").values_list("planned", flat=True).first())


def infusion_day_reached(episode, day: date) -> bool:
    """Whether a bag of the episode may be dispensed on ``day`` (``pharmacy.dispensing_day``)."""
    planned = planned_infusion(episode)
    return planned is not None and not dispensing_day.too_early(day, planned)


def _infusion_day(episode, at: datetime) -> Check:
    what = _("Infusion day")
    planned = planned_infusion(episode)
    if planned is None:
        return Check("at", what, False, _("no infusion planned"),
                     _("No infusion day is planned for this episode: plan it before dispensing."))
    shown = formats.date_format(planned, "DATE_FORMAT")
    return Check("at", what, not dispensing_day.too_early(timezone.localdate(at), planned),
                 _("planned infusion on %(date)s") % {"date": shown},
                 _("The planned infusion is on %(date)s: dispense on the infusion day.") % {"date": shown})


def _tocilizumab(episode) -> Check:
    needed = episode.template.tocilizumab_doses
    reserve = DrugReserve.objects.filter(episode=episode, drug=TOCILIZUMAB).first()
    available = reserve.remaining if reserve else 0
    return Check("tocilizumab", _("Tocilizumab reserved"), available >= needed,
                 _("%(available)s dose(s) available, %(needed)s needed") % {"available": available, "needed": needed},
                 _("Reserve %(needed)s dose(s) of tocilizumab for this patient before dispensing; %(available)s "
                   "available.") % {"needed": needed, "available": available})


def _not_expired(bag: Bag, at: datetime) -> Check:
    expiry = formats.date_format(timezone.localtime(bag.expiry), "DATETIME_FORMAT")
    return Check("bag", _("Bag not expired"), bag.expiry > at, _("expiry %(when)s") % {"when": expiry},
                 _("This bag expired on %(expiry)s: it is not dispensed.") % {"expiry": expiry})


def _accepted(product: Product) -> Check:
    return Check("product", _("Product accepted"), product.status == Product.Status.ACCEPTED,
                 product.get_status_display(),
                 _("The product is “%(status)s”: only an accepted product is dispensed (a quarantined product waits "
                   "for its deviations to be closed).") % {"status": product.get_status_display()})


def _no_unreleased_excursion(product: Product) -> Check:
    pending = list(shipping.unreleased_excursions(product))
    what = _("No unreleased temperature excursion in shipment")
    if not pending:
        return Check("product", what, True, _("none"))
    found = "; ".join(shipping.excursion_text(deviation) for deviation in pending)
    return Check("product", what, False,
                 _("Temperature excursion, not released: %(excursions)s") % {"excursions": found},
                 _("A temperature excursion of the product's shipment is not released (%(excursions)s): the pharmacist "
                   "decides on it, with a signature, on the product page before the bag is dispensed.") % {
                     "excursions": found})


@transaction.atomic
def _dispense(*, actor, signature, bag: Bag, scan: Scan, at: datetime) -> Bag:
    bag = lock_bag(bag)  # every check below reads the bag inside this lock
    for check in checks(bag, at):
        if not check.met:
            raise ValidationError({check.field: check.refusal})
    product = bag.product
    episode = product.episode
    place = take_out_for_dispensing(bag)
    before = {"status": bag.status}
    bag.status = Bag.Status.DISPENSED
    bag.dispensed_at = at
    bag.dispensed_by = actor
    bag.waiting_since = None  # dispensed from the tank or straight after the receipt: it waits for no place
    bag.save(update_fields=["status", "dispensed_at", "dispensed_by", "waiting_since"])
    event = CustodyEvent.objects.create(bag=bag, product=product, action=CustodyEvent.Action.DISPENSED, actor=actor,
                                        place=place, scanned=[scan.raw], at=at, meaning=DISPENSED)
    journal_signature(signature, episode, event)
    journal(Action.BAG_DISPENSED, episode, bag, actor=actor, before=before, after={
        "status": bag.status, "dispensed_at": bag.dispensed_at, "from_position": place, "scanned": scan.raw})
    return bag
