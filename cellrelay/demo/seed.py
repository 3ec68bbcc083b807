"""`manage.py seed_demo`'s work: the fictional demo hospital, its staff, 23 patients, their pathway and follow-up.

Everything goes through the service functions, so that the demo journal reads like a real one.
The cases (`cases.py`) cover every state of an episode, each way an episode stops, and each RCP outcome;
episodes already under way are planned from their past apheresis (`plan_schedule(allow_past=True)`)
and each step is recorded on its date.
"""

from collections import Counter
import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.monitoring import services as monitoring_services
from cellrelay.organisation.services import record_training
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.models import Episode, Milestone, ProtocolTemplate
from cellrelay.pathway.protocols import DEFAULTS, template_fields
from cellrelay.pathway.schedule import Kind, previous_working_day
from cellrelay.pathway.states import State, StopReason, next_state
from cellrelay.patients import services as patient_services
from cellrelay.patients.identity import make_ins
from cellrelay.patients.models import Patient
from cellrelay.referrals import services as referral_services
from cellrelay.registry import stored as registry_stored

from . import followup as followup_demo
from . import hospital
from . import monitoring as monitoring_demo
from . import products as products_demo
from . import registry as registry_demo
from .cases import BROKEN_SEAL_PATIENT, CASES, MEETINGS, PATIENTS, TRAININGS, UPCOMING, Case
from .synthetic.pathway import MEETING_WEEKDAY, TRIAL, next_working_day

# Who records each step (the product's steps: see PRODUCT_STEPS).
ACTOR_OF_STATE = {
    State.ADMITTED: "wardnurse", State.LYMPHODEPLETION: "wardnurse", State.ACUTE_MONITORING: "wardnurse", State.DISCHARGED: "haematologist",
    State.LONG_TERM_FOLLOW_UP: "coordinator", State.CLOSED: "coordinator",
}
# The milestone whose completion moves the episode to that state.
CODE_OF_STATE = {State.COLLECTED: "APH", State.PRODUCT_RECEIVED: "RCPT", State.ADMITTED: "ADM",
                 State.LYMPHODEPLETION: "LD1", State.INFUSED: "D0", State.DISCHARGED: "DIS"}
# States reached through the product's chain of custody, recorded by the products room's services.
PRODUCT_STEPS = {State.COLLECTED: products_demo.collect, State.MANUFACTURING: products_demo.register,
                 State.PRODUCT_RECEIVED: products_demo.receive, State.INFUSED: products_demo.infuse}
# States entered the day after another step: cells shipped; first day of CRS and ICANS watch.
DAY_AFTER = {State.MANUFACTURING: "APH", State.ACUTE_MONITORING: "D0"}


def meeting_day(days_ago: int, today: dt.date) -> dt.date:
    """The weekly RCP (Thursday, or the working day before when a holiday) about `days_ago` days ago."""
    day = today - dt.timedelta(days=days_ago)
    return previous_working_day(day - dt.timedelta(days=(day.weekday() - MEETING_WEEKDAY) % 7))


def upcoming_meeting_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=(MEETING_WEEKDAY - today.weekday()) % 7 or 7)
    return next_working_day(day)


def ensure_protocol_templates() -> None:
    """The default templates a migration creates, created again where missing (a database flushed since its
    migrations, as a test server's is): the demo's decisions need one per product and indication."""
    for protocol in DEFAULTS:
        ProtocolTemplate.objects.get_or_create(product=protocol.product, indication=protocol.indication,
                                               defaults=template_fields(protocol))


def seed_demo() -> tuple[dict, int, str]:
    """The demo organisation (idempotent) and, when the database has no patient yet, the cases, journaled once;
    all in one transaction. Returns the organisation, how many patients were created and the pathway's summary
    ("" when none was created)."""
    summary = ""
    with transaction.atomic():
        ensure_protocol_templates()
        org = hospital.build_organisation()
        created = 0
        if not Patient.objects.exists():
            patients = create_patients(org)
            summary = DemoPathway(org).create(patients)
            created = len(patients)
            registry_demo.seed(org)
            record(JournalEntry.Action.DATA_SEEDED, actor=None, actor_label="seed_demo command",
                   after={"patients": created, "centers": 3, "users": len(org["users"]), "referrals": len(CASES)})
    if created:
        registry_stored.refresh_all()  # the registry page's stored completeness, ready at once
    return org, created, summary


