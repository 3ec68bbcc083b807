"""Toxicity grading rules, as pure functions: every row and every rule of grading.md."""

import ast
import inspect
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cellrelay.monitoring import grading
from cellrelay.monitoring.grading import ContradictoryInput, capd_score, crs_grade, ice_score, icans_grade

P = pytest.param


# --- CRS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("temperature, treated, hypotension, oxygen, flow, grade, reasons", [
    # ASTCT table, one row per cell
    P(38.6, False, "none", "none", None, 1, ["fever"], id="table-g1-fever-only"),
    P(38.6, False, "no_vasopressor", "none", None, 2, ["fever", "hypotension_no_vasopressor"],
      id="table-g2-hypotension-without-vasopressor"),
    P(38.6, False, "none", "low_flow", 4, 2, ["fever", "oxygen_low_flow"], id="table-g2-low-flow-cannula"),
    P(38.6, False, "none", "blow_by", None, 2, ["fever", "oxygen_blow_by"], id="table-g2-blow-by"),
    P(38.6, False, "one_vasopressor", "none", None, 3, ["fever", "hypotension_one_vasopressor"],
      id="table-g3-one-vasopressor"),
    P(38.6, False, "none", "high_flow", 10, 3, ["fever", "oxygen_high_flow"], id="table-g3-high-flow-cannula"),
    P(38.6, False, "none", "facemask", None, 3, ["fever", "oxygen_facemask"], id="table-g3-facemask"),
    P(38.6, False, "none", "non_rebreather", None, 3, ["fever", "oxygen_non_rebreather"],
      id="table-g3-non-rebreather"),
    P(38.6, False, "none", "venturi", None, 3, ["fever", "oxygen_venturi"], id="table-g3-venturi"),
    P(38.6, False, "multiple_vasopressors", "none", None, 4, ["fever", "hypotension_multiple_vasopressors"],
      id="table-g4-several-vasopressors"),
    P(38.6, False, "none", "positive_pressure", None, 4, ["fever", "oxygen_positive_pressure"],
      id="table-g4-positive-pressure"),
    # bullet: the more severe of hypotension and hypoxia
    P(39.0, False, "one_vasopressor", "low_flow", 3, 3, ["fever", "hypotension_one_vasopressor", "oxygen_low_flow"],
      id="rule-more-severe-domain-fever-one-vasopressor-low-flow-is-3"),
    P(39.0, False, "no_vasopressor", "positive_pressure", None, 4,
      ["fever", "hypotension_no_vasopressor", "oxygen_positive_pressure"], id="rule-more-severe-domain-hypoxia-wins"),
    # bullet: fever ≥ 38.0 °C
    P(38.0, False, "none", "none", None, 1, ["fever"], id="rule-fever-from-38.0"),
    P(37.9, False, "none", "none", None, 0, ["no_fever_no_treatment"], id="rule-37.9-is-no-fever"),
    # bullet: without fever and without therapy there is no CRS
    P(37.0, False, "multiple_vasopressors", "positive_pressure", None, 0, ["no_fever_no_treatment"],
      id="rule-no-fever-no-treatment-no-crs-even-with-shock"),
    # bullet: after antipyretics / anti-cytokine therapy fever is no longer required
    P(37.0, True, "one_vasopressor", "none", None, 3, ["fever_not_required_after_treatment",
                                                         "hypotension_one_vasopressor"],
      id="rule-after-treatment-fever-not-required"),
    P(36.5, True, "none", "high_flow", 12, 3, ["fever_not_required_after_treatment", "oxygen_high_flow"],
      id="rule-after-treatment-graded-on-hypoxia"),
    P(37.0, True, "none", "none", None, 0, ["no_hypotension_no_hypoxia_after_treatment"],
      id="decision-after-treatment-nothing-to-grade-is-0"),
    P(38.5, True, "none", "none", None, 1, ["fever"], id="rule-fever-after-treatment-still-grade-1"),
    # nasal cannula flow: ≤ 6 L/min low-flow, > 6 high-flow; the flow decides
    P(38.6, False, "none", "low_flow", 6, 2, ["fever", "oxygen_low_flow"], id="rule-6-l-min-is-low-flow"),
    P(38.6, False, "none", "low_flow", 8, 3, ["fever", "flow_decides_high", "oxygen_high_flow"],
      id="decision-low-flow-at-8-l-min-graded-high-flow"),
    P(38.6, False, "none", "high_flow", 6, 2, ["fever", "flow_decides_low", "oxygen_low_flow"],
      id="decision-high-flow-at-6-l-min-graded-low-flow"),
    P(38.6, False, "none", "high_flow", 6.1, 3, ["fever", "oxygen_high_flow"], id="rule-above-6-l-min-is-high-flow"),
    P(38.6, False, "none", "low_flow", None, 2, ["fever", "oxygen_low_flow"], id="decision-no-flow-kind-stands"),
    P(38.6, False, "none", "facemask", 2, 3, ["fever", "oxygen_facemask"], id="decision-flow-ignored-for-masks"),
    P(38.6, False, "none", "none", 0, 1, ["fever"], id="decision-no-oxygen-at-0-l-min"),
])
def test_crs_table_and_rules(temperature, treated, hypotension, oxygen, flow, grade, reasons):
    assert crs_grade(temperature, treated, hypotension, oxygen, flow) == grading.Grade(grade, reasons)


