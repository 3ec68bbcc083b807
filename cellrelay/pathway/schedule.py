"""Planning a treatment episode from a protocol. No Django.

From a target infusion date (D0), or from an apheresis date plus the manufacturing lead time,
every milestone gets a planned date: apheresis, product receipt, admission, each lymphodepletion
day with its doses, rest days, infusion, discharge, end of the stay near the center and of the
no-driving period. When a step is then done or moved to another day, ``moves_when_done`` and
``moves_when_replanned`` say which planned dates follow it. The visits from D7 to year 15 are the
follow-up room's (planned at the infusion); ``Kind.ASSESSMENT`` and ``Kind.FOLLOW_UP`` name them
on the timeline.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

from cellrelay.patients.identity import body_surface_area_m2
from cellrelay.textmarks import gettext_noop

from .protocols import Protocol


class Kind:
    APHERESIS = "apheresis"
    PRODUCT_RECEIPT = "product_receipt"
    ADMISSION = "admission"
    LYMPHODEPLETION = "lymphodepletion"
    REST = "rest"
    INFUSION = "infusion"
    ASSESSMENT = "assessment"
    DISCHARGE = "discharge"
    PROXIMITY_END = "proximity_end"
    NO_DRIVING_END = "no_driving_end"
    FOLLOW_UP = "follow_up"

    ALL = (APHERESIS, PRODUCT_RECEIPT, ADMISSION, LYMPHODEPLETION, REST, INFUSION, ASSESSMENT, DISCHARGE,
           PROXIMITY_END, NO_DRIVING_END, FOLLOW_UP)


@dataclass(frozen=True)
class Dose:
    drug: str
    dose_mg_m2: float
    dose_mg: float | None  # None without a body surface area


@dataclass(frozen=True)
class Planned:
    kind: str
    code: str  # unique within an episode: "APH", "LD1", "D7", "M6", "Y15"…
    day: int  # relative to D0
    date: date
    drugs: tuple[Dose, ...] = field(default=())


class ScheduleError(ValueError):
    """An impossible schedule; ``field`` names the input at fault."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@lru_cache(maxsize=64)
def french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_working_day(day: date) -> bool:
    """Apheresis units collect on working days: no weekend, no French public holiday (`holidays`)."""
    return day.weekday() < 5 and day not in french_holidays(day.year)


