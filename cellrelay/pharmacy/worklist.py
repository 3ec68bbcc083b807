"""The pharmacy's work in the product's circuit, on the worklist: its tanks' open alarms, the bags to place in a
tank and the bags to dispense. Read-only queries, added to the products' worklist (``products.worklist.register``)
from ``PharmacyConfig.ready``: the alarms ahead of everything else, the bags after the products to receive.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.organisation.permissions import Action
from cellrelay.pathway import schedule
from cellrelay.pathway.states import State
from cellrelay.patients.access import seen_by
from cellrelay.products.models import Bag, Product
from cellrelay.products.worklist import BEFORE_INFUSION, Item, first, still_open

from . import dispensing_day
from .models import StorageAlarm

Status = Product.Status


def tank_alarms(_patients, storage_center_ids) -> list[tuple[str, list[Item], bool]]:
    """The open alarms of the tanks at the centers whose storage the user manages."""
    alarms = first(StorageAlarm.objects.filter(tank__center_id__in=storage_center_ids, acknowledged_at__isnull=True)
                   .select_related("tank"))
    return [("pharmacy", [
        Item(_("Tank %(tank)s: %(alarm)s") % {"tank": alarm.tank.name, "alarm": alarm.get_kind_display()},
             reverse("pharmacy:tank", args=[alarm.tank_id]), Action.MANAGE_STORAGE, urgent=True)
        for alarm in alarms.rows], alarms.more)]


def bags_to_place_or_dispense(patients, _storage_center_ids) -> list[tuple[str, list[Item], bool]]:
    """Received bags in no tank yet, and bags whose infusion day has come."""
    bags = (still_open(Bag.objects.filter(seen_by(patients, "product__episode__patient"), status=Bag.Status.AVAILABLE),
                       "product__").select_related("product__episode__patient", "product__episode__template"))
    to_place = first(bags.filter(product__status__in=(Status.ACCEPTED, Status.QUARANTINED), position__isnull=True,
                                 product__episode__state__in=BEFORE_INFUSION))
    # From the planned infusion day only: dispensing is refused before it (dispensing_day.py).
    last_planned_d0 = timezone.localdate() + timedelta(days=dispensing_day.DAYS_BEFORE_INFUSION)
    to_dispense = first(bags.filter(product__status=Status.ACCEPTED, product__episode__state=State.LYMPHODEPLETION,
                                    product__episode__milestones__kind=schedule.Kind.INFUSION,
                                    product__episode__milestones__planned__lte=last_planned_d0).distinct())
    return [("pharmacy", [Item(_("Place bag %(number)s in a tank") % {"number": bag.number},
                               reverse("pharmacy:bag_place", args=[bag.pk]), Action.MANAGE_STORAGE, bag.product.episode)
                          for bag in to_place.rows], to_place.more),
            ("pharmacy", [Item(_("Dispense bag %(number)s for the infusion") % {"number": bag.number},
                               reverse("pharmacy:dispense", args=[bag.pk]), Action.DISPENSE_PRODUCT,
                               bag.product.episode) for bag in to_dispense.rows], to_dispense.more)]
