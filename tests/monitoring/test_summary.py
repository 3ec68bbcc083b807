"""Daily maximum grades and the registry summary (onset, resolution, highest grade): pure functions."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.monitoring.summary import DailyGrade, Observation, ToxicitySummary, daily_maximum, registry_summary

D0 = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def test_the_daily_maximum_is_the_highest_grade_of_the_day():
    daily = daily_maximum([Observation(day(1), 1, True), Observation(day(1), 2, False), Observation(day(0), 0, True),
                           Observation(day(1), 0, False)])
    assert list(daily) == [day(0), day(1)]
    assert daily[day(1)] == DailyGrade(day(1), 2, proposed=True)
    assert daily[day(0)] == DailyGrade(day(0), 0, proposed=False)


def test_a_confirmed_record_of_the_same_grade_makes_the_maximum_confirmed():
    for order in ([Observation(day(2), 3, False), Observation(day(2), 3, True)],
                  [Observation(day(2), 3, True), Observation(day(2), 3, False)]):
        assert daily_maximum(order)[day(2)].proposed is False


def test_a_negative_grade_is_refused():
    with pytest.raises(ValueError):
        daily_maximum([Observation(day(0), -1, True)])


def test_no_toxicity():
    assert registry_summary({}) == ToxicitySummary(None, None, 0)
    summary = registry_summary({day(0): 0, day(1): 0})
    assert (summary.onset, summary.resolution, summary.highest, summary.occurred) == (None, None, 0, False)


def test_onset_resolution_and_highest_grade():
    summary = registry_summary({day(0): 0, day(1): 1, day(2): 3, day(3): 2, day(4): 0, day(5): 0})
    assert (summary.onset, summary.resolution, summary.highest) == (day(1), day(4), 3)
    assert summary.occurred and not summary.ongoing


def test_not_resolved_while_no_grade_0_follows_the_last_graded_day():
    summary = registry_summary({day(1): 2, day(2): 1})
    assert (summary.onset, summary.resolution, summary.highest, summary.ongoing) == (day(1), None, 2, True)


def test_a_grade_0_day_between_two_flares_does_not_resolve():
    summary = registry_summary({day(1): 1, day(2): 0, day(3): 2, day(5): 0})
    assert (summary.onset, summary.resolution, summary.highest) == (day(1), day(5), 2)


def test_resolution_is_the_first_grade_0_day_after_the_last_graded_day_even_after_a_gap():
    summary = registry_summary({day(3): 1, day(9): 0, day(12): 0})
    assert summary.resolution == day(9)


def test_the_summary_reads_daily_grades_and_says_when_the_highest_is_only_proposed():
    daily = {day(1): DailyGrade(day(1), 2, proposed=True), day(2): DailyGrade(day(2), 0, proposed=False)}
    summary = registry_summary(daily)
    assert (summary.highest, summary.highest_proposed, summary.resolution) == (2, True, day(2))
    daily[day(3)] = DailyGrade(day(3), 2, proposed=False)
    assert registry_summary(daily).highest_proposed is False


grades = st.dictionaries(st.integers(-2, 40).map(day), st.integers(0, 4), max_size=30)


@given(grades)
def test_summary_properties(daily):
    summary = registry_summary(daily)
    graded = sorted(d for d, g in daily.items() if g >= 1)
    assert summary.highest == max(daily.values(), default=0)
    assert summary.onset == (graded[0] if graded else None)
    if summary.resolution is not None:
        assert daily[summary.resolution] == 0 and summary.resolution > graded[-1]
        assert all(daily[d] >= 1 or d <= graded[-1] or d >= summary.resolution for d in daily)
    elif graded:
        assert all(g >= 1 for d, g in daily.items() if d > graded[-1]) or not [d for d in daily if d > graded[-1]]
