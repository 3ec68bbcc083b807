"""INS (French NIR + key) and body surface area, as pure rules."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.patients import identity
from cellrelay.patients.identity import InsProblem, InvalidIns

places = st.one_of(
    st.integers(1, 95).map(lambda dept: f"{dept:02d}") .filter(lambda d: d != "20"),
    st.sampled_from(["2A", "2B"]),
).flatmap(lambda dept: st.integers(1, 999).map(lambda commune: f"{dept}{commune:03d}"))
valid_ins = st.builds(identity.make_ins, st.sampled_from([1, 2]), st.integers(1900, 2025), st.integers(1, 12),
                      places, st.integers(1, 999))


@given(valid_ins)
def test_a_built_ins_is_accepted(ins):
    assert identity.normalise_ins(ins) == ins


@given(valid_ins, st.data())
def test_any_single_character_change_is_refused(ins, data):
    position = data.draw(st.sampled_from([i for i, c in enumerate(ins) if c.isdigit()]))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != ins[position]]))
    altered = ins[:position] + replacement + ins[position + 1:]
    with pytest.raises(InvalidIns):
        identity.normalise_ins(altered)


@given(valid_ins)
def test_spaces_are_ignored(ins):
    spaced = " ".join([ins[:1], ins[1:3], ins[3:5], ins[5:7], ins[7:10], ins[10:13], ins[13:]])
    assert identity.normalise_ins(spaced) == ins


def test_corsica_departments_read_as_19_and_18():
    # The key of 2A/2B numbers is computed with 19/18 in place of 2A/2B (identifiers.md).
    assert identity.normalise_ins("253072B07300470") == "253072B07300470"
    assert identity.normalise_ins("253072A07300443") == "253072A07300443"
    with pytest.raises(InvalidIns) as refused:
        identity.normalise_ins("253072A07300470")
    assert refused.value.problem == InsProblem.KEY


@pytest.mark.parametrize("text, problem", [
    ("29510991261119", InsProblem.LENGTH),
    ("2951099126111933", InsProblem.LENGTH),
    ("295109912611199", InsProblem.KEY),
    ("2951X9912611193", InsProblem.FORMAT),
    ("253072C07300443", InsProblem.FORMAT),
])
def test_malformed_ins_names_its_problem(text, problem):
    with pytest.raises(InvalidIns) as refused:
        identity.normalise_ins(text)
    assert refused.value.problem == problem


def test_ins_must_agree_with_sex_and_birth():
    ins = identity.make_ins(2, 1970, 3, "63113", 5)
    assert identity.ins_identity_problem(ins, "F", dt.date(1970, 3, 2)) is None
    assert identity.ins_identity_problem(ins, "M", dt.date(1970, 3, 2)) == InsProblem.SEX
    assert identity.ins_identity_problem(ins, "F", dt.date(1971, 3, 2)) == InsProblem.BIRTH_YEAR
    assert identity.ins_identity_problem(ins, "F", dt.date(1970, 4, 2)) == InsProblem.BIRTH_MONTH
    assert identity.ins_identity_problem(ins, "U", dt.date(1970, 3, 2)) is None


def test_unknown_birth_month_codes_are_not_compared():
    ins = identity.make_ins(1, 1950, 30, "99352", 1)  # INSEE: month 20-42 = unknown month
    assert identity.ins_identity_problem(ins, "M", dt.date(1950, 7, 1)) is None


def test_body_surface_area_is_mosteller():
    # sqrt(175 × 70 / 3600) = 1.8447... (hand-computed)
    assert identity.body_surface_area_m2(70, 175) == pytest.approx(1.8447, abs=1e-4)
