"""Toxicity grading rules of the monitoring room, as pure functions. No Django.

Every rule comes from the program's grading reference (shared/domain/grading.md), which cites the
ASTCT 2019 consensus (Lee et al.), the ICE and CAPD tables, CAR-HEMATOTOX, EASIX and the ASCO
limits on tocilizumab. The software proposes a grade; the physician confirms it. Grade 5 (death)
is never computed: a physician records it.

Results carry stable reason codes ("fever", "oxygen_high_flow"…); ``REASON_TEXT`` gives each one
an English sentence, marked for translation, that the API translates.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from cellrelay.textmarks import gettext_noop


class ContradictoryInput(ValueError):
    """An input the rules cannot grade: missing, out of range, or contradicting another input.

    ``field`` names the input at fault; ``message`` is an English sentence marked for translation.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Grade:
    # 0 = no CRS / no ICANS; 1-4 as ASTCT; 5 is never computed. None = not graded: observed
    # before the infusion, when there is no CRS nor ICANS to grade.
    grade: int | None
    reasons: list[str]  # codes of REASON_TEXT, in the order the rules were applied

    @property
    def graded(self) -> bool:
        return self.grade is not None


REASON_TEXT = {
    # CRS
    "fever": gettext_noop("Fever of 38.0 °C or more."),
    "no_fever_no_treatment": gettext_noop("No fever and no antipyretic or anti-cytokine therapy: not CRS."),
    "fever_not_required_after_treatment": gettext_noop(
        "No fever after antipyretic or anti-cytokine therapy: graded on hypotension and hypoxia."),
    "no_hypotension_no_hypoxia_after_treatment": gettext_noop(
        "No fever after antipyretic or anti-cytokine therapy, and neither hypotension nor hypoxia: nothing to grade."),
    "hypotension_no_vasopressor": gettext_noop("Hypotension not requiring vasopressors."),
    "hypotension_one_vasopressor": gettext_noop("Hypotension requiring one vasopressor."),
    "hypotension_multiple_vasopressors": gettext_noop("Hypotension requiring several vasopressors."),
    "oxygen_blow_by": gettext_noop("Oxygen by blow-by."),
    "oxygen_low_flow": gettext_noop("Oxygen by low-flow nasal cannula (6 L/min or less)."),
    "oxygen_high_flow": gettext_noop("Oxygen by high-flow nasal cannula (more than 6 L/min)."),
    "oxygen_facemask": gettext_noop("Oxygen by facemask."),
    "oxygen_non_rebreather": gettext_noop("Oxygen by non-rebreather mask."),
    "oxygen_venturi": gettext_noop("Oxygen by Venturi mask."),
    "oxygen_positive_pressure": gettext_noop("Positive-pressure ventilation (CPAP, BiPAP or mechanical ventilation)."),
    "flow_decides_low": gettext_noop("Recorded as high-flow, but the flow is 6 L/min or less: graded as low-flow."),
    "flow_decides_high": gettext_noop("Recorded as low-flow, but the flow is above 6 L/min: graded as high-flow."),
    "fever_before_infusion": gettext_noop(
        "Fever before the infusion (D0): a fever to investigate (look for an infection first), not CRS."),
    "before_infusion_no_crs": gettext_noop("Before the infusion (D0) there is no CRS: nothing to grade."),
    # ICANS
    "ice_7_9": gettext_noop("ICE score 7 to 9."),
    "ice_3_6": gettext_noop("ICE score 3 to 6."),
    "ice_0_2": gettext_noop("ICE score 0 to 2."),
    "ice_0_aphasia_global": gettext_noop("ICE score 0, awake and globally aphasic."),
    "ice_0_unarousable": gettext_noop("ICE score 0: the patient is unarousable and cannot perform the ICE."),
    "ice_not_assessable_sedation": gettext_noop(
        "The ICE cannot be assessed: the patient is unarousable because of sedation."),
    "capd_9_or_more": gettext_noop("CAPD score 9 or more."),
    "capd_not_performable": gettext_noop("The CAPD cannot be performed: the child is unarousable."),
    "capd_not_assessable_sedation": gettext_noop(
        "The CAPD cannot be assessed: the child is unarousable because of sedation."),
    "consciousness_awakens_spontaneously": gettext_noop("Depressed consciousness: awakens spontaneously."),
    "consciousness_awakens_to_voice": gettext_noop("Depressed consciousness: awakens to voice."),
    "consciousness_awakens_to_touch": gettext_noop("Depressed consciousness: awakens only to touch."),
    "consciousness_unarousable": gettext_noop("Depressed consciousness: unarousable."),
    "sedation_excluded": gettext_noop("Depressed consciousness caused by sedation: not counted."),
    "seizure_rapidly_resolving": gettext_noop("Seizure that resolved rapidly."),
    "seizure_prolonged_or_repetitive": gettext_noop("Prolonged (over 5 min) or repetitive seizures."),
    "motor_weakness": gettext_noop("Deep focal motor weakness."),
    "cerebral_edema_focal": gettext_noop("Focal cerebral oedema on imaging."),
    "cerebral_edema_diffuse": gettext_noop("Diffuse cerebral oedema or signs of raised intracranial pressure."),
    "no_icans_finding": gettext_noop("No ICANS finding."),
    "neuro_signs_before_infusion": gettext_noop(
        "Before the infusion (D0), neurological signs are not ICANS: look for another cause."),
    "before_infusion_no_icans": gettext_noop("Before the infusion (D0) there is no ICANS: nothing to grade."),
    # Tocilizumab
    "max_3_in_24h": gettext_noop("This would be more than 3 tocilizumab doses in 24 hours."),
    "max_4_total": gettext_noop("This would be more than 4 tocilizumab doses in total."),
    "third_dose_in_24h": gettext_noop("This is the 3rd tocilizumab dose in 24 hours: the maximum."),
    "fourth_dose_total": gettext_noop("This is the 4th tocilizumab dose: the maximum in total."),
    "interval_under_8h": gettext_noop("Less than 8 hours since the last tocilizumab dose."),
}