def test_crs_accepts_the_models_decimals():
    assert crs_grade(Decimal("38.0"), False, "none", "high_flow", Decimal("6.0")).grade == 2


@pytest.mark.parametrize("change, field", [
    P({"temperature_c": 29.9}, "temperature_c", id="temperature-below-30"),
    P({"temperature_c": 45.1}, "temperature_c", id="temperature-above-45"),
    P({"temperature_c": None}, "temperature_c", id="temperature-missing"),
    P({"hypotension": "severe"}, "hypotension", id="hypotension-unknown"),
    P({"oxygen": "cannula"}, "oxygen", id="oxygen-unknown"),
    P({"oxygen_flow_l_min": -1}, "oxygen_flow_l_min", id="flow-negative"),
    P({"oxygen_flow_l_min": 81}, "oxygen_flow_l_min", id="flow-above-80"),
    P({"oxygen": "none", "oxygen_flow_l_min": 3}, "oxygen_flow_l_min", id="decision-flow-without-oxygen"),
])
def test_crs_refuses_bad_input_naming_the_field(change, field):
    inputs = {"temperature_c": 38.6, "antipyretic_or_anticytokine_given": False, "hypotension": "none",
              "oxygen": "low_flow", "oxygen_flow_l_min": 4, **change}
    with pytest.raises(ContradictoryInput) as refused:
        crs_grade(**inputs)
    assert refused.value.field == field
    assert isinstance(refused.value, ValueError)


temperatures = st.floats(30, 45)
flows = st.none() | st.floats(0, 80)
crs_inputs = st.fixed_dictionaries({
    "temperature_c": temperatures, "antipyretic_or_anticytokine_given": st.booleans(),
    "hypotension": st.sampled_from(grading.HYPOTENSION), "oxygen": st.sampled_from(grading.OXYGEN),
    "oxygen_flow_l_min": flows,
})


def crs(**inputs):
    if inputs["oxygen"] == "none":
        inputs["oxygen_flow_l_min"] = None
    return crs_grade(**inputs)


@given(crs_inputs, st.data())
def test_crs_never_decreases_when_hypotension_worsens(inputs, data):
    worse = data.draw(st.sampled_from(grading.HYPOTENSION[grading.HYPOTENSION.index(inputs["hypotension"]):]))
    assert crs(**{**inputs, "hypotension": worse}).grade >= crs(**inputs).grade


@given(crs_inputs, st.data())
def test_crs_never_decreases_when_oxygen_worsens(inputs, data):
    worse = data.draw(st.sampled_from(grading.OXYGEN[grading.OXYGEN.index(inputs["oxygen"]):]))
    assert crs(**{**inputs, "oxygen": worse}).grade >= crs(**inputs).grade


@given(crs_inputs, st.data())
def test_crs_never_decreases_with_more_fever_or_with_treatment(inputs, data):
    hotter = data.draw(st.floats(inputs["temperature_c"], 45))
    assert crs(**{**inputs, "temperature_c": hotter}).grade >= crs(**inputs).grade
    assert crs(**{**inputs, "antipyretic_or_anticytokine_given": True}).grade >= crs(**inputs).grade


@given(crs_inputs)
def test_crs_grade_is_the_max_of_hypotension_and_hypoxia(inputs):
    hypotension_only = crs(**{**inputs, "oxygen": "none"}).grade
    hypoxia_only = crs(**{**inputs, "hypotension": "none"}).grade
    assert crs(**inputs).grade == max(hypotension_only, hypoxia_only)


@given(crs_inputs)
def test_crs_grade_is_0_to_4_and_every_reason_has_a_text(inputs):
    result = crs(**inputs)
    assert 0 <= result.grade <= 4  # grade 5 (death) is recorded by a physician, never computed
    assert result.reasons and set(result.reasons) <= set(grading.REASON_TEXT)


# --- ICE and CAPD ------------------------------------------------------------------------------

@pytest.mark.parametrize("item", grading.ICE_ITEMS)
def test_each_ice_item_is_worth_one_point(item):
    assert ice_score(**{name: name == item for name in grading.ICE_ITEMS}) == 1
    assert ice_score(**{name: name != item for name in grading.ICE_ITEMS}) == 9


def test_ice_table_totals():
    assert ice_score(*[True] * 10) == 10
    assert ice_score(*[False] * 10) == 0
    # orientation 4 + naming 3 + commands 1 + writing 1 + attention 1
    assert ice_score(True, True, True, True, True, True, False, True, False, True) == 8
    assert ice_score(*[1] * 4 + [0] * 6) == 4


