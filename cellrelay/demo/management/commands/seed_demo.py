"""`manage.py seed_demo`: the fictional demo hospital, its staff, 20 patients and their pathway.

Everything goes through the service functions, so that the demo journal reads like a real one.
The pathway covers every state of an episode, each way an episode stops, and each RCP outcome;
episodes already under way are planned from their past apheresis (`plan_schedule(allow_past=True)`)
and each step is recorded on its date.
"""

from collections import Counter
from dataclasses import dataclass
import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cellrelay.demo import hospital
from cellrelay.demo import monitoring as monitoring_demo
from cellrelay.demo import products as products_demo
from cellrelay.demo.synthetic.pathway import MEETING_WEEKDAY, TRIAL, next_working_day
from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.organisation.services import record_training
from cellrelay.monitoring import services as monitoring_services
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.pathway.schedule import Kind, previous_working_day
from cellrelay.pathway.states import State, StopReason, next_state
from cellrelay.patients import services as patient_services
from cellrelay.patients.identity import make_ins
from cellrelay.patients.models import Patient
from cellrelay.referrals import services as referral_services

# Fictional patients: family, given, sex, age, weight kg, height cm, city, postcode
PATIENTS = [
    ("Garnier", "Michel", "M", 62, 78, 174, "Montclair", "63000"),
    ("Faure", "Isabelle", "F", 55, 64, 165, "Riom", "63200"),
    ("Rousseau", "Bernard", "M", 71, 82, 170, "Thiers", "63300"),
    ("Blanc", "Sylvie", "F", 48, 58, 160, "Issoire", "63500"),
    ("Guerin", "Alain", "M", 66, 90, 180, "Vichy", "03200"),
    ("Muller", "Nathalie", "F", 59, 70, 168, "Aurillac", "15000"),
    ("Henry", "Christophe", "M", 44, 85, 183, "Montluçon", "03100"),
    ("Roussel", "Catherine", "F", 68, 61, 158, "Le Puy-en-Velay", "43000"),
    ("Nicolas", "Julien", "M", 23, 72, 178, "Clermont", "63100"),
    ("Perrin", "Chloé", "F", 17, 55, 163, "Montclair", "63000"),
    ("Morin", "Gérard", "M", 74, 76, 169, "Ambert", "63600"),
    ("Mathieu", "Valérie", "F", 52, 67, 166, "Moulins", "03000"),
    ("Clement", "Pascal", "M", 61, 95, 176, "Brioude", "43100"),
    ("Gauthier", "Lucie", "F", 39, 60, 171, "Saint-Flour", "15100"),
    ("Dumont", "Yves", "M", 57, 80, 175, "Ajaccio", "20000"),
    ("Lefebvre", "Monique", "F", 64, 66, 162, "Riom", "63200"),
    ("Bonnet", "Jacques", "M", 58, 84, 177, "Vichy", "03200"),
    ("Fontaine", "Hélène", "F", 69, 63, 159, "Thiers", "63300"),
    ("Chevalier", "Marc", "M", 50, 88, 181, "Issoire", "63500"),
    ("Marchand", "Denise", "F", 72, 59, 157, "Aurillac", "15000"),
]
# The weekly RCP (Thursday) about that many days ago, for the decisions taken there; "next" is
# the coming one. Spread out so that each episode's decision comes 10-30 days before its apheresis.
MEETINGS = {"20 months": 630, "11 months": 325, "3 months": 95, "8 weeks": 55, "4 weeks": 25, "last week": 9}
UPCOMING = "next"


@dataclass(frozen=True)
class Case:
    """One patient's referral (by index in PATIENTS) and what became of it.

    ``apheresis`` is in days from today (negative: past), None when not planned yet; ``last_on``,
    in days from today, is when the last step was done when it came late (the plan's later dates
    slip with it, as in life); ``ends_on`` is the day of the stop or the closure.
    """

    patient: int
    diagnosis: str
    detail: str
    stage: str
    prior_lines: int
    prior_transplant: str
    meeting: str
    outcome: str | None = None  # None: awaiting the next RCP
    product: str = ""
    indication: str = ""
    bridging: str = ""
    reason: str = ""
    state: State | None = None  # where the episode stands (its stop: the state it stopped from)
    apheresis: int | None = None
    last_on: int | None = None
    stop: StopReason | None = None
    note: str = ""
    ends_on: int | None = None
    current_status: str = "refractory"


