"""What the product's circuit waits for, by team: cells to ship, products arriving, bags to place, dispense, thaw
and infuse, and the tanks' open alarms. Read-only queries; the worklist page shows them above the schedule.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.organisation.permissions import Action
from cellrelay.pathway import schedule
from cellrelay.pathway.states import FINAL, State
from cellrelay.pharmacy.models import StorageAlarm

from . import dispensing_day
from .models import Bag, Collection, Product, Shipment

Status = Product.Status
# A bag waits in the tank from the receipt to the dispensing; a quarantined product's episode is still at
# “Manufacturing”. After the infusion, a bag left over is returned or destroyed, not stored.
BEFORE_INFUSION = (State.MANUFACTURING, State.PRODUCT_RECEIVED, State.ADMITTED, State.LYMPHODEPLETION)


@dataclass
class Item:
    label: str
    url: str
    action: Action  # what the page at ``url`` requires: the worklist links it only for who may
    episode: object = None  # None for a tank's alarm
    urgent: bool = False


def _open(queryset, path: str):
    return queryset.exclude(**{f"{path}episode__state__in": FINAL})


def _collections_to_ship(patients) -> list[Item]:
    shipped = Shipment.objects.filter(collection__isnull=False).values("collection_id")
    collections = (_open(Collection.objects.filter(episode__patient__in=patients), "")
                   .exclude(pk__in=shipped).select_related("episode__patient", "episode__template"))
    return [Item(_("Ship the collected cells (DIN %(din)s) to the manufacturer") % {"din": c.din},
                 reverse("products:shipment_out_new", args=[c.pk]), Action.RECORD_SHIPMENT, c.episode) for c in collections]


def _pharmacy(patients) -> list[Item]:
    items = []
    products = _open(Product.objects.filter(episode__patient__in=patients), "").select_related("episode__patient", "episode__template")
    for product in products.filter(status__in=(Status.RELEASED, Status.SHIPPED)):
        items.append(Item(_("Receive the product (%(manufacturer)s)") % {"manufacturer": product.manufacturer},
                          reverse("products:receive", args=[product.pk]), Action.RECEIVE_PRODUCT, product.episode))
    for product in products.filter(status=Status.QUARANTINED):
        items.append(Item(_("Quarantined product: decide"), reverse("products:quarantine_release", args=[product.pk]),
                          Action.RELEASE_PRODUCT, product.episode, urgent=True))
    bags = (_open(Bag.objects.filter(product__episode__patient__in=patients, status=Bag.Status.AVAILABLE),
                  "product__").select_related("product__episode__patient", "product__episode__template"))
    for bag in bags.filter(product__status__in=(Status.ACCEPTED, Status.QUARANTINED), position__isnull=True,
                           product__episode__state__in=BEFORE_INFUSION):
        items.append(Item(_("Place bag %(number)s in a tank") % {"number": bag.number},
                          reverse("pharmacy:bag_place", args=[bag.pk]), Action.MANAGE_STORAGE, bag.product.episode))
    # From the planned infusion day only: dispensing is refused before it (dispensing_day.py).
    last_planned_d0 = timezone.localdate() + timedelta(days=dispensing_day.DAYS_BEFORE_INFUSION)
    for bag in bags.filter(product__status=Status.ACCEPTED, product__episode__state=State.LYMPHODEPLETION,
                           product__episode__milestones__kind=schedule.Kind.INFUSION,
                           product__episode__milestones__planned__lte=last_planned_d0).distinct():
        items.append(Item(_("Dispense bag %(number)s for the infusion") % {"number": bag.number},
                          reverse("products:dispense", args=[bag.pk]), Action.DISPENSE_PRODUCT, bag.product.episode))
    return items


def _alarms(center_ids) -> list[Item]:
    alarms = StorageAlarm.objects.filter(tank__center_id__in=center_ids, acknowledged_at__isnull=True)
    return [Item(_("Tank %(tank)s: %(alarm)s") % {"tank": alarm.tank.name, "alarm": alarm.get_kind_display()},
                 reverse("pharmacy:tank", args=[alarm.tank_id]), Action.MANAGE_STORAGE, urgent=True)
            for alarm in alarms.select_related("tank")]


def _bags_out(patients) -> list[Item]:
    """Dispensed bags not yet infused nor returned: the unit thaws, checks and infuses them."""
    bags = (Bag.objects.filter(product__episode__patient__in=patients, status=Bag.Status.DISPENSED,
                               infusion_ended_at__isnull=True, disposal="")
            .select_related("product__episode__patient", "product__episode__template"))
    return [Item((_("Bag %(number)s thawing: check and infuse") if bag.thaw_started_at else
                  _("Bag %(number)s dispensed: thaw, bedside check, infusion")) % {"number": bag.number},
                 reverse("products:bag", args=[bag.pk]), Action.VIEW_PATIENT, bag.product.episode,
                 urgent=bag.thaw_started_at is not None) for bag in bags]


def build(patients, alarm_center_ids) -> list[tuple[str, list[Item]]]:
    """(team code, items) for the teams with something to do; alarms of the tanks at these centers."""
    teams = [("apheresis", _collections_to_ship(patients)),
             ("pharmacy", _alarms(alarm_center_ids) + _pharmacy(patients)),
             ("unit", _bags_out(patients))]
    return [(team, items) for team, items in teams if items]
