"""How the permission matrix aims the pharmacy routes (see ROOM_MATRICES in test_permission_matrix.py).

Objects are built lazily through the services and cached in the world: a tank of the demo treating center
with an open alarm, and a received product with two bags (bag 2 stored in the tank, bag 1 waiting for a
place; the dispensing page is aimed at bag 1 of each patient). ``received_bag`` is shared: other rooms'
matrices may import it.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

BAG_ROUTES = ("pharmacy:bag_place", "pharmacy:bag_move", "pharmacy:bag_remove")
READINGS_PATH = "/api/v1/pharmacy/tanks/{tank_id}/readings"
TANKS_PATH = "/api/v1/pharmacy/tanks"


def users_by_name() -> dict:
    from cellrelay.organisation.models import User

    return {user.username: user for user in User.objects.all()}


def received_bag(world, users, patient):
    """Bag 1 of the patient's product (world["products"]), driven to released and shipped, then received
    (accepted, two bags) with the right scan. Cached in world["received_bags"][patient.pk]."""
    from cellrelay.products.models import Product
    from cellrelay.products.services.manufacturing import update_manufacturing
    from cellrelay.products.services.receipt import RECEIVABLE, receive_product
    from tests.conftest import PASSWORD
    from tests.products.test_custody import scanned_din

    cache = world.setdefault("received_bags", {})
    if patient.pk in cache:
        return cache[patient.pk]
    product = Product.objects.get(pk=world["products"][patient.pk]["product_id"])
    for before, after in (("in_manufacturing", "released"), ("released", "shipped")):
        if product.status == before:
            product = update_manufacturing(actor=users["coordinator"], product=product, status=after)
    if product.status in RECEIVABLE:
        din = product.identifiers.get(scheme="din").value
        product = receive_product(
            actor=users["pharmacist"], actor_password=PASSWORD, second_person=users["pharmacist2"],
            second_password=PASSWORD, product=product, scanned=[scanned_din(din)], seal_intact=True,
            shipper_temperature_c=Decimal("-180"), documents_ok=True, place="PUI", bag_count=2,
            bag_expiry=timezone.now() + dt.timedelta(days=300))
    cache[patient.pk] = product.bags.order_by("number").first()
    return cache[patient.pk]


def pharmacy_tank(world) -> dict:
    """A tank of the demo treating center with an open alarm (no product touched: the API cases of other
    rooms still find their products as the world built them)."""
    if "pharmacy" in world:
        return world["pharmacy"]
    from cellrelay.pharmacy.services import storage

    pharmacist = users_by_name()["pharmacist"]
    tank = storage.create_tank(actor=pharmacist, center=world["center"], name="Matrix tank", racks=1,
                               boxes_per_rack=1, positions_per_box=4, ln2_min_level_percent=20,
                               max_temperature_c=-150)
    reading = storage.record_reading(actor_or_none=pharmacist, tank=tank, ln2_level_percent=10,
                                     temperature_c=-190, source="typed")
    world["pharmacy"] = {"tank": tank, "alarm": reading.alarms.get()}
    return world["pharmacy"]


def pharmacy_world(world) -> dict:
    """The tank, and the bags the bag routes are aimed at: bag 2 stored in the tank, bag 1 waiting."""
    built = pharmacy_tank(world)
    if "waiting" in built:
        return built
    from cellrelay.pharmacy.services import storage
    from tests.products.test_custody import scanned_din

    users = users_by_name()
    patient = world["per_patient"][0][0]
    waiting = received_bag(world, users, patient)
    stored = waiting.product.bags.get(number=2)
    din = waiting.product.identifiers.get(scheme="din").value
    storage.place_bag(actor=users["pharmacist"], bag=stored,
                      position=storage.free_positions(built["tank"].center_id).first(),
                      scanned_bag_code=scanned_din(din))
    built.update(patient=patient, waiting=waiting, stored=stored)
    return built


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    if not name.startswith("pharmacy:"):
        return None
    from tests.organisation.test_permission_matrix import Target

    if name == "pharmacy:dispense":  # bag 1 of each patient's product: its page lists the checks that hold or not
        users = users_by_name()
        return [Target({"pk": received_bag(world, users, p).pk}, patient=p) for p, _e, _r in world["per_patient"]]
    built = pharmacy_world(world) if name in BAG_ROUTES else pharmacy_tank(world)
    tank = built["tank"]
    if name in ("pharmacy:tank", "pharmacy:tank_reading"):
        return [Target({"pk": tank.pk}, center=tank.center)]
    if name == "pharmacy:alarm_acknowledge":
        return [Target({"pk": built["alarm"].pk}, center=tank.center)]
    if name in BAG_ROUTES:
        # Both bags on every route: one answers with the form, the other with the reason it cannot be handled.
        return [Target({"pk": built[which].pk}, patient=built["patient"]) for which in ("waiting", "stored")]
    return None


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    from tests.organisation.test_permission_matrix import ApiCase, Target

    if method == "post" and path == READINGS_PATH:
        tank = pharmacy_tank(world)["tank"]
        return [ApiCase(READINGS_PATH.replace("{tank_id}", str(tank.pk)),
                        {"ln2_level_percent": 55.0, "temperature_c": -190.0}, Target({}, center=tank.center), 201)]
    if method == "get" and path == TANKS_PATH:
        return [ApiCase(TANKS_PATH, None, None, 200)]
    return None