CASES = [
    # Every state of an episode, from approved to closed.
    Case(18, "lbcl", "LDGCB, sans autre précision", "Ann Arbor III", 2, "none", "last week", "approved", "kymriah", "lbcl",
         state=State.APPROVED, current_status="relapsed"),
    Case(9, "b_all", "LAL-B Ph négative", "Deuxième rechute", 2, "none", "last week", "approved", "kymriah", "b_all",
         bridging="Vincristine-dexamethasone", state=State.APHERESIS_SCHEDULED, apheresis=8, current_status="relapsed"),
    Case(17, "mm", "Myélome IgG kappa", "R-ISS II", 2, "autologous", "4 weeks", "approved", "carvykti", "mm",
         bridging="Daratumumab-pomalidomide-dexamethasone", state=State.COLLECTED, apheresis=0),
    Case(8, "b_all", "LAL-B Ph négative", "Rechute après allogreffe", 3, "allogeneic", "4 weeks", "approved",
         "kymriah", "b_all", bridging="Inotuzumab ozogamicin", state=State.MANUFACTURING, apheresis=-12,
         current_status="relapsed"),
    Case(16, "lbcl", "Lymphome folliculaire transformé", "Ann Arbor IV", 2, "none", "8 weeks", "approved",
         "breyanzi", "lbcl", bridging="R-GemOx", state=State.PRODUCT_RECEIVED, apheresis=-28, last_on=0),
    Case(13, "sle", "Néphropathie lupique classe IV, réfractaire", "SLEDAI-2K 14", 3, "none", "8 weeks", "approved",
         "investigational", "trial", state=State.ADMITTED, apheresis=-29, last_on=0,
         current_status="active_autoimmune"),
    Case(15, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 1, "none", "8 weeks", "approved", "yescarta", "lbcl",
         bridging="Radiothérapie des sites atteints", state=State.LYMPHODEPLETION, apheresis=-31, last_on=-1),
    Case(6, "lbcl", "Lymphome B de haut grade avec réarrangements MYC et BCL2", "Ann Arbor IV", 3, "autologous",
         "8 weeks", "approved", "kymriah", "lbcl", bridging="R-GemOx", state=State.INFUSED, apheresis=-35, last_on=0),
    Case(5, "mm", "Myélome IgA lambda", "R-ISS III", 4, "autologous", "8 weeks", "approved", "carvykti", "mm",
         bridging="Carfilzomib-dexamethasone", state=State.ACUTE_MONITORING, apheresis=-38, current_status="relapsed"),
    Case(3, "lbcl", "Lymphome B médiastinal primitif", "Ann Arbor II", 2, "none", "3 months", "approved",
         "breyanzi", "lbcl", state=State.DISCHARGED, apheresis=-70),
    Case(1, "fl", "Lymphome folliculaire de grade 1-2", "Ann Arbor IV", 3, "none", "11 months", "approved", "yescarta", "fl",
         state=State.LONG_TERM_FOLLOW_UP, apheresis=-300, current_status="relapsed"),
    Case(0, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 2, "autologous", "20 months", "approved", "yescarta", "lbcl",
         bridging="R-GemOx", state=State.CLOSED, apheresis=-600, ends_on=-140),
    # Every way an episode stops before infusion (pathway.md: attrition is counted).
    Case(2, "mcl", "Lymphome du manteau blastoïde", "Ann Arbor IV", 3, "autologous", "4 weeks", "approved",
         "tecartus", "mcl", bridging="Ibrutinib", state=State.MANUFACTURING, apheresis=-15,
         stop=StopReason.PROGRESSION, note="Progression rapide pendant la fabrication du produit ; soins palliatifs.",
         ends_on=-4),
    Case(7, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 3, "none", "8 weeks", "approved", "yescarta", "lbcl",
         bridging="R-GemOx", state=State.PRODUCT_RECEIVED, apheresis=-45, stop=StopReason.DEATH,
         note="Décédée d'un sepsis le jour prévu de son admission."),
    Case(4, "mm", "Myélome à chaînes légères", "R-ISS II", 5, "autologous", "8 weeks", "approved", "abecma", "mm",
         bridging="Pomalidomide-cyclophosphamide-dexamethasone", state=State.MANUFACTURING, apheresis=-40,
         stop=StopReason.MANUFACTURING_FAILURE,
         note="Produit hors spécifications : trop peu de cellules CAR-positives. Seconde aphérèse à discuter en RCP.",
         ends_on=-16),
    Case(14, "fl", "Lymphome folliculaire de grade 3A", "Ann Arbor III", 4, "none", "last week", "approved", "kymriah", "fl",
         state=State.APPROVED, stop=StopReason.PATIENT_CHOICE,
         note="A refusé les CAR-T après information ; préfère un traitement près de son domicile.", current_status="relapsed"),
    Case(19, "mm", "Myélome IgG kappa", "R-ISS I", 4, "autologous", "last week", "approved", "abecma", "mm",
         state=State.APHERESIS_SCHEDULED, apheresis=6, stop=StopReason.OTHER,
         note="Pneumopathie sévère avant l'aphérèse : retour à l'équipe locale, à rediscuter en RCP.", ends_on=0),
    # The other RCP outcomes.
    Case(10, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 3, "none", "last week", "declined",
         reason="Indice de performance 3 et clairance de la créatinine sous 30 mL/min : non éligible. "
                "Soins palliatifs discutés avec l'équipe adressante."),
    Case(12, "mcl", "Lymphome du manteau classique", "Ann Arbor IV", 2, "autologous", "last week", "deferred",
         reason="Réévaluer après le traitement d'attente : TEP-TDM avant la prochaine RCP."),
    Case(11, "mm", "Myélome IgA lambda", "R-ISS II", 3, "autologous", UPCOMING),
]

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
# The demo's quarantine: this patient's shipper arrived with a broken seal; the product was released after review.
BROKEN_SEAL_PATIENT = 16
# States entered the day after another step: cells shipped; first day of CRS and ICANS watch.
DAY_AFTER = {State.MANUFACTURING: "APH", State.ACUTE_MONITORING: "D0"}


