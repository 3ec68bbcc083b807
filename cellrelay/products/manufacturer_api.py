"""/api/v1/manufacturer: a manufacturer's system reports on its own products, and never sees a patient.

The machine account (role MANUFACTURER, ``Membership.manufacturer`` naming the company) sees the products
whose manufacturer is that name (case-insensitive) and whose patient is treated at the membership's
center; anything else is 404. What it receives is whitelisted in ``product_out``: the product, its codes,
its identifiers and its collection's DIN; no name, birth date, INS, IPP or patient id.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cellrelay.organisation import access
from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action
from cellrelay.patients.models import Patient

from .models import Collection, Identifier, Product
from .services import manufacturing

router = Router(tags=["manufacturer"])


# Scope --------------------------------------------------------------------------------------------------

def products_for_manufacturer(user) -> QuerySet:
    """The products a manufacturer's system may see: its company's, at its center. Nothing for anyone else.

    The company is matched as ``UPPER(manufacturer) = UPPER(company)``, the expression of the
    ``product_manufacturer_order`` index (a case-insensitive LIKE uses no index), and the center is checked on each
    product's patient: the list is then the index's next rows in ``registered_at`` order, however many products the
    company has. Joined to the center's patients instead, both databases read every product of the center to sort
    them."""
    scope = Q(pk__in=[])
    for membership in access.memberships_allowing(user, Action.REPORT_MANUFACTURING):
        company = membership.manufacturer.strip()
        if company:  # a machine account without a company sees nothing, not everything
            at_center = Patient.objects.filter(pk=OuterRef("episode__patient_id"), treating_center_id=membership.center_id)
            scope |= Q(Exact(Upper("manufacturer"), Upper(Value(company))), Exists(at_center))
    return Product.objects.filter(scope)


def _product_for(user, product_id: int) -> Product:
    product = products_for_manufacturer(user).filter(pk=product_id).first()
    if product is None:
        raise Http404("no such product")
    return product


# What the manufacturer receives ---------------------------------------------------------------------------

class IdentifierOut(Schema):
    scheme: str = Field(description="din, coi_isbt (ISBT 128 chain of identity) or manufacturer.")
    value: str


class CollectionOut(Schema):
    din: str = Field(description="The 13 characters of the collection's ISBT 128 DIN.")
    collected_at: datetime


class ManufacturerProductOut(Schema):
    id: int
    status: str
    failure_reason: str
    product: str = Field(description="The episode's product code, e.g. yescarta.")
    indication: str = Field(description="The episode's indication code, e.g. lbcl.")
    identifiers: list[IdentifierOut]
    registered_at: datetime
    certificate_attached: bool
    collection: CollectionOut | None = Field(description="The collection the product is made from.")


def _collection_of(product: Product) -> Collection | None:
    """The collection whose DIN is on the product's labels; else the latest one collected before it was
    registered (an episode has a new collection after a failed product)."""
    collections = list(product.episode.collections.all())
    dins = {i.value for i in product.identifiers.all() if i.scheme == Identifier.Scheme.DIN}
    labelled = [c for c in collections if c.din in dins]
    before = [c for c in collections if c.collected_at <= product.registered_at]
    return (labelled or before or [None])[-1]


def product_out(product: Product) -> dict:
    """Every field the manufacturer's system receives, named one by one: nothing of the patient's identity."""
    collection = _collection_of(product)
    return {
        "id": product.pk, "status": product.status, "failure_reason": product.failure_reason,
        "product": product.episode.template.product, "indication": product.episode.template.indication,
        "identifiers": [{"scheme": i.scheme, "value": i.value} for i in product.identifiers.all()],
        "registered_at": product.registered_at, "certificate_attached": bool(product.certificate),
        "collection": {"din": collection.din, "collected_at": collection.collected_at} if collection else None,
    }


def _loaded(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("episode__template").prefetch_related("identifiers", "episode__collections")


# Endpoints ------------------------------------------------------------------------------------------------

PAGE_LIMIT = 100
MAX_PAGE_LIMIT = 500


def _after(products: QuerySet, product_id: int) -> QuerySet:
    """The products listed after this one (oldest first): a keyset, as cheap at the last page as at the first."""
    last = products.filter(pk=product_id).values("registered_at", "pk").first()
    if last is None:
        raise ValidationError({"after": _("No product %(id)s in your list: give the id of the last product of the "
                                          "previous page.") % {"id": product_id}})
    # ``registered_at >= last`` starts the index range there; the OR only sorts out the products registered at the
    # same instant (alone, the OR is a filter on every product from the first).
    return products.filter(Q(registered_at__gt=last["registered_at"])
                           | Q(registered_at=last["registered_at"], pk__gt=last["pk"]),
                           registered_at__gte=last["registered_at"])


@guarded(router.get, "/products", Action.REPORT_MANUFACTURING, response=list[ManufacturerProductOut])
def list_products(
    request,
    status: str | None = None,
    after: int | None = Query(None, description="The id of the last product of the previous page: the page after "
                                                "it. Absent: the first page."),
    limit: int = Query(PAGE_LIMIT, ge=1, le=MAX_PAGE_LIMIT, description="How many products a page holds."),
):
    """This manufacturer's products at this center, oldest first, a page at a time; ``?status=released`` keeps one
    status. A page shorter than ``limit`` is the last; otherwise ask for the next with ``after`` set to the id of
    the page's last product."""
    products = products_for_manufacturer(request.user)
    if status is not None:
        if status not in Product.Status.values:
            raise ValidationError({"status": _("Unknown status “%(status)s”; one of: %(statuses)s.") % {
                "status": status, "statuses": ", ".join(Product.Status.values)}})
        products = products.filter(status=status)
    if after is not None:
        products = _after(products, after)
    return [product_out(p) for p in _loaded(products).order_by("registered_at", "pk")[:limit]]


