"""Vital signs whose entries contradict each other, as pure rules. No Django.

A reading such as "BP 60/30, hypotension: none" is probably a slip (in the pressure or in the
hypotension field), and the CRS grade rests on the hypotension and oxygen fields: such a record is
saved only once the user confirms the values. What cannot be true at all (a diastolic pressure
at or above the systolic) is refused.

Each warning is a code with its values; ``WARNING_TEXT`` gives its English sentence, marked for
translation, with %(name)s placeholders filled from the values.
"""

from dataclasses import dataclass, field

from cellrelay.textmarks import gettext_noop

from .grading import ContradictoryInput

# Not in grading.md (ASTCT 2019 grades hypotension by its treatment, not by a figure): the clinical
# walk-through's threshold (issue "Trust what exists"), unverified: systolic below 90 mmHg from
# 10 years on; below 10 years the PALS (AHA) lower limit, 70 + 2 × age mmHg (70 under 1 year).
ADULT_SYSTOLIC_FLOOR_MMHG = 90
CHILD_SYSTOLIC_BASE_MMHG = 70
CHILD_SYSTOLIC_UNTIL_AGE = 10
# Not in grading.md: the clinical walk-through's threshold (issue "Trust what exists"), unverified:
# an SpO2 below 90 % on room air is hypoxia, and CRS is graded on the oxygen it needs (grading.md).
HYPOXIA_SPO2_BELOW = 90

WARNING_TEXT = {
    "low_systolic_no_hypotension": gettext_noop(
        "Systolic pressure %(systolic)s mmHg (below %(floor)s) but hypotension recorded as none."),
    "low_spo2_no_oxygen": gettext_noop(
        "SpO2 %(spo2)s %% (below %(floor)s %%) on room air: is oxygen really not given? The CRS grade counts the "
        "oxygen needed."),
}


@dataclass(frozen=True)
class ValueWarning:
    code: str
    values: dict = field(default_factory=dict)


def systolic_floor_mmhg(age_years: float | None) -> int:
    """The systolic pressure below which a patient of this age is hypotensive (adults when unknown)."""
    if age_years is None or age_years >= CHILD_SYSTOLIC_UNTIL_AGE:
        return ADULT_SYSTOLIC_FLOOR_MMHG
    return CHILD_SYSTOLIC_BASE_MMHG + 2 * int(age_years)


def check_blood_pressure(systolic: int | None, diastolic: int | None) -> None:
    """Refuse a diastolic pressure at or above the systolic: it cannot be true."""
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        raise ContradictoryInput("diastolic", gettext_noop("The diastolic pressure must be below the systolic."))


def vital_signs_warnings(*, systolic: int | None, spo2: int | None, hypotension: str, oxygen: str,
                         age_years: float | None = None) -> list[ValueWarning]:
    """The entries of one reading that contradict each other, to be confirmed before saving."""
    warnings = []
    floor = systolic_floor_mmhg(age_years)
    if systolic is not None and systolic < floor and hypotension == "none":
        warnings.append(ValueWarning("low_systolic_no_hypotension", {"systolic": systolic, "floor": floor}))
    if spo2 is not None and spo2 < HYPOXIA_SPO2_BELOW and oxygen == "none":
        warnings.append(ValueWarning("low_spo2_no_oxygen", {"spo2": spo2, "floor": HYPOXIA_SPO2_BELOW}))
    return warnings