@pytest.mark.parametrize("value", [2, -1, None, "yes"])
def test_an_ice_item_outside_0_1_is_refused_by_name(value):
    answers = {name: True for name in grading.ICE_ITEMS} | {"writes_sentence": value}
    with pytest.raises(ContradictoryInput) as refused:
        ice_score(**answers)
    assert refused.value.field == "writes_sentence"


NEVER, RARELY, SOMETIMES, OFTEN, ALWAYS = range(5)
CAPD_ITEMS = grading.CAPD_REVERSED_ITEMS + grading.CAPD_STRAIGHT_ITEMS


@pytest.mark.parametrize("item", grading.CAPD_REVERSED_ITEMS)
def test_capd_items_1_to_4_are_reversed(item):
    best = {name: ALWAYS for name in grading.CAPD_REVERSED_ITEMS} | {name: NEVER for name in
                                                                      grading.CAPD_STRAIGHT_ITEMS}
    assert capd_score(**best) == 0
    assert capd_score(**best | {item: NEVER}) == 4
    assert capd_score(**best | {item: OFTEN}) == 1


@pytest.mark.parametrize("item", grading.CAPD_STRAIGHT_ITEMS)
def test_capd_items_5_to_8_are_straight(item):
    best = {name: ALWAYS for name in grading.CAPD_REVERSED_ITEMS} | {name: NEVER for name in
                                                                      grading.CAPD_STRAIGHT_ITEMS}
    assert capd_score(**best | {item: ALWAYS}) == 4
    assert capd_score(**best | {item: RARELY}) == 1


def test_capd_totals():
    assert capd_score(*[NEVER] * 8) == 16  # 4 × 4 reversed + 4 × 0
    assert capd_score(*[ALWAYS] * 8) == 16  # 4 × 0 + 4 × 4
    assert capd_score(*[NEVER] * 4 + [ALWAYS] * 4) == 32
    # eye contact often (1), purposeful sometimes (2), aware always (0), communicates rarely (3),
    # restless sometimes (2), inconsolable never (0), underactive often (3), slow always (4) = 15
    assert capd_score(OFTEN, SOMETIMES, ALWAYS, RARELY, SOMETIMES, NEVER, OFTEN, ALWAYS) == 15


@pytest.mark.parametrize("item", CAPD_ITEMS)
@pytest.mark.parametrize("value", [5, -1, 2.5, None, True])
def test_a_capd_answer_outside_0_4_is_refused_by_name(item, value):
    with pytest.raises(ValueError) as refused:
        capd_score(**{name: SOMETIMES for name in CAPD_ITEMS} | {item: value})
    assert refused.value.field == item


# --- ICANS -------------------------------------------------------------------------------------

CALM = {"age_years": 54, "ice_score": 10, "capd_score": None, "consciousness": "normal",
        "consciousness_due_to_sedation": False, "seizure": "none", "motor_weakness": False, "cerebral_edema": "none",
        "aphasia_global": False}
CHILD = CALM | {"age_years": 8, "ice_score": None, "capd_score": 2}


