"""Grading calculators of the monitoring room: CRS grade, ICANS grade, ICE score. Nothing is saved."""

from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action

from . import grading

router = Router(tags=["tools"])


class CrsIn(Schema):
    temperature_c: float = Field(..., ge=grading.TEMPERATURE_C_RANGE[0], le=grading.TEMPERATURE_C_RANGE[1])
    antipyretic_or_anticytokine_given: bool
    hypotension: Literal[grading.HYPOTENSION]
    oxygen: Literal[grading.OXYGEN]
    oxygen_flow_l_min: float | None = Field(None, ge=grading.OXYGEN_FLOW_L_MIN_RANGE[0],
                                            le=grading.OXYGEN_FLOW_L_MIN_RANGE[1])
    infused: bool = Field(True, description="Observed after the infusion (D0)? Before it nothing is graded.")


class IcansIn(Schema):
    age_years: float = Field(..., ge=grading.AGE_YEARS_RANGE[0], le=grading.AGE_YEARS_RANGE[1])
    ice_score: int | None = Field(None, ge=grading.ICE_RANGE[0], le=grading.ICE_RANGE[1])
    capd_score: int | None = Field(None, ge=grading.CAPD_RANGE[0], le=grading.CAPD_RANGE[1])
    consciousness: Literal[grading.CONSCIOUSNESS]
    consciousness_due_to_sedation: bool
    seizure: Literal[grading.SEIZURE]
    motor_weakness: bool
    cerebral_edema: Literal[grading.CEREBRAL_EDEMA]
    aphasia_global: bool
    infused: bool = Field(True, description="Observed after the infusion (D0)? Before it nothing is graded.")


class IceIn(Schema):
    orientation_year: bool
    orientation_month: bool
    orientation_city: bool
    orientation_hospital: bool
    naming_1: bool
    naming_2: bool
    naming_3: bool
    follows_commands: bool
    writes_sentence: bool
    counts_backwards: bool


class GradeOut(Schema):
    grade: int | None  # None: not graded, observed before the infusion
    reasons: list[str]  # sentences in the caller's language
    codes: list[str]  # the same reasons as stable codes, for programs


class IceOut(Schema):
    score: int


def graded(compute, **inputs) -> dict:
    """Runs a grading rule; a refused input becomes a 422 naming the field, in the caller's language."""
    try:
        result = compute(**inputs)
    except grading.ContradictoryInput as error:
        raise ValidationError({error.field: [_(error.message)]}) from None
    return result


def as_output(grade: grading.Grade) -> dict:
    return {"grade": grade.grade, "reasons": [_(grading.REASON_TEXT[code]) for code in grade.reasons],
            "codes": grade.reasons}


@guarded(router.post, "/crs-grade", Action.USE_API, response=GradeOut)
def crs_grade(request, payload: CrsIn):
    """The ASTCT 2019 CRS grade (0-4) proposed from the findings; the physician confirms it."""
    return as_output(graded(grading.crs_grade, **payload.model_dump()))


@guarded(router.post, "/icans-grade", Action.USE_API, response=GradeOut)
def icans_grade(request, payload: IcansIn):
    """The ASTCT 2019 ICANS grade (0-4): ICE from the site's CAPD age on, CAPD below it."""
    capd_below_age = getattr(settings, "CELLRELAY_CAPD_BELOW_AGE", grading.DEFAULT_CAPD_BELOW_AGE)
    return as_output(graded(grading.icans_grade, capd_below_age=capd_below_age, **payload.model_dump()))


@guarded(router.post, "/ice-score", Action.USE_API, response=IceOut)
def ice_score(request, payload: IceIn):
    """The ICE score (0-10): one point for each item done."""
    return {"score": graded(grading.ice_score, **payload.model_dump())}
