"""Synthetic referrals, RCP decisions and treatment episodes as plain values, for `seed_synthetic`. No Django.

Every draw comes from the `random.Random` passed in, so that a seed reproduces the same pathway.
An episode is lived the way the services would record it: planned by `schedule.plan` from a
working-day apheresis, then each step done on its planned date give or take a realistic slip
(a late or early step moves every later planned date with it, as `pathway.services` does),
one state change per state reached, and the attrition before infusion that registries count
(pathway.md: "some patients approved at RCP are never infused").
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
import random

from cellrelay.followup.response import criteria_for_indication
from cellrelay.pathway import schedule
from cellrelay.pathway.protocols import Protocol
from cellrelay.pathway.states import State, StopReason
from cellrelay.patients.identity import body_surface_area_m2

from . import followup

Kind = schedule.Kind

HISTORY_YEARS = 3
MEETING_WEEKDAY = 3  # the weekly RCP, on Thursdays
RECENT_MEETINGS = 8  # a deferral is re-discussed within weeks: deferred decisions are recent

# A referral's fate, as of today.
AWAITING_SHARE = 0.05
DEFERRED_SHARE = 0.05
DECLINED_SHARE = 0.15
STOP_SHARE = 0.12  # approved but never infused (attrition, pathway.md)
# registry.md: long-term follow-up runs from day 100 to year 15.
LONG_TERM_FOLLOW_UP_DAY = 100
# After day 100 an episode closes at the patient's death (the coordinator learns of it within days) or, alive, when
# the follow-up goes on elsewhere (moved away, care taken back): mean wait for the latter, in days.
MEAN_DAYS_TO_LEAVING = 10 * 365
DAYS_TO_CLOSE_AFTER_DEATH = 14

TRIAL = "CASTLE-SLE (phase 1/2)"  # fictional name for the lupus trial (pathway.md, RESO Bordeaux)


@dataclass(slots=True)
class Step:
    """One Milestone row."""

    kind: str
    code: str
    sequence: int
    day: int
    planned: date
    drugs: list
    actual: date | None = None
    status: str = "planned"


@dataclass(slots=True)
class Episode:
    """One Episode row, its milestones (in sequence order) and its state changes (from, to, on)."""

    state: str
    changes: list[tuple[str, str, date]]
    steps: list[Step] = field(default_factory=list)
    version: int = 1
    stop_reason: str = ""
    stop_note: str = ""
    stopped_on: date | None = None
    stopped_from: str = ""
    fate: followup.Fate | None = None  # once infused: what becomes of the patient (synthetic.followup)


@dataclass(slots=True)
class Case:
    """One referral and what became of it: `outcome` None while it awaits its RCP."""

    referral: dict
    outcome: str | None = None
    meeting: int | None = None  # index in the meeting days
    decision: dict = field(default_factory=dict)
    episode: Episode | None = None


# Calendar ------------------------------------------------------------------------------------------

def next_working_day(day: date) -> date:
    while not schedule.is_working_day(day):
        day += timedelta(days=1)
    return day


def meeting_days(today: date, years: int = HISTORY_YEARS) -> list[date]:
    """The weekly RCP before today over the past `years` years, oldest first: every Thursday,
    or the working day before it when the Thursday is a public holiday (Ascension always is)."""
    start = today - timedelta(days=round(365.25 * years))
    day = today - timedelta(days=(today.weekday() - MEETING_WEEKDAY) % 7 or 7)
    days = []
    while day >= start:
        days.append(schedule.previous_working_day(day))
        day -= timedelta(days=7)
    return days[::-1]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# Referral ------------------------------------------------------------------------------------------

def _pick(rng: random.Random, weighted):
    """One value of a [(value, weight), ...] list."""
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


DIAGNOSIS_DETAILS = {
    "lbcl": [("DLBCL, NOS", 60), ("Transformed follicular lymphoma", 15),
             ("High-grade B-cell lymphoma with MYC and BCL2 rearrangements", 15),
             ("Primary mediastinal B-cell lymphoma", 10)],
    "fl": [("Follicular lymphoma, grade 1-2", 75), ("Follicular lymphoma, grade 3A", 25)],
    "mcl": [("Classic mantle cell lymphoma", 75), ("Blastoid mantle cell lymphoma", 25)],
    "b_all": [("Ph-negative B-ALL", 80), ("Ph-positive B-ALL", 20)],
    "mm": [("IgG kappa myeloma", 45), ("IgA lambda myeloma", 25), ("Light-chain myeloma", 30)],
    "sle": [("Lupus nephritis class IV, refractory", 60), ("Refractory systemic lupus, SLEDAI-2K ≥ 10", 40)],
}
STAGES = {
    "lbcl": [("Ann Arbor II", 15), ("Ann Arbor III", 25), ("Ann Arbor IV", 60)],
    "fl": [("Ann Arbor III", 35), ("Ann Arbor IV", 65)],
    "mcl": [("Ann Arbor III", 25), ("Ann Arbor IV", 75)],
    "b_all": [("First relapse", 30), ("Second or later relapse", 40), ("Primary refractory", 15),
              ("Relapse after allograft", 15)],
    "mm": [("R-ISS I", 25), ("R-ISS II", 50), ("R-ISS III", 25)],
    "sle": [("SLEDAI-2K 10-14", 60), ("SLEDAI-2K ≥ 15", 40)],
}
PRIOR_LINES = {
    "lbcl": [(1, 20), (2, 45), (3, 25), (4, 10)],
    "fl": [(2, 40), (3, 35), (4, 15), (5, 10)],
    "mcl": [(2, 50), (3, 35), (4, 15)],
    "b_all": [(1, 25), (2, 45), (3, 20), (4, 10)],
    "mm": [(1, 10), (2, 15), (3, 30), (4, 25), (5, 12), (6, 5), (7, 3)],
    "sle": [(2, 25), (3, 40), (4, 25), (5, 10)],
}
PRIOR_TRANSPLANT = {
    "lbcl": [("none", 70), ("autologous", 28), ("both", 2)],
    "fl": [("none", 85), ("autologous", 15)],
    "mcl": [("none", 50), ("autologous", 45), ("both", 5)],
    "b_all": [("none", 60), ("allogeneic", 40)],
    "mm": [("none", 12), ("autologous", 85), ("both", 3)],
    "sle": [("none", 1)],
}
CURRENT_STATUS = [("refractory", 45), ("relapsed", 45), ("partial_response", 5), ("stable", 5)]


def draw_diagnosis(rng: random.Random, age: int, sex: str) -> str:
    """B-ALL in children and young adults (Kymriah to 25 years); lymphoma and myeloma above;
    a few women with refractory lupus in the trial."""
    lupus = (4 if sex == "F" else 0.5) if 18 <= age < 60 else 0
    if age <= 25:
        return _pick(rng, [("b_all", 85), ("lbcl", 12), ("sle", lupus)])
    return _pick(rng, [("lbcl", 56), ("mm", 24), ("fl", 7), ("mcl", 6), ("b_all", 3), ("sle", lupus)])


def draw_referral(rng: random.Random, age: int, sex: str) -> dict:
    """A referral's clinical items (received_on is set with the decision)."""
    diagnosis = draw_diagnosis(rng, age, sex)
    return {
        "diagnosis": diagnosis,
        "diagnosis_detail": _pick(rng, DIAGNOSIS_DETAILS[diagnosis]),
        "disease_stage": _pick(rng, STAGES[diagnosis]),
        "prior_lines": _pick(rng, PRIOR_LINES[diagnosis]),
        "prior_transplant": _pick(rng, PRIOR_TRANSPLANT[diagnosis]),
        "current_status": "active_autoimmune" if diagnosis == "sle" else _pick(rng, CURRENT_STATUS),
    }


