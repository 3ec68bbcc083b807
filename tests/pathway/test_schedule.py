"""Schedule rules, as pure functions: every product, every date."""

from dataclasses import dataclass
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


@dataclass
class Step:
    """A milestone as the replanning rule reads it (Milestone's fields)."""

    kind: str
    code: str
    day: int
    planned: date
    status: str = schedule.OPEN


def steps_of(plan, *, done=()) -> list[Step]:
    return [Step(p.kind, p.code, p.day, p.date, "done" if p.code in done else schedule.OPEN) for p in plan]


def applied(steps, moves) -> dict[str, date]:
    return {s.code: moves.get(s.code, s.planned) for s in steps}


def offsets_from_d0(plan, d0: date) -> dict[str, date]:
    """Where each step from D0 on belongs for this D0, straight from a fresh plan."""
    return {p.code: schedule.timepoint(d0, p.kind, p.code, p.day) for p in plan if p.kind in schedule.FROM_D0}


slips = st.integers(-40, 40)


@given(protocols, days, st.data(), slips)
def test_recording_a_step_after_d0_on_any_day_moves_no_other_date(protocol, d0, data, slip):
    plan = schedule.plan(protocol, infusion_date=d0)
    after_d0 = [p for p in plan if p.kind in schedule.FROM_D0]
    step = data.draw(st.sampled_from(after_d0))
    infused = data.draw(st.booleans())
    steps = steps_of(plan, done={"D0"} if infused else ())
    assert schedule.moves_when_done(steps, step.code, step.date + timedelta(days=slip)) == {}


@given(protocols, days, st.data(), slips)
def test_once_infused_recording_any_other_step_on_any_day_never_moves_a_date_from_d0(protocol, d0, data, slip):
    plan = schedule.plan(protocol, infusion_date=d0)
    step = data.draw(st.sampled_from([p for p in plan if p.code != "D0"]))
    steps = steps_of(plan, done={"D0"})
    moves = schedule.moves_when_done(steps, step.code, step.date + timedelta(days=slip))
    assert not {code for code in moves if code in offsets_from_d0(plan, d0)}


@given(protocols, days, st.data(), slips)
def test_before_the_infusion_every_date_from_d0_stays_d0_plus_its_offset(protocol, d0, data, slip):
    """A late apheresis or lymphodepletion day moves the planned D0 with it; what comes after follows D0 only."""
    plan = schedule.plan(protocol, infusion_date=d0)
    step = data.draw(st.sampled_from([p for p in plan if p.code != "D0"]))
    steps = steps_of(plan)
    dates = applied(steps, schedule.moves_when_done(steps, step.code, step.date + timedelta(days=slip)))
    new_d0 = dates["D0"]
    assert new_d0 == d0 + timedelta(days=slip if step.kind in schedule.BEFORE_D0 else 0)
    assert {code: dates[code] for code in offsets_from_d0(plan, d0)} == offsets_from_d0(plan, new_d0)


@given(protocols, days, st.data(), slips)
def test_a_step_before_d0_slips_the_later_ones_up_to_d0_and_never_the_earlier_ones(protocol, d0, data, slip):
    plan = schedule.plan(protocol, infusion_date=d0)
    before = [n for n, p in enumerate(plan) if p.kind in schedule.BEFORE_D0]
    index = data.draw(st.sampled_from(before))
    steps = steps_of(plan)
    dates = applied(steps, schedule.moves_when_done(steps, plan[index].code, plan[index].date + timedelta(days=slip)))
    for n, p in enumerate(plan):
        if n <= index:
            assert dates[p.code] == p.date
        elif p.kind in schedule.BEFORE_D0 or p.kind == Kind.INFUSION:
            assert dates[p.code] == p.date + timedelta(days=slip)


@given(protocols, days, st.integers(-20, 20))
def test_recording_d0_on_day_x_puts_every_timepoint_at_x_plus_its_offset(protocol, d0, slip):
    plan = schedule.plan(protocol, infusion_date=d0)
    actual = d0 + timedelta(days=slip)
    steps = steps_of(plan, done={p.code for p in plan if p.kind in schedule.BEFORE_D0})
    dates = applied(steps, schedule.moves_when_done(steps, "D0", actual))
    fresh = {p.code: p.date for p in schedule.plan(protocol, infusion_date=actual)}
    assert {code: dates[code] for code in offsets_from_d0(plan, d0)} == {
        code: fresh[code] for code in offsets_from_d0(plan, d0)}
    assert all(dates[p.code] == p.date for p in plan if p.kind in schedule.BEFORE_D0)


@given(protocols, days, st.data(), slips)
def test_moving_a_planned_step_after_d0_moves_that_step_alone(protocol, d0, data, slip):
    plan = schedule.plan(protocol, infusion_date=d0)
    step = data.draw(st.sampled_from([p for p in plan if p.kind in schedule.FROM_D0]))
    new_date = step.date + timedelta(days=slip)
    assert schedule.moves_when_replanned(steps_of(plan), step.code, new_date) == {step.code: new_date}


def test_a_discharge_eleven_days_early_at_d_plus_3_leaves_the_follow_up_on_d0():
    """The walk-through's case: D0 on Wednesday 2 December 2026, discharge recorded on D+3."""
    yescarta = next(p for p in DEFAULTS if p.product == "yescarta")
    d0 = date(2026, 12, 2)
    plan = schedule.plan(yescarta, infusion_date=d0)
    steps = steps_of(plan, done={p.code for p in plan if p.kind in schedule.BEFORE_D0} | {"D0"})
    assert schedule.moves_when_done(steps, "DIS", d0 + timedelta(days=3)) == {}


def test_follow_up_timepoints_fall_on_calendar_dates():
    d0 = date(2028, 2, 29)
    follow = {code: schedule.follow_up_date(d0, code) for code in ("D100", "M6", "M12", "Y15")}
    assert follow == {"D100": date(2028, 6, 8), "M6": date(2028, 8, 29),
                      "M12": date(2029, 2, 28),  # no 29 February in 2029
                      "Y15": date(2043, 2, 28)}


def test_the_pathway_plans_no_visit_after_d0_the_follow_up_room_does():
    plan = schedule.plan(DEFAULTS[3], infusion_date=date(2028, 2, 29))
    assert not by_kind(plan, Kind.FOLLOW_UP) and not by_kind(plan, Kind.ASSESSMENT)


@pytest.mark.parametrize("text, expected", [
    ("D7 D14 D28 D100 M6 M12 Y2", ("D7", "D14", "D28", "D100", "M6", "M12", "Y2")),
    ("y2, d100 m6", ("D100", "M6", "Y2")),  # any case, commas, put in date order
])
def test_a_sites_timepoints_are_read_in_date_order(text, expected):
    assert schedule.parse_timepoints(text) == expected


@pytest.mark.parametrize("text", ["", "D7 D7", "M12 Y1", "W3", "D", "M0", "Y-1"])
def test_a_wrong_timepoint_list_is_refused(text):
    with pytest.raises(schedule.ScheduleError) as refused:
        schedule.parse_timepoints(text)
    assert refused.value.field == "follow_up"


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