@pytest.mark.parametrize("change, grade, reasons", [
    # ASTCT table, ICE domain
    *[P({"ice_score": ice}, 1, ["ice_7_9"], id=f"table-ice-{ice}-g1") for ice in (7, 8, 9)],
    *[P({"ice_score": ice}, 2, ["ice_3_6"], id=f"table-ice-{ice}-g2") for ice in (3, 4, 5, 6)],
    *[P({"ice_score": ice}, 3, ["ice_0_2"], id=f"table-ice-{ice}-g3") for ice in (0, 1, 2)],
    P({"ice_score": 0, "consciousness": "unarousable"}, 4, ["consciousness_unarousable", "ice_0_unarousable"],
      id="table-ice-0-unarousable-g4"),
    # ASTCT table, depressed consciousness
    P({"consciousness": "awakens_spontaneously"}, 1, ["consciousness_awakens_spontaneously"],
      id="table-consciousness-spontaneously-g1"),
    P({"consciousness": "awakens_to_voice"}, 2, ["consciousness_awakens_to_voice"], id="table-consciousness-voice-g2"),
    P({"consciousness": "awakens_to_touch"}, 3, ["consciousness_awakens_to_touch"], id="table-consciousness-touch-g3"),
    P({"consciousness": "unarousable", "ice_score": None}, 4, ["consciousness_unarousable", "ice_0_unarousable"],
      id="table-consciousness-unarousable-g4"),
    # ASTCT table, seizure, motor, raised ICP / oedema
    P({"seizure": "rapidly_resolving"}, 3, ["seizure_rapidly_resolving"], id="table-seizure-rapidly-resolving-g3"),
    P({"seizure": "prolonged_or_repetitive"}, 4, ["seizure_prolonged_or_repetitive"],
      id="table-seizure-prolonged-or-repetitive-g4"),
    P({"motor_weakness": True}, 4, ["motor_weakness"], id="table-motor-weakness-g4"),
    P({"cerebral_edema": "focal"}, 3, ["cerebral_edema_focal"], id="table-focal-oedema-g3"),
    P({"cerebral_edema": "diffuse"}, 4, ["cerebral_edema_diffuse"], id="table-diffuse-oedema-g4"),
    # bullet: the most severe domain sets the grade
    P({"ice_score": 3, "seizure": "rapidly_resolving"}, 3, ["ice_3_6", "seizure_rapidly_resolving"],
      id="rule-most-severe-ice-3-plus-seizure-is-3"),
    P({"ice_score": 8, "cerebral_edema": "focal", "consciousness": "awakens_to_voice"}, 3,
      ["consciousness_awakens_to_voice", "ice_7_9", "cerebral_edema_focal"], id="rule-most-severe-oedema-wins"),
    P({"ice_score": 5, "motor_weakness": True}, 4, ["ice_3_6", "motor_weakness"], id="rule-most-severe-motor-wins"),
    # bullet: ICE 0 awake and globally aphasic is 3; unarousable is 4
    P({"ice_score": 0, "aphasia_global": True}, 3, ["ice_0_aphasia_global"], id="rule-ice-0-awake-aphasic-is-3"),
    P({"ice_score": 0, "consciousness": "unarousable"}, 4, ["consciousness_unarousable", "ice_0_unarousable"],
      id="rule-ice-0-unarousable-is-4"),
    # bullet: depressed consciousness caused by sedation does not count
    P({"consciousness": "awakens_to_touch", "consciousness_due_to_sedation": True}, 0, ["sedation_excluded"],
      id="rule-sedation-consciousness-not-counted"),
    P({"consciousness": "awakens_to_voice", "consciousness_due_to_sedation": True, "ice_score": 5}, 2,
      ["sedation_excluded", "ice_3_6"], id="rule-sedation-ice-of-a-wakeable-patient-counts"),
    P({"consciousness": "awakens_to_touch", "consciousness_due_to_sedation": True, "ice_score": 0}, 3,
      ["sedation_excluded", "ice_0_2"], id="decision-sedated-wakeable-ice-0-counts"),
    P({"consciousness": "unarousable", "consciousness_due_to_sedation": True, "ice_score": None}, 0,
      ["sedation_excluded", "ice_not_assessable_sedation"], id="decision-sedated-unarousable-ice-not-assessable"),
    P({"consciousness": "unarousable", "consciousness_due_to_sedation": True, "ice_score": 0,
       "seizure": "rapidly_resolving"}, 3, ["sedation_excluded", "ice_not_assessable_sedation",
                                            "seizure_rapidly_resolving"], id="rule-sedation-other-domains-count"),
    # bullet: ICE 10 with no other finding is no ICANS
    P({}, 0, ["no_icans_finding"], id="rule-ice-10-no-finding-is-0"),
    # age boundary: 12 and over use ICE by default
    P({"age_years": 12, "ice_score": 8}, 1, ["ice_7_9"], id="rule-boundary-12-uses-ice"),
])
def test_icans_table_and_rules(change, grade, reasons):
    assert icans_grade(**CALM | change) == grading.Grade(grade, reasons)


@pytest.mark.parametrize("change, grade, reasons", [
    # ASTCT paediatric table and grading.md's CAPD rules
    P({"capd_score": 9}, 3, ["capd_9_or_more"], id="child-capd-9-is-3"),
    P({"capd_score": 32}, 3, ["capd_9_or_more"], id="child-capd-32-is-3"),
    P({"capd_score": 8, "consciousness": "awakens_spontaneously"}, 1, ["consciousness_awakens_spontaneously"],
      id="child-capd-below-9-awakens-spontaneously-is-1"),
    P({"capd_score": 8, "consciousness": "awakens_to_voice"}, 2, ["consciousness_awakens_to_voice"],
      id="child-capd-below-9-awakens-to-voice-is-2"),
    P({"capd_score": 8}, 0, ["no_icans_finding"], id="decision-child-capd-below-9-alert-is-0"),
    P({"capd_score": 0}, 0, ["no_icans_finding"], id="child-capd-0-is-0"),
    P({"capd_score": 12, "consciousness": "awakens_to_touch"}, 3, ["consciousness_awakens_to_touch", "capd_9_or_more"],
      id="child-awakens-to-touch-is-3"),
    P({"capd_score": None, "consciousness": "unarousable"}, 4, ["consciousness_unarousable", "capd_not_performable"],
      id="child-unable-to-perform-capd-is-4"),
    P({"capd_score": None, "consciousness": "unarousable", "consciousness_due_to_sedation": True}, 0,
      ["sedation_excluded", "capd_not_assessable_sedation"], id="decision-child-sedated-unarousable"),
    P({"capd_score": 4, "consciousness": "awakens_to_voice", "consciousness_due_to_sedation": True}, 0,
      ["sedation_excluded"], id="child-sedation-not-counted"),
    # seizure, motor and oedema domains as in adults
    P({"seizure": "rapidly_resolving"}, 3, ["seizure_rapidly_resolving"], id="child-seizure-g3"),
    P({"seizure": "prolonged_or_repetitive"}, 4, ["seizure_prolonged_or_repetitive"], id="child-seizure-g4"),
    P({"motor_weakness": True}, 4, ["motor_weakness"], id="child-motor-g4"),
    P({"cerebral_edema": "focal"}, 3, ["cerebral_edema_focal"], id="child-focal-oedema-g3"),
    P({"cerebral_edema": "diffuse"}, 4, ["cerebral_edema_diffuse"], id="child-diffuse-oedema-g4"),
    P({"aphasia_global": True}, 0, ["no_icans_finding"], id="decision-child-aphasia-left-to-the-capd"),
    P({"age_years": 11.9, "capd_score": 10}, 3, ["capd_9_or_more"], id="rule-boundary-below-12-uses-capd"),
])
def test_icans_in_children(change, grade, reasons):
    assert icans_grade(**CHILD | change) == grading.Grade(grade, reasons)