# Decision ------------------------------------------------------------------------------------------

def product_choices(diagnosis: str, prior_lines: int, age: int) -> list[tuple[tuple[str, str], int]]:
    """(product, indication) with weights, within the labels (products.md): Kymriah for ALL up
    to 25 years, Tecartus for adults; Kymriah in LBCL and Abecma from the third line."""
    if diagnosis == "lbcl":
        if prior_lines < 2:
            return [(("yescarta", "lbcl"), 65), (("breyanzi", "lbcl"), 35)]
        return [(("yescarta", "lbcl"), 50), (("breyanzi", "lbcl"), 25), (("kymriah", "lbcl"), 25)]
    if diagnosis == "fl":
        return [(("yescarta", "fl"), 50), (("kymriah", "fl"), 50)]
    if diagnosis == "mcl":
        return [(("tecartus", "mcl"), 1)]
    if diagnosis == "b_all":
        return [(("kymriah", "b_all"), 1)] if age <= 25 else [(("tecartus", "b_all"), 1)]
    if diagnosis == "mm":
        if prior_lines < 3:
            return [(("carvykti", "mm"), 1)]
        return [(("abecma", "mm"), 40), (("carvykti", "mm"), 60)]
    if diagnosis == "sle":
        return [(("investigational", "trial"), 1)]
    return []


