"""The follow-up plan's timepoints, windows and delays, counted from the actual D0 (followup.md, registry.md)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.followup import timepoints
from cellrelay.monitoring.grading import ContradictoryInput

D0 = date(2026, 3, 2)


def test_the_fifteen_year_plan_from_d0():
    visits = timepoints.plan(D0, timepoints.FIFTEEN_YEAR)
    due = {visit.code: visit.due for visit in visits}
    assert [visit.code for visit in visits][:7] == ["D7", "D14", "D28", "D100", "M6", "M12", "Y2"]
    assert visits[-1].code == "Y15" and len(visits) == 20
    assert due["D7"] == date(2026, 3, 9) and due["D28"] == date(2026, 3, 30)
    assert due["D100"] == date(2026, 6, 10)
    assert due["M6"] == date(2026, 9, 2) and due["M12"] == date(2027, 3, 2) and due["Y15"] == date(2041, 3, 2)


def test_the_standard_track_skips_odd_years_after_y6():
    codes = [visit.code for visit in timepoints.plan(D0, timepoints.TRACKS["standard"])]
    assert codes == ["D100", "M6", "M12", "Y2", "Y3", "Y4", "Y5", "Y6", "Y8", "Y10", "Y12", "Y14"]


def test_a_moved_d0_moves_every_visit_with_it():
    planned = timepoints.plan(D0, timepoints.FIFTEEN_YEAR)
    moved = timepoints.plan(D0 + timedelta(days=5), timepoints.FIFTEEN_YEAR)
    assert [visit.day for visit in moved][:4] == [7, 14, 28, 100]
    assert all(later.due > earlier.due for earlier, later in zip(planned, moved))
    assert moved[0].due == date(2026, 3, 14)


def test_months_end_on_the_last_day_of_a_short_month():
    visits = {visit.code: visit for visit in timepoints.plan(date(2026, 8, 31), ["M6", "Y2"])}
    assert visits["M6"].due == date(2027, 2, 28)
    assert timepoints.plan(date(2028, 2, 29), ["Y1"])[0].due == date(2029, 2, 28)


@pytest.mark.parametrize("code, days", [("D7", 2), ("D14", 2), ("D28", 2), ("D29", 14), ("D100", 14), ("M3", 14),
                                        ("M6", 14), ("M7", 30), ("M12", 30), ("Y1", 30), ("Y15", 30)])
def test_the_default_windows(code, days):
    assert timepoints.window_days(code) == days


def test_windows_are_a_site_setting():
    windows = {"to_d28": 3, "to_m6": 7, "yearly": 60}
    visits = {visit.code: visit for visit in timepoints.plan(D0, ["D28", "M6", "Y2"], windows)}
    assert (visits["D28"].earliest, visits["D28"].latest) == (date(2026, 3, 27), date(2026, 4, 2))
    assert visits["M6"].latest - visits["M6"].due == timedelta(days=7)
    assert visits["Y2"].due - visits["Y2"].earliest == timedelta(days=60)


def test_a_window_never_opens_before_the_day_after_infusion():
    visit = timepoints.plan(D0, ["D1"], {"to_d28": 5, "to_m6": 14, "yearly": 30})[0]
    assert visit.earliest == D0 + timedelta(days=1) and visit.latest == D0 + timedelta(days=6)


@pytest.mark.parametrize("windows", [
    {"to_d28": 2, "to_m6": 14}, {"to_d28": -1, "to_m6": 14, "yearly": 30}, {"to_d28": 2, "to_m6": 14, "yearly": 181},
    {"to_d28": 2.5, "to_m6": 1, "yearly": 3}, {"to_d28": True, "to_m6": 1, "yearly": 3}])
def test_bad_windows_are_refused(windows):
    with pytest.raises(ContradictoryInput) as refused:
        timepoints.plan(D0, ["D7"], windows)
    assert refused.value.field == "windows"


def test_labels():
    assert timepoints.label("D100") == "M3 (D100)"
    assert [timepoints.label(code) for code in ("D7", "M6", "M12", "Y1")] == ["D7", "M6", "M12", "Y1"]
    assert timepoints.plan(D0, ["D100"])[0].label == "M3 (D100)"


@pytest.mark.parametrize("codes", [["D7", "D7"], ["M12", "Y1"], ["Y2", "M24"], ["D0"], ["d7"], ["W2"], ["D07"],
                                   ["Y31"], ["D"], [7], "D7"])
def test_unknown_or_duplicate_codes_are_refused(codes):
    with pytest.raises(ContradictoryInput) as refused:
        timepoints.check_codes(codes)
    assert refused.value.field == "timepoints"
    with pytest.raises(ContradictoryInput):
        timepoints.plan(D0, codes)


def test_every_track_is_valid():
    for codes in timepoints.TRACKS.values():
        timepoints.check_codes(codes)


@pytest.mark.parametrize("d0", [date(1899, 12, 31), date(2101, 1, 1), date(9999, 1, 1)])
def test_an_implausible_d0_is_refused_not_overflowing(d0):
    with pytest.raises(ContradictoryInput) as refused:
        timepoints.plan(d0, timepoints.FIFTEEN_YEAR)
    assert refused.value.field == "d0"


def test_delay_and_timing_around_the_window():
    d28 = timepoints.plan(D0, ["D28"])[0]  # window 28 March to 1 April 2026
    assert [timepoints.delay_days(d28, day) for day in
            (date(2026, 3, 25), date(2026, 3, 28), date(2026, 3, 30), date(2026, 4, 1), date(2026, 4, 4))] \
        == [-3, 0, 0, 0, 3]
    assert timepoints.timing(d28, date(2026, 3, 27)) == "early"
    assert timepoints.timing(d28, date(2026, 3, 28)) == "in_window"
    assert timepoints.timing(d28, date(2026, 4, 2)) == "late"


@given(offset=st.integers(min_value=-400, max_value=400))
def test_the_delay_grows_with_the_visit_date(offset):
    visit = timepoints.plan(D0, ["Y2"])[0]
    on = visit.due + timedelta(days=offset)
    later = timepoints.delay_days(visit, on + timedelta(days=1))
    assert later >= timepoints.delay_days(visit, on)
    assert (timepoints.delay_days(visit, on) == 0) == (abs(offset) <= 30)