def test_the_capd_age_boundary_is_a_parameter():
    assert icans_grade(**CALM | {"age_years": 12, "ice_score": None, "capd_score": 10}, capd_below_age=13).grade == 3
    with pytest.raises(ContradictoryInput) as refused:
        icans_grade(**CALM | {"age_years": 12}, capd_below_age=13)
    assert refused.value.field == "ice_score"


def test_tremor_and_myoclonus_are_not_parameters():
    parameters = " ".join(inspect.signature(icans_grade).parameters)
    assert "tremor" not in parameters and "myoclonus" not in parameters and "haemorrhage" not in parameters


@pytest.mark.parametrize("inputs, field", [
    P(CALM | {"ice_score": 10, "aphasia_global": True}, "ice_score", id="ice-10-with-global-aphasia"),
    P(CALM | {"ice_score": 3, "aphasia_global": True}, "ice_score", id="decision-aphasia-means-ice-0"),
    P(CALM | {"ice_score": 5, "consciousness": "unarousable"}, "ice_score", id="unarousable-with-ice-above-0"),
    P(CALM | {"ice_score": 0, "consciousness": "unarousable", "aphasia_global": True}, "aphasia_global",
      id="decision-unarousable-cannot-be-aphasic"),
    P(CALM | {"capd_score": 4}, "capd_score", id="adult-with-both-scores"),
    P(CHILD | {"ice_score": 9}, "ice_score", id="child-with-both-scores"),
    P(CALM | {"ice_score": None}, "ice_score", id="adult-without-ice"),
    P(CHILD | {"capd_score": None}, "capd_score", id="child-without-capd"),
    P(CALM | {"ice_score": None, "capd_score": 12}, "capd_score", id="adult-with-capd-only"),
    P(CHILD | {"capd_score": None, "ice_score": 8}, "ice_score", id="child-with-ice-only"),
    P(CHILD | {"capd_score": 20, "consciousness": "unarousable"}, "capd_score",
      id="decision-unarousable-child-capd-left-empty"),
    P(CALM | {"consciousness_due_to_sedation": True}, "consciousness_due_to_sedation",
      id="decision-sedation-with-normal-consciousness"),
    P(CALM | {"ice_score": 11}, "ice_score", id="ice-above-10"),
    P(CALM | {"ice_score": -1}, "ice_score", id="ice-below-0"),
    P(CALM | {"ice_score": 7.5}, "ice_score", id="ice-not-whole"),
    P(CHILD | {"capd_score": 33}, "capd_score", id="capd-above-32"),
    P(CHILD | {"capd_score": -1}, "capd_score", id="capd-below-0"),
    P(CALM | {"age_years": 121}, "age_years", id="age-above-120"),
    P(CALM | {"age_years": -1}, "age_years", id="age-below-0"),
    P(CALM | {"age_years": None}, "age_years", id="age-missing"),
    P(CALM | {"consciousness": "drowsy"}, "consciousness", id="consciousness-unknown"),
    P(CALM | {"seizure": "focal"}, "seizure", id="seizure-unknown"),
    P(CALM | {"cerebral_edema": "some"}, "cerebral_edema", id="oedema-unknown"),
])
def test_icans_refuses_contradictions_naming_the_field(inputs, field):
    with pytest.raises(ContradictoryInput) as refused:
        icans_grade(**inputs)
    assert refused.value.field == field
    assert refused.value.message in refused.value.args


@st.composite
def adult_findings(draw, arousable=False):
    """Valid ICE-assessed findings (arousable=True: the ICE is free to take any value)."""
    levels = grading.CONSCIOUSNESS[:-1] if arousable else grading.CONSCIOUSNESS
    consciousness = draw(st.sampled_from(levels))
    unarousable = consciousness == "unarousable"
    ice = draw(st.sampled_from([0, None])) if unarousable else draw(st.integers(0, 10))
    return {
        "age_years": draw(st.integers(12, 120)), "ice_score": ice, "capd_score": None,
        "consciousness": consciousness,
        "consciousness_due_to_sedation": consciousness != "normal" and draw(st.booleans()),
        "seizure": draw(st.sampled_from(grading.SEIZURE)), "motor_weakness": draw(st.booleans()),
        "cerebral_edema": draw(st.sampled_from(grading.CEREBRAL_EDEMA)),
        "aphasia_global": ice == 0 and not unarousable and draw(st.booleans()),
    }


