"""The follow-up after the infusion of a synthetic episode, as plain values, for `seed_synthetic`. No Django.

`cellrelay.demo.synthetic.pathway` lives the episode to the infusion and draws the patient's fate (`draw_fate`:
progression, death and its cause, leaving the center's follow-up, being lost to it), which decides when the episode
moves to long-term follow-up and closes. `history` then gives it the records the follow-up services would have
written (followup/services.py): the plan made at the infusion with its visits (`followup.timepoints.plan`), each
visit done, late, missed or still open as of today, the responses graded by the indication's criteria
(`followup.response`), blood counts, late effects, subsequent treatments, the death, the coordinator's calls.

Rates are rough orders of magnitude for a CAR-T program (registry.md, followup.md), enough for realistic lists and
curves, not a model of any trial. Every draw comes from the `random.Random` passed in.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
import math
import random

from cellrelay.followup import calls as call_rules
from cellrelay.followup import response as response_rules
from cellrelay.followup import timepoints
from cellrelay.pathway.schedule import follow_up_date

# Fate ------------------------------------------------------------------------------------------------------

# By response criteria: share never progressing, median days from D0 to progression for the others (lognormal),
# median days from progression to death (a share of relapses is salvaged by the next line and does not die of it).
PROGRESSION = {
    "lugano": (0.45, 120, 240),
    "b_all": (0.50, 200, 220),
    "imwg": (0.15, 450, 550),
    "autoimmune": (1.0, 0, 0),  # the protocol's score: no progression is derived
}
SALVAGED_SHARE = 0.2
NON_RELAPSE_DEATH_SHARE = {"autoimmune": 0.01}
NON_RELAPSE_DEATH_DEFAULT = 0.06
# (toxicity, weight, first day, last day): infections first, then prolonged cytopenias, rarely a second cancer.
NON_RELAPSE_CAUSES = [("infection", 65, 60, 540), ("cytopenia", 20, 60, 240), ("second_malignancy", 10, 400, 2500),
                      ("other", 5, 60, 1000)]
EARLIEST_DEATH_DAY = 60  # after the stay near the center and the no-driving period: the pathway's steps are done
LOST_SHARE = 0.05  # alive patients who stop coming and answering (no contact for more than 13 months)
LOST_AFTER_DAYS = 400  # the worklist's 13 months (followup/worklist.py), and a little more
FIRST_PROGRESSION_DAY = 21


@dataclass(slots=True)
class Fate:
    """What becomes of the patient after the infusion, dates from D0 on (some after today)."""

    d0: date
    progression_on: date | None = None
    death_on: date | None = None
    death_cause: str = ""  # Death.Cause: "progression" or "non_relapse"
    toxicity: str = ""  # Death.Toxicity, for a non-relapse death
    lost_on: date | None = None  # last contact of a patient lost to follow-up (the episode stays open)
    left_on: date | None = None  # the episode closed alive: the follow-up goes on elsewhere


def _lognormal_days(rng: random.Random, median: float, sigma: float = 0.8) -> int:
    return round(median * math.exp(rng.gauss(0, sigma)))


def draw_fate(rng: random.Random, d0: date, criteria: str, *, earliest_death: date, today: date) -> Fate:
    """Progression and death (the earlier of a death from progression and a non-relapse death), both never before
    `earliest_death`; or lost to follow-up, some while after day 100, for a patient still alive then."""
    fate = Fate(d0)
    cured, to_progression, to_death = PROGRESSION[criteria]
    if rng.random() >= cured:
        fate.progression_on = d0 + timedelta(days=max(FIRST_PROGRESSION_DAY, _lognormal_days(rng, to_progression)))
        if rng.random() >= SALVAGED_SHARE:
            fate.death_on = max(fate.progression_on + timedelta(days=_lognormal_days(rng, to_death, 0.9)),
                                earliest_death)
            fate.death_cause = "progression"
    if rng.random() < NON_RELAPSE_DEATH_SHARE.get(criteria, NON_RELAPSE_DEATH_DEFAULT):
        toxicity, _weight, first, last = rng.choices(NON_RELAPSE_CAUSES, [c[1] for c in NON_RELAPSE_CAUSES])[0]
        died = max(d0 + timedelta(days=rng.randint(first, last)), earliest_death)
        if fate.death_on is None or died < fate.death_on:
            fate.death_on, fate.death_cause, fate.toxicity = died, "non_relapse", toxicity
            if fate.progression_on is not None and fate.progression_on >= died:
                fate.progression_on = None
    latest_loss = (today - d0).days - LOST_AFTER_DAYS
    if latest_loss > 100 and rng.random() < LOST_SHARE:
        lost_on = d0 + timedelta(days=rng.randint(100, latest_loss))
        if fate.death_on is None or fate.death_on > lost_on:
            _stop_knowing(fate, lost_on)
            fate.lost_on = lost_on
    return fate


def leave(fate: Fate, on: date) -> None:
    """The episode closes alive on `on` (moved away, care elsewhere): nothing is known of the patient after."""
    _stop_knowing(fate, on)
    fate.left_on, fate.lost_on = on, None


def known_until(fate: Fate, today: date) -> date:
    """The last day anything is known of the patient: today, or the death, the loss or the leaving before it."""
    return min(d for d in (today, fate.death_on, fate.lost_on, fate.left_on) if d is not None)


def _stop_knowing(fate: Fate, on: date) -> None:
    if fate.death_on is not None and fate.death_on > on:
        fate.death_on, fate.death_cause, fate.toxicity = None, "", ""
    if fate.progression_on is not None and fate.progression_on > on:
        fate.progression_on = None


# Records ---------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Staff:
    """User ids: who calls, who records at the treating center, the referring physician (None without one)."""

    coordinator: int
    haematologist: int
    referring_physician: int | None


@dataclass(slots=True)
class Visit:
    code: str
    day: int
    due: date
    earliest: date
    latest: date
    referring: bool = False  # assigned to the referring hospital (Visit.place, center)
    status: str = "planned"
    done_on: date | None = None
    note: str = ""
    recorded_by: int | None = None


@dataclass(slots=True)
class Response:
    visit: int | None  # index in History.visits
    assessed_on: date
    raw: dict
    category: str
    is_progression: bool
    recorded_by: int


@dataclass(slots=True)
class Count:
    visit: int
    sampled_on: date
    anc_per_ul: int
    platelets_g_l: int
    haemoglobin_g_dl: Decimal
    recorded_by: int


@dataclass(slots=True)
class LateEffect:
    kind: str
    observed_on: date
    details: dict
    recorded_by: int
    visit: int | None = None
    t_cell_malignancy: bool = False


@dataclass(slots=True)
class Treatment:
    kind: str
    started_on: date
    detail: str
    recorded_by: int


@dataclass(slots=True)
class Death:
    died_on: date
    cause: str
    toxicity: str
    detail: str
    recorded_by: int


@dataclass(slots=True)
class Call:
    due: date
    status: str  # "done" or "planned"
    answers: dict | None = None  # None: the usual answers (nothing to report), shared by most calls
    escalation: list = field(default_factory=list)
    note: str = ""


@dataclass(slots=True)
class History:
    d0: date
    criteria: str
    timepoints: str
    daily_calls_until: date
    twice_monthly_calls_until: date
    visits: list[Visit]
    responses: list[Response] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    late_effects: list[LateEffect] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    death: Death | None = None
    calls: list[Call] = field(default_factory=list)
    version: int = 1  # the plan's: one more for each visit recorded and for the hand-over


# Visits ----------------------------------------------------------------------------------------------------

DONE_SHARE, LATE_SHARE, MISSED_SHARE = 0.90, 0.12, 0.07  # of the visits due; the rest declined
HANDOVER_SHARE = 0.6  # patients with a referring hospital whose later visits it takes back
HANDOVER_FROM = ("M6", "M12", "Y2")
LATE_NOTES = ["Consultation décalée à la demande du patient.", "Reportée : patient hospitalisé localement.",
              "Décalée pour un examen d'imagerie.", ""]
MISSED_NOTES = ["Patient non venu, rappelé par l'IDE de coordination.", "Non venu ; bilan fait en ville.",
                "Rendez-vous manqué, injoignable ce jour-là."]
DECLINED_NOTE = "Le patient ne souhaite pas venir à cette consultation."
LEFT_NOTE = "Suivi poursuivi hors du centre (déménagement)."


@lru_cache(maxsize=64)
def _half_windows(codes: tuple[str, ...], windows: tuple[tuple[str, int], ...]) -> tuple[timedelta, ...]:
    """Each timepoint's half window, the codes and windows checked once (`timepoints.plan` checks them each time)."""
    timepoints.plan(date(2000, 1, 1), codes, dict(windows))
    return tuple(timedelta(days=timepoints.window_days(code, dict(windows))) for code in codes)


