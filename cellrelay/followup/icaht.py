"""ICAHT, immune effector cell-associated hematotoxicity, graded from a series of counts. No Django.

Source: followup.md, after the EHA/EBMT consensus (Rejeski et al., Blood 2023;142:865). The table
there is marked *unverified*: it is data (``DEFAULT_ICAHT_TABLE``), a site replaces it with the
``CELLRELAY_ICAHT_TABLE`` setting, and until then the result is shown "to verify".

Neutropenia (ANC per µL) and thrombocytopenia (platelets in G/L, "T-ICAHT") are graded apart,
each early (D0 to D30) and late (after D30). Results carry reasons: a stable code of
``REASON_TEXT`` with its figures, so that the API shows them in the caller's language.

How days are counted from sparse counts (the table counts cumulative days below a threshold, but
counts are not drawn every day):
- a count holds from its day until the day before the next count: a recovery is declared on a
  measured count (registry.md, form 4100: recovery is a measured count), never guessed between two;
- the last count holds on its own day only, unless ``as_of`` (the day the grade is read, e.g.
  today) says the patient is still without a newer count: it then holds until ``as_of``. Days
  nobody measured after the last count are not assumed;
- days before the first count are not counted;
- a window caps the count: D0-D30 for early ICAHT, so a count at D28 followed by one at D40
  counts D28, D29 and D30.

Late grades by level ("two measurements or a non-transient value", followup.md): a level counts
when at least two counts in the late window reach it, consecutive or not, since late counts are
weeks apart. Whether a single low count is "non-transient" cannot be read from one number: it is
named in the reasons ("repeat the count") and gives no grade until a second count confirms it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from cellrelay.monitoring.grading import ContradictoryInput
from cellrelay.textmarks import gettext_noop

from .inputs import is_number, plausible_date

# followup.md (Rejeski et al. 2023), *unverified*. Early rows count cumulative days from D0 to
# ``early_last_day``: "days" lists [at least this many days, grade], ascending. Late rows after
# ``early_last_day``: a level row ("grade") needs two counts, a "days" row counts days as early.
# ANC rows compare "at or below" (≤ 500/µL), platelet rows "below" (< 50 G/L), as the table writes.
DEFAULT_ICAHT_TABLE = {
    "early_last_day": 30,
    "anc": {
        # ≤ 500/µL: < 7 days grade 1, 7-13 grade 2, 14-30 grade 3, > 30 grade 4 (all 31 days of D0-D30);
        # ≤ 100/µL: ≥ 7 days grade 3, ≥ 14 days grade 4. The highest grade either row reaches wins.
        "early": [{"at_or_below": 500, "days": [[1, 1], [7, 2], [14, 3], [31, 4]]},
                  {"at_or_below": 100, "days": [[7, 3], [14, 4]]}],
        # after D30: ≤ 1500 grade 1, ≤ 1000 grade 2, ≤ 500 grade 3, ≤ 100 grade 4.
        "late": [{"at_or_below": 1500, "grade": 1}, {"at_or_below": 1000, "grade": 2},
                 {"at_or_below": 500, "grade": 3}, {"at_or_below": 100, "grade": 4}],
    },
    "platelets": {
        # < 50 G/L 1-6 days grade 1, ≥ 7 days grade 2; < 20 G/L 1-13 days grade 3, ≥ 14 days grade 4.
        "early": [{"below": 50, "days": [[1, 1], [7, 2]]}, {"below": 20, "days": [[1, 3], [14, 4]]}],
        # late, D31-D100: < 100 grade 1, < 50 grade 2, < 20 G/L 1-13 days grade 3, ≥ 14 days grade 4.
        "late_last_day": 100,
        "late": [{"below": 100, "grade": 1}, {"below": 50, "grade": 2}, {"below": 20, "days": [[1, 3], [14, 4]]}],
    },
}
MARKERS = {"anc": "at_or_below", "platelets": "below"}  # how each marker's rows compare
ANC_PER_UL_MAX = 100_000  # a count above is a typing error (neutrophilia rarely passes 30,000/µL)
PLATELETS_G_L_MAX = 5_000

REASON_TEXT = {
    "anc_early_days": gettext_noop(
        "ANC at or below %(value)s/µL on %(days)s day(s) from D0 to D%(last_day)s: grade %(grade)s."),
    "anc_early_none": gettext_noop("No ANC at or below %(value)s/µL from D0 to D%(last_day)s: no early ICAHT."),
    "anc_early_not_graded": gettext_noop("No ANC from D0 to D%(last_day)s: early ICAHT not graded."),
    "anc_late_confirmed": gettext_noop(
        "ANC at or below %(value)s/µL on %(count)s counts after D%(after_day)s: grade %(grade)s."),
    "anc_late_days": gettext_noop(
        "ANC at or below %(value)s/µL on %(days)s day(s) after D%(after_day)s: grade %(grade)s."),
    "anc_late_unconfirmed": gettext_noop(
        "A single ANC at or below %(value)s/µL after D%(after_day)s: repeat the count; grade %(grade)s only "
        "once a second count confirms it."),
    "anc_late_none": gettext_noop("No confirmed ANC at or below %(value)s/µL after D%(after_day)s: no late ICAHT."),
    "anc_late_not_graded": gettext_noop("No ANC after D%(after_day)s: late ICAHT not graded."),
    "platelets_early_days": gettext_noop(
        "Platelets below %(value)s G/L on %(days)s day(s) from D0 to D%(last_day)s: grade %(grade)s."),
    "platelets_early_none": gettext_noop(
        "No platelet count below %(value)s G/L from D0 to D%(last_day)s: no early thrombocytopenia."),
    "platelets_early_not_graded": gettext_noop(
        "No platelet count from D0 to D%(last_day)s: early thrombocytopenia not graded."),
    "platelets_late_confirmed": gettext_noop(
        "Platelets below %(value)s G/L on %(count)s counts from D%(first_day)s to D%(last_day)s: grade %(grade)s."),
    "platelets_late_days": gettext_noop(
        "Platelets below %(value)s G/L on %(days)s day(s) from D%(first_day)s to D%(last_day)s: grade %(grade)s."),
    "platelets_late_unconfirmed": gettext_noop(
        "A single platelet count below %(value)s G/L from D%(first_day)s to D%(last_day)s: repeat the count; "
        "grade %(grade)s only once a second count confirms it."),
    "platelets_late_none": gettext_noop(
        "No confirmed platelet count below %(value)s G/L from D%(first_day)s to D%(last_day)s: "
        "no late thrombocytopenia."),
    "platelets_late_not_graded": gettext_noop(
        "No platelet count from D%(first_day)s to D%(last_day)s: late thrombocytopenia not graded."),
}


class Reason(NamedTuple):
    code: str  # a key of REASON_TEXT
    params: dict  # the figures its text names


def reason_text(reason: Reason, translate=lambda text: text) -> str:
    """The reason's sentence, translated by ``translate`` (Django's gettext in the API) then filled in."""
    return translate(REASON_TEXT[reason.code]) % reason.params


@dataclass(frozen=True)
class Icaht:
    early_grade: int | None  # 0-4; None: no ANC from D0 to D30
    late_grade: int | None  # 0-4; None: no ANC after D30
    reasons: tuple[Reason, ...] = ()
    early_platelet_grade: int | None = None  # None: no platelet count in the window
    late_platelet_grade: int | None = None

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


# --- the table ---------------------------------------------------------------------------------

def check_table(table: dict) -> None:
    """A site's table has the default's shape; a ValueError names what is wrong (a configuration error)."""
    try:
        last = table["early_last_day"]
        _check_whole(last, "early_last_day")
        for marker, comparison in MARKERS.items():
            rows = table[marker]
            for row in rows["early"]:
                _check_row(row, comparison, f"{marker}.early", level_allowed=False)
            for row in rows["late"]:
                _check_row(row, comparison, f"{marker}.late", level_allowed=True)
            if marker == "platelets":
                _check_whole(rows["late_last_day"], "platelets.late_last_day")
                if rows["late_last_day"] <= last:
                    raise ValueError("platelets.late_last_day must come after early_last_day")
            elif "late_last_day" in rows:
                raise ValueError("late ANC has no last day: it is every count after early_last_day")
    except (KeyError, TypeError) as missing:
        raise ValueError(f"the ICAHT table misses or mistypes {missing}") from None


def _check_whole(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of days, 1 or more")


def _check_row(row: dict, comparison: str, where: str, *, level_allowed: bool) -> None:
    if set(row) not in ({comparison, "days"}, {comparison, "grade"}):
        raise ValueError(f"{where}: each row has '{comparison}' and either 'days' or 'grade'")
    if not is_number(row[comparison]) or row[comparison] < 0:
        raise ValueError(f"{where}: '{comparison}' must be a number, 0 or more")
    if "grade" in row:
        if not level_allowed:
            raise ValueError(f"{where}: early rows count days")
        _check_grade(row["grade"], where)
        return
    steps = row["days"]
    if not steps or [days for days, _grade in steps] != sorted({days for days, _grade in steps}):
        raise ValueError(f"{where}: 'days' lists [days, grade] steps with days ascending")
    for days, grade in steps:
        _check_whole(days, f"{where} days")
        _check_grade(grade, where)


def _check_grade(grade, where: str) -> None:
    if isinstance(grade, bool) or grade not in (1, 2, 3, 4):
        raise ValueError(f"{where}: a grade is 1 to 4")


# --- the counts --------------------------------------------------------------------------------

def _days_after_d0(name: str, infusion_date: date, series, *, whole: bool, maximum: int) -> list[tuple[int, float]]:
    """The series as (days after D0, value), refused naming ``name`` when it cannot be graded."""
    if isinstance(series, (str, bytes)) or not isinstance(series, Sequence):
        raise ContradictoryInput(name, gettext_noop("The counts are a list of (date, value) pairs."))
    points = []
    for item in series:
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2:
            raise ContradictoryInput(name, gettext_noop("The counts are a list of (date, value) pairs."))
        day, value = plausible_date(name, item[0]), item[1]
        if not is_number(value) or value < 0:
            raise ContradictoryInput(name, gettext_noop("A count cannot be negative."))
        if value > maximum:
            raise ContradictoryInput(name, gettext_noop("A count is too high: check the unit."))
        if whole and value != int(value):
            # A fraction per µL is a count in G/L typed in the wrong unit (0.5 G/L is 500/µL): graded
            # per µL it would read as a profound neutropenia.
            raise ContradictoryInput(name, gettext_noop(
                "The ANC is a whole number per µL (0.5 G/L is 500/µL): check the unit."))
        if day < infusion_date:
            raise ContradictoryInput(name, gettext_noop("A count is dated before the infusion (D0)."))
        if points and day == points[-1][2]:
            raise ContradictoryInput(name, gettext_noop("Two counts have the same date."))
        if points and day < points[-1][2]:
            raise ContradictoryInput(name, gettext_noop("The counts are not in date order."))
        points.append(((day - infusion_date).days, float(value), day))
    return [(day_number, value) for day_number, value, _day in points]


def _meets(row: dict, value: float) -> bool:
    if "at_or_below" in row:
        return value <= row["at_or_below"]
    return value < row["below"]


def _threshold(row: dict):
    value = row.get("at_or_below", row.get("below"))
    return int(value) if float(value).is_integer() else value


def _days_meeting(points, row: dict, first: int, last: int, as_of_day: int | None) -> int:
    """Cumulative days from ``first`` to ``last`` on which the count held meets the row (see the module's doc)."""
    total = 0
    for index, (day, value) in enumerate(points):
        if not _meets(row, value):
            continue
        if index + 1 < len(points):
            until = points[index + 1][0] - 1
        else:
            until = max(day, as_of_day) if as_of_day is not None else day
        start, end = max(day, first), min(until, last)
        total += max(0, end - start + 1)
    return total


def _grade_for_days(row: dict, days: int) -> int:
    reached = [grade for at_least, grade in row["days"] if days >= at_least]
    return max(reached, default=0)


def _early(marker: str, points, table: dict, as_of_day: int | None) -> tuple[int | None, list[Reason]]:
    last = table["early_last_day"]
    rows = table[marker]["early"]
    if not any(day <= last for day, _value in points):
        return None, [Reason(f"{marker}_early_not_graded", {"last_day": last})]
    grade, reasons = 0, []
    for row in rows:
        days = _days_meeting(points, row, 0, last, as_of_day)
        row_grade = _grade_for_days(row, days)
        if row_grade:
            reasons.append(Reason(f"{marker}_early_days", {"value": _threshold(row), "days": days,
                                                           "last_day": last, "grade": row_grade}))
            grade = max(grade, row_grade)
    if not grade:
        loosest = max(rows, key=_threshold)
        reasons.append(Reason(f"{marker}_early_none", {"value": _threshold(loosest), "last_day": last}))
    return grade, reasons


def _late(marker: str, points, table: dict, as_of_day: int | None) -> tuple[int | None, list[Reason]]:
    after = table["early_last_day"]
    last = table[marker].get("late_last_day")
    window = ({"after_day": after} if last is None else {"first_day": after + 1, "last_day": last})
    in_window = [(day, value) for day, value in points if day > after and (last is None or day <= last)]
    if not in_window:
        return None, [Reason(f"{marker}_late_not_graded", window)]
    grade, reasons, unconfirmed = 0, [], None
    for row in table[marker]["late"]:
        if "days" in row:
            days = _days_meeting(points, row, after + 1, last if last is not None else 10 ** 6, as_of_day)
            row_grade = _grade_for_days(row, days)
            if row_grade:
                reasons.append(Reason(f"{marker}_late_days", {"value": _threshold(row), "days": days,
                                                              "grade": row_grade, **window}))
        else:
            count = sum(1 for _day, value in in_window if _meets(row, value))
            row_grade = row["grade"] if count >= 2 else 0
            if row_grade:
                reasons.append(Reason(f"{marker}_late_confirmed", {"value": _threshold(row), "count": count,
                                                                   "grade": row_grade, **window}))
            elif count == 1 and (unconfirmed is None or row["grade"] > unconfirmed["grade"]):
                unconfirmed = {"value": _threshold(row), "grade": row["grade"], **window}
        grade = max(grade, row_grade)
    if not grade:
        loosest = max(table[marker]["late"], key=_threshold)
        reasons.append(Reason(f"{marker}_late_none", {"value": _threshold(loosest), **window}))
    if unconfirmed and unconfirmed["grade"] > grade:
        reasons.append(Reason(f"{marker}_late_unconfirmed", unconfirmed))
    return grade, reasons


def grade(infusion_date: date, anc: Sequence, platelets: Sequence = (), table: dict | None = None, *,
          as_of: date | None = None) -> Icaht:
    """Early and late ICAHT from ANC counts ``(date, per µL)`` and, when given, T-ICAHT from platelet
    counts ``(date, G/L)``; ``table`` None is the default table (followup.md, to verify).

    ``as_of``: the day the grade is read (today); the last count then holds until it (see the module's
    doc). Refused (``ContradictoryInput`` naming "anc", "platelets", "infusion_date" or "as_of"): counts
    out of date order or twice on a date, negative, dated before D0, dates outside 1900-2100.
    An empty ANC series grades nothing: both grades None, with the reasons saying so.
    """
    table = DEFAULT_ICAHT_TABLE if table is None else table
    if table is not DEFAULT_ICAHT_TABLE:
        check_table(table)
    plausible_date("infusion_date", infusion_date)
    anc_points = _days_after_d0("anc", infusion_date, anc, whole=True, maximum=ANC_PER_UL_MAX)
    platelet_points = _days_after_d0("platelets", infusion_date, platelets, whole=False, maximum=PLATELETS_G_L_MAX)
    as_of_day = None
    if as_of is not None:
        plausible_date("as_of", as_of)
        as_of_day = (as_of - infusion_date).days
        if any(day > as_of_day for day, _value in anc_points + platelet_points):
            raise ContradictoryInput("as_of", gettext_noop("A count is dated after the day of the grading."))

    early_grade, early_reasons = _early("anc", anc_points, table, as_of_day)
    late_grade, late_reasons = _late("anc", anc_points, table, as_of_day)
    reasons = early_reasons + late_reasons
    early_platelets = late_platelets = None
    if platelet_points:
        early_platelets, platelet_early_reasons = _early("platelets", platelet_points, table, as_of_day)
        late_platelets, platelet_late_reasons = _late("platelets", platelet_points, table, as_of_day)
        reasons += platelet_early_reasons + platelet_late_reasons
    return Icaht(early_grade, late_grade, tuple(reasons), early_platelets, late_platelets)