def create_patients(org) -> list[Patient]:
    """The patients, each with a caregiver and consents; the staff's training records."""
    rng = random.Random(2026)
    patients = []
    today = timezone.localdate()
    coordinator, referrer = org["users"]["coordinator"], org["users"]["referrer"]
    for index, (family, given, sex, age, weight, height, city, postcode) in enumerate(PATIENTS):
        birth = today.replace(year=today.year - age) - dt.timedelta(days=rng.randint(1, 360))
        place = "2A004" if city == "Ajaccio" else f"{postcode[:2]}{rng.randint(1, 999):03d}"
        referred = index % 3 == 1
        patient = patient_services.register_patient(
            actor=referrer if referred else coordinator,
            treating_center=org["treating"],
            referring_center=org["referring"][0] if referred else None,
            referring_physician=referrer if referred else None,
            family_name=family, given_names=given, sex=sex, birth_date=birth,
            ins=None if index == 14 else make_ins(1 if sex == "M" else 2, birth.year, birth.month, place, index + 1),
            weight_kg=weight, height_cm=height, measured_on=today - dt.timedelta(days=rng.randint(0, 20)),
            address=f"{rng.randint(1, 80)} rue des Tilleuls", postcode=postcode, city=city,
            phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            ipp=f"MC{240000 + index * 17}",
        )
        patients.append(patient)
        patient_services.add_contact(actor=coordinator, patient=patient, kind="caregiver",
                                     name=f"{rng.choice(['Anne', 'Pierre', 'Marie', 'Louis'])} {family}",
                                     relationship="spouse" if age > 25 else "parent",
                                     phone="06 00 00 00 00")
        patient_services.record_consent(actor=coordinator, patient=patient, kind="registry", status="given",
                                        decided_on=today - dt.timedelta(days=rng.randint(1, 60)))
        if index % 4 == 0:
            patient_services.record_consent(actor=coordinator, patient=patient, kind="data_sharing",
                                            status="refused" if index == 8 else "given",
                                            decided_on=today - dt.timedelta(days=rng.randint(1, 60)))
    for username, topic, days_ago, valid_days in TRAININGS:
        done = today - dt.timedelta(days=days_ago)
        record_training(actor=org["users"]["admin"], user=org["users"][username], topic=topic,
                        completed_on=done, expires_on=done + dt.timedelta(days=valid_days))
    return patients


