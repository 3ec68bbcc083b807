"""How the permission matrix aims the manufacturing routes (see ROOM_MATRICES in test_permission_matrix.py).

Pages are scoped by the patient. The manufacturer's API is scoped by the manufacturer instead: the world's
products are all from “Kite” at the demo center, which the kite-system account sees; every other persona
lacks REPORT_MANUFACTURING and gets 403 whatever the scope. So its cases carry scope=None.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from cellrelay.products.models import Product

PAGES = ("products:product_new", "products:manufacturing_update", "products:certificate")
API_PREFIX = "/api/v1/manufacturer/products"


def _target(patient, **kwargs):
    from tests.organisation.test_permission_matrix import Target

    return Target(kwargs, patient=patient)


def _with_certificates(world) -> dict:
    """Each world product released with a certificate of analysis (once, through the service), so that the
    certificate page has something to serve; a released product still offers its next moves."""
    if "manufacturing" not in world:
        from cellrelay.organisation.models import User
        from cellrelay.products.services.manufacturing import update_manufacturing

        coordinator = User.objects.get(username="coordinator")
        for ids in world["products"].values():
            product = Product.objects.get(pk=ids["product_id"])
            if not product.certificate:
                update_manufacturing(
                    actor=coordinator, product=product, status="released",
                    certificate=SimpleUploadedFile("coa.pdf", b"%PDF-1.4 certificate", content_type="application/pdf"))
        world["manufacturing"] = {"certified": True}
    return world["manufacturing"]


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    if name not in PAGES:
        return None
    if name == "products:product_new":
        return [_target(p, pk=e.pk) for p, e, _r in world["per_patient"]]
    if name == "products:certificate":
        _with_certificates(world)
    return [_target(p, pk=world["products"][p.pk]["product_id"]) for p, _e, _r in world["per_patient"]]


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    from tests.organisation.test_permission_matrix import ApiCase

    if not path.startswith(API_PREFIX):
        return None
    ids = [world["products"][p.pk]["product_id"] for p, _e, _r in world["per_patient"]]
    if path == API_PREFIX:
        return [ApiCase(API_PREFIX, None, None, 200), ApiCase(f"{API_PREFIX}?status=in_manufacturing", None, None, 200)]
    if path.endswith("{product_id}"):
        return [ApiCase(f"{API_PREFIX}/{pk}", None, None, 200) for pk in ids]
    if path.endswith("/status"):
        return [ApiCase(f"{API_PREFIX}/{pk}/status", {"status": "released"}, None, 200) for pk in ids]
    if path.endswith("/certificate"):
        # The matrix posts JSON: a caller who passes the permission check reaches the PDF check, a 422.
        return [ApiCase(f"{API_PREFIX}/{pk}/certificate", {"pdf": "no"}, None, 422) for pk in ids]
    raise AssertionError(f"matrix_manufacturing does not know {method.upper()} {path}")