@st.composite
def child_findings(draw):
    consciousness = draw(st.sampled_from(grading.CONSCIOUSNESS))
    unarousable = consciousness == "unarousable"
    return {
        "age_years": draw(st.floats(0, 11.99)), "ice_score": None,
        "capd_score": None if unarousable else draw(st.integers(0, 32)), "consciousness": consciousness,
        "consciousness_due_to_sedation": consciousness != "normal" and draw(st.booleans()),
        "seizure": draw(st.sampled_from(grading.SEIZURE)), "motor_weakness": draw(st.booleans()),
        "cerebral_edema": draw(st.sampled_from(grading.CEREBRAL_EDEMA)), "aphasia_global": False,
    }


def worse_than(choices, value):
    return st.sampled_from(choices[choices.index(value):])


@given(adult_findings(arousable=True), st.data())
def test_icans_never_decreases_when_the_ice_falls(findings, data):
    lower = data.draw(st.integers(0, findings["ice_score"]))
    assert icans_grade(**findings | {"ice_score": lower}).grade >= icans_grade(**findings).grade


@given(adult_findings(), st.data())
def test_icans_never_decreases_when_consciousness_worsens(findings, data):
    findings["consciousness_due_to_sedation"] = False
    worse = data.draw(worse_than(grading.CONSCIOUSNESS, findings["consciousness"]))
    # reaching "unarousable" means the ICE can no longer be done: it falls to 0
    changes = {"consciousness": worse} | ({"ice_score": 0, "aphasia_global": False} if worse == "unarousable" else {})
    assert icans_grade(**findings | changes).grade >= icans_grade(**findings).grade


@given(adult_findings() | child_findings(), st.data())
def test_icans_never_decreases_when_seizure_oedema_or_motor_worsen(findings, data):
    before = icans_grade(**findings).grade
    assert icans_grade(**findings | {"seizure": data.draw(worse_than(grading.SEIZURE, findings["seizure"]))}
                       ).grade >= before
    assert icans_grade(**findings | {"cerebral_edema": data.draw(worse_than(grading.CEREBRAL_EDEMA,
                                                                             findings["cerebral_edema"]))}
                       ).grade >= before
    assert icans_grade(**findings | {"motor_weakness": True}).grade >= before


@given(child_findings(), st.data())
def test_icans_never_decreases_when_the_capd_rises(findings, data):
    assume(findings["capd_score"] is not None)
    higher = data.draw(st.integers(findings["capd_score"], 32))
    assert icans_grade(**findings | {"capd_score": higher}).grade >= icans_grade(**findings).grade


@given(st.floats(12, 120))
def test_ice_10_and_no_other_finding_is_grade_0(age):
    assert icans_grade(**CALM | {"age_years": age}) == grading.Grade(0, ["no_icans_finding"])


@given(adult_findings() | child_findings())
def test_icans_grade_is_the_max_of_the_domains(findings):
    quiet = {"seizure": "none", "motor_weakness": False, "cerebral_edema": "none"}
    alert = (CHILD if findings["age_years"] < 12 else CALM) | {"age_years": findings["age_years"]}
    domains = [
        icans_grade(**findings | quiet).grade,  # ICE or CAPD, with consciousness
        icans_grade(**alert | {"seizure": findings["seizure"]}).grade,
        icans_grade(**alert | {"motor_weakness": findings["motor_weakness"]}).grade,
        icans_grade(**alert | {"cerebral_edema": findings["cerebral_edema"]}).grade,
    ]
    assert icans_grade(**findings).grade == max(domains)


@given(adult_findings() | child_findings())
def test_icans_grade_is_0_to_4_and_every_reason_has_a_text(findings):
    result = icans_grade(**findings)
    assert 0 <= result.grade <= 4
    assert result.reasons and set(result.reasons) <= set(grading.REASON_TEXT)


# --- CAR-HEMATOTOX and EASIX -------------------------------------------------------------------

NORMAL_LABS = {"platelets_g_l": 250, "anc_g_l": 3.0, "haemoglobin_g_dl": 12.5, "crp_mg_dl": 0.5,
               "ferritin_ng_ml": 300}


@pytest.mark.parametrize("labs, expected", [
    P({}, (0, "low"), id="all-normal-0-low"),
    P({"anc_g_l": 0.8}, (1, "low"), id="anc-low-1-low"),
    P({"platelets_g_l": 120, "ferritin_ng_ml": 900}, (2, "high"), id="platelets-1-ferritin-1-high"),
    P({"platelets_g_l": 60}, (2, "high"), id="platelets-under-75-alone-is-high"),
    P({"ferritin_ng_ml": 2500}, (2, "high"), id="ferritin-over-2000-alone-is-high"),
    # 2 (platelets 50) + 1 (ANC 0.5) + 1 (Hb 8.1) + 1 (CRP 4.2) + 2 (ferritin 3100) = 7
    P({"platelets_g_l": 50, "anc_g_l": 0.5, "haemoglobin_g_dl": 8.1, "crp_mg_dl": 4.2, "ferritin_ng_ml": 3100},
      (7, "high"), id="every-marker-at-worst-7"),
    # 1 (platelets 150) + 0 + 1 (Hb 8.5) + 0 + 0 = 2
    P({"platelets_g_l": 150, "haemoglobin_g_dl": 8.5}, (2, "high"), id="platelets-and-haemoglobin-2-high"),
])
def test_car_hematotox_hand_computed(labs, expected):
    assert grading.car_hematotox(**NORMAL_LABS | labs) == expected


