"""How the permission matrix aims the administration routes (see ROOM_MATRICES in test_permission_matrix.py).

The receipt page is aimed at each world patient's product (in manufacturing at first: its GET then answers 200
with the reason); the bag pages at one bag of each patient's product, received through the services.
"""

import datetime as dt
from decimal import Decimal

BAG_ROUTES = {"products:bag", "products:dispense", "products:thaw", "products:bedside", "products:infusion_start",
              "products:infusion_end", "products:dispose"}


def _users():
    from cellrelay.organisation.models import User

    return {user.username: user for user in User.objects.filter(username__in=["pharmacist", "coordinator"])}


def _receive_world_product(world, users, patient):
    """The world's product of this patient released and received (accepted, one bag); its bag."""
    from django.utils import timezone

    from cellrelay.products import services
    from cellrelay.products.models import Product
    from tests.conftest import PASSWORD
    from tests.products.test_custody import scanned_din

    product = Product.objects.get(pk=world["products"][patient.pk]["product_id"])
    if product.status == Product.Status.IN_MANUFACTURING:
        product = services.update_manufacturing(actor=users["coordinator"], product=product, status="released")
    if product.status in services.RECEIVABLE:
        din = product.identifiers.get(scheme="din").value
        product = services.receive_product(
            actor=users["pharmacist"], actor_password=PASSWORD, second_person=users["coordinator"],
            second_password=PASSWORD, product=product, scanned=[scanned_din(din)], seal_intact=True,
            shipper_temperature_c=Decimal("-180"), documents_ok=True, bag_count=1,
            bag_expiry=timezone.now() + dt.timedelta(days=300), place="PUI")
    return product.bags.order_by("number").first()


def received_bag(world, users, patient):
    """A bag of a received product of this world patient, cached in world["received_bags"].

    Helper A's ``matrix_pharmacy.received_bag`` is used when it exists (same cache); this one otherwise.
    """
    from tests.organisation import matrix_pharmacy

    shared = getattr(matrix_pharmacy, "received_bag", None)
    if shared is not None:
        return shared(world, users, patient)
    cache = world.setdefault("received_bags", {})
    if patient.pk not in cache:
        cache[patient.pk] = _receive_world_product(world, users, patient)
    return cache[patient.pk]


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    from tests.organisation.test_permission_matrix import Target

    if name == "products:receive":
        return [Target({"pk": world["products"][p.pk]["product_id"]}, patient=p) for p, _e, _r in world["per_patient"]]
    if name in BAG_ROUTES:
        users = _users()
        return [Target({"pk": received_bag(world, users, p).pk}, patient=p) for p, _e, _r in world["per_patient"]]
    return None


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    return None
