"""POST /api/v1/tools/isbt128: what a scanned (or typed) ISBT 128 code holds. Nothing is saved."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from cellrelay.apiutil import guarded
from cellrelay.organisation.permissions import Action

from . import isbt128

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
