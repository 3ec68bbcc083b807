"""Schedule rules, as pure functions: every product, every date."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.pathway import schedule
from cellrelay.pathway.protocols import DEFAULTS
from cellrelay.pathway.schedule import Kind

protocols = st.sampled_from(DEFAULTS)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31))


def by_kind(milestones, kind):
    return [m for m in milestones if m.kind == kind]


@given(protocols, days)
def test_ld_days_precede_d0_by_the_templates_offsets(protocol, d0):
    plan = schedule.plan(protocol, infusion_date=d0)
    ld = by_kind(plan, Kind.LYMPHODEPLETION)
    assert [(m.date - d0).days for m in ld] == sorted(day for day, _drugs in protocol.ld_days)
    assert by_kind(plan, Kind.INFUSION)[0].date == d0
    assert all(m.date < d0 for m in ld)


@given(protocols, days)
def test_rest_days_fill_the_gap_between_ld_and_d0(protocol, d0):
    plan = schedule.plan(protocol, infusion_date=d0)
    last_ld = max(m.date for m in by_kind(plan, Kind.LYMPHODEPLETION))
    assert [m.date for m in by_kind(plan, Kind.REST)] == [last_ld + timedelta(days=n) for n in
                                                          range(1, (d0 - last_ld).days)]


@given(protocols, days)
def test_apheresis_is_never_on_a_weekend_or_holiday(protocol, d0):
    apheresis = by_kind(schedule.plan(protocol, infusion_date=d0), Kind.APHERESIS)[0].date
    assert apheresis.weekday() < 5
    assert apheresis not in schedule.french_holidays(apheresis.year)


@given(protocols, days)
def test_the_product_is_back_before_admission(protocol, d0):
    plan = schedule.plan(protocol, infusion_date=d0)
    receipt, admission = by_kind(plan, Kind.PRODUCT_RECEIPT)[0], by_kind(plan, Kind.ADMISSION)[0]
    assert receipt.date < admission.date


@given(protocols, days.filter(schedule.is_working_day))
def test_from_an_apheresis_date_d0_follows_the_lead_time(protocol, apheresis):
    plan = schedule.plan(protocol, apheresis_date=apheresis)
    assert plan[0].kind == Kind.APHERESIS and plan[0].date == apheresis
    receipt = by_kind(plan, Kind.PRODUCT_RECEIPT)[0]
    assert (receipt.date - apheresis).days == protocol.manufacturing_days
    assert by_kind(plan, Kind.ADMISSION)[0].date == receipt.date + timedelta(days=1)


@given(protocols, days.filter(lambda d: not schedule.is_working_day(d)))
def test_an_apheresis_date_on_a_weekend_or_holiday_is_refused(protocol, apheresis):
    with pytest.raises(schedule.ScheduleError) as refused:
        schedule.plan(protocol, apheresis_date=apheresis)
    assert refused.value.field == "apheresis_date"


@given(protocols, days, st.data())
def test_slipping_a_milestone_moves_only_later_ones(protocol, d0, data):
    plan = schedule.plan(protocol, infusion_date=d0)
    index = data.draw(st.integers(0, len(plan) - 1))
    slip = data.draw(st.integers(-10, 30))
    moved = schedule.shift_from(plan, index, plan[index].date + timedelta(days=slip))
    assert moved[:index] == plan[:index]
    assert all((after.date - before.date).days == slip for before, after in zip(plan[index:], moved[index:]))


def test_follow_up_reaches_year_15_on_calendar_dates():
    plan = schedule.plan(DEFAULTS[3], infusion_date=date(2028, 2, 29))
    follow = {m.code: m.date for m in by_kind(plan, Kind.FOLLOW_UP)}
    assert follow["D100"] == date(2028, 6, 8)
    assert follow["M6"] == date(2028, 8, 29)
    assert follow["M12"] == date(2029, 2, 28)  # no 29 February in 2029
    assert follow["Y15"] == date(2043, 2, 28)
    assert [m.code for m in by_kind(plan, Kind.ASSESSMENT)] == ["D7", "D14", "D28"]


def test_the_default_pattern_is_3_ld_days_2_rest_days_infusion_on_day_6():
    plan = schedule.plan(next(p for p in DEFAULTS if p.product == "yescarta"), infusion_date=date(2026, 12, 10))
    kinds = [m.kind for m in plan if Kind.ALL.index(m.kind) in range(3, 6)]
    assert kinds == [Kind.LYMPHODEPLETION] * 3 + [Kind.REST] * 2 + [Kind.INFUSION]


@pytest.mark.parametrize("product, indication, weight, height, expected", [
    # BSA = sqrt(175 × 70 / 3600) = 1.8447 → 1.84 m²; Cy 500 × 1.84 = 920 mg; Flu 30 × 1.84 = 55.2 mg.
    ("yescarta", "lbcl", 70, 175, {"cyclophosphamide": 920.0, "fludarabine": 55.2}),
    # BSA = sqrt(160 × 55 / 3600) = 1.5635 → 1.56 m²; Flu 25 × 1.56 = 39.0; Cy 900 × 1.56 = 1404.0 (D-2 only).
    ("tecartus", "b_all", 55, 160, {"fludarabine": 39.0, "cyclophosphamide": 1404.0}),
    # BSA = sqrt(182 × 95 / 3600) = 2.1916 → 2.19 m²; Cy 300 × 2.19 = 657.0; Flu 30 × 2.19 = 65.7.
    ("carvykti", "mm", 95, 182, {"cyclophosphamide": 657.0, "fludarabine": 65.7}),
])
def test_doses_against_hand_computed_values(product, indication, weight, height, expected):
    protocol = next(p for p in DEFAULTS if (p.product, p.indication) == (product, indication))
    plan = schedule.plan(protocol, infusion_date=date(2026, 12, 10), weight_kg=weight, height_cm=height)
    doses = {d.drug: d.dose_mg for m in by_kind(plan, Kind.LYMPHODEPLETION) for d in m.drugs}
    assert doses == expected


def test_kymriah_all_gives_cyclophosphamide_on_two_of_four_days():
    protocol = next(p for p in DEFAULTS if (p.product, p.indication) == ("kymriah", "b_all"))
    plan = schedule.plan(protocol, infusion_date=date(2026, 12, 10), weight_kg=40, height_cm=150)
    drugs = [[d.drug for d in m.drugs] for m in by_kind(plan, Kind.LYMPHODEPLETION)]
    assert drugs == [["fludarabine", "cyclophosphamide"]] * 2 + [["fludarabine"]] * 2


def test_a_protocol_with_an_ld_day_after_d0_is_refused():
    bad = DEFAULTS[3].__class__(**{**DEFAULTS[3].__dict__, "ld_days": ((-3, ()), (1, ()))})
    with pytest.raises(schedule.ScheduleError) as refused:
        schedule.plan(bad, infusion_date=date(2026, 12, 10))
    assert refused.value.field == "ld_days"