BRIDGING = {
    "lbcl": (0.6, ["R-GemOx", "Polatuzumab-bendamustine-rituximab", "Involved-site radiotherapy", "R-DHAP"]),
    "fl": (0.3, ["Rituximab-lenalidomide", "Involved-site radiotherapy"]),
    "mcl": (0.5, ["Ibrutinib", "R-BAC"]),
    "b_all": (0.5, ["Inotuzumab ozogamicin", "Vincristine-dexamethasone"]),
    "mm": (0.7, ["Daratumumab-pomalidomide-dexamethasone", "Carfilzomib-dexamethasone",
                 "Pomalidomide-cyclophosphamide-dexamethasone"]),
    "sle": (0.0, []),
}
DECLINE_REASONS = [
    "Performance status too poor (ECOG 3 or more)",
    "Rapid progression: life expectancy too short to wait for the product",
    "Renal or cardiac function contra-indicating lymphodepletion",
    "Uncontrolled active infection",
    "Another line of standard treatment to try first",
    "Uncontrolled central nervous system involvement",
]
DEFER_REASONS = [
    "Reassess after bridging therapy: PET-CT before the next RCP",
    "Awaiting bone-marrow MRD result",
    "Infection to resolve first",
    "Complete the work-up (cardiac echography, lung function) before deciding",
]


def draw_decision(rng: random.Random, referral: dict, age: int, available) -> tuple[str, dict]:
    """Outcome and decision fields (awaiting: outcome None). `available`: (product, indication) with a template."""
    u = rng.random()
    if u < AWAITING_SHARE:
        return None, {}
    if u < AWAITING_SHARE + DEFERRED_SHARE:
        return "deferred", {"reason": rng.choice(DEFER_REASONS)}
    choices = [(pair, weight) for pair, weight in product_choices(referral["diagnosis"], referral["prior_lines"], age)
               if pair in available]
    if u < AWAITING_SHARE + DEFERRED_SHARE + DECLINED_SHARE or not choices:
        return "declined", {"reason": rng.choice(DECLINE_REASONS)}
    product, indication = _pick(rng, choices)
    share, therapies = BRIDGING[referral["diagnosis"]]
    bridging = rng.random() < share
    return "approved", {
        "product": product, "indication": indication, "trial": TRIAL if product == "investigational" else "",
        "bridging_planned": bridging, "bridging_detail": rng.choice(therapies) if bridging else "",
    }


# Episode -------------------------------------------------------------------------------------------

# From which state each kind of stop happens (weights): progression and death mostly while the
# product is made, manufacturing failure while the cells are at the manufacturer: as the product
# services record it, a failed product (or one out of specification at receipt, quarantined) never
# moves the episode to “product received” (cellrelay.demo.synthetic.products gives the product its status).
STOPS = [
    (StopReason.PROGRESSION, 45, [(State.APPROVED, 15), (State.APHERESIS_SCHEDULED, 20), (State.MANUFACTURING, 50),
                                  (State.PRODUCT_RECEIVED, 15)],
     ["Progression during bridging therapy", "Rapid progression while the product was made", ""]),
    (StopReason.DEATH, 25, [(State.APPROVED, 10), (State.APHERESIS_SCHEDULED, 15), (State.MANUFACTURING, 55),
                            (State.PRODUCT_RECEIVED, 20)],
     ["Death from disease progression", "Death from sepsis", ""]),
    (StopReason.MANUFACTURING_FAILURE, 15, [(State.MANUFACTURING, 1)],
     ["Out-of-specification product: too few CAR-positive cells", "Failed expansion at the manufacturer",
      "Release testing out of specification"]),
    (StopReason.PATIENT_CHOICE, 8, [(State.APPROVED, 50), (State.APHERESIS_SCHEDULED, 40), (State.MANUFACTURING, 10)],
     ["Declined CAR-T after information", "Prefers treatment closer to home", ""]),
    (StopReason.OTHER, 7, [(State.APPROVED, 30), (State.APHERESIS_SCHEDULED, 30), (State.MANUFACTURING, 20),
                           (State.ADMITTED, 20)],
     ["Uncontrolled infection before lymphodepletion", "Moved abroad",
      "Referring team chose another treatment", "Included in a trial at another center"]),
]
_STOP_WEIGHTS = [weight for _reason, weight, _states, _notes in STOPS]

# The milestone whose completion moves the episode on (as `pathway.services.advance` records it).
STATE_OF_CODE = {"APH": State.COLLECTED, "RCPT": State.PRODUCT_RECEIVED, "ADM": State.ADMITTED,
                 "LD1": State.LYMPHODEPLETION, "D0": State.INFUSED, "DIS": State.DISCHARGED}
