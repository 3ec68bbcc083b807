"""Daily maximum grades and the registry summary of CRS and ICANS, as pure functions. No Django.

A day's grade is the highest grade recorded that day: the physician's confirmed grade when there
is one, else the proposed grade (then marked "proposed"). The registries (EBMT, DESCAR-T) ask for
each toxicity: the onset date, the resolution date and the highest grade.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Observation:
    """One graded record: the day it was observed, its grade, and whether a physician confirmed it."""

    day: date
    grade: int
    confirmed: bool


@dataclass(frozen=True)
class DailyGrade:
    """The highest grade of a day; ``proposed`` when no confirmed record of the day reaches it."""

    day: date
    grade: int
    proposed: bool


def daily_maximum(observations: Iterable[Observation]) -> dict[date, DailyGrade]:
    """Each observed day's highest grade, days in order.

    The maximum is "proposed" only when every record carrying it is still unconfirmed: a confirmed
    record of the same grade makes the day's maximum a confirmed one.
    """
    best: dict[date, DailyGrade] = {}
    for obs in observations:
        if obs.grade < 0:
            raise ValueError("A grade cannot be negative.")
        current = best.get(obs.day)
        if current is None or obs.grade > current.grade:
            best[obs.day] = DailyGrade(obs.day, obs.grade, proposed=not obs.confirmed)
        elif obs.grade == current.grade and obs.confirmed and current.proposed:
            best[obs.day] = DailyGrade(obs.day, obs.grade, proposed=False)
    return dict(sorted(best.items()))


@dataclass(frozen=True)
class ToxicitySummary:
    """What the registry form asks for one toxicity (CRS or ICANS)."""

    onset: date | None  # first day with a grade ≥ 1; None when there was none
    resolution: date | None  # first day graded 0 after the last day with a grade ≥ 1; None: not resolved
    highest: int  # highest daily grade; 0 when none
    highest_proposed: bool = False  # the highest grade is only proposed, not confirmed yet

    @property
    def occurred(self) -> bool:
        return self.onset is not None

    @property
    def ongoing(self) -> bool:
        return self.occurred and self.resolution is None


def registry_summary(daily: Mapping[date, int | DailyGrade]) -> ToxicitySummary:
    """Onset, resolution and highest grade from the daily grades (a grade or a ``DailyGrade`` per day).

    - onset: the first day with a grade ≥ 1;
    - resolution: the first day after the last day with a grade ≥ 1 that has a grade 0 record;
      None while no such day exists (still ongoing, or not re-assessed yet);
    - highest: the highest daily grade.
    A grade 0 day between two episodes of CRS does not resolve it: only the last one counts.
    """
    days = sorted(daily)
    grades = {day: (value.grade if isinstance(value, DailyGrade) else value) for day, value in daily.items()}
    graded = [day for day in days if grades[day] >= 1]
    if not graded:
        return ToxicitySummary(onset=None, resolution=None, highest=0)
    last = graded[-1]
    resolution = next((day for day in days if day > last and grades[day] == 0), None)
    highest = max(grades.values())
    highest_proposed = all(
        isinstance(daily[day], DailyGrade) and daily[day].proposed for day in days if grades[day] == highest)
    return ToxicitySummary(onset=graded[0], resolution=resolution, highest=highest,
                           highest_proposed=highest_proposed)