def _planned(d0: date, codes: tuple[str, ...], windows: tuple[tuple[str, int], ...]) -> list[Visit]:
    """`timepoints.plan(d0, codes, windows)` as Visit values, at a fraction of its cost (thousands of plans)."""
    return [Visit(*dates) for dates in _plan_dates(d0, codes, windows)]


@lru_cache(maxsize=8192)
def _plan_dates(d0: date, codes: tuple[str, ...], windows: tuple[tuple[str, int], ...]) -> tuple[tuple, ...]:
    """(code, day, due, earliest, latest) of each visit, in the order they are due: the same for every plan of that
    D0 and protocol (a few years of D0s: at scale, most plans share theirs with others)."""
    first_day = d0 + timedelta(days=1)
    visits = []
    for code, half in zip(codes, _half_windows(codes, windows)):
        due = follow_up_date(d0, code)
        visits.append((code, (due - d0).days, due, max(due - half, first_day), due + half))
    visits.sort(key=lambda visit: visit[2])
    return tuple(visits)


def _draw_visit(rng: random.Random, visit: Visit, d0: date) -> tuple[str, date, str]:
    """(status, date, note) of a visit as it will be recorded, whatever today is."""
    u = rng.random()
    if u < DONE_SHARE:
        if rng.random() < LATE_SHARE:
            return "done", visit.latest + timedelta(days=rng.randint(1, 45)), rng.choice(LATE_NOTES)
        half = (visit.latest - visit.due).days
        on = max(visit.due + timedelta(days=rng.randint(-half, half)), d0 + timedelta(days=1))
        return "done", on, ""
    noted = visit.latest + timedelta(days=rng.randint(1, 14))
    if u < DONE_SHARE + MISSED_SHARE:
        return "missed", noted, rng.choice(MISSED_NOTES)
    return "declined", noted, DECLINED_NOTE


