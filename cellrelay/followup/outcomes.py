"""One patient's outcome figures after the infusion, for the program room to aggregate. No Django.

Times are counted in days from D0, the day of infusion (registry.md: survival from the infusion).
- Progression-free survival: the event is the first progression (a recorded progression date or a
  response graded as progression: PMD, PD, relapse) or death, whichever comes first. Without one,
  the time is censored at the last response assessment, the only day progression was known to be
  absent; with no assessment, at the last contact; with neither, at D0.
- Overall survival: the event is death; otherwise censored on the last day the patient was known
  alive (the last contact, assessment or progression, whichever is latest), D0 when there is none.
- Best response: the best before the first progression (what the CAR-T achieved, not a later
  line), the earliest of equals.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cellrelay.monitoring.grading import ContradictoryInput
from cellrelay.pathway.schedule import add_months
from cellrelay.textmarks import gettext_noop

from .inputs import plausible_date
from .response import Response, best

LOST_AFTER_MONTHS = 13  # issue 10: at risk of being lost to follow-up after 13 months without contact

STATUSES = {
    "alive_progression_free": gettext_noop("Alive without progression"),
    "alive_progressed": gettext_noop("Alive after progression"),
    "dead": gettext_noop("Dead"),
    "lost": gettext_noop("Lost to follow-up"),
}


@dataclass(frozen=True)
class Outcome:
    days_since_infusion: int
    status: str  # a key of STATUSES
    best_response: Response | None
    best_response_date: date | None
    pfs_days: int
    pfs_event: bool  # progression or death; False: censored on pfs_censored_on
    os_days: int
    os_event: bool  # death; False: censored on os_censored_on
    pfs_censored_on: date | None
    os_censored_on: date | None
    last_known_alive: date | None  # None when dead


def _check(d0: date, today: date, responses, progression_dates, death, last_contact) -> None:
    plausible_date("d0", d0)
    plausible_date("today", today)
    if today < d0:
        raise ContradictoryInput("today", gettext_noop("The infusion (D0) is in the future."))
    dated = [("responses", day) for day, _response in responses] + [("progression_dates", day) for day in
                                                                      progression_dates]
    dated += [(name, day) for name, day in (("death", death), ("last_contact", last_contact)) if day is not None]
    for name, day in dated:
        plausible_date(name, day)
        if day < d0:
            raise ContradictoryInput(name, gettext_noop("This date is before the infusion (D0)."))
        if day > today:
            raise ContradictoryInput(name, gettext_noop("This date is in the future."))
        if death is not None and name != "death" and day > death:
            raise ContradictoryInput(name, gettext_noop("This date is after the death."))
    for _day, response in responses:
        if not isinstance(response, Response):
            raise ContradictoryInput("responses", gettext_noop("A response is missing its category."))


def outcome(d0: date, today: date, responses: Sequence[tuple[date, Response]], progression_dates: Sequence[date],
            death: date | None, last_contact: date | None, *, lost_after_months: int = LOST_AFTER_MONTHS) -> Outcome:
    """The patient's figures on ``today``. Refused: any date before D0, after today, or after the death."""
    responses = sorted(responses, key=lambda dated: dated[0])
    _check(d0, today, responses, progression_dates, death, last_contact)

    progressions = sorted([*progression_dates, *(day for day, response in responses if response.is_progression)])
    first_progression = progressions[0] if progressions else None
    before_progression = [(day, response) for day, response in responses
                          if not response.is_progression and (first_progression is None or day <= first_progression)]
    best_response = best([response for _day, response in before_progression])
    best_date = next((day for day, response in before_progression if response is best_response), None)

    assessments = [day for day, _response in responses]
    known_alive = max([*assessments, *progressions, *([last_contact] if last_contact else [])], default=None)

    pfs_end = min((day for day in (first_progression, death) if day is not None), default=None)
    pfs_censored_on = None
    if pfs_end is None:
        pfs_censored_on = max(assessments) if assessments else (last_contact or d0)
    os_censored_on = None if death else (known_alive or d0)

    if death:
        status = "dead"
    elif add_months(known_alive or d0, lost_after_months) < today:
        status = "lost"
    else:
        status = "alive_progressed" if first_progression else "alive_progression_free"

    return Outcome(
        days_since_infusion=(today - d0).days, status=status, best_response=best_response,
        best_response_date=best_date,
        pfs_days=((pfs_end or pfs_censored_on) - d0).days, pfs_event=pfs_end is not None,
        os_days=((death or os_censored_on) - d0).days, os_event=death is not None,
        pfs_censored_on=pfs_censored_on, os_censored_on=os_censored_on,
        last_known_alive=None if death else known_alive)
