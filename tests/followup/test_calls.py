"""The coordinator's calls: schedule, escalation and advice (followup.md "The coordinator's calls")."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.followup import calls, timepoints
from cellrelay.monitoring.grading import ContradictoryInput

D0 = date(2026, 3, 2)
DUES = [visit.due for visit in timepoints.plan(D0, timepoints.FIFTEEN_YEAR)]
PERIODS = {"proximity_days": 28, "no_driving_days": 56}


def days(dates):
    return [(day - D0).days for day in dates]


def test_daily_then_every_fortnight_then_before_each_visit():
    schedule = days(calls.call_dates(D0, 28, DUES))
    assert schedule[:28] == list(range(1, 29))  # daily from D1 to the end of the stay near the center (D28)
    assert schedule[28:33] == [42, 56, 70, 84, 98]  # every 14 days until D100
    later = schedule[33:]
    assert later[0] == 99  # the day before the D100 visit
    assert len(later) == 17  # D100, M6, M12 and Y2 to Y15: one call before each
    assert calls.call_dates(D0, 28, DUES)[-1] == date(2041, 3, 1)  # the day before Y15


def test_the_schedule_is_sorted_without_duplicates():
    schedule = calls.call_dates(D0, 28, DUES + DUES, days_before_visit=2)
    assert schedule == sorted(set(schedule))


def test_the_team_may_change_every_period():
    schedule = days(calls.call_dates(D0, 14, DUES, daily_until_day=21, twice_monthly_until_day=60,
                                     days_before_visit=3))
    assert schedule[:21] == list(range(1, 22))
    assert schedule[21:24] == [35, 49, 97]  # fortnightly to D60, then 3 days before D100
    assert days(calls.call_dates(D0, 0, [], twice_monthly_until_day=30)) == [14, 28]


@pytest.mark.parametrize("arguments, field", [
    ({"proximity_days": -1}, "proximity_days"), ({"proximity_days": True}, "proximity_days"),
    ({"days_before_visit": -1}, "days_before_visit"), ({"interval_days": 0}, "interval_days"),
    ({"visit_dues": [D0]}, "visit_dues"), ({"visit_dues": [date(2200, 1, 1)]}, "visit_dues"),
    ({"d0": date(1800, 1, 1)}, "d0"),
])
def test_refused_schedules(arguments, field):
    values = {"d0": D0, "proximity_days": 28, "visit_dues": DUES} | arguments
    d0, proximity, dues = values.pop("d0"), values.pop("proximity_days"), values.pop("visit_dues")
    with pytest.raises(ContradictoryInput) as refused:
        calls.call_dates(d0, proximity, dues, **values)
    assert refused.value.field == field


@given(proximity=st.integers(0, 60), before=st.integers(0, 10))
def test_calls_never_come_on_or_before_d0(proximity, before):
    schedule = calls.call_dates(D0, proximity, DUES, days_before_visit=before)
    assert schedule and min(schedule) > D0 and schedule == sorted(set(schedule))


# --- escalation --------------------------------------------------------------------------------

def escalate(answers, day=5):
    return calls.escalation(answers, day_after_d0=day, **PERIODS)


def test_a_quiet_call_needs_no_physician():
    quiet = {name: False for name in calls.ANSWERS if name != "temperature_c"} | {"temperature_c": 37.1}
    assert escalate(quiet) == []
    assert escalate({}) == []  # nothing asked


@pytest.mark.parametrize("answers, codes", [
    ({"fever": True, "temperature_c": 38.0}, ["fever"]),
    ({"fever": True}, ["fever"]),  # felt, not measured: escalated all the same
    ({"temperature_c": 38.4}, ["fever"]),  # the temperature says it without the answer
    ({"confusion": True}, ["confusion"]), ({"trouble_speaking": True}, ["trouble_speaking"]),
    ({"trouble_writing": True}, ["trouble_writing"]), ({"drowsiness": True}, ["drowsiness"]),
    ({"tremor": True}, ["tremor"]), ({"breathlessness": True}, ["breathlessness"]),
    ({"infection_signs": True}, ["infection_signs"]), ({"bleeding": True}, ["bleeding"]),
    ({"fever": True, "trouble_writing": True, "bleeding": True}, ["fever", "trouble_writing", "bleeding"]),
    ({"driving": True, "within_reach": False, "caregiver_present": False}, []),  # advice, not an emergency
])
def test_what_needs_a_physician_now(answers, codes):
    assert escalate(answers) == codes
    assert escalate(answers, day=400) == codes  # a fever or a neurological sign is an emergency at any time


@pytest.mark.parametrize("answers, field", [
    ({"temperature_c": 29.9}, "temperature_c"), ({"temperature_c": 45.1}, "temperature_c"),
    ({"temperature_c": "38"}, "temperature_c"),
    ({"fever": True, "temperature_c": 37.5}, "temperature_c"),
    ({"fever": False, "temperature_c": 38.5}, "fever"),
    ({"headache": True}, "headache"), ({"confusion": "maybe"}, "confusion"),
])
def test_refused_answers(answers, field):
    with pytest.raises(ContradictoryInput) as refused:
        escalate(answers)
    assert refused.value.field == field


# --- advice ------------------------------------------------------------------------------------

def advise(answers, day):
    return calls.advice(answers, day_after_d0=day, **PERIODS)


def test_advice_during_and_after_the_periods():
    everything = {"within_reach": False, "driving": True, "caregiver_present": False}
    assert advise(everything, 10) == ["not_within_reach", "driving_in_no_driving_period", "no_caregiver"]
    assert advise(everything, 28) == ["not_within_reach", "driving_in_no_driving_period", "no_caregiver"]
    assert advise(everything, 29) == ["driving_in_no_driving_period"]  # the stay near the center is over
    assert advise(everything, 56) == ["driving_in_no_driving_period"]
    assert advise(everything, 57) == []
    assert advise({"within_reach": True, "driving": False, "caregiver_present": True}, 10) == []
    assert advise({}, 10) == []  # not asked: no advice


def test_advice_refuses_a_negative_period():
    with pytest.raises(ContradictoryInput) as refused:
        calls.advice({}, day_after_d0=3, proximity_days=-1, no_driving_days=56)
    assert refused.value.field == "proximity_days"