def _visits(rng: random.Random, fate: Fate, visits: list[Visit], today: date, staff: Staff) -> list[Visit]:
    if staff.referring_physician is not None and rng.random() < HANDOVER_SHARE:
        handover = rng.choice(HANDOVER_FROM)
        from_day = next((v.day for v in visits if v.code == handover), None)
        for visit in visits:
            visit.referring = from_day is not None and visit.day >= from_day
    last_known = known_until(fate, today)
    dead = fate.death_on is not None and fate.death_on <= today
    for visit in visits:
        # A visit is recorded in its window or after it: one whose window opens later has nothing to draw.
        if visit.earliest <= last_known:
            status, on, note = _draw_visit(rng, visit, fate.d0)
            if on <= last_known:
                visit.status, visit.done_on, visit.note = status, on, note
                visit.recorded_by = staff.referring_physician if visit.referring else staff.haematologist
                continue
        if dead:
            visit.status = "ended"  # record_death: what was still planned is no longer due
        elif fate.left_on is not None:
            visit.status, visit.done_on, visit.note = "lost", fate.left_on, LEFT_NOTE
            visit.recorded_by = staff.coordinator
    return visits


# Responses -------------------------------------------------------------------------------------------------

ASSESSED_AT = ("D28", "D100", "M6", "M12", "Y2", "Y3", "Y4", "Y5")  # imaging or marrow at these visits


def _raw_before_progression(rng: random.Random, criteria: str, rank: int, progresses: bool) -> dict:
    """The findings at the `rank`-th assessment (0: D28) of a patient in response."""
    if criteria == "lugano":
        if rank == 0 and (progresses or rng.random() < 0.35):
            score = rng.choice((4, 4, 5))
            return {"deauville_score": score, "uptake_change": "reduced" if rng.random() < 0.8 else
                    "no_significant_change", "new_lesions": False}
        return {"deauville_score": rng.choice((1, 2, 2, 3)), "uptake_change": "reduced", "new_lesions": False}
    if criteria == "b_all":
        remission = "CRi" if rank == 0 and rng.random() < 0.2 else "CR"
        negative = not progresses or rng.random() < 0.5
        return {"remission": remission, "mrd_status": "negative" if negative else "positive",
                "mrd_method": rng.choice(("flow_cytometry", "flow_cytometry", "ngs"))}
    if criteria == "imwg":
        ladder = ("PR", "VGPR", "CR", "sCR")
        category = ladder[min(rank + (0 if progresses else 1), len(ladder) - 1)]
        if category in ("CR", "sCR") and rng.random() < 0.7:
            return {"category": category, "mrd_status": "negative", "mrd_method": "ngs"}
        return {"category": category, "mrd_status": "not_done"}
    return {"score_name": "SLEDAI-2K", "score_value": max(0, 12 - 4 * (rank + 1) + rng.choice((0, 0, 2)))}


