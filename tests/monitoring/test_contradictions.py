"""Vital signs that contradict each other: warned, to confirm; a diastolic at or above the systolic: refused."""

import pytest

from cellrelay.monitoring.contradictions import (WARNING_TEXT, ValueWarning, check_blood_pressure,
                                                 systolic_floor_mmhg, vital_signs_warnings)
from cellrelay.monitoring.grading import ContradictoryInput

P = pytest.param
QUIET = {"systolic": 120, "spo2": 97, "hypotension": "none", "oxygen": "none", "age_years": 54}


@pytest.mark.parametrize("change, codes", [
    P({"systolic": 60}, ["low_systolic_no_hypotension"], id="bp-60-with-hypotension-none"),
    P({"systolic": 89}, ["low_systolic_no_hypotension"], id="bp-89-is-below-90"),
    P({"systolic": 90}, [], id="bp-90-is-not-hypotension"),
    P({"systolic": 60, "hypotension": "no_vasopressor"}, [], id="bp-60-with-hypotension-recorded"),
    P({"systolic": None}, [], id="no-pressure-taken"),
    P({"spo2": 85}, ["low_spo2_no_oxygen"], id="spo2-85-on-room-air"),
    P({"spo2": 90}, [], id="spo2-90-is-not-hypoxia"),
    P({"spo2": 85, "oxygen": "low_flow"}, [], id="spo2-85-on-oxygen"),
    P({"spo2": None}, [], id="no-spo2-taken"),
    P({"systolic": 70, "spo2": 80}, ["low_systolic_no_hypotension", "low_spo2_no_oxygen"], id="both"),
    P({}, [], id="quiet"),
])
def test_contradicting_entries_are_warned(change, codes):
    assert [w.code for w in vital_signs_warnings(**QUIET | change)] == codes


@pytest.mark.parametrize("age, floor", [(None, 90), (54, 90), (10, 90), (9, 88), (6, 82), (1, 72), (0, 70)])
def test_the_systolic_floor_follows_the_age_of_a_child(age, floor):
    assert systolic_floor_mmhg(age) == floor


def test_a_child_of_6_is_warned_below_82_mmhg_only():
    assert vital_signs_warnings(**QUIET | {"age_years": 6, "systolic": 84}) == []
    assert vital_signs_warnings(**QUIET | {"age_years": 6, "systolic": 80}) == [
        ValueWarning("low_systolic_no_hypotension", {"systolic": 80, "floor": 82})]


def test_every_warning_reads_as_a_sentence_with_its_values():
    for warning in vital_signs_warnings(**QUIET | {"systolic": 60, "spo2": 85}):
        sentence = WARNING_TEXT[warning.code] % warning.values
        assert "%(" not in sentence and all(str(value) in sentence for value in warning.values.values())


@pytest.mark.parametrize("systolic, diastolic", [(60, 60), (60, 80)])
def test_a_diastolic_at_or_above_the_systolic_is_refused(systolic, diastolic):
    with pytest.raises(ContradictoryInput) as refused:
        check_blood_pressure(systolic, diastolic)
    assert refused.value.field == "diastolic"


@pytest.mark.parametrize("systolic, diastolic", [(60, 30), (None, 80), (120, None)])
def test_a_possible_blood_pressure_passes(systolic, diastolic):
    check_blood_pressure(systolic, diastolic)
