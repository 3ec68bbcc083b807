"""How the permission matrix aims the collection routes (see ROOM_MATRICES in test_permission_matrix.py).

The world has, per patient, a collection shipped out and a product in manufacturing: the episode cannot take
another collection and the product cannot be shipped back yet, so those form pages answer 200 with the reason.
"""

ROUTES = {"products:collection_new", "products:collection_labels", "products:shipment_out_new",
          "products:shipment_back_new", "products:shipment", "products:shipment_log"}


def _aims(name, world, patient):
    from cellrelay.products.models import Product, Shipment

    ids = world["products"][patient.pk]
    if name == "products:collection_new":
        return {"pk": Product.objects.get(pk=ids["product_id"]).episode_id}
    if name in ("products:collection_labels", "products:shipment_out_new"):
        return {"pk": Shipment.objects.get(pk=ids["shipment_id"]).collection_id}
    if name == "products:shipment_back_new":
        return {"pk": ids["product_id"]}
    return {"pk": ids["shipment_id"]}


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    if name not in ROUTES:
        return None
    from tests.organisation.test_permission_matrix import Target  # here: that module imports this one

    return [Target(_aims(name, world, patient), patient=patient) for patient, _e, _r in world["per_patient"]]


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    return None
