"""How the permission matrix aims the product page routes (see ROOM_MATRICES in test_permission_matrix.py)."""


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    from tests.organisation.test_permission_matrix import Target

    if name in ("products:chain", "products:custody_pdf"):
        return [Target({"pk": e.pk}, patient=p) for p, e, _r in world["per_patient"]]
    if name == "products:quarantine_release":
        return [Target({"pk": world["products"][p.pk]["product_id"]}, patient=p) for p, _e, _r in world["per_patient"]]
    if name == "products:excursion_release":
        return [Target({"pk": excursion(world, p).pk}, patient=p) for p, _e, _r in world["per_patient"]]
    return None


def excursion(world, patient):
    """A temperature excursion of the patient's product in a shipment (its page shows the release form), made
    directly: the world's product is still at the manufacturer. Cached in world["excursions"]."""
    from cellrelay.organisation.models import User
    from cellrelay.products.models import Deviation, Shipment

    cache = world.setdefault("excursions", {})
    if patient.pk not in cache:
        ids = world["products"][patient.pk]
        shipment = Shipment.objects.get(pk=ids["shipment_id"])
        cache[patient.pk] = Deviation.objects.create(
            episode=shipment.collection.episode, product_id=ids["product_id"], shipment=shipment,
            kind=Deviation.Kind.TEMPERATURE_EXCURSION, expected="≤ -150 °C", scanned="-120 °C",
            actor=User.objects.get(username="pharmacist"))
    return cache[patient.pk]


def api_cases(method, path, world, username):
    """The product page has no endpoint of its own."""
    return None


