"""One patient's outcome figures: status, best response, PFS and OS with their censoring (issue 10, point 7)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.followup import outcomes, response
from cellrelay.monitoring.grading import ContradictoryInput

D0 = date(2024, 1, 10)
TODAY = date(2026, 3, 2)
CMR = response.lugano(2, None, False)
PMR = response.lugano(4, "reduced", False)
PMD = response.lugano(5, "increased", False)


def day(n):
    return D0 + timedelta(days=n)


def test_in_response_and_followed():
    result = outcomes.outcome(D0, TODAY, [(day(28), PMR), (day(100), CMR), (day(365), CMR)], [], None, day(700))
    assert result.days_since_infusion == (TODAY - D0).days
    assert result.status == "alive_progression_free"
    assert (result.best_response, result.best_response_date) == (CMR, day(100))
    assert (result.pfs_days, result.pfs_event, result.pfs_censored_on) == (365, False, day(365))  # last assessment
    assert (result.os_days, result.os_event, result.os_censored_on) == (700, False, day(700))  # last contact


def test_progression_from_a_response_or_a_date_is_the_pfs_event():
    by_response = outcomes.outcome(D0, TODAY, [(day(28), PMR), (day(180), PMD)], [], None, day(400))
    assert (by_response.status, by_response.pfs_days, by_response.pfs_event) == ("alive_progressed", 180, True)
    assert by_response.pfs_censored_on is None
    by_date = outcomes.outcome(D0, TODAY, [(day(28), PMR)], [day(150), day(120)], None, day(400))
    assert (by_date.pfs_days, by_date.pfs_event) == (120, True)  # the first progression


def test_the_best_response_is_before_progression():
    result = outcomes.outcome(D0, TODAY, [(day(28), PMR), (day(90), PMD), (day(300), CMR)], [], None, day(400))
    assert (result.best_response, result.best_response_date) == (PMR, day(28))


def test_death_ends_both_survivals():
    result = outcomes.outcome(D0, TODAY, [(day(28), CMR)], [day(200)], day(260), day(250))
    assert result.status == "dead"
    assert (result.pfs_days, result.pfs_event) == (200, True)
    assert (result.os_days, result.os_event, result.os_censored_on) == (260, True, None)
    assert result.last_known_alive is None


def test_death_without_progression_is_a_pfs_event():
    result = outcomes.outcome(D0, TODAY, [(day(28), CMR)], [], day(90), None)
    assert (result.pfs_days, result.pfs_event, result.os_days, result.os_event) == (90, True, 90, True)


def test_lost_after_thirteen_months_without_contact():
    last = date(2025, 2, 1)
    assert outcomes.outcome(D0, date(2026, 3, 1), [(day(28), CMR)], [], None, last).status == "alive_progression_free"
    lost = outcomes.outcome(D0, date(2026, 3, 2), [(day(28), CMR)], [], None, last)
    assert lost.status == "lost" and lost.os_censored_on == last
    assert outcomes.outcome(D0, date(2026, 3, 2), [], [], None, last, lost_after_months=24).status != "lost"


def test_nothing_recorded_yet():
    result = outcomes.outcome(D0, day(10), [], [], None, None)
    assert result.best_response is None and result.best_response_date is None
    assert (result.pfs_days, result.pfs_censored_on, result.os_days, result.os_censored_on) == (0, D0, 0, D0)
    assert result.status == "alive_progression_free"


def test_without_assessment_pfs_is_censored_at_the_last_contact():
    result = outcomes.outcome(D0, TODAY, [], [], None, day(45))
    assert (result.pfs_days, result.pfs_censored_on) == (45, day(45))


@pytest.mark.parametrize("arguments, field", [
    ({"death": day(-1)}, "death"),
    ({"death": TODAY + timedelta(days=1)}, "death"),
    ({"responses": [(day(-3), CMR)]}, "responses"),
    ({"progression_dates": [day(300)], "death": day(200)}, "progression_dates"),
    ({"last_contact": day(300), "death": day(200)}, "last_contact"),
    ({"responses": [(day(300), CMR)], "death": day(200)}, "responses"),
    ({"today": day(-1)}, "today"),
    ({"d0": date(1850, 1, 1)}, "d0"),
    ({"responses": [(day(28), CMR), (day(56), response.b_all("CR", "not_done"))]}, "responses"),
    ({"responses": [(day(28), "CMR")]}, "responses"),
])
def test_refused_histories(arguments, field):
    values = {"d0": D0, "today": TODAY, "responses": [], "progression_dates": [], "death": None,
              "last_contact": None} | arguments
    with pytest.raises(ContradictoryInput) as refused:
        outcomes.outcome(**values)
    assert refused.value.field == field


@given(progression=st.integers(1, 700), death=st.one_of(st.none(), st.integers(1, 700)))
def test_pfs_never_exceeds_os(progression, death):
    if death is not None and death < progression:
        progression = death
    result = outcomes.outcome(D0, TODAY, [(day(1), PMR)], [day(progression)], death and day(death), None)
    assert result.pfs_days <= result.os_days
    assert result.pfs_event
