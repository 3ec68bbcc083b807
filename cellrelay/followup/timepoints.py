"""The follow-up plan's timepoints and their windows, counted from the day of infusion (D0). No Django.

A timepoint code is ``D<n>`` (n days after D0), ``M<n>`` (n months) or ``Y<n>`` (n years), dated
by ``cellrelay.pathway.schedule.follow_up_date`` like the episode's own schedule. Each visit has a
window (a site setting): inside it the visit is on time; before or after, it is still recorded,
with its delay shown.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from cellrelay.monitoring.grading import ContradictoryInput
from cellrelay.pathway.protocols import FIFTEEN_YEAR_FOLLOW_UP, STANDARD_FOLLOW_UP
from cellrelay.pathway.schedule import follow_up_date
from cellrelay.textmarks import gettext_noop

from .inputs import plausible_date

# The two tracks are the protocol templates' defaults (pathway/protocols.py cites followup.md and registry.md);
# M3 is kept as D100, the day the registries' forms use.
FIFTEEN_YEAR = FIFTEEN_YEAR_FOLLOW_UP
STANDARD = STANDARD_FOLLOW_UP
TRACKS = {"fifteen_year": FIFTEEN_YEAR, "standard": STANDARD}

# followup.md: windows are a site setting; suggested ± 2 days to D28, ± 14 days at M3-M6, ± 30 days yearly.
DEFAULT_WINDOWS = {"to_d28": 2, "to_m6": 14, "yearly": 30}
MAX_WINDOW_DAYS = 180  # a wider window would let a yearly visit count for the next one

CODE = re.compile(r"([DMY])([1-9][0-9]{0,3})")
MAX_MONTHS = 30 * 12  # no plan reaches beyond 30 years (the longest follow-up asked is 15)
LABELS = {"D100": gettext_noop("M3 (D100)")}


@dataclass(frozen=True)
class PlannedVisit:
    code: str
    day: int  # days after D0
    due: date
    earliest: date  # first day of the window
    latest: date  # last day of the window

    @property
    def label(self) -> str:
        return label(self.code)


def _parse(code) -> tuple[str, int]:
    match = CODE.fullmatch(code) if isinstance(code, str) else None
    if not match:
        raise ContradictoryInput("timepoints", gettext_noop(
            "A timepoint is D, M or Y followed by a number of days, months or years after the infusion (D7, M6, Y2)."))
    unit, number = match.group(1), int(match.group(2))
    months = {"D": number / 30.4, "M": number, "Y": 12 * number}[unit]
    if months > MAX_MONTHS:
        raise ContradictoryInput("timepoints", gettext_noop(
            "A timepoint cannot be more than 30 years after the infusion."))
    return unit, number


def _same_timepoint_key(code: str) -> tuple[str, int]:
    """M12 and Y1 are the same visit: years are counted in months."""
    unit, number = _parse(code)
    return ("M", 12 * number) if unit == "Y" else (unit, number)


def check_codes(codes: Sequence[str]) -> None:
    """A site's or a template's list of timepoints: well-formed codes, none twice (M12 and Y1 are the same)."""
    if isinstance(codes, str) or not isinstance(codes, Sequence):
        raise ContradictoryInput("timepoints", gettext_noop("The timepoints are a list of codes."))
    seen = set()
    for code in codes:
        key = _same_timepoint_key(code)
        if key in seen:
            raise ContradictoryInput("timepoints", gettext_noop("A timepoint is listed twice."))
        seen.add(key)


def check_windows(windows: Mapping[str, int]) -> None:
    if not isinstance(windows, Mapping) or set(windows) != set(DEFAULT_WINDOWS):
        raise ContradictoryInput("windows", gettext_noop("The windows are given for D28, M6 and yearly visits."))
    for days in windows.values():
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_WINDOW_DAYS:
            raise ContradictoryInput("windows", gettext_noop("A window is a whole number of days from 0 to 180."))


def window_days(code: str, windows: Mapping[str, int] = DEFAULT_WINDOWS) -> int:
    """The half-width of the visit's window, in days (the visit may be this many days early or late)."""
    unit, number = _parse(code)
    # followup.md: ± 2 days up to D28, ± 14 days from after D28 to M6, ± 30 days beyond (yearly visits).
    if unit == "D" and number <= 28:
        return windows["to_d28"]
    if (unit == "D" and number <= 183) or (unit == "M" and number <= 6):
        return windows["to_m6"]
    return windows["yearly"]


def label(code: str) -> str:
    """How the visit is named to staff: its code, "M3 (D100)" for D100 (a text to translate)."""
    _parse(code)
    return LABELS.get(code, code)


def plan(d0: date, codes: Sequence[str], windows: Mapping[str, int] = DEFAULT_WINDOWS) -> list[PlannedVisit]:
    """Every visit of the plan, by due date, with its window. Anchored on the actual D0 only."""
    plausible_date("d0", d0)
    check_codes(codes)
    check_windows(windows)
    visits = []
    for code in codes:
        due = follow_up_date(d0, code)
        half = timedelta(days=window_days(code, windows))
        # A follow-up visit cannot come before the day after the infusion, however wide the window.
        earliest = max(due - half, d0 + timedelta(days=1))
        visits.append(PlannedVisit(code, (due - d0).days, due, earliest, due + half))
    return sorted(visits, key=lambda visit: visit.due)


def delay_days(visit: PlannedVisit, on: date) -> int:
    """0 inside the window; how many days before its first day (negative) or after its last day (positive)."""
    if on < visit.earliest:
        return (on - visit.earliest).days
    if on > visit.latest:
        return (on - visit.latest).days
    return 0


def timing(visit: PlannedVisit, on: date) -> str:
    """"early", "in_window" or "late" for a visit done on ``on``."""
    delay = delay_days(visit, on)
    return "early" if delay < 0 else "late" if delay > 0 else "in_window"
