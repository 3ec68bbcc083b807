"""ICAHT grading from ANC and platelet series (followup.md, after Rejeski et al. 2023; the table is to verify)."""

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cellrelay.followup import icaht
from cellrelay.monitoring.grading import ContradictoryInput

D0 = date(2026, 3, 2)


def day(n):
    return D0 + timedelta(days=n)


def daily(first_day, values):
    """One count a day from ``first_day``."""
    return [(day(first_day + index), value) for index, value in enumerate(values)]


def low_for(days, value, *, recovered=2000, first_day=0):
    """``days`` daily counts at ``value`` from ``first_day``, then one count at ``recovered``."""
    return daily(first_day, [value] * days + [recovered])


# --- early ICAHT, every row of the table ------------------------------------------------------

@pytest.mark.parametrize("days, value, grade", [
    (0, 501, 0),  # above 500 every day
    (1, 500, 1), (6, 500, 1),  # ≤ 500: < 7 days → 1 (500 itself counts: "at or below")
    (7, 500, 2), (13, 500, 2),  # 7-13 days → 2
    (14, 500, 3), (30, 500, 3),  # 14-30 days → 3
    (31, 500, 4),  # > 30 days: every day from D0 to D30 → 4
    (6, 100, 1),  # ≤ 100 for under 7 days: only the ≤ 500 row, grade 1
    (7, 100, 3), (13, 100, 3),  # ≤ 100 ≥ 7 days → 3 (the ≤ 500 row alone would say 2)
    (14, 100, 4),  # ≤ 100 ≥ 14 days → 4 (the ≤ 500 row alone would say 3)
])
def test_every_early_anc_row(days, value, grade):
    counts = low_for(days, value) if days else daily(0, [value] * 5)
    assert icaht.grade(D0, counts).early_grade == grade


def test_early_counts_stop_at_d30():
    counts = low_for(40, 50)  # ≤ 100 from D0 to D39
    result = icaht.grade(D0, counts)
    assert result.early_grade == 4
    assert icaht.Reason("anc_early_days", {"value": 500, "days": 31, "last_day": 30, "grade": 4}) in result.reasons


def test_a_count_holds_until_the_next_one():
    # D2: 300, D12: 1200 → ≤ 500 from D2 to D11, 10 days: grade 2
    result = icaht.grade(D0, [(day(2), 300), (day(12), 1200)])
    assert result.early_grade == 2
    assert result.reasons[0] == icaht.Reason("anc_early_days", {"value": 500, "days": 10, "last_day": 30, "grade": 2})


def test_the_last_count_holds_its_own_day_unless_read_later():
    counts = [(day(1), 2000), (day(5), 80)]
    assert icaht.grade(D0, counts).early_grade == 1  # one day known
    assert icaht.grade(D0, counts, as_of=day(11)).early_grade == 3  # ≤ 100 from D5 to D11: 7 days
    assert icaht.grade(D0, counts, as_of=day(60)).early_grade == 4  # D5 to D30: 26 days ≤ 100


def test_days_before_the_first_count_are_not_counted():
    assert icaht.grade(D0, [(day(20), 400), (day(27), 900)]).early_grade == 2  # D20 to D26: 7 days


def test_no_count_before_d30_is_not_graded_early():
    result = icaht.grade(D0, [(day(45), 800), (day(60), 900)])
    assert result.early_grade is None
    assert result.codes[0] == "anc_early_not_graded"
    assert result.late_grade == 2


def test_no_count_at_all_grades_nothing():
    result = icaht.grade(D0, [])
    assert (result.early_grade, result.late_grade) == (None, None)
    assert result.codes == ["anc_early_not_graded", "anc_late_not_graded"]


def test_no_neutropenia_says_so():
    result = icaht.grade(D0, daily(0, [1800, 900, 2500]))
    assert result.early_grade == 0 and result.late_grade is None
    assert result.codes == ["anc_early_none", "anc_late_not_graded"]
    assert icaht.reason_text(result.reasons[0]) == "No ANC at or below 500/µL from D0 to D30: no early ICAHT."


# --- late ICAHT --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, grade", [(1501, 0), (1500, 1), (1001, 1), (1000, 2), (501, 2), (500, 3), (101, 3),
                                          (100, 4), (0, 4)])
