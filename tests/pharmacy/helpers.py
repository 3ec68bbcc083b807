"""A received product with its bags, and a small tank: shared by the storage, dispensing and race tests."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from cellrelay.pathway.models import Milestone
from cellrelay.pathway.states import State
from cellrelay.pharmacy.models import Box, Position, Rack, Tank
from cellrelay.products.models import Bag
from tests.pathway.test_episode import walk_to
from tests.products.test_custody import COI_A, DIN_A, receive, released, scanned_din

__all__ = ["COI_A", "DIN_A", "scanned_din", "received_bags", "plan_infusion_on", "tank_with_positions", "SCAN_A"]

SCAN_A = scanned_din(DIN_A)


def received_bags(episode, users, *, count=2, state=State.PRODUCT_RECEIVED, temperature=Decimal("-180")):
    """The product received (accepted at -180 °C, quarantined above its limit) and ``count`` bags. In
    lymphodepletion, the infusion is planned today: the day its bags are dispensed."""
    product = released(episode, users, [("din", scanned_din(DIN_A)), ("coi_isbt", COI_A),
                                        ("manufacturer", "KITE-123")])
    product = receive(product, users, shipper_temperature_c=temperature, bag_count=count)
    if product.status == "accepted" and state != State.PRODUCT_RECEIVED:
        product.episode.refresh_from_db()
        walk_to(product.episode, users, state)
        if state == State.LYMPHODEPLETION:
            plan_infusion_on(product.episode, timezone.localdate())
    return list(product.bags.all())


def plan_infusion_on(episode, day):
    """The infusion (D0) planned on ``day``. The helpers reach lymphodepletion today, and the plan then puts D0
    days ahead (LD1 at D-5): a bag is dispensed on the infusion day only."""
    Milestone.objects.filter(episode=episode, kind="infusion").update(planned=day)


def tank_with_positions(org, labels=("A1", "A2", "A3")):
    tank = Tank.objects.create(center=org["treating"], name="Cuve 1", ln2_min_level_percent=Decimal("30"),
                               max_temperature_c=Decimal("-150"))
    box = Box.objects.create(rack=Rack.objects.create(tank=tank, label="R1"), label="B1")
    return tank, [Position.objects.create(box=box, label=label) for label in labels]