# States without a step of their own: entered the day after the one before
# (cells shipped to the manufacturer; the first day of CRS and ICANS watch).
FOLLOWS = {State.COLLECTED: State.MANUFACTURING, State.INFUSED: State.ACUTE_MONITORING}


def draw_stop(rng: random.Random):
    """None, or (reason, from_state, note) for an episode that will stop before infusion."""
    if rng.random() >= STOP_SHARE:
        return None
    reason, _weight, states, notes = rng.choices(STOPS, _STOP_WEIGHTS)[0]
    return reason, _pick(rng, states), rng.choice(notes)


def slip_days(rng: random.Random, kind: str) -> int:
    """How many days after its planned date a step is done (negative: before)."""
    if kind == Kind.APHERESIS:
        return 0 if rng.random() < 0.9 else rng.randint(1, 7)
    if kind == Kind.PRODUCT_RECEIPT:  # manufacturing time varies; now and then a real delay
        slip = min(max(round(rng.gauss(0, 3)), -4), 10)
        return slip + rng.randint(7, 21) if rng.random() < 0.08 else slip
    if kind == Kind.ADMISSION:
        return 0 if rng.random() < 0.8 else rng.randint(1, 3)
    if kind == Kind.DISCHARGE:  # CRS or ICANS keep some patients longer (stay of 15-21 days, pathway.md)
        u = rng.random()
        return 0 if u < 0.4 else rng.randint(1, 3) if u < 0.75 else rng.randint(4, 10) if u < 0.95 else rng.randint(11, 21)
    return 0  # lymphodepletion, rest days and infusion keep to the protocol


@lru_cache(maxsize=16384)
def _plan(protocol: Protocol, apheresis: date) -> list[schedule.Planned]:
    """`schedule.plan` without doses: the same for every patient of the protocol collected that day."""
    return schedule.plan(protocol, apheresis_date=apheresis)


@lru_cache(maxsize=16384)
def _doses(drugs: tuple[tuple[str, float], ...], bsa: float | None) -> list[dict]:
    """`schedule.doses` as stored in Milestone.drugs (the same for every patient of that body surface area)."""
    return [{"drug": d.drug, "dose_mg_m2": d.dose_mg_m2, "dose_mg": d.dose_mg} for d in schedule.doses(drugs, bsa)]


def plan(protocol: Protocol, apheresis: date, weight_kg=None, height_cm=None) -> list[tuple[schedule.Planned, list]]:
    """`schedule.plan(protocol, apheresis_date=..., weight_kg=..., height_cm=...)`, each milestone with
    its doses as stored (Milestone.drugs). Dates and doses come from caches: many patients share them."""
    bsa = round(body_surface_area_m2(weight_kg, height_cm), 2) if weight_kg and height_cm else None
    return [(p, _doses(tuple((d.drug, d.dose_mg_m2) for d in p.drugs), bsa) if p.drugs else [])
            for p in _plan(protocol, apheresis)]


def _stop(episode: Episode, stop, on: date) -> None:
    reason, _from_state, note = stop
    episode.changes.append((episode.state, State.STOPPED, on))
    episode.stopped_from, episode.state = episode.state, State.STOPPED
    episode.stop_reason, episode.stop_note, episode.stopped_on = reason, note, on
    episode.version += 1
    for step in episode.steps:
        if step.status == "planned":
            step.status = "cancelled"


def _move(episode: Episode, target: State, on: date) -> None:
    episode.changes.append((episode.state, target, on))
    episode.state = target
    episode.version += 1


def episode(rng: random.Random, protocol: Protocol, *, received_on: date, decided_on: date, today: date,
            weight_kg=None, height_cm=None) -> Episode:
    """The episode an approval on `decided_on` opened, as it stands today."""
    lived = Episode(state=State.APPROVED,
                    changes=[("", State.REFERRED, received_on), (State.REFERRED, State.APPROVED, decided_on)])
    stop = draw_stop(rng)
    if stop and stop[1] == State.APPROVED:
        on = decided_on + timedelta(days=rng.randint(2, 21))
        if on <= today:
            _stop(lived, stop, on)
        return lived
    planned_on = decided_on + timedelta(days=rng.randint(1, 7))
    if planned_on > today:
        return lived
    apheresis = next_working_day(decided_on + timedelta(days=rng.randint(10, 30)))
    lived.steps = [Step(p.kind, p.code, n, p.day, p.date, drugs)
                   for n, (p, drugs) in enumerate(plan(protocol, apheresis, weight_kg, height_cm))]
    lived.version += 1
    _move(lived, State.APHERESIS_SCHEDULED, planned_on)
    _live(rng, lived, planned_on, today, stop)
    _after_infusion(rng, lived, protocol, today)
    return lived