def _raw_at_progression(rng: random.Random, criteria: str) -> dict:
    if criteria == "lugano":
        if rng.random() < 0.6:
            return {"deauville_score": 5, "uptake_change": "increased", "new_lesions": rng.random() < 0.5}
        return {"deauville_score": rng.choice((4, 5)), "uptake_change": "no_significant_change", "new_lesions": True}
    if criteria == "b_all":
        return {"remission": "relapse", "mrd_status": "positive", "mrd_method": "flow_cytometry"}
    return {"category": "PD", "mrd_status": "not_done"}


@lru_cache(maxsize=1024)
def _graded(criteria: str, raw: tuple) -> tuple[str, bool]:
    graded = response_rules.evaluate(criteria, dict(raw))
    return graded.category, graded.is_progression


def _response(criteria: str, raw: dict, visit: int | None, on: date, by: int) -> Response:
    category, is_progression = _graded(criteria, tuple(sorted(raw.items())))
    return Response(visit, on, raw, category, is_progression, by)


def _responses(rng: random.Random, history: History, fate: Fate, today: date, staff: Staff) -> None:
    criteria, progression = history.criteria, fate.progression_on
    rank = 0
    for index, visit in enumerate(history.visits):
        if visit.status != "done" or visit.code not in ASSESSED_AT:
            continue
        if progression is not None and visit.done_on >= progression:
            break
        raw = _raw_before_progression(rng, criteria, rank, progression is not None)
        history.responses.append(_response(criteria, raw, index, visit.done_on, visit.recorded_by))
        rank += 1
    if progression is not None and progression <= today:
        history.responses.append(_response(criteria, _raw_at_progression(rng, criteria), None, progression,
                                           staff.haematologist))


# Blood counts and late effects -----------------------------------------------------------------------------

COUNTED_AT = {"D7": (400, 120, Decimal("9.4")), "D14": (900, 60, Decimal("9.8")), "D28": (1800, 110, Decimal("10.6")),
              "D100": (2600, 170, Decimal("12.1"))}  # typical ANC /µL, platelets G/L, haemoglobin g/dL
PROLONGED_CYTOPENIA_SHARE = 0.12
PROLONGED = {"D7": (150, 25, Decimal("8.6")), "D14": (300, 20, Decimal("8.4")), "D28": (450, 30, Decimal("8.9")),
             "D100": (800, 45, Decimal("9.6"))}
CD19_TARGETED = ("lugano", "b_all", "autoimmune")
INFECTIONS = [("SARS-CoV-2", "pulmonaire"), ("Virus respiratoire syncytial", "pulmonaire"),
              ("Escherichia coli", "urinaire"), ("Staphylococcus aureus", "bactériémie sur cathéter"),
              ("Virus varicelle-zona", "cutanée (zona)"), ("Pneumocystis jirovecii", "pulmonaire"),
              ("Cytomégalovirus", "réactivation sanguine"), ("Aspergillus fumigatus", "pulmonaire"),
              ("Streptococcus pneumoniae", "pulmonaire")]
SECOND_MALIGNANCIES = ["Carcinome basocellulaire", "Syndrome myélodysplasique", "Leucémie aiguë myéloïde",
                       "Carcinome épidermoïde cutané", "Adénocarcinome prostatique"]
T_CELL_MALIGNANCY = "Lymphome T périphérique, transgène CAR détecté dans les cellules tumorales"
SECOND_MALIGNANCY_SHARE = 0.02
T_CELL_MALIGNANCY_SHARE = 0.002
NEUROLOGICAL = "Parkinsonisme tardif (micrographie, bradykinésie), suivi en neurologie"


def _vary(value: int, rng: random.Random) -> int:
    return max(0, round(value * rng.uniform(0.6, 1.4)))


def _counts(rng: random.Random, history: History) -> None:
    prolonged = rng.random() < PROLONGED_CYTOPENIA_SHARE
    used = set()
    for index, visit in enumerate(history.visits):
        typical = (PROLONGED if prolonged else COUNTED_AT).get(visit.code)
        if visit.status != "done" or typical is None or visit.done_on in used:
            continue
        used.add(visit.done_on)
        anc, platelets, haemoglobin = typical
        history.counts.append(Count(index, visit.done_on, _vary(anc, rng), _vary(platelets, rng), haemoglobin,
                                    visit.recorded_by))