def previous_working_day(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day of the month, months later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_date(d0: date, code: str) -> date:
    """D100 = 100 days after D0; Mn = n months; Yn = n years."""
    unit, number = code[0], int(code[1:])
    if unit == "D":
        return d0 + timedelta(days=number)
    return add_months(d0, number if unit == "M" else 12 * number)


TIMEPOINT_UNITS = {"D": 1, "M": 30, "Y": 365}  # for ordering only: D100 before M6 before Y1


def parse_timepoints(text: str) -> tuple[str, ...]:
    """A site's follow-up timepoints, "D7 D14 D28 D100 M6 M12 Y2 …" (days, months, years after D0), in date order.

    Refused: an unknown code, a repeated one, or none at all (ScheduleError naming "follow_up")."""
    codes = text.replace(",", " ").upper().split()
    for code in codes:
        unit, number = code[:1], code[1:]
        if unit not in TIMEPOINT_UNITS or not number.isdigit() or not 0 < int(number) <= 400:
            raise ScheduleError("follow_up", gettext_noop("Each timepoint is D, M or Y followed by a number "
                                                          "(D7, M6, Y2)."))
    if not codes:
        raise ScheduleError("follow_up", gettext_noop("Give at least one follow-up timepoint."))
    # M12 and Y1 are the same visit (the follow-up room refuses a plan naming both): years counted in months.
    same_visit = {("M", 12 * int(code[1:])) if code[0] == "Y" else (code[0], int(code[1:])) for code in codes}
    if len(same_visit) != len(codes):
        raise ScheduleError("follow_up", gettext_noop("A follow-up timepoint is given twice."))
    return tuple(sorted(codes, key=lambda code: TIMEPOINT_UNITS[code[0]] * int(code[1:])))


def doses(drugs, bsa_m2: float | None) -> tuple[Dose, ...]:
    """mg = mg/m² × body surface area (rounded to 0.01 m² as displayed), to 0.1 mg."""
    bsa = round(bsa_m2, 2) if bsa_m2 else None
    return tuple(Dose(drug, dose, round(dose * bsa, 1) if bsa else None) for drug, dose in drugs)


def check_protocol(protocol: Protocol) -> None:
    days = [day for day, _drugs in protocol.ld_days]
    if not days:
        raise ScheduleError("ld_days", gettext_noop("A protocol needs at least one lymphodepletion day"))
    if max(days) >= 0:
        raise ScheduleError("ld_days", gettext_noop("Every lymphodepletion day must come before the infusion (D0)"))
    if protocol.admission_day > min(days):
        raise ScheduleError("admission_day", gettext_noop("Admission must come before the first lymphodepletion day"))


def infusion_from_apheresis(protocol: Protocol, apheresis: date) -> date:
    """D0 when the product arrives after the lead time and the patient is admitted the next day."""
    return apheresis + timedelta(days=protocol.manufacturing_days + 1 - protocol.admission_day)


def apheresis_from_infusion(protocol: Protocol, d0: date) -> date:
    """The last working day from which the product is back the day before admission."""
    latest = d0 + timedelta(days=protocol.admission_day - 1 - protocol.manufacturing_days)
    return previous_working_day(latest)


def plan(protocol: Protocol, *, infusion_date: date | None = None, apheresis_date: date | None = None,
         weight_kg: float | None = None, height_cm: float | None = None) -> list[Planned]:
    """Every milestone of the episode, in date order."""
    check_protocol(protocol)
    if (infusion_date is None) == (apheresis_date is None):
        raise ScheduleError("infusion_date", gettext_noop("Give either the infusion date or the apheresis date, not both"))
    if apheresis_date is not None:
        if not is_working_day(apheresis_date):
            raise ScheduleError("apheresis_date", gettext_noop("Apheresis cannot fall on a weekend or a French public holiday"))
        d0 = infusion_from_apheresis(protocol, apheresis_date)
        apheresis = apheresis_date
    else:
        d0 = infusion_date
        apheresis = apheresis_from_infusion(protocol, d0)
    bsa = body_surface_area_m2(weight_kg, height_cm) if weight_kg and height_cm else None

    def at(kind, code, day, drugs=()):
        return Planned(kind, code, day, d0 + timedelta(days=day), drugs)

    receipt = apheresis + timedelta(days=protocol.manufacturing_days)
    milestones = [
        Planned(Kind.APHERESIS, "APH", (apheresis - d0).days, apheresis),
        Planned(Kind.PRODUCT_RECEIPT, "RCPT", (receipt - d0).days, receipt),
        at(Kind.ADMISSION, "ADM", protocol.admission_day),
    ]
    ld_days = sorted(protocol.ld_days)
    milestones += [at(Kind.LYMPHODEPLETION, f"LD{n}", day, doses(drugs, bsa))
                   for n, (day, drugs) in enumerate(ld_days, start=1)]
    milestones += [at(Kind.REST, f"R{n}", day) for n, day in enumerate(range(ld_days[-1][0] + 1, 0), start=1)]
    milestones.append(at(Kind.INFUSION, "D0", 0))
    milestones.append(at(Kind.DISCHARGE, "DIS", protocol.discharge_day))
    milestones.append(at(Kind.PROXIMITY_END, "PROX", protocol.proximity_days))
    milestones.append(at(Kind.NO_DRIVING_END, "DRV", protocol.no_driving_days))
    return sorted(milestones, key=lambda m: (m.date, Kind.ALL.index(m.kind)))


# What each step hangs on (pathway.md, products.md; followup.md: timepoints "anchored on the day of
# infusion (D0)"). Before the infusion, each step follows the one before it, from the apheresis
# through the manufacturing lead time to lymphodepletion and D0 itself while it is not done yet.
# From the infusion on, every date is counted from D0 and from nothing else: a discharge or a
# visit done early or late moves no other date.
BEFORE_D0 = (Kind.APHERESIS, Kind.PRODUCT_RECEIPT, Kind.ADMISSION, Kind.LYMPHODEPLETION, Kind.REST)
FROM_D0 = (Kind.ASSESSMENT, Kind.DISCHARGE, Kind.PROXIMITY_END, Kind.NO_DRIVING_END, Kind.FOLLOW_UP)
OPEN = "planned"  # a step neither done nor cancelled (Milestone.Status.PLANNED)


def timepoint(d0: date, kind: str, code: str, day: int) -> date:
    """Where a step from D0 on falls: D0 + its day (D7, discharge, stay near the center); D100, Mn, Yn as planned."""
    return follow_up_date(d0, code) if kind == Kind.FOLLOW_UP else d0 + timedelta(days=day)


def moves_when_done(steps, code: str, on: date) -> dict[str, date]:
    """The new planned dates of the other steps when step ``code`` is done on ``on``.

    ``steps``: the episode's steps in plan order, each with ``kind``, ``code``, ``day``, ``planned``
    and ``status``. Only steps still open move; the step itself keeps its planned date.
    """
    steps = list(steps)
    index = next(n for n, step in enumerate(steps) if step.code == code)
    done = steps[index]
    if done.kind in FROM_D0:
        return {}
    if done.kind == Kind.INFUSION:
        return _counted_from(on, steps)
    return _slip_until_d0(steps, index, on - done.planned)


def moves_when_replanned(steps, code: str, new_date: date) -> dict[str, date]:
    """The new planned dates when step ``code`` is planned on ``new_date``: itself and the steps that hang on it."""
    return {code: new_date} | moves_when_done(steps, code, new_date)


def _counted_from(d0: date, steps) -> dict[str, date]:
    """Every open step from D0 on, counted again from this D0 (only those whose date changes)."""
    moved = {}
    for step in steps:
        if step.kind in FROM_D0 and step.status == OPEN:
            when = timepoint(d0, step.kind, step.code, step.day)
            if when != step.planned:
                moved[step.code] = when
    return moved


def _slip_until_d0(steps, index: int, delta: timedelta) -> dict[str, date]:
    """A step before the infusion slipped by ``delta``: the later open steps before D0, and D0 while not done, slip
    with it; the steps from D0 on then follow D0. Once D0 is done, nothing counted from it moves."""
    moved = {}
    if not delta:
        return moved
    for step in steps[index + 1:]:
        if step.status != OPEN:
            continue
        if step.kind in BEFORE_D0:
            moved[step.code] = step.planned + delta
        elif step.kind == Kind.INFUSION:
            moved[step.code] = step.planned + delta
            moved |= _counted_from(moved[step.code], steps)
    return moved
