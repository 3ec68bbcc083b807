"""The demo hospital's product chains, recorded through the services as the teams would have recorded them:
collection and its shipment out, registration at the manufacturer, release and shipment back, two-person
receipt, storage in the pharmacy's tank, dispensing, thaw, bedside check and infusion.

Times are past moments on the day each step was done (never in the future); signatures are made now, with the
demo password, as the seed runs.
"""

import datetime as dt
from decimal import Decimal
import itertools

from django.utils import timezone

from cellrelay.demo.hospital import DEMO_PASSWORD
from cellrelay.pathway.models import Episode
from cellrelay.pharmacy.models import Position, Tank
from cellrelay.pharmacy.services import dispensing, storage
from cellrelay.pharmacy.services import drugs as pharmacy_services
from cellrelay.products import isbt128, manufacturers
from cellrelay.products.models import Bag, Product
from cellrelay.products.services import administration, manufacturing, receipt, shipping
from cellrelay.products.services.collection import record_collection

FACILITY = "F9999"  # the demo center's fictional ISBT 128 facility identification number (hospital.TREATING)
BAGS = {"abecma": 2, "kymriah": 2}  # several bags for some products (products.md); one otherwise
_highest_sequence = itertools.count(0)  # of the DINs issued by this run


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That time on that day, or a little before now when it would be in the future (today's steps)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return min(moment, timezone.now() - dt.timedelta(minutes=5))


def collect(episode: Episode, users, day: dt.date) -> Episode:
    """The apheresis on its day, its labels' DIN, and the cells shipped to the manufacturer that afternoon."""
    # The next DIN of the demo center that year (the demo seeds an empty database once).
    scanned = isbt128.next_din(FACILITY, day.year, next(_highest_sequence))
    collection = record_collection(actor=users["apheresis"], episode=episode, collected_at=at(day, 9, 30),
                                   volume_ml=Decimal("210"), cd3_count=Decimal("4.8"), din=scanned)
    din = collection.din
    arrival = at(day + dt.timedelta(days=1), 11)
    shipping.record_shipment(actor=users["apheresis"], product_or_collection=collection, direction="out",
                             courier="Cryoport (demo)", shipper_id=f"DS-{din[-4:]}", seal_numbers=[f"S{din[-6:]}"],
                             departed_at=at(day, 15), arrived_at=arrival if arrival > at(day, 15) else None)
    return Episode.objects.get(pk=episode.pk)


def register(episode: Episode, users, day: dt.date) -> Episode:
    collection = episode.collections.last()
    manufacturer = manufacturers.of(episode.template.product)
    manufacturing.register_product(actor=users["coordinator"], episode=episode, manufacturer=manufacturer,
                                   identifiers=[("din", isbt128.scanner_din(collection.din)),
                                                ("manufacturer", f"{manufacturer[:3].upper()}-{collection.din[-6:]}")],
                                   registered_at=at(day, 10))
    return Episode.objects.get(pk=episode.pk)


def fail(episode: Episode, users, reason: str) -> None:
    product = episode.products.exclude(status=Product.Status.FAILED).last()
    manufacturing.update_manufacturing(actor=users["coordinator"], product=product, status=Product.Status.FAILED,
                                       reason=reason)


def receive(episode: Episode, users, day: dt.date, *, broken_seal: bool = False) -> Episode:
    """Released, shipped back the day before, received by two people; with a ``broken_seal``, quarantined then
    released after an investigation."""
    product = episode.products.exclude(status=Product.Status.FAILED).last()
    manufacturing.update_manufacturing(actor=users["coordinator"], product=product, status=Product.Status.RELEASED)
    shipping.record_shipment(actor=users["pharmacist"], product_or_collection=product, direction="back",
                             courier="Cryoport (demo)", shipper_id=f"DS-R{product.pk:03d}",
                             seal_numbers=[f"R{product.pk:05d}"], departed_at=at(day - dt.timedelta(days=1), 8),
                             arrived_at=at(day, 8, 30))
    codes = [identifier.value if identifier.scheme == "manufacturer" else isbt128.scanner_din(identifier.value)
             for identifier in product.identifiers.all()]
    received_at = at(day, 9)
    receipt.receive_product(
        actor=users["pharmacist"], actor_password=DEMO_PASSWORD, second_person=users["pharmacist2"],
        second_password=DEMO_PASSWORD, product=product, scanned=codes, seal_intact=not broken_seal,
        shipper_temperature_c=Decimal("-182"), documents_ok=True,
        bag_count=BAGS.get(episode.template.product, 1), bag_expiry=received_at + dt.timedelta(days=270),
        place="PUI", received_at=received_at)
    if broken_seal:
        receipt.release_from_quarantine(
            actor=users["pharmacist"], actor_password=DEMO_PASSWORD, product=product,
            reason="Scellé coupé par la douane (procès-verbal joint au dossier du transporteur) ; l'enregistreur du "
                   "conteneur montre -182 °C tout du long et chaque étiquette concordait. Produit libéré après revue "
                   "avec le fabricant.")
    return Episode.objects.get(pk=episode.pk)


def _scan(bag: Bag) -> str:
    return isbt128.scanner_din(bag.product.identifiers.get(scheme="din").value)


def dispense(episode: Episode, users, moment: dt.datetime) -> list[Bag]:
    """Every bag of the product: the dose may come in several bags, all infused (products.md)."""
    pharmacy_services.reserve_drug(actor=users["pharmacist"], episode=episode)
    bags = Bag.objects.filter(product__episode=episode, status=Bag.Status.AVAILABLE).order_by("number")
    return [dispensing.dispense_bag(actor=users["pharmacist"], actor_password=DEMO_PASSWORD, bag=bag,
                                    scanned_bag_code=_scan(bag), at=moment) for bag in bags]


# The infusion morning, in minutes after the dispensing: each bag thawed in turn, checked at the bedside, infused
# well within the product's limit (the shortest, 30 min, from the start of the thaw to the end of the infusion).
THAW_AFTER, NEXT_BAG_AFTER, CHECK_AFTER_THAW, START_AFTER_THAW, END_AFTER_THAW = 90, 40, 12, 15, 27


def infusion_morning(day: dt.date, bags: int) -> tuple[dt.datetime, float]:
    """When the pharmacy dispenses on the infusion day, and how much the morning's steps are shortened.

    08:30, or early enough today for the whole morning to be over before now. The dispensing belongs to the
    infusion day (pharmacy/dispensing_day.py): when the seed runs just after midnight on it, the steps are squeezed between
    midnight and now (factor below 1) rather than moved to the day before.
    """
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    needed = dt.timedelta(minutes=THAW_AFTER + NEXT_BAG_AFTER * (bags - 1) + END_AFTER_THAW)
    latest_end = timezone.now() - dt.timedelta(minutes=1)
    start = min(midnight + dt.timedelta(hours=8, minutes=30), latest_end - needed)
    if start >= midnight:
        return start, 1.0
    return midnight, max((latest_end - midnight) / needed, 0.0)


def infuse(episode: Episode, users, day: dt.date) -> Episode:
    """D0: the bags dispensed in the morning, each thawed, checked at the bedside by two people's signatures and
    infused well within the product's limit. Ending the first infusion moves the episode to “Infused”."""
    wristband = episode.patient.local_ids.get(center_id=episode.patient.treating_center_id).ipp
    count = Bag.objects.filter(product__episode=episode, status=Bag.Status.AVAILABLE).count()
    morning, factor = infusion_morning(day, count)

    def after(minutes: float) -> dt.datetime:
        return morning + dt.timedelta(minutes=minutes * factor)

    for n, bag in enumerate(dispense(episode, users, morning)):
        thawed = THAW_AFTER + NEXT_BAG_AFTER * n  # one bag after the other
        administration.start_thaw(actor=users["wardnurse"], bag=bag, at=after(thawed))
        administration.bedside_check(actor=users["wardnurse"], actor_password=DEMO_PASSWORD,
                                     second_person=users["haematologist"], second_password=DEMO_PASSWORD, bag=bag,
                                     scanned_wristband=wristband, scanned_bag_code=_scan(bag),
                                     at=after(thawed + CHECK_AFTER_THAW))
        administration.start_infusion(actor=users["wardnurse"], bag=bag, at=after(thawed + START_AFTER_THAW))
        administration.end_infusion(actor=users["wardnurse"], bag=bag, at=after(thawed + END_AFTER_THAW))
    return Episode.objects.get(pk=episode.pk)


def demo_tank(center, users) -> Tank:
    return storage.create_tank(actor=users["pharmacist"], center=center, name="Cuve 1", racks=2, boxes_per_rack=2,
                               positions_per_box=10, ln2_min_level_percent=Decimal("30"),
                               max_temperature_c=Decimal("-150"))


def store_waiting_bags(tank: Tank, users) -> None:
    """Every bag the pharmacy holds goes into the demo tank, each placed with its scan (a stopped episode's bag
    too: it waits there for its destruction to be decided)."""
    free = iter(Position.objects.filter(box__rack__tank=tank, bag__isnull=True).order_by("box__rack__label",
                                                                                        "box__label", "pk"))
    waiting = Bag.objects.filter(status=Bag.Status.AVAILABLE, position__isnull=True,
                                 product__status=Product.Status.ACCEPTED)
    for bag in waiting.select_related("product").order_by("pk"):
        storage.place_bag(actor=users["pharmacist"], bag=bag, position=next(free), scanned_bag_code=_scan(bag))


def readings(tank: Tank, users) -> None:
    """This morning's typed reading, and the probe's last one."""
    storage.record_reading(actor_or_none=users["pharmacist"], tank=tank, ln2_level_percent=Decimal("64"),
                           temperature_c=Decimal("-191"))
    storage.record_reading(actor_or_none=users["tank-probe"], tank=tank, ln2_level_percent=Decimal("63.5"),
                           temperature_c=Decimal("-190.5"), source="probe")