def meeting_day(days_ago: int, today: dt.date) -> dt.date:
    """The weekly RCP (Thursday, or the working day before when a holiday) about `days_ago` days ago."""
    day = today - dt.timedelta(days=days_ago)
    return previous_working_day(day - dt.timedelta(days=(day.weekday() - MEETING_WEEKDAY) % 7))


def upcoming_meeting_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=(MEETING_WEEKDAY - today.weekday()) % 7 or 7)
    return next_working_day(day)


TRAININGS = [
    ("coordinator", "Coordination du parcours CAR-T (FACT-JACIE B3)", 400, 730),
    ("pharmacist", "Réception, stockage et décongélation des MTI", 300, 365),
    ("apheresis", "Leucaphérèse pour la fabrication de CAR-T", 500, 365),
    ("wardnurse", "Reconnaissance du CRS et de l'ICANS, score ICE", 200, 365),
    ("icu", "Prise en charge du CRS et de l'ICANS", 120, 730),
    ("neurologist", "Évaluation de l'ICANS", 90, 730),
]


class Command(BaseCommand):
    help = ("Create the fictional demo hospital: centers, one user per role, 20 patients with their referrals, "
            "RCP decisions and treatment episodes.")

    def handle(self, *args, **options):
        summary = ""
        with transaction.atomic():
            org = hospital.build_organisation()
            created = 0
            if not Patient.objects.exists():
                patients = self.create_patients(org)
                summary = self.create_pathway(org, patients)
                created = len(patients)
                record(JournalEntry.Action.DATA_SEEDED, actor=None, actor_label="seed_demo command",
                       after={"patients": created, "centers": 3, "users": len(org["users"]), "referrals": len(CASES)})
        self.stdout.write(self.style.SUCCESS(f"Demo hospital ready: {org['treating']} ({created} new patients)."))
        if summary:
            self.stdout.write(summary)
        self.stdout.write(f"Demo logins (password for all: {hospital.DEMO_PASSWORD}):")
        machines = {username for username, *_rest in hospital.MACHINES}
        for username, user in org["users"].items():
            roles = ", ".join(user.membership_roles())
            how = f"  (no password: API token from `manage.py issue_token {username}`)" if username in machines else ""
            self.stdout.write(f"  {username:<15} {roles}{how}")

    def create_patients(self, org) -> list[Patient]:
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

    # The pathway -----------------------------------------------------------------------------------

    def create_pathway(self, org, patients: list[Patient]) -> str:
        """Referrals, RCP meetings and decisions, and each episode brought to where it stands today."""
        self.org, self.users, self.today = org, org["users"], timezone.localdate()
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
            on = min(m.planned for m in milestones.values() if m.kind == Kind.FOLLOW_UP)
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
                actor = self.users["research" if milestone.kind == Kind.FOLLOW_UP else "wardnurse"]
                pathway_services.record_step(actor=actor, milestone=milestone, on=milestone.planned,
                                             expected_version=None)
