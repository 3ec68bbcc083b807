"""The coordinating nurse's calls after the infusion: when to call, what to ask, what to escalate. No Django.

Source: followup.md "The coordinator's calls": daily while the patient stays near the center, then
twice a month (Toulouse: "suivi quotidien puis bimensuel"), then before each visit. A fever or a
neurological sign after a CAR-T is an emergency: the physician is told at once.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from cellrelay.monitoring.grading import FEVER_C, TEMPERATURE_C_RANGE, ContradictoryInput
from cellrelay.textmarks import gettext_noop

from .inputs import is_number, plausible_date

FORTNIGHT_DAYS = 14  # followup.md: "twice a month"; 14 days keeps the call on the same weekday
DEFAULT_TWICE_MONTHLY_UNTIL_DAY = 100  # followup.md: twice a month until M3 (D100)


def call_dates(d0: date, proximity_days: int, visit_dues: Sequence[date], *, daily_until_day: int | None = None,
               twice_monthly_until_day: int = DEFAULT_TWICE_MONTHLY_UNTIL_DAY, days_before_visit: int = 1,
               interval_days: int = FORTNIGHT_DAYS) -> list[date]:
    """The call schedule, sorted, each date once.

    Daily from D1 to the end of the stay near the center (D0 + ``proximity_days``, or
    ``daily_until_day`` when the team sets another end); then every ``interval_days`` until
    ``twice_monthly_until_day`` (D100); then ``days_before_visit`` days before each visit due from
    that day on (the D100 visit included).
    """
    plausible_date("d0", d0)
    daily_end = proximity_days if daily_until_day is None else daily_until_day
    for name, value in (("proximity_days", proximity_days), ("daily_until_day", daily_end),
                        ("twice_monthly_until_day", twice_monthly_until_day),
                        ("days_before_visit", days_before_visit)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
            raise ContradictoryInput(name, gettext_noop("A number of days from 0 to 3650 is required."))
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or not 1 <= interval_days <= 365:
        raise ContradictoryInput("interval_days", gettext_noop("The interval between calls is 1 to 365 days."))

    days = set(range(1, daily_end + 1))
    days.update(range(daily_end + interval_days, twice_monthly_until_day + 1, interval_days))
    for due in visit_dues:
        visit_day = (plausible_date("visit_dues", due) - d0).days
        if visit_day <= 0:
            raise ContradictoryInput("visit_dues", gettext_noop("A follow-up visit comes after the infusion (D0)."))
        if visit_day >= twice_monthly_until_day:
            days.add(max(1, visit_day - days_before_visit))
    return [d0 + timedelta(days=day) for day in sorted(days)]


# --- The structured call -----------------------------------------------------------------------

# followup.md: the questions. Each answer is True, False or None (not asked on this call); the
# temperature is the highest since the last call, in °C, or None when not measured.
ANSWERS = {
    "fever": gettext_noop("Fever of 38 °C or more since the last call?"),
    "temperature_c": gettext_noop("Highest temperature since the last call (°C)"),
    "confusion": gettext_noop("Confusion?"),
    "trouble_speaking": gettext_noop("Trouble speaking?"),
    "trouble_writing": gettext_noop("Trouble writing (handwriting changed)?"),
    "drowsiness": gettext_noop("Drowsiness?"),
    "tremor": gettext_noop("Tremor?"),
    "breathlessness": gettext_noop("Breathlessness?"),
    "infection_signs": gettext_noop("Signs of an infection?"),
    "bleeding": gettext_noop("Bleeding?"),
    "caregiver_present": gettext_noop("Is the caregiver present?"),
    "within_reach": gettext_noop("Staying within reach of the center?"),
    "driving": gettext_noop("Driving?"),
}
NEUROLOGICAL_SIGNS = ("confusion", "trouble_speaking", "trouble_writing", "drowsiness", "tremor")
NEW_SYMPTOMS = ("breathlessness", "infection_signs", "bleeding")

REASON_TEXT = {
    # escalation: the physician is told now
    "fever": gettext_noop("Fever of 38 °C or more: tell the physician now."),
    "confusion": gettext_noop("Confusion: a neurological sign, tell the physician now."),
    "trouble_speaking": gettext_noop("Trouble speaking: a neurological sign, tell the physician now."),
    "trouble_writing": gettext_noop("Trouble writing: a neurological sign, tell the physician now."),
    "drowsiness": gettext_noop("Drowsiness: a neurological sign, tell the physician now."),
    "tremor": gettext_noop("Tremor: a neurological sign, tell the physician now."),
    "breathlessness": gettext_noop("Breathlessness: a new symptom, tell the physician now."),
    "infection_signs": gettext_noop("Signs of an infection: a new symptom, tell the physician now."),
    "bleeding": gettext_noop("Bleeding: a new symptom, tell the physician now."),
    # advice: what the coordinator addresses on the call
    "not_within_reach": gettext_noop(
        "The patient is not within reach of the center during the stay near it: agree on a return."),
    "driving_in_no_driving_period": gettext_noop(
        "The patient drives during the no-driving period: remind them not to."),
    "no_caregiver": gettext_noop("No caregiver present during the stay near the center: find one with the patient."),
}


def _checked(answers: Mapping, day_after_d0: int, periods: Mapping[str, int]) -> dict:
    """The answers, every question present (None when not asked), refused when unknown or contradictory."""
    if not isinstance(answers, Mapping):
        raise ContradictoryInput("answers", gettext_noop("The answers are missing."))
    for name in answers:
        if name not in ANSWERS:
            raise ContradictoryInput(str(name), gettext_noop("This is not one of the call's questions."))
    for name, days in {"day_after_d0": day_after_d0, **periods}.items():
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ContradictoryInput(name, gettext_noop("A number of days from 0 up is required."))
    checked = {name: answers.get(name) for name in ANSWERS}
    for name, answer in checked.items():
        if name != "temperature_c" and answer not in (True, False, None):
            raise ContradictoryInput(name, gettext_noop("Answer yes, no, or leave it empty when not asked."))
    temperature = checked["temperature_c"]
    if temperature is not None:
        low, high = TEMPERATURE_C_RANGE
        if not is_number(temperature) or not low <= temperature <= high:
            raise ContradictoryInput("temperature_c", gettext_noop("The temperature must be between 30 and 45 °C."))
        # The temperature is the highest since the last call: it must agree with the fever answer.
        # A fever without a measured temperature stays accepted: the patient felt it, it is escalated.
        if checked["fever"] is True and temperature < FEVER_C:
            raise ContradictoryInput("temperature_c", gettext_noop(
                "A fever is 38 °C or more: the temperature given is below. Check the answer or the temperature."))
        if checked["fever"] is False and temperature >= FEVER_C:
            raise ContradictoryInput("fever", gettext_noop(
                "The temperature given is 38 °C or more: that is a fever. Check the answer or the temperature."))
    return checked


def escalation(answers: Mapping, *, day_after_d0: int, proximity_days: int, no_driving_days: int) -> list[str]:
    """Codes of the answers that need a physician now, in the order of the questions; [] when none.

    followup.md: a fever (≥ 38 °C, measured or felt) or any neurological sign after a CAR-T is an
    emergency; a new symptom (breathlessness, infection, bleeding) too. Whatever the day since D0:
    late neurotoxicity and infections in a cytopenic patient do happen months later.
    """
    checked = _checked(answers, day_after_d0, {"proximity_days": proximity_days, "no_driving_days": no_driving_days})
    temperature = checked["temperature_c"]
    reasons = ["fever"] if checked["fever"] or (temperature is not None and temperature >= FEVER_C) else []
    reasons += [sign for sign in NEUROLOGICAL_SIGNS + NEW_SYMPTOMS if checked[sign]]
    return reasons


def advice(answers: Mapping, *, day_after_d0: int, proximity_days: int, no_driving_days: int) -> list[str]:
    """Codes of what the coordinator addresses on the call (not an emergency).

    followup.md and the labels: the patient stays within reach of the center with a caregiver
    during the stay near it (D0 to D0 + ``proximity_days``, ends included), and does not drive
    during the no-driving period (to D0 + ``no_driving_days``). An answer not asked gives no advice.
    """
    checked = _checked(answers, day_after_d0, {"proximity_days": proximity_days, "no_driving_days": no_driving_days})
    near_center = day_after_d0 <= proximity_days
    codes = []
    if near_center and checked["within_reach"] is False:
        codes.append("not_within_reach")
    if day_after_d0 <= no_driving_days and checked["driving"] is True:
        codes.append("driving_in_no_driving_period")
    if near_center and checked["caregiver_present"] is False:
        codes.append("no_caregiver")
    return codes
