"""POST /api/v1/tools/isbt128: what a scanned (or typed) ISBT 128 code holds. Nothing is saved.

``products_router`` (/api/v1/products): the manufacturer's status of a product, a shipment's temperature log.
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import reach

from . import isbt128
from .models import Product, Shipment
from .services import manufacturing, shipping

router = Router(tags=["tools"])


class Isbt128In(Schema):
    data: str = Field(..., max_length=200, description="The string read by the scanner, data identifier included.")
    keyboard: bool = Field(False, description="A DIN typed from the label, ending with its boxed check character.")


class Isbt128Out(Schema):
    structure: str
    fields: dict[str, Any]


@guarded(router.post, "/isbt128", Action.USE_API, response=Isbt128Out)
def read_isbt128(request, payload: Isbt128In):
    """The data structure (DIN, product code, dates, chain of identity…) and its checked parts."""
    try:
        if payload.keyboard:
            structure = isbt128.parse_manual_din(payload.data)
        else:
            structure = isbt128.parse(payload.data)
    except isbt128.InvalidCode as error:
        raise ValidationError({"data": [_(error.message) % error.params]}) from None
    fields = dict(structure.fields)
    if "note" in fields:
        fields["note"] = _(fields["note"])
    return {"structure": structure.name, "fields": fields}


# /api/v1/products: what the manufacturer reports, and the shipments' temperature logs -------------------------

products_router = Router(tags=["products"])


class ProductStatusIn(Schema):
    status: Literal["in_manufacturing", "released", "shipped", "failed"]
    reason: str = Field("", max_length=500, description="Why manufacturing failed: required with “failed”.")


class ProductStatusOut(Schema):
    id: int
    status: str
    failure_reason: str


class ExcursionOut(Schema):
    start: datetime
    end: datetime
    max_temperature_c: Decimal
    deviation_id: int


class TemperatureLogOut(Schema):
    shipment_id: int
    readings: int
    storage_max_c: int | None = Field(description="The limit used; null when excursions were not assessed.")
    note: str = Field(description="Why excursions were not assessed, when they were not.")
    excursions: list[ExcursionOut]


@guarded(products_router.post, "/{product_id}/status", Action.UPDATE_MANUFACTURING, response=ProductStatusOut)
def update_status(request, product_id: int, payload: ProductStatusIn):
    """The manufacturer's news of the product: released, shipped, or failed (with the reason).

    A move the product cannot make (e.g. shipped → released) is a 422 naming ``status``.
    """
    # The answer names no patient: no read to journal.
    product = reach(request.user, Product, product_id, Action.UPDATE_MANUFACTURING, patient="episode__patient",
                    journal_read=False)
    return manufacturing.update_manufacturing(actor=request.user, product=product, status=payload.status,
                                              reason=payload.reason)


LOG_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"},
                 "example": "timestamp,temperature_c\n2026-03-01T08:00:00+01:00,-182.4\n"},
    "application/json": {"schema": {"type": "object", "required": ["csv"],
                                    "properties": {"csv": {"type": "string"}}}}}}}


def _log_body(request) -> bytes | str:
    """The CSV itself as the body (``text/csv``, or any non-JSON type), or JSON ``{"csv": "..."}``."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            raise ValidationError({"csv": _("The body is not valid JSON.")}) from None
        if not isinstance(body, dict) or not isinstance(body.get("csv"), str):
            raise ValidationError({"csv": _("Send the log as {\"csv\": \"…\"}, or the CSV itself as text/csv.")})
        return body["csv"]
    return request.body


@guarded(products_router.post, "/shipments/{shipment_id}/temperature-log", Action.RECORD_SHIPMENT,
         response={201: TemperatureLogOut}, openapi_extra=LOG_BODY)
def attach_temperature_log(request, shipment_id: int):
    """The dry shipper's temperature log of a shipment: readings kept, a deviation per excursion.

    Body: the CSV as ``text/csv`` (a header naming the time and temperature columns, ``,`` or ``;``), or
    ``{"csv": "..."}`` as JSON. Errors are 422 naming ``csv`` with the line and the reason.
    """
    # The answer names no patient: no read to journal.
    shipment = reach(request.user, Shipment, shipment_id, Action.RECORD_SHIPMENT,
                     patient=Shipment.patient_path(shipment_id), journal_read=False)
    try:
        result = shipping.attach_temperature_log(actor=request.user, shipment=shipment,
                                                 csv_file=_log_body(request))
    except ValidationError as error:
        raise ValidationError({"csv": error.message_dict.get("csv_file", error.messages)}) from None
    return Status(201, {
        "shipment_id": shipment.pk, "readings": result.readings, "storage_max_c": result.limit_c,
        "note": _(result.limit_note) if result.limit_note else "",
        "excursions": [{"start": e.start, "end": e.end, "max_temperature_c": e.max_temperature,
                        "deviation_id": d.pk} for e, d in result.excursions]})