def test_every_late_anc_row_with_two_counts(value, grade):
    assert icaht.grade(D0, [(day(31), value), (day(90), value)]).late_grade == grade


def test_two_counts_need_not_follow_each_other():
    counts = [(day(40), 900), (day(60), 2000), (day(120), 950)]
    assert icaht.grade(D0, counts).late_grade == 2


def test_a_single_low_count_is_named_not_graded():
    result = icaht.grade(D0, [(day(40), 1200), (day(60), 1300), (day(90), 80)])
    assert result.late_grade == 1
    assert result.reasons[-1] == icaht.Reason("anc_late_unconfirmed", {"value": 100, "grade": 4, "after_day": 30})
    assert "repeat the count" in icaht.reason_text(result.reasons[-1])


def test_a_count_on_d30_is_early_and_on_d31_late():
    assert icaht.grade(D0, [(day(30), 300)]).late_grade is None
    assert icaht.grade(D0, [(day(31), 300)]).early_grade is None


# --- T-ICAHT -----------------------------------------------------------------------------------

@pytest.mark.parametrize("days, value, grade", [
    (3, 50, 0),  # 50 G/L is not below 50
    (1, 49, 1), (6, 49, 1),  # < 50: 1-6 days → 1
    (7, 49, 2), (20, 49, 2),  # ≥ 7 days → 2
    (1, 19, 3), (13, 19, 3),  # < 20: 1-13 days → 3
    (14, 19, 4),  # ≥ 14 days → 4
])
def test_every_early_platelet_row(days, value, grade):
    result = icaht.grade(D0, [(D0, 2000)], low_for(days, value, recovered=150))
    assert result.early_platelet_grade == grade
    assert result.late_platelet_grade is None


@pytest.mark.parametrize("platelets, grade", [
    ([(day(40), 100), (day(70), 100)], 0),  # not below 100
    ([(day(40), 99), (day(70), 99)], 1),  # < 100 on two counts → 1
    ([(day(40), 49), (day(70), 49)], 2),  # < 50 on two counts → 2
    ([(day(40), 99), (day(70), 49)], 1),  # < 50 once only: not confirmed
    ([(day(40), 19), (day(41), 150)], 3),  # < 20 for 1 day → 3
    ([(day(40), 19), (day(53), 150)], 3),  # 13 days → 3
    ([(day(40), 19), (day(54), 150)], 4),  # ≥ 14 days → 4
    ([(day(95), 19), (day(120), 19)], 3),  # the late window ends at D100: D95 to D100, 6 days
])
def test_every_late_platelet_row(platelets, grade):
    assert icaht.grade(D0, [(D0, 2000)], platelets).late_platelet_grade == grade


def test_platelets_after_d100_are_not_graded_late():
    result = icaht.grade(D0, [(D0, 2000)], [(day(150), 10), (day(200), 10)])
    assert result.late_platelet_grade is None and "platelets_late_not_graded" in result.codes


def test_without_platelets_there_is_no_t_icaht():
    result = icaht.grade(D0, [(D0, 300)])
    assert (result.early_platelet_grade, result.late_platelet_grade) == (None, None)
    assert not [code for code in result.codes if code.startswith("platelets")]


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("anc, field", [
    ([(day(3), 300), (day(1), 300)], "anc"),  # unordered
    ([(day(3), 300), (day(3), 400)], "anc"),  # twice on a day
    ([(day(3), -1)], "anc"),
    ([(day(-1), 300)], "anc"),  # before D0
    ([(day(3), 0.4)], "anc"),  # G/L typed as /µL
    ([(day(3), 250_000)], "anc"),
    ([(day(3), True)], "anc"),
    ([(day(3), "300")], "anc"),
    ([(day(3),)], "anc"),
    ([(date(2101, 1, 1), 300)], "anc"),
    ("D3 300", "anc"),
])
def test_refused_anc_series(anc, field):
    with pytest.raises(ContradictoryInput) as refused:
        icaht.grade(D0, anc)
    assert refused.value.field == field


@pytest.mark.parametrize("platelets", [[(day(3), 40), (day(2), 40)], [(day(3), 40), (day(3), 40)],
                                       [(day(3), -5)], [(day(-2), 40)], [(day(3), 6000)]])
def test_refused_platelet_series(platelets):
    with pytest.raises(ContradictoryInput) as refused:
        icaht.grade(D0, [(D0, 500)], platelets)
    assert refused.value.field == "platelets"