@guarded(router.get, "/products/{product_id}", Action.REPORT_MANUFACTURING, response=ManufacturerProductOut)
def get_product(request, product_id: int):
    """One product of this manufacturer at this center; 404 for any other."""
    return product_out(_loaded(Product.objects).get(pk=_product_for(request.user, product_id).pk))


class ManufacturerStatusIn(Schema):
    status: Literal["in_manufacturing", "released", "shipped", "failed"]
    reason: str = Field("", max_length=500, description="Why manufacturing failed: required with “failed”.")


@guarded(router.post, "/products/{product_id}/status", Action.REPORT_MANUFACTURING,
         response=ManufacturerProductOut)
def report_status(request, product_id: int, payload: ManufacturerStatusIn):
    """Released, shipped, or failed (with the reason). A move the product cannot make is a 422 naming
    ``status``; a failure without a reason a 422 naming ``reason``. The journal names this system."""
    product = manufacturing.update_manufacturing(actor=request.user, product=_product_for(request.user, product_id),
                                                 status=payload.status, reason=payload.reason)
    return product_out(_loaded(Product.objects).get(pk=product.pk))


PDF_BODY = {"requestBody": {"required": True, "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


def _pdf_body(request) -> ContentFile:
    """The PDF sent as the body itself, read up to the size limit (the service refuses anything larger)."""
    if request.content_type != "application/pdf":
        raise ValidationError({"certificate": _("Send the certificate of analysis as the body of the request, "
                                                "with Content-Type: application/pdf.")})
    # Read from the stream rather than request.body, whose size is capped far below a certificate's.
    data = request.read(manufacturing.CERTIFICATE_MAX_BYTES + 1)
    return ContentFile(data, name="certificate.pdf")


@guarded(router.post, "/products/{product_id}/certificate", Action.REPORT_MANUFACTURING,
         response={201: ManufacturerProductOut}, openapi_extra=PDF_BODY)
def attach_certificate(request, product_id: int):
    """The certificate of analysis of a released product, as a PDF body (``Content-Type: application/pdf``,
    at most 20 MB). Not a PDF, or a product not released: 422 naming ``certificate``."""
    product = _product_for(request.user, product_id)
    product = manufacturing.attach_certificate(actor=request.user, product=product, certificate=_pdf_body(request))
    return Status(201, product_out(_loaded(Product.objects).get(pk=product.pk)))
