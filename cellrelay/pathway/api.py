from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action
from cellrelay.patients.identity import HEIGHT_CM_RANGE, WEIGHT_KG_RANGE, body_surface_area_m2
from cellrelay.validation import refuse_date_out_of_range

from . import schedule
from .models import ProtocolTemplate

router = Router(tags=["tools"])


class ScheduleIn(Schema):
    product: str
    indication: str
    infusion_date: date | None = None
    apheresis_date: date | None = None
    weight_kg: float | None = Field(None, ge=float(WEIGHT_KG_RANGE[0]), le=float(WEIGHT_KG_RANGE[1]))
    height_cm: float | None = Field(None, ge=float(HEIGHT_CM_RANGE[0]), le=float(HEIGHT_CM_RANGE[1]))


class DoseOut(Schema):
    drug: str
    dose_mg_m2: float
    dose_mg: float | None


class MilestoneOut(Schema):
    kind: str
    code: str
    day: int
    date: date
    drugs: list[DoseOut]


class ScheduleOut(Schema):
    bsa_m2: float | None
    milestones: list[MilestoneOut]


def template_for(product: str, indication: str) -> ProtocolTemplate:
    templates = ProtocolTemplate.objects.filter(product=product)
    if not templates.exists():
        raise ValidationError({"product": [_("Unknown product: %(product)s.") % {"product": product}]})
    template = templates.filter(indication=indication).first()
    if template is None:
        known = ", ".join(templates.values_list("indication", flat=True))
        raise ValidationError({"indication": [_("%(product)s has no template for %(indication)s (known: %(known)s).")
                                              % {"product": product, "indication": indication, "known": known}]})
    return template


@guarded(router.post, "/schedule", Action.USE_API, response=ScheduleOut)
def schedule_calculator(request, payload: ScheduleIn):
    """Every planned milestone from D0 (or from the apheresis date), with lymphodepletion doses in mg."""
    template = template_for(payload.product, payload.indication)
    refuse_date_out_of_range("infusion_date", payload.infusion_date)
    refuse_date_out_of_range("apheresis_date", payload.apheresis_date)
    if (payload.weight_kg is None) != (payload.height_cm is None):
        raise ValidationError({"height_cm" if payload.height_cm is None else "weight_kg": [
            _("Give both weight and height, or neither.")]})
    try:
        milestones = schedule.plan(template.as_protocol(), infusion_date=payload.infusion_date,
                                   apheresis_date=payload.apheresis_date, weight_kg=payload.weight_kg,
                                   height_cm=payload.height_cm)
    except schedule.ScheduleError as error:
        raise ValidationError({error.field: [_(str(error))]}) from None
    bsa = body_surface_area_m2(payload.weight_kg, payload.height_cm) if payload.weight_kg else None
    return {"bsa_m2": round(bsa, 2) if bsa else None, "milestones": milestones}