def _visit_done(history: History, code: str) -> tuple[int, Visit] | None:
    return next(((n, v) for n, v in enumerate(history.visits) if v.code == code and v.status == "done"), None)


def _late_effects(rng: random.Random, history: History, fate: Fate, today: date, staff: Staff) -> None:
    effects, last_known = history.late_effects, known_until(fate, today)
    for code in ("D100", "M12"):
        found = _visit_done(history, code)
        if found and history.criteria != "autoimmune" and rng.random() < 0.7:
            index, visit = found
            igg = round(rng.lognormvariate(math.log(4.2), 0.35), 1)
            effects.append(LateEffect("igg", visit.done_on, {"igg_g_l": igg, "immunoglobulin_replacement":
                                      igg < 4 and rng.random() < 0.7}, visit.recorded_by, index))
    found = _visit_done(history, "M6")
    if found and history.criteria in CD19_TARGETED and rng.random() < 0.5:
        index, visit = found
        effects.append(LateEffect("b_cell_aplasia", visit.done_on, {"cd19_per_ul": 0}, visit.recorded_by, index))
    for _ in range(rng.choices((0, 1, 2), (62, 30, 8))[0]):
        on = fate.d0 + timedelta(days=min(rng.randint(30, 120), rng.randint(30, 730)))
        if on <= last_known:
            organism, site = rng.choice(INFECTIONS)
            effects.append(LateEffect("infection", on, {"organism": organism, "site": site,
                                                        "severity": rng.choice("2233")}, staff.haematologist))
    t_cell = rng.random() < T_CELL_MALIGNANCY_SHARE
    if t_cell or rng.random() < SECOND_MALIGNANCY_SHARE or fate.toxicity == "second_malignancy":
        on = fate.d0 + timedelta(days=rng.randint(300, 2000))
        if fate.toxicity == "second_malignancy":
            on = fate.death_on - timedelta(days=rng.randint(60, 200))
        if fate.d0 < on <= last_known:
            details = {"diagnosis": T_CELL_MALIGNANCY if t_cell else rng.choice(SECOND_MALIGNANCIES)}
            if t_cell:  # registry.md (FDA 2024): the manufacturer told, a sample kept
                details.update(manufacturer_notified=True, sample_kept=True)
            effects.append(LateEffect("second_malignancy", on, details, staff.haematologist, t_cell_malignancy=t_cell))
    if history.criteria == "imwg" and rng.random() < 0.01:
        on = fate.d0 + timedelta(days=rng.randint(30, 120))
        if on <= last_known:
            effects.append(LateEffect("neurological", on, {"description": NEUROLOGICAL, "severity": "2"},
                                      staff.haematologist))
    if fate.toxicity == "infection" and fate.death_on <= today:
        organism, site = rng.choice(INFECTIONS[4:])
        effects.append(LateEffect("infection", fate.death_on - timedelta(days=rng.randint(3, 15)),
                                  {"organism": organism, "site": site, "severity": "5"}, staff.haematologist))


# Treatments and death --------------------------------------------------------------------------------------

NEXT_LINES = {
    "lugano": ["Glofitamab", "Épcoritamab", "Polatuzumab-bendamustine-rituximab", "Radiothérapie de la masse "
               "résiduelle", "Lénalidomide-tafasitamab"],
    "b_all": ["Blinatumomab", "Inotuzumab ozogamicine", "Chimiothérapie de rattrapage (FLAG-Ida)"],
    "imwg": ["Téclistamab", "Talquétamab", "Elranatamab", "Daratumumab-pomalidomide-dexaméthasone"],
}
NEW_LINE_SHARE, REINFUSION_SHARE, CONSOLIDATION_SHARE = 0.75, 0.03, 0.25
DEATH_DETAILS = {
    "progression": "Progression de la maladie malgré le traitement de rattrapage ; soins palliatifs.",
    "infection": "Choc septique sur pneumopathie, en aplasie B et hypogammaglobulinémie.",
    "cytopenia": "Hémorragie intracrânienne sur thrombopénie prolongée (ICAHT tardif).",
    "second_malignancy": "Décès de la seconde néoplasie.",
    "other": "Décès d'une cause cardiovasculaire, sans rechute.",
}