@pytest.mark.parametrize("marker, value, points", [
    P("platelets_g_l", 74.9, 2, id="platelets-74.9-is-2"),
    P("platelets_g_l", 75, 1, id="decision-platelets-75-is-1"),
    P("platelets_g_l", 175, 1, id="decision-platelets-175-is-1"),
    P("platelets_g_l", 175.1, 0, id="platelets-175.1-is-0"),
    P("anc_g_l", 1.19, 1, id="anc-1.19-is-1"),
    P("anc_g_l", 1.2, 1, id="decision-anc-1.2-is-1"),
    P("anc_g_l", 1.21, 0, id="anc-1.21-is-0"),
    P("haemoglobin_g_dl", 9.0, 1, id="decision-haemoglobin-9.0-is-1"),
    P("haemoglobin_g_dl", 9.1, 0, id="haemoglobin-9.1-is-0"),
    P("crp_mg_dl", 2.9, 0, id="crp-2.9-is-0"),
    P("crp_mg_dl", 3.0, 1, id="decision-crp-3.0-is-1"),
    P("ferritin_ng_ml", 649, 0, id="ferritin-649-is-0"),
    P("ferritin_ng_ml", 650, 1, id="decision-ferritin-650-is-1"),
    P("ferritin_ng_ml", 2000, 1, id="decision-ferritin-2000-is-1"),
    P("ferritin_ng_ml", 2001, 2, id="ferritin-2001-is-2"),
])
def test_car_hematotox_boundaries(marker, value, points):
    assert grading.car_hematotox(**NORMAL_LABS | {marker: value})[0] == points


def test_a_site_table_overrides_the_default():
    table = grading.DEFAULT_HEMATOTOX_TABLE | {"anc_g_l": {"below": 1, "cuts": [(">=", 0.5, 0)]}}
    assert grading.car_hematotox(**NORMAL_LABS | {"anc_g_l": 0.8}, table=table) == (0, "low")
    assert grading.car_hematotox(**NORMAL_LABS | {"anc_g_l": 0.4}, table=table) == (1, "low")


def test_negative_labs_are_refused_by_name():
    with pytest.raises(ContradictoryInput) as refused:
        grading.car_hematotox(**NORMAL_LABS | {"ferritin_ng_ml": -5})
    assert refused.value.field == "ferritin_ng_ml"


@pytest.mark.parametrize("ldh, creatinine, platelets, expected", [
    (250, 1.0, 100, 2.5),  # 250 × 1.0 / 100
    (480, 1.3, 52, 12.0),  # 480 × 1.3 / 52 = 624 / 52
    (Decimal("210"), Decimal("0.8"), Decimal("168"), 1.0),  # 168 / 168, from the models' decimals
])
def test_easix_hand_computed(ldh, creatinine, platelets, expected):
    assert grading.easix(ldh, creatinine, platelets) == pytest.approx(expected)


@pytest.mark.parametrize("ldh, crp, platelets, expected", [
    (300, 5.0, 150, 10.0),  # 300 × 5.0 / 150
    (620, 12.4, 31, 248.0),  # 620 × 12.4 / 31 = 7688 / 31
])
def test_m_easix_hand_computed(ldh, crp, platelets, expected):
    assert grading.m_easix(ldh, crp, platelets) == pytest.approx(expected)


@pytest.mark.parametrize("call, field", [
    P(lambda: grading.easix(250, 1.0, 0), "platelets_g_l", id="easix-no-platelets"),
    P(lambda: grading.easix(-1, 1.0, 100), "ldh_u_l", id="easix-negative-ldh"),
    P(lambda: grading.easix(250, -1, 100), "creatinine_mg_dl", id="easix-negative-creatinine"),
    P(lambda: grading.m_easix(250, -1, 100), "crp_mg_dl", id="m-easix-negative-crp"),
])
def test_easix_refuses_impossible_values(call, field):
    with pytest.raises(ContradictoryInput) as refused:
        call()
    assert refused.value.field == field


# --- Tocilizumab -------------------------------------------------------------------------------

@pytest.mark.parametrize("weight, kymriah, dose", [
    P(70, False, 560.0, id="8-mg-kg"),
    P(72.5, False, 580.0, id="8-mg-kg-fractional-weight"),
    P(100, False, 800.0, id="800-mg-at-100-kg"),
    P(130, False, 800.0, id="max-800-mg"),
    P(25, False, 200.0, id="8-mg-kg-under-30-kg-without-kymriah"),
    P(25, True, 300.0, id="kymriah-12-mg-kg-under-30-kg"),
    P(29.9, True, 358.8, id="kymriah-just-under-30-kg"),
    P(Decimal("62.5"), False, 500.0, id="decimal-weight"),
])
def test_tocilizumab_dose(weight, kymriah, dose):
    assert grading.tocilizumab_dose_mg(weight, kymriah_under_30kg=kymriah) == dose