class DemoPathway:
    """Referrals, RCP meetings and decisions, and each episode brought to where it stands today."""

    def __init__(self, org: dict):
        self.org, self.users, self.today = org, org["users"], timezone.localdate()
        self.case = None  # the case being lived (see `live`)

    def create(self, patients: list[Patient]) -> str:
        """Every case's referral, its RCP and decision, and its episode lived up to today; a summary."""
        rng = random.Random(2027)
        meetings = {name: self.meeting(meeting_day(days_ago, self.today)) for name, days_ago in MEETINGS.items()}
        meetings[UPCOMING] = self.meeting(upcoming_meeting_day(self.today))
        upcoming = meetings[UPCOMING]
        outcomes, states = Counter(), Counter()
        for case in CASES:
            patient = patients[case.patient]
            meeting = meetings[case.meeting]
            held_on = meeting.held_on if case.outcome else self.today
            referral = self.referral(patient, case, received_on=held_on - dt.timedelta(days=rng.randint(7, 21)))
            if case.outcome is None:
                referral_services.add_to_agenda(actor=self.users["coordinator"], meeting=upcoming, referral=referral)
                outcomes["awaiting decision"] += 1
                continue
            decision = referral_services.record_decision(
                actor=self.users["haematologist"], meeting=meeting, referral=referral, outcome=case.outcome,
                product=case.product, indication=case.indication, trial=TRIAL if case.product == "investigational" else "",
                bridging_planned=bool(case.bridging), bridging_detail=case.bridging, reason=case.reason,
                deferred_until=upcoming.held_on if case.outcome == "deferred" else None)
            outcomes[case.outcome] += 1
            if case.outcome == "deferred":  # discussed again at the next RCP
                referral_services.add_to_agenda(actor=self.users["coordinator"], meeting=upcoming, referral=referral)
            if case.outcome == "approved":
                episode = self.live(decision.episode, case)
                monitoring_demo.seed(episode, self.users, self.today)
                followup_demo.seed(episode, self.users, case.patient)
                states[episode.state if episode.state != State.STOPPED else f"stopped ({episode.stop_reason})"] += 1
        tank = products_demo.demo_tank(self.org["treating"], self.users)
        products_demo.store_waiting_bags(tank, self.users)
        products_demo.readings(tank, self.users)
        return "\n".join([
            f"Pathway: {len(CASES)} referrals, {len(meetings)} RCP meetings ({len(MEETINGS)} held, 1 to come).",
            "  Decisions: " + ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items()),
            "  Episodes: " + ", ".join(f"{count} {state}" for state, count in states.items()),
        ])

    def meeting(self, held_on: dt.date):
        users = self.users
        return referral_services.create_meeting(
            actor=users["coordinator"], center=self.org["treating"], held_on=held_on, title="RCP CAR-T",
            attendees=[users[name] for name in ("haematologist", "coordinator", "pharmacist", "apheresis",
                                                "neurologist", "icu")],
            external_attendees="Dr Jean Simon (CH Val-d'Arve)")

    def referral(self, patient: Patient, case: Case, received_on: dt.date):
        """From the referring hospital for referred patients, from the center's haematologist otherwise."""
        referred = patient.referring_center_id is not None
        return referral_services.create_referral(
            actor=self.users["referrer" if referred else "haematologist"], patient=patient,
            from_center=patient.referring_center if referred else self.org["treating"],
            from_physician=patient.referring_physician if referred else self.users["haematologist"],
            received_on=min(received_on, self.today), diagnosis=case.diagnosis, diagnosis_detail=case.detail,
            disease_stage=case.stage, prior_lines=case.prior_lines, prior_transplant=case.prior_transplant,
            current_status=case.current_status)

    def live(self, episode: Episode, case: Case) -> Episode:
        """Plan the episode and record each step on its date up to its state today; then the stop, if any."""
        self.case = case
        def day(offset: int | None) -> dt.date | None:
            return None if offset is None else self.today + dt.timedelta(days=offset)

        if case.apheresis is not None:
            wanted = day(case.apheresis)
            apheresis = next_working_day(wanted) if wanted > self.today else previous_working_day(wanted)
            episode = pathway_services.plan_schedule(
                actor=self.users["coordinator"], episode=episode, expected_version=None, apheresis_date=apheresis,
                allow_past=apheresis < self.today,
                planned_on=min(episode.decision.meeting.held_on, self.today) if apheresis < self.today else None)
        while episode.state != case.state:
            target = next_state(State(episode.state))
            last_on = day(case.last_on) if target == case.state else None
            if last_on and target == State.PRODUCT_RECEIVED:
                last_on = previous_working_day(last_on)  # the pharmacy receives on working days
            episode = self.advance(episode, target, last_on=last_on, closes_on=day(case.ends_on))
        if case.state == State.CLOSED:
            return episode
        # The steps between here and the next move are done up to today (or up to the stop).
        next_move = next((m for m in episode.milestones.filter(status=Milestone.Status.PLANNED).order_by("sequence")
                          if m.moves_episode), None)
        stop_on = None
        if case.stop:
            if case.ends_on is not None:
                stop_on = day(case.ends_on)
            elif episode.state == State.APPROVED:
                stop_on = episode.decision.meeting.held_on + dt.timedelta(days=3)
            else:  # the day the next step was due
                stop_on = next_move.planned
        self.record_steps_before(episode, min(d for d in (self.today, stop_on, next_move and next_move.planned) if d))
        if stop_on:
            if case.stop == StopReason.MANUFACTURING_FAILURE:
                products_demo.fail(episode, self.users, case.note)
            return pathway_services.stop_episode(actor=self.users["haematologist"], episode=episode, reason=case.stop,
                                                 note=case.note, on=stop_on, expected_version=None)
        if next_move and next_move.planned < self.today:  # late: the next step is moved to today
            pathway_services.replan_milestone(actor=self.users["coordinator"], milestone=next_move,
                                              planned=self.today, expected_version=None)
        return episode

    def advance(self, episode: Episode, target: State, *, last_on: dt.date | None, closes_on: dt.date | None):
        """Record the steps due before `target`, then move on: on the step's planned date, `last_on` when given."""
        milestones = {m.code: m for m in episode.milestones.all()}
        if target in CODE_OF_STATE:
            on = milestones[CODE_OF_STATE[target]].planned
        elif target in DAY_AFTER:
            on = milestones[DAY_AFTER[target]].actual + dt.timedelta(days=1)
        elif target == State.LONG_TERM_FOLLOW_UP:  # registry.md: long-term follow-up runs from day 100
            on = milestones["D0"].actual + dt.timedelta(days=100)
        else:
            on = closes_on
        self.record_steps_before(episode, on)
        if target == State.INFUSED:  # pathway.md: neurology consultation, brain MRI and EEG before infusion
            admitted = milestones["ADM"].actual or milestones["ADM"].planned
            monitoring_services.update_checklist(
                actor=self.users["neurologist"], episode=episode, consultation_on=admitted - dt.timedelta(days=12),
                mri_on=admitted - dt.timedelta(days=9), eeg_on=admitted - dt.timedelta(days=8))
        if target == State.PRODUCT_RECEIVED and self.case.patient == BROKEN_SEAL_PATIENT:
            return products_demo.receive(episode, self.users, last_on or on, broken_seal=True)
        if target in PRODUCT_STEPS:
            return PRODUCT_STEPS[target](episode, self.users, last_on or on)
        return pathway_services.advance(actor=self.users[ACTOR_OF_STATE[target]], episode=episode, target=target,
                                        on=last_on or on, expected_version=None)

    def record_steps_before(self, episode: Episode, day: dt.date) -> None:
        """Record every step without a state of its own (LD days, rest days, assessments, visits) due before `day`."""
        for milestone in episode.milestones.filter(status=Milestone.Status.PLANNED, planned__lt=day).order_by("sequence"):
            if not milestone.moves_episode:
                pathway_services.record_step(actor=self.users["wardnurse"], milestone=milestone, on=milestone.planned,
                                             expected_version=None)