def _is_number(value) -> bool:
    """int, float or Decimal (the models store measures as Decimal), never a bool."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _require_range(field: str, value, low, high, message: str) -> None:
    if not _is_number(value) or not low <= value <= high:
        raise ContradictoryInput(field, message)


def _require_choice(field: str, value, choices) -> None:
    if value not in choices:
        raise ContradictoryInput(field, gettext_noop("This value is not one of the choices."))


# --- CRS ---------------------------------------------------------------------------------------

FEVER_C = 38.0  # ASTCT 2019 (Lee et al.), grading.md: fever is a temperature ≥ 38.0 °C
LOW_FLOW_MAX_L_MIN = 6.0  # ASTCT 2019, grading.md: low-flow nasal cannula ≤ 6 L/min, high-flow > 6
TEMPERATURE_C_RANGE = (30.0, 45.0)
OXYGEN_FLOW_L_MIN_RANGE = (0.0, 80.0)

# ASTCT 2019 (Lee et al.), grading.md table: hypotension without vasopressor 2, one vasopressor
# (with or without vasopressin) 3, several vasopressors (vasopressin excluded) 4.
HYPOTENSION_GRADE = {"none": 0, "no_vasopressor": 2, "one_vasopressor": 3, "multiple_vasopressors": 4}
# ASTCT 2019 (Lee et al.), grading.md table: low-flow or blow-by 2; high-flow, facemask,
# non-rebreather or Venturi 3; positive pressure 4.
OXYGEN_GRADE = {"none": 0, "blow_by": 2, "low_flow": 2, "high_flow": 3, "facemask": 3, "non_rebreather": 3,
                "venturi": 3, "positive_pressure": 4}
HYPOTENSION = tuple(HYPOTENSION_GRADE)  # mildest first
OXYGEN = tuple(OXYGEN_GRADE)  # mildest first


def crs_grade(temperature_c, antipyretic_or_anticytokine_given: bool, hypotension: str, oxygen: str,
              oxygen_flow_l_min=None, *, infused: bool = True) -> Grade:
    """The ASTCT 2019 CRS grade (0-4) with its reasons; not graded (None) before the infusion.

    ``infused`` says whether the cells had been infused when the signs were observed. Before
    that there is no CRS: a fever is a fever to investigate (an infection first), and
    hypotension or hypoxia have another cause; the findings are still named in the reasons.

    ``hypotension`` is already classified by the caller (vasopressin does not count as a second
    vasopressor). Organ toxicities are graded with CTCAE and never change the CRS grade.

    Nasal cannula: the flow, when given, decides between low-flow and high-flow whatever the
    recorded kind, since the table defines the two by their flow (a reason says so). The flow is
    ignored for blow-by, masks and positive pressure, whose grade does not depend on it; a flow
    above 0 with no oxygen is refused as contradictory.
    """
    _require_range("temperature_c", temperature_c, *TEMPERATURE_C_RANGE,
                   gettext_noop("The temperature must be between 30 and 45 °C."))
    _require_choice("hypotension", hypotension, HYPOTENSION_GRADE)
    _require_choice("oxygen", oxygen, OXYGEN_GRADE)
    if oxygen_flow_l_min is not None:
        _require_range("oxygen_flow_l_min", oxygen_flow_l_min, *OXYGEN_FLOW_L_MIN_RANGE,
                       gettext_noop("The oxygen flow must be between 0 and 80 L/min."))
        if oxygen == "none" and oxygen_flow_l_min > 0:
            raise ContradictoryInput("oxygen_flow_l_min", gettext_noop("An oxygen flow is given, but no oxygen."))

    if not infused:
        return _crs_before_infusion(temperature_c, hypotension, oxygen)

    reasons = []
    fever = temperature_c >= FEVER_C
    if fever:
        reasons.append("fever")
    elif not antipyretic_or_anticytokine_given:
        # ASTCT 2019, grading.md: without fever and without antipyretic/anti-cytokine therapy, no CRS
        return Grade(0, ["no_fever_no_treatment"])

    # ASTCT 2019, grading.md: nasal cannula ≤ 6 L/min is low-flow (2), > 6 L/min high-flow (3)
    effective_oxygen = oxygen
    if oxygen == "high_flow" and oxygen_flow_l_min is not None and oxygen_flow_l_min <= LOW_FLOW_MAX_L_MIN:
        effective_oxygen = "low_flow"
        reasons.append("flow_decides_low")
    elif oxygen == "low_flow" and oxygen_flow_l_min is not None and oxygen_flow_l_min > LOW_FLOW_MAX_L_MIN:
        effective_oxygen = "high_flow"
        reasons.append("flow_decides_high")

    hypotension_grade = HYPOTENSION_GRADE[hypotension]
    hypoxia_grade = OXYGEN_GRADE[effective_oxygen]
    if hypotension_grade:
        reasons.append(f"hypotension_{hypotension}")
    if hypoxia_grade:
        reasons.append(f"oxygen_{effective_oxygen}")
    # ASTCT 2019, grading.md: the more severe of hypotension and hypoxia sets the grade
    # (fever + one vasopressor + low-flow O2 = grade 3); fever alone is grade 1.
    grade = max(hypotension_grade, hypoxia_grade, 1 if fever else 0)
    if not fever:
        # ASTCT 2019, grading.md: after antipyretics or anti-cytokine therapy fever is not required
        # and the grade rests on hypotension and hypoxia. With neither there is nothing to grade:
        # grade 0, not 1, or every patient premedicated with paracetamol would have CRS.
        reasons.insert(0, "fever_not_required_after_treatment" if grade
                       else "no_hypotension_no_hypoxia_after_treatment")
    return Grade(grade, reasons)


def _crs_before_infusion(temperature_c, hypotension: str, oxygen: str) -> Grade:
    # ASTCT 2019 (Lee et al.), grading.md: CRS is a reaction to the infused immune effector cells,
    # and its fever must not be attributable to another cause. Before D0 nothing is graded as CRS:
    # a fever is to investigate (infection); the other findings are named, not graded.
    reasons = ["fever_before_infusion" if temperature_c >= FEVER_C else "before_infusion_no_crs"]
    if HYPOTENSION_GRADE[hypotension]:
        reasons.append(f"hypotension_{hypotension}")
    if OXYGEN_GRADE[oxygen]:
        reasons.append(f"oxygen_{oxygen}")
    return Grade(None, reasons)


# --- ICE and CAPD ------------------------------------------------------------------------------

ICE_ITEMS = ("orientation_year", "orientation_month", "orientation_city", "orientation_hospital",
             "naming_1", "naming_2", "naming_3", "follows_commands", "writes_sentence", "counts_backwards")


def ice_score(orientation_year, orientation_month, orientation_city, orientation_hospital, naming_1, naming_2,
              naming_3, follows_commands, writes_sentence, counts_backwards) -> int:
    """The ICE score, 0-10: one point for each item done (True or 1), none when failed (False or 0)."""
    # ICE table (PMC8153820), grading.md: orientation year, month, city, hospital (4); naming 3
    # objects (3); following simple commands (1); writing a standard sentence (1); counting
    # backwards from 100 by 10 (1).
    answers = dict(zip(ICE_ITEMS, (orientation_year, orientation_month, orientation_city, orientation_hospital,
                                   naming_1, naming_2, naming_3, follows_commands, writes_sentence,
                                   counts_backwards)))
    for item, answer in answers.items():
        if answer not in (0, 1):
            raise ContradictoryInput(item, gettext_noop("Each ICE item is done (1) or failed (0)."))
    return sum(int(answer) for answer in answers.values())


CAPD_REVERSED_ITEMS = ("eye_contact", "purposeful_actions", "aware_of_surroundings", "communicates_needs")
CAPD_STRAIGHT_ITEMS = ("restless", "inconsolable", "underactive", "slow_to_respond")
CAPD_ANSWERS = {"never": 0, "rarely": 1, "sometimes": 2, "often": 3, "always": 4}


def capd_score(eye_contact, purposeful_actions, aware_of_surroundings, communicates_needs, restless, inconsolable,
               underactive, slow_to_respond) -> int:
    """The CAPD total, 0-32, from each item's answer AS OBSERVED: never 0, rarely 1, sometimes 2,
    often 3, always 4 (``CAPD_ANSWERS``). Items 1-4 are scored reversed."""
    answers = dict(zip(CAPD_REVERSED_ITEMS + CAPD_STRAIGHT_ITEMS,
                       (eye_contact, purposeful_actions, aware_of_surroundings, communicates_needs, restless,
                        inconsolable, underactive, slow_to_respond)))
    for item, answer in answers.items():
        if isinstance(answer, bool) or answer not in range(5):
            raise ContradictoryInput(item, gettext_noop("Each CAPD answer is 0 (never) to 4 (always)."))
    # CAPD (Traube et al. 2014; CHOP), grading.md: items 1-4 reversed (never = 4 … always = 0),
    # items 5-8 straight (never = 0 … always = 4); total 0-32.
    return (sum(4 - answers[item] for item in CAPD_REVERSED_ITEMS)
            + sum(answers[item] for item in CAPD_STRAIGHT_ITEMS))


# --- ICANS -------------------------------------------------------------------------------------

ICE_RANGE = (0, 10)
CAPD_RANGE = (0, 32)
AGE_YEARS_RANGE = (0, 120)
CAPD_DELIRIUM_FROM = 9  # ASTCT 2019 paediatric table, grading.md: CAPD ≥ 9 is grade 3
DEFAULT_CAPD_BELOW_AGE = 12  # grading.md: sources differ (*unverified*): a setting, default "CAPD below 12"

# ASTCT 2019, grading.md: awakens spontaneously 1, to voice 2, only to touch 3, unarousable 4
CONSCIOUSNESS_GRADE = {"normal": 0, "awakens_spontaneously": 1, "awakens_to_voice": 2, "awakens_to_touch": 3,
                       "unarousable": 4}
# ASTCT 2019, grading.md: a rapidly resolving seizure 3; prolonged (> 5 min) or repetitive 4
SEIZURE_GRADE = {"none": 0, "rapidly_resolving": 3, "prolonged_or_repetitive": 4}
# ASTCT 2019, grading.md: focal oedema on imaging 3; diffuse oedema (or posturing, VI palsy,
# papilloedema, Cushing's triad) 4
CEREBRAL_EDEMA_GRADE = {"none": 0, "focal": 3, "diffuse": 4}
CONSCIOUSNESS = tuple(CONSCIOUSNESS_GRADE)  # mildest first
SEIZURE = tuple(SEIZURE_GRADE)
CEREBRAL_EDEMA = tuple(CEREBRAL_EDEMA_GRADE)


def _ice_domain(score: int) -> tuple[int, str | None]:
    # ASTCT 2019 (Lee et al.), grading.md: ICE 10 → 0; 7-9 → 1; 3-6 → 2; 0-2 → 3
    if score == 10:
        return 0, None
    if score >= 7:
        return 1, "ice_7_9"
    if score >= 3:
        return 2, "ice_3_6"
    return 3, "ice_0_2"


def icans_grade(age_years, ice_score: int | None, capd_score: int | None, consciousness: str,
                consciousness_due_to_sedation: bool, seizure: str, motor_weakness: bool, cerebral_edema: str,
                aphasia_global: bool, capd_below_age=DEFAULT_CAPD_BELOW_AGE, *, infused: bool = True) -> Grade:
    """The ASTCT 2019 ICANS grade (0-4) with its reasons: the most severe domain wins. Not graded
    (None) before the infusion (``infused`` False): the findings are then named, not graded.

    Patients aged ``capd_below_age`` or more are assessed with the ICE score (``capd_score`` must
    be None), younger children with the CAPD (``ice_score`` must be None). An unarousable patient
    cannot perform either: the ICE may be left None (it is 0 by definition, and any other value is
    refused); the CAPD must be left None.

    Depressed consciousness caused by sedation does not count. When sedation leaves the patient
    unarousable, the ICE (or CAPD) cannot be assessed and is not counted either; a sedated
    patient who can be woken does take the ICE, and its score counts (so that a lower ICE never
    lowers the grade).

    Global aphasia makes the ICE impossible: the ICE must then be 0 (graded 3), and an
    unarousable patient cannot be judged aphasic. In children assessed with the CAPD, aphasia
    changes nothing: the CAPD already observes communication.

    Tremor and myoclonus are not parameters: graded with CTCAE, they never change the ICANS grade.
    Intracranial haemorrhage is excluded from ICANS. Findings attributable to another cause must
    be left out by the caller.
    """
    _require_range("age_years", age_years, *AGE_YEARS_RANGE, gettext_noop("The age must be between 0 and 120 years."))
    _require_choice("consciousness", consciousness, CONSCIOUSNESS_GRADE)
    _require_choice("seizure", seizure, SEIZURE_GRADE)
    _require_choice("cerebral_edema", cerebral_edema, CEREBRAL_EDEMA_GRADE)
    if ice_score is not None and (isinstance(ice_score, bool) or ice_score not in range(ICE_RANGE[1] + 1)):
        raise ContradictoryInput("ice_score", gettext_noop("The ICE score is a whole number from 0 to 10."))
    if capd_score is not None and (isinstance(capd_score, bool) or capd_score not in range(CAPD_RANGE[1] + 1)):
        raise ContradictoryInput("capd_score", gettext_noop("The CAPD score is a whole number from 0 to 32."))
    unarousable = consciousness == "unarousable"
    if consciousness_due_to_sedation and consciousness == "normal":
        raise ContradictoryInput("consciousness_due_to_sedation",
                                 gettext_noop("Consciousness is normal: it cannot be depressed by sedation."))
    if aphasia_global and unarousable:
        raise ContradictoryInput("aphasia_global", gettext_noop("An unarousable patient cannot be judged aphasic."))

    # grading.md: children below the boundary (a setting) are assessed with the CAPD
    child = age_years < capd_below_age
    if child:
        if ice_score is not None:
            raise ContradictoryInput("ice_score", gettext_noop(
                "Children below the CAPD age are assessed with the CAPD, not the ICE score."))
        if capd_score is None and not unarousable:
            raise ContradictoryInput("capd_score", gettext_noop("The CAPD score is required for this child."))
        if capd_score is not None and unarousable:
            raise ContradictoryInput("capd_score", gettext_noop(
                "An unarousable child cannot be assessed with the CAPD: leave the score empty."))
    else:
        if capd_score is not None:
            raise ContradictoryInput("capd_score", gettext_noop(
                "From the CAPD age on, patients are assessed with the ICE score, not the CAPD."))
        if ice_score is None and not unarousable:
            raise ContradictoryInput("ice_score", gettext_noop("The ICE score is required."))
        if unarousable and ice_score:
            raise ContradictoryInput("ice_score", gettext_noop(
                "An unarousable patient cannot perform the ICE: its score is 0."))
        if aphasia_global and ice_score:
            raise ContradictoryInput("ice_score", gettext_noop(
                "A globally aphasic patient cannot perform the ICE: its score is 0."))

    reasons = []
    consciousness_grade = CONSCIOUSNESS_GRADE[consciousness]
    if consciousness_grade and consciousness_due_to_sedation:
        # ASTCT 2019, grading.md: depressed consciousness caused by sedating drugs does not count
        consciousness_grade = 0
        reasons.append("sedation_excluded")
    elif consciousness_grade:
        reasons.append(f"consciousness_{consciousness}")

    if child:
        if unarousable and consciousness_due_to_sedation:
            score_grade, reason = 0, "capd_not_assessable_sedation"
        elif unarousable:
            score_grade, reason = 4, "capd_not_performable"  # ASTCT 2019, grading.md: unable to perform CAPD = 4
        elif capd_score >= CAPD_DELIRIUM_FROM:
            score_grade, reason = 3, "capd_9_or_more"  # ASTCT 2019, grading.md: CAPD ≥ 9 = 3
        else:
            # grading.md: CAPD < 9 is grade 1 with "awakens spontaneously" and 2 with "awakens to
            # voice": the consciousness domain gives exactly those; alone, CAPD < 9 is not ICANS.
            score_grade, reason = 0, None
    elif unarousable and consciousness_due_to_sedation:
        score_grade, reason = 0, "ice_not_assessable_sedation"
    elif unarousable:
        score_grade, reason = 4, "ice_0_unarousable"  # ASTCT 2019, grading.md: ICE 0, unarousable = 4
    elif ice_score == 0 and aphasia_global:
        score_grade, reason = 3, "ice_0_aphasia_global"  # ASTCT 2019, grading.md: ICE 0 awake, aphasic = 3
    else:
        score_grade, reason = _ice_domain(ice_score)
    if reason:
        reasons.append(reason)

    seizure_grade = SEIZURE_GRADE[seizure]
    if seizure_grade:
        reasons.append(f"seizure_{seizure}")
    motor_grade = 4 if motor_weakness else 0  # ASTCT 2019, grading.md: deep focal motor weakness = 4
    if motor_grade:
        reasons.append("motor_weakness")
    edema_grade = CEREBRAL_EDEMA_GRADE[cerebral_edema]
    if edema_grade:
        reasons.append(f"cerebral_edema_{cerebral_edema}")

    # ASTCT 2019, grading.md: the most severe domain sets the grade (ICE 3 + seizure = 3);
    # ICE 10 with no other finding is no ICANS.
    grade = max(consciousness_grade, score_grade, seizure_grade, motor_grade, edema_grade)
    if not infused:
        # ASTCT 2019 (Lee et al.), grading.md: ICANS is a neurotoxicity of the infused immune
        # effector cells; before D0, neurological signs have another cause: named, never graded.
        return Grade(None, ["neuro_signs_before_infusion", *reasons] if grade else ["before_infusion_no_icans"])
    return Grade(grade, reasons or ["no_icans_finding"])


# --- CAR-HEMATOTOX and EASIX -------------------------------------------------------------------

# CAR-HEMATOTOX (Rejeski et al., Blood 2021), grading.md: point table *unverified*, site-editable
# (a site setting overrides this default). Each marker: the points below its first cut, then its
# cuts in ascending order as (comparison, value, points from there up).
# The table is ambiguous exactly on a cut. Choice: a range the table writes closed includes both
# ends (platelets 75 and 175 G/L → 1; ferritin 650 and 2000 ng/mL → 1); on the two-band cuts
# (ANC 1.2 G/L, haemoglobin 9.0 g/dL, CRP 3.0 mg/dL) the value takes the higher-risk point, the
# cautious side for a score that triggers prophylaxis: ANC 1.2 → 1, Hb 9.0 → 1, CRP 3.0 → 1.
DEFAULT_HEMATOTOX_TABLE = {
    "platelets_g_l": {"below": 2, "cuts": [(">=", 75.0, 1), (">", 175.0, 0)]},
    "anc_g_l": {"below": 1, "cuts": [(">", 1.2, 0)]},
    "haemoglobin_g_dl": {"below": 1, "cuts": [(">", 9.0, 0)]},
    "crp_mg_dl": {"below": 0, "cuts": [(">=", 3.0, 1)]},
    "ferritin_ng_ml": {"below": 0, "cuts": [(">=", 650.0, 1), (">", 2000.0, 2)]},
}
HEMATOTOX_HIGH_FROM = 2  # CAR-HEMATOTOX, grading.md (confirmed): 0-1 low risk, ≥ 2 high risk


def _points(marker: dict, value: float) -> int:
    points = marker["below"]
    for comparison, cut, cut_points in marker["cuts"]:
        if value > cut or (comparison == ">=" and value == cut):
            points = cut_points
    return points


def _non_negative(field: str, value) -> float:
    if not _is_number(value) or value < 0:
        raise ContradictoryInput(field, gettext_noop("A laboratory value cannot be negative."))
    return float(value)


def car_hematotox(platelets_g_l, anc_g_l, haemoglobin_g_dl, crp_mg_dl, ferritin_ng_ml,
                  table=DEFAULT_HEMATOTOX_TABLE) -> tuple[int, str]:
    """CAR-HEMATOTOX before lymphodepletion (around D-5): (score, "low" | "high").

    Units: platelets and ANC in G/L, haemoglobin in g/dL, CRP in mg/dL (French labs report mg/L:
    divide by 10), ferritin in ng/mL.
    """
    values = {"platelets_g_l": platelets_g_l, "anc_g_l": anc_g_l, "haemoglobin_g_dl": haemoglobin_g_dl,
              "crp_mg_dl": crp_mg_dl, "ferritin_ng_ml": ferritin_ng_ml}
    score = sum(_points(table[name], _non_negative(name, value)) for name, value in values.items())
    return score, "high" if score >= HEMATOTOX_HIGH_FROM else "low"


def easix(ldh_u_l, creatinine_mg_dl, platelets_g_l) -> float:
    """EASIX = LDH (U/L) × creatinine (mg/dL) / platelets (G/L)."""
    # EASIX (Pennisi et al., Blood Adv 2021), grading.md
    return _easix(ldh_u_l, ("creatinine_mg_dl", creatinine_mg_dl), platelets_g_l)


def m_easix(ldh_u_l, crp_mg_dl, platelets_g_l) -> float:
    """m-EASIX = LDH (U/L) × CRP (mg/dL) / platelets (G/L)."""
    # m-EASIX (Pennisi et al., Blood Adv 2021), grading.md: CRP in place of creatinine
    return _easix(ldh_u_l, ("crp_mg_dl", crp_mg_dl), platelets_g_l)


def _easix(ldh_u_l, factor: tuple[str, object], platelets_g_l) -> float:
    ldh = _non_negative("ldh_u_l", ldh_u_l)
    other = _non_negative(*factor)
    platelets = _non_negative("platelets_g_l", platelets_g_l)
    if platelets == 0:
        raise ContradictoryInput("platelets_g_l", gettext_noop("The platelet count must be above 0."))
    return ldh * other / platelets


# --- Tocilizumab -------------------------------------------------------------------------------

TOCILIZUMAB_MG_KG = 8.0  # grading.md (ASCO): 8 mg/kg IV over 1 h
TOCILIZUMAB_MAX_MG = 800.0  # grading.md (ASCO): at most 800 mg per dose
TOCILIZUMAB_KYMRIAH_LIGHT_MG_KG = 12.0  # grading.md (Kymriah label): 12 mg/kg under 30 kg
KYMRIAH_LIGHT_BELOW_KG = 30.0
TOCILIZUMAB_MAX_IN_24H = 3  # grading.md (ASCO): at most 3 doses in 24 h
TOCILIZUMAB_MAX_TOTAL = 4  # grading.md (ASCO): at most 4 doses in total
TOCILIZUMAB_INTERVAL = timedelta(hours=8)  # grading.md (ASCO): repeat every 8 h if needed
WEIGHT_KG_RANGE = (0.5, 350.0)


def tocilizumab_dose_mg(weight_kg, kymriah_under_30kg: bool = False) -> float:
    """One tocilizumab dose in mg, rounded to 0.1 mg: 8 mg/kg, at most 800 mg; 12 mg/kg for a
    Kymriah patient under 30 kg (the flag is refused for a patient of 30 kg or more)."""
    _require_range("weight_kg", weight_kg, *WEIGHT_KG_RANGE,
                   gettext_noop("The weight must be between 0.5 and 350 kg."))
    if kymriah_under_30kg and weight_kg >= KYMRIAH_LIGHT_BELOW_KG:
        raise ContradictoryInput("weight_kg", gettext_noop("The Kymriah dose of 12 mg/kg is for patients under 30 kg."))
    per_kg = TOCILIZUMAB_KYMRIAH_LIGHT_MG_KG if kymriah_under_30kg else TOCILIZUMAB_MG_KG
    return round(min(float(weight_kg) * per_kg, TOCILIZUMAB_MAX_MG), 1)


def tocilizumab_warnings(doses_given_times: list[datetime], now: datetime) -> list[str]:
    """Warning codes for a new tocilizumab dose given at ``now``, after ``doses_given_times`` (every
    earlier dose of the episode). Warnings, never a refusal: the physician decides.

    - "max_3_in_24h": the new dose would be the 4th or more within 24 h;
      "third_dose_in_24h" (early warning): it would be exactly the 3rd. A dose given exactly 24 h
      before ``now`` is outside the window.
    - "max_4_total": it would be the 5th or more in total; "fourth_dose_total" (early warning):
      exactly the 4th.
    - "interval_under_8h": the last dose was less than 8 h before ``now`` (8 h exactly is fine).

    When a limit is exceeded only the exceeding code is given, not its early warning.
    """
    if any(given > now for given in doses_given_times):
        raise ContradictoryInput("doses_given_times", gettext_noop("A dose cannot be given after the new one."))
    warnings = []
    in_24h = 1 + sum(1 for given in doses_given_times if now - given < timedelta(hours=24))
    total = 1 + len(doses_given_times)
    if in_24h > TOCILIZUMAB_MAX_IN_24H:
        warnings.append("max_3_in_24h")
    elif in_24h == TOCILIZUMAB_MAX_IN_24H:
        warnings.append("third_dose_in_24h")
    if total > TOCILIZUMAB_MAX_TOTAL:
        warnings.append("max_4_total")
    elif total == TOCILIZUMAB_MAX_TOTAL:
        warnings.append("fourth_dose_total")
    if doses_given_times and now - max(doses_given_times) < TOCILIZUMAB_INTERVAL:
        warnings.append("interval_under_8h")
    return warnings
