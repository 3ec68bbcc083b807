"""The pharmacy's work in the product's circuit, on the worklist: its tanks' open alarms, the bags to place in a
tank and the bags to dispense. Read-only queries, added to the products' worklist (``products.worklist.register``)
from ``PharmacyConfig.ready``: the alarms ahead of everything else, the bags after the products to receive.
"""

from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.indexed_lookups import InSubquery
from cellrelay.organisation.permissions import Action
from cellrelay.pathway import schedule
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.pathway.states import State
from cellrelay.patients.access import seen_by
from cellrelay.products.models import Bag, Product
from cellrelay.products.worklist import Item, first
from cellrelay.web import url_for_each

from . import dispensing_day, waiting
from .models import StorageAlarm

Status = Product.Status


def tank_alarms(_patients, storage_center_ids) -> list[tuple[str, list[Item], bool]]:
    """The open alarms of the tanks at the centers whose storage the user manages."""
    alarms = first(StorageAlarm.objects.filter(tank__center_id__in=storage_center_ids, acknowledged_at__isnull=True)
                   .select_related("tank"))
    tank_url = url_for_each("pharmacy:tank")
    return [("pharmacy", [
        Item(_("Tank %(tank)s: %(alarm)s") % {"tank": alarm.tank.name, "alarm": alarm.get_kind_display()},
             tank_url(alarm.tank_id), Action.MANAGE_STORAGE, urgent=True)
        for alarm in alarms.rows], alarms.more)]


def _bags_of(episodes, statuses) -> Q:
    """The bags of these episodes' products in these statuses, found from the episodes (their state index), then
    their products, then their bags (each an index): nested, not joined, which both planners would start from every
    available bag or every accepted product (issue #14)."""
    products = Product.objects.filter(InSubquery(F("episode_id"), episodes.order_by().values("pk")),
                                      status__in=statuses)
    return Q(InSubquery(F("product_id"), products.order_by().values("pk")))


def bags_to_place_or_dispense(patients, _storage_center_ids) -> list[tuple[str, list[Item], bool]]:
    """The bags waiting for a place (``waiting.py``), the longest waiting first, and the bags whose infusion day has
    come, the oldest product's first, from the few episodes at that stage."""
    related = ("product__episode__patient", "product__episode__template")
    to_place = first(waiting.waiting_bags(patients).select_related(*related), *waiting.ORDER)
    bags = Bag.objects.filter(seen_by(patients, "product__episode__patient"), status=Bag.Status.AVAILABLE)
    # From the planned infusion day only: dispensing is refused before it (dispensing_day.py).
    last_planned_d0 = timezone.localdate() + timedelta(days=dispensing_day.DAYS_BEFORE_INFUSION)
    infusion_day_come = Milestone.objects.filter(episode=OuterRef("pk"), kind=schedule.Kind.INFUSION,
                                                 planned__lte=last_planned_d0)
    to_dispense = first(bags.filter(_bags_of(Episode.objects.filter(Exists(infusion_day_come),
                                                                    state=State.LYMPHODEPLETION),
                                             (Status.ACCEPTED,))).select_related(*related), "product_id", "pk")
    place_url, dispense_url = url_for_each("pharmacy:bag_place"), url_for_each("pharmacy:dispense")
    return [("pharmacy", [Item(_("Place bag %(number)s in a tank") % {"number": bag.number},
                               place_url(bag.pk), Action.MANAGE_STORAGE, bag.product.episode)
                          for bag in to_place.rows], to_place.more),
            ("pharmacy", [Item(_("Dispense bag %(number)s for the infusion") % {"number": bag.number},
                               dispense_url(bag.pk), Action.DISPENSE_PRODUCT,
                               bag.product.episode) for bag in to_dispense.rows], to_dispense.more)]