@pytest.mark.parametrize("weight, kymriah", [(30, True), (0, False), (-3, False), (400, False)])
def test_tocilizumab_dose_refuses_impossible_weights(weight, kymriah):
    with pytest.raises(ContradictoryInput) as refused:
        grading.tocilizumab_dose_mg(weight, kymriah_under_30kg=kymriah)
    assert refused.value.field == "weight_kg"


NOW = datetime(2026, 12, 12, 20, 0)


def hours_ago(*hours):
    return [NOW - timedelta(hours=h) for h in hours]


@pytest.mark.parametrize("given_times, warnings", [
    P([], [], id="first-dose"),
    P(hours_ago(8), [], id="second-dose-8-h-later"),
    P(hours_ago(7.5), ["interval_under_8h"], id="less-than-8-h"),
    P(hours_ago(16, 8), ["third_dose_in_24h"], id="early-warning-3rd-in-24-h"),
    P(hours_ago(23, 16, 8), ["max_3_in_24h", "fourth_dose_total"], id="4th-in-24-h-exceeds-and-4th-total"),
    P(hours_ago(24, 16, 8), ["third_dose_in_24h", "fourth_dose_total"], id="decision-exactly-24-h-ago-is-outside"),
    P(hours_ago(72, 48, 24), ["fourth_dose_total"], id="early-warning-4th-in-total"),
    P(hours_ago(96, 72, 48, 24), ["max_4_total"], id="5th-in-total-exceeds"),
    P(hours_ago(30, 20, 10, 2), ["max_3_in_24h", "max_4_total", "interval_under_8h"], id="every-limit"),
])
def test_tocilizumab_warnings(given_times, warnings):
    assert grading.tocilizumab_warnings(given_times, NOW) == warnings
    assert set(warnings) <= set(grading.REASON_TEXT)


def test_tocilizumab_doses_after_now_are_refused():
    with pytest.raises(ContradictoryInput) as refused:
        grading.tocilizumab_warnings(hours_ago(-1), NOW)
    assert refused.value.field == "doses_given_times"


def test_grading_has_no_django():
    tree = ast.parse(inspect.getsource(grading))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name.split(".")[0] == "django"]


# --- Before the infusion (D0) ------------------------------------------------------------------
# ASTCT 2019, grading.md: CRS and ICANS are reactions to the infused cells; before D0 nothing is graded.

@pytest.mark.parametrize("temperature, hypotension, oxygen, reasons", [
    P(38.6, "none", "none", ["fever_before_infusion"], id="fever-at-d-6-is-a-fever-to-investigate"),
    P(39.5, "one_vasopressor", "high_flow", ["fever_before_infusion", "hypotension_one_vasopressor",
                                             "oxygen_high_flow"], id="findings-named-not-graded"),
    P(36.8, "none", "none", ["before_infusion_no_crs"], id="nothing-before-infusion"),
])
def test_no_crs_before_the_infusion(temperature, hypotension, oxygen, reasons):
    assert crs_grade(temperature, False, hypotension, oxygen, infused=False) == grading.Grade(None, reasons)
    assert crs_grade(temperature, False, hypotension, oxygen).graded  # the same signs after D0 are graded


def test_before_the_infusion_bad_input_is_still_refused():
    with pytest.raises(ContradictoryInput) as refused:
        crs_grade(46, False, "none", "none", infused=False)
    assert refused.value.field == "temperature_c"


@given(crs_inputs)
def test_crs_is_never_graded_before_the_infusion(inputs):
    if inputs["oxygen"] == "none":
        inputs["oxygen_flow_l_min"] = None
    result = crs_grade(**inputs, infused=False)
    assert result.grade is None and not result.graded
    assert result.reasons[0] in ("fever_before_infusion", "before_infusion_no_crs")
    assert set(result.reasons) <= set(grading.REASON_TEXT)


@pytest.mark.parametrize("change, reasons", [
    P({"ice_score": 5}, ["neuro_signs_before_infusion", "ice_3_6"], id="ice-5-before-d0-is-not-icans"),
    P({"seizure": "rapidly_resolving"}, ["neuro_signs_before_infusion", "seizure_rapidly_resolving"],
      id="seizure-before-d0-is-not-icans"),
    P({}, ["before_infusion_no_icans"], id="nothing-before-infusion"),
])
def test_no_icans_before_the_infusion(change, reasons):
    assert icans_grade(**CALM | change, infused=False) == grading.Grade(None, reasons)


def test_no_icans_before_the_infusion_in_children_either():
    assert icans_grade(**CHILD | {"capd_score": 12}, infused=False) == grading.Grade(
        None, ["neuro_signs_before_infusion", "capd_9_or_more"])