def _live(rng: random.Random, lived: Episode, entered: date, today: date, stop) -> None:
    """Do the steps in order, up to today: a stop ends the episode on its way."""
    steps, index, follows = lived.steps, 0, None
    while follows is not None or index < len(steps):
        if follows is not None:
            target, on = follows
        else:
            step = steps[index]
            on = step.planned + timedelta(days=slip_days(rng, step.kind))
            if step.kind == Kind.APHERESIS:
                on = next_working_day(on)
        if stop and lived.state == stop[1]:  # the stop falls between entering this state and the next event
            stop_on = entered + timedelta(days=rng.randint(1, max(1, (on - entered).days - 1)))
            if stop_on <= today:
                _stop(lived, stop, stop_on)
            return
        if on > today:
            return
        if follows is not None:
            _move(lived, target, on)
            entered, follows = on, None
            continue
        if on != step.planned:  # the dates that hang on it follow, as when recorded in the app
            moves = schedule.moves_when_done(steps, step.code, on)
            for other in steps:
                other.planned = moves.get(other.code, other.planned)
        step.actual, step.status = on, "done"
        target = STATE_OF_CODE.get(step.code)
        if target is None:
            lived.version += 1  # record_step
        else:
            _move(lived, target, on)
            entered = on
            if target in FOLLOWS:
                follows = (FOLLOWS[target], on + timedelta(days=1))
        index += 1


def _after_infusion(rng: random.Random, lived: Episode, protocol: Protocol, today: date) -> None:
    """Once infused: the patient's fate; with every step done, long-term follow-up from day 100 (or the death
    before it), then the closure at the death or when the follow-up goes on elsewhere."""
    d0 = next((step.actual for step in lived.steps if step.code == "D0"), None)
    if d0 is None:
        return
    last_step = max(step.actual or step.planned for step in lived.steps)
    earliest_death = max(d0 + timedelta(days=followup.EARLIEST_DEATH_DAY), last_step + timedelta(days=1))
    fate = lived.fate = followup.draw_fate(rng, d0, criteria_for_indication(protocol.indication),
                                           earliest_death=earliest_death, today=today)
    leaving = timedelta(days=round(rng.expovariate(1 / MEAN_DAYS_TO_LEAVING)))
    if any(step.status == "planned" for step in lived.steps):
        return
    follow_up_on = d0 + timedelta(days=LONG_TERM_FOLLOW_UP_DAY)
    if fate.death_on is not None:
        follow_up_on = min(follow_up_on, fate.death_on)
    if follow_up_on > today:
        return
    _move(lived, State.LONG_TERM_FOLLOW_UP, follow_up_on)
    leaves_on = follow_up_on + leaving
    if fate.death_on is not None and fate.death_on <= leaves_on:
        closure = fate.death_on + timedelta(days=rng.randint(0, DAYS_TO_CLOSE_AFTER_DEATH))
        if closure <= today:
            _move(lived, State.CLOSED, closure)
    elif leaves_on <= today and (fate.lost_on is None or leaves_on < fate.lost_on):
        followup.leave(fate, leaves_on)
        _move(lived, State.CLOSED, leaves_on)


# Everything for one patient ------------------------------------------------------------------------

def case(rng: random.Random, *, today: date, birth_date: date, sex: str, meetings: list[date],
         protocols: dict, weight_kg=None, height_cm=None) -> Case:
    """A referral to the treating center and what became of it by today.

    `meetings`: the center's past RCP days, oldest first (see `meeting_days`); `protocols`:
    {(product, indication): Protocol} for the templates in use.
    """
    age = age_on(birth_date, today)
    referral = draw_referral(rng, age, sex)
    outcome, decision = draw_decision(rng, referral, age, protocols)
    result = Case(referral, outcome, decision=decision)
    if outcome is None:
        referral["received_on"] = today - timedelta(days=rng.randint(0, 20))
        return result
    if outcome == "deferred":
        result.meeting = rng.randrange(max(0, len(meetings) - RECENT_MEETINGS), len(meetings))
    else:
        result.meeting = rng.randrange(len(meetings))
    held_on = meetings[result.meeting]
    referral["received_on"] = held_on - timedelta(days=rng.randint(5, 35))
    if outcome == "deferred":
        decision["deferred_until"] = held_on + timedelta(days=7 * rng.randint(2, 6))
    elif outcome == "approved":
        result.episode = episode(rng, protocols[decision["product"], decision["indication"]],
                                 received_on=referral["received_on"], decided_on=held_on, today=today,
                                 weight_kg=weight_kg, height_cm=height_cm)
    return result
