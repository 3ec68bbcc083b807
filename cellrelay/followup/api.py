"""The follow-up room's JSON API: the response and ICAHT calculators (nothing saved) and the episodes' follow-up."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from cellrelay.monitoring.api import graded
from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action

from . import icaht, response
from .settings import icaht_table, icaht_to_verify

tools_router = Router(tags=["tools"])
router = Router(tags=["follow-up"])


class AncIn(Schema):
    date: dt.date
    anc_per_ul: float = Field(..., description="Absolute neutrophil count per µL, a whole number (0.5 G/L = 500).")


class PlateletsIn(Schema):
    date: dt.date
    platelets_g_l: float = Field(..., description="Platelets in G/L (= 10⁹/L).")


class IcahtIn(Schema):
    infusion_date: dt.date = Field(..., description="D0, the day of infusion.")
    anc: list[AncIn] = Field(..., description="At least one count, in date order, one a day.")
    platelets: list[PlateletsIn] = Field([], description="Optional: grades thrombocytopenia (T-ICAHT) too.")


class IcahtOut(Schema):
    early_grade: int | None  # 0-4; None: no ANC from D0 to D30
    late_grade: int | None  # 0-4; None: no ANC after D30
    early_platelet_grade: int | None  # None: no platelet count from D0 to D30 (or none given)
    late_platelet_grade: int | None  # None: no platelet count in the late window (D31-D100)
    reasons: list[str]  # sentences in the caller's language
    codes: list[str]  # the same reasons as stable codes, for programs
    to_verify: bool  # the default table, not yet checked against the consensus: a site setting


class LuganoIn(Schema):
    deauville_score: int = Field(..., description="Deauville 5-point score, 1-5.")
    uptake_change: str | None = Field(None, description="From baseline: reduced, no_significant_change or "
                                                        "increased; may be left out with a score of 1-3.")
    new_lesions: bool


class ResponseOut(Schema):
    category: str  # CMR, PMR, NMR or PMD
    reasons: list[str]
    codes: list[str]


@guarded(tools_router.post, "/icaht-grade", Action.USE_API, response=IcahtOut)
def icaht_grade(request, payload: IcahtIn):
    """Early (D0-D30) and late (after D30) ICAHT from the ANC counts, and T-ICAHT from the platelets when
    given (followup.md, after Rejeski et al. 2023). The default table is to verify: a site setting."""
    if not payload.anc:
        raise ValidationError({"anc": [_("Give at least one ANC count.")]})
    result = graded(icaht.grade, infusion_date=payload.infusion_date,
                    anc=[(count.date, count.anc_per_ul) for count in payload.anc],
                    platelets=[(count.date, count.platelets_g_l) for count in payload.platelets],
                    table=icaht_table())
    return {"early_grade": result.early_grade, "late_grade": result.late_grade,
            "early_platelet_grade": result.early_platelet_grade, "late_platelet_grade": result.late_platelet_grade,
            "reasons": [icaht.reason_text(reason, _) for reason in result.reasons], "codes": result.codes,
            "to_verify": icaht_to_verify()}


@guarded(tools_router.post, "/lugano-response", Action.USE_API, response=ResponseOut)
def lugano_response(request, payload: LuganoIn):
    """The Lugano 2014 metabolic response (CMR, PMR, NMR, PMD) from the Deauville score, the change of uptake
    from baseline and new lesions."""
    result = graded(response.lugano, **payload.model_dump())
    return {"category": result.category, "reasons": [_(response.REASON_TEXT[code]) for code in result.reasons],
            "codes": list(result.reasons)}