@pytest.mark.parametrize("infusion_date", [date(1899, 12, 31), date(9999, 12, 31)])
def test_an_implausible_infusion_date_is_refused(infusion_date):
    with pytest.raises(ContradictoryInput) as refused:
        icaht.grade(infusion_date, [])
    assert refused.value.field == "infusion_date"


def test_a_count_after_the_day_of_reading_is_refused():
    with pytest.raises(ContradictoryInput) as refused:
        icaht.grade(D0, [(day(10), 300)], as_of=day(9))
    assert refused.value.field == "as_of"


# --- the table is a site setting ---------------------------------------------------------------

def test_a_site_table_changes_the_grade():
    table = copy.deepcopy(icaht.DEFAULT_ICAHT_TABLE)
    table["anc"]["early"][0]["at_or_below"] = 1000
    counts = low_for(8, 800)
    assert icaht.grade(D0, counts).early_grade == 0
    assert icaht.grade(D0, counts, table=table).early_grade == 2


def test_the_default_table_passes_its_own_check():
    icaht.check_table(icaht.DEFAULT_ICAHT_TABLE)


@pytest.mark.parametrize("spoil", [
    lambda table: table.pop("early_last_day"),
    lambda table: table["anc"]["early"][0].pop("days"),
    lambda table: table["anc"]["early"].append({"at_or_below": 50, "grade": 4}),  # early rows count days
    lambda table: table["anc"]["late"].append({"below": 50, "grade": 4}),  # ANC compares at or below
    lambda table: table["anc"]["late"][0].update(grade=5),
    lambda table: table["anc"]["early"][0].update(days=[[7, 2], [1, 1]]),
    lambda table: table["platelets"].update(late_last_day=20),
    lambda table: table["anc"].update(late_last_day=100),
])
def test_a_malformed_site_table_is_a_configuration_error(spoil):
    table = copy.deepcopy(icaht.DEFAULT_ICAHT_TABLE)
    spoil(table)
    with pytest.raises(ValueError):
        icaht.grade(D0, [(D0, 300)], table=table)


# --- properties: a longer or deeper neutropenia never lowers the grade ------------------------

def rank(grade):
    return -1 if grade is None else grade


def grades(result):
    return (result.early_grade, result.late_grade, result.early_platelet_grade, result.late_platelet_grade)


series = st.lists(st.tuples(st.integers(0, 150), st.integers(0, 3000)), max_size=15,
                  unique_by=lambda count: count[0]).map(sorted)


def dated(counts):
    return [(day(n), value) for n, value in counts]


@settings(max_examples=150)
@given(counts=series, cuts=st.lists(st.integers(0, 3000), min_size=15, max_size=15))
def test_a_deeper_neutropenia_never_lowers_the_grade(counts, cuts):
    deeper = [(n, max(0, value - cut)) for (n, value), cut in zip(counts, cuts)]
    before = icaht.grade(D0, dated(counts), dated(counts))
    after = icaht.grade(D0, dated(deeper), dated(deeper))
    assert all(rank(new) >= rank(old) for old, new in zip(grades(before), grades(after)))


@settings(max_examples=150)
@given(counts=series, new_day=st.integers(0, 150), as_of=st.integers(0, 60))
def test_a_longer_neutropenia_never_lowers_the_grade(counts, new_day, as_of):
    # A new count showing neutropenia on a day nobody measured, or the grade read later: never lower.
    longer = sorted(counts + ([] if new_day in dict(counts) else [(new_day, 0)]))
    before = icaht.grade(D0, dated(counts), dated(counts))
    assert all(rank(new) >= rank(old) for old, new in
               zip(grades(before), grades(icaht.grade(D0, dated(longer), dated(longer)))))
    last = max([n for n, _value in counts] + [0])
    read_later = icaht.grade(D0, dated(counts), dated(counts), as_of=day(last + as_of))
    assert all(rank(new) >= rank(old) for old, new in zip(grades(before), grades(read_later)))


@given(counts=series)
def test_grades_stay_within_zero_to_four(counts):
    result = icaht.grade(D0, dated(counts), dated(counts))
    assert all(grade is None or 0 <= grade <= 4 for grade in grades(result))
    assert all(icaht.reason_text(reason) for reason in result.reasons)
