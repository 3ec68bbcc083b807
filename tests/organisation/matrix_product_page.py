"""How the permission matrix aims the product page routes (see ROOM_MATRICES in test_permission_matrix.py)."""



def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    from tests.organisation.test_permission_matrix import Target

    if name in ("products:chain", "products:custody_pdf"):
        return [Target({"pk": e.pk}, patient=p) for p, e, _r in world["per_patient"]]
    if name == "products:quarantine_release":
        return [Target({"pk": world["products"][p.pk]["product_id"]}, patient=p) for p, _e, _r in world["per_patient"]]
    return None


def api_cases(method, path, world, username):
    """The product page has no endpoint of its own."""
    return None