def _treatments(rng: random.Random, history: History, fate: Fate, today: date, staff: Staff) -> None:
    latest = known_until(fate, today)
    progression = fate.progression_on
    if progression is not None and progression <= today and history.criteria in NEXT_LINES:
        if rng.random() < REINFUSION_SHARE:
            kind, detail = "reinfusion", "Seconde perfusion de CAR-T (produit résiduel)"
        elif rng.random() < NEW_LINE_SHARE:
            kind, detail = "new_line", rng.choice(NEXT_LINES[history.criteria])
        else:
            return
        started = progression + timedelta(days=rng.randint(7, 30))
        if started <= latest:
            history.treatments.append(Treatment(kind, started, detail, staff.haematologist))
    elif progression is None and history.criteria == "b_all" and rng.random() < CONSOLIDATION_SHARE:
        started = fate.d0 + timedelta(days=rng.randint(70, 130))
        if started <= latest:
            history.treatments.append(Treatment("transplant", started, "Allogreffe de consolidation en RC "
                                                "MRD négative", staff.haematologist))


def _death(history: History, fate: Fate, today: date, staff: Staff) -> None:
    if fate.death_on is None or fate.death_on > today:
        return
    detail = DEATH_DETAILS["progression" if fate.death_cause == "progression" else fate.toxicity]
    history.death = Death(fate.death_on, fate.death_cause, fate.toxicity, detail, staff.haematologist)


# Calls -----------------------------------------------------------------------------------------------------

FIRST_MONTH_DAYS = 30
FEVER_SHARE = 0.006  # of the first month's calls
FEVER_NOTES = ["Fièvre à 38,6 °C ce soir, frissons. Médecin d'astreinte prévenu, retour aux urgences.",
               "Température à 38,2 °C, asthénie. Hématologue prévenu."]
USUAL_ANSWERS = {name: False for name in call_rules.ANSWERS} | {
    "temperature_c": None, "caregiver_present": True, "within_reach": True}


@lru_cache(maxsize=4096)
def _call_dates(d0: date, proximity_days: int, dues: tuple[date, ...]) -> tuple[date, ...]:
    # followup.md: daily to the end of the stay near the center, twice a month to D100, then before each visit.
    return tuple(call_rules.call_dates(d0, proximity_days, dues))


def _calls(rng: random.Random, history: History, fate: Fate, proximity_days: int, today: date) -> None:
    """Done in the first month; planned from today on while the patient is alive and followed here."""
    last_known = known_until(fate, today)
    # A lost patient's calls stay planned, as the plan made them: nobody has closed the follow-up.
    followed = fate.left_on is None and (fate.death_on is None or fate.death_on > today)
    for due in _call_dates(fate.d0, proximity_days, tuple(v.due for v in history.visits)):
        if due < today:
            if (due - fate.d0).days > FIRST_MONTH_DAYS or due > last_known:
                continue
            if rng.random() < FEVER_SHARE:
                temperature = rng.choice((38.2, 38.6, 39.1))
                answers = USUAL_ANSWERS | {"fever": True, "temperature_c": temperature}
                history.calls.append(Call(due, "done", answers, ["fever"], rng.choice(FEVER_NOTES)))
            else:
                history.calls.append(Call(due, "done"))
        elif followed:
            history.calls.append(Call(due, "planned"))


# Everything for one episode --------------------------------------------------------------------------------

def history(rng: random.Random, fate: Fate, *, criteria: str, codes: tuple[str, ...], windows: dict,
            proximity_days: int, today: date, staff: Staff) -> History:
    """The follow-up an infused episode has as of today, from its fate (see `draw_fate`)."""
    planned = _planned(fate.d0, codes, tuple(sorted(windows.items())))
    result = History(fate.d0, criteria, " ".join(codes), fate.d0 + timedelta(days=proximity_days),
                     fate.d0 + timedelta(days=call_rules.DEFAULT_TWICE_MONTHLY_UNTIL_DAY),
                     _visits(rng, fate, planned, today, staff))
    _responses(rng, result, fate, today, staff)
    _counts(rng, result)
    _late_effects(rng, result, fate, today, staff)
    _treatments(rng, result, fate, today, staff)
    _death(result, fate, today, staff)
    _calls(rng, result, fate, proximity_days, today)
    recorded = sum(1 for v in result.visits if v.recorded_by is not None)
    result.version = 1 + recorded + any(v.referring for v in result.visits)
    return result
