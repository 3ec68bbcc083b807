"""How the permission matrix aims the administration routes (see ROOM_MATRICES in test_permission_matrix.py).

The receipt page is aimed at each world patient's product (in manufacturing while no bag route has been walked:
its GET then answers 200 with the reason; received afterwards: 200 with that reason too). The bag pages are
aimed at bag 1 of each patient's product, received through the services by the pharmacy room's shared
``received_bag`` (cached in world["received_bags"]).
"""

from tests.organisation.matrix_pharmacy import received_bag, users_by_name

BAG_ROUTES = {"products:bag", "products:thaw", "products:bedside", "products:infusion_start", "products:infusion_end",
              "products:dispose"}


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    from tests.organisation.test_permission_matrix import Target  # imported here: that module imports this one

    if name == "products:receive":
        return [Target({"pk": world["products"][p.pk]["product_id"]}, patient=p) for p, _e, _r in world["per_patient"]]
    if name in BAG_ROUTES:
        users = users_by_name()
        return [Target({"pk": received_bag(world, users, p).pk}, patient=p) for p, _e, _r in world["per_patient"]]
    return None


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    return None
