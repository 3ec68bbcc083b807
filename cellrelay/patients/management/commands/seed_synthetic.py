"""`manage.py seed_synthetic --patients N`: realistic synthetic patients in bulk, for load and demos.

Each patient comes with a referral and what became of it: the weekly RCP's decision (past three
years) and, when approved, the treatment episode with its milestones and state changes as of today
(`cellrelay.pathway.synthetic`). The per-patient services (one journal entry each) would be far
too slow for thousands of rows: the rows are bulk-inserted and the run is journaled once, as a whole.
"""

import argparse
from collections import Counter
import datetime as dt
import random
import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from cellrelay import demo
from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.organisation.models import Center, Membership
from cellrelay.organisation.permissions import Role
from cellrelay.pathway import synthetic as pathway_synthetic
from cellrelay.pathway.models import Episode, Milestone, ProtocolTemplate, StateChange
from cellrelay.patients import synthetic
from cellrelay.patients.models import Consent, Contact, LocalId, Patient
from cellrelay.referrals.models import MdtDecision, MdtMeeting, Referral

MEETING_TITLE = "RCP CAR-T"
# Who sits at the weekly RCP, among the center's staff.
MEETING_ROLES = (Role.HAEMATOLOGIST, Role.COORDINATOR, Role.PHARMACIST, Role.APHERESIS_NURSE, Role.NEUROLOGIST,
                 Role.ICU_PHYSICIAN)

IPP_PREFIX = "SY"
IPP_DIGITS = 8  # fixed width, so that the highest IPP is also the last in text order


def insert_rows(model, fields: tuple[str, ...], rows) -> None:
    """INSERT plain tuples, already in their database form: for the many rows nobody needs the key of
    (milestones, state changes, agenda lines), Model instances and bulk_create's per-value
    preparation would cost more than the rest of the run."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def last_ipp_number(center_id: int) -> int:
    """The highest synthetic IPP number already given at the center, 0 if none."""
    last = (
        LocalId.objects.filter(center_id=center_id, ipp__regex=rf"^{IPP_PREFIX}[0-9]{{{IPP_DIGITS}}}$")
        .order_by("-ipp")
        .values_list("ipp", flat=True)
        .first()
    )
    return int(last[len(IPP_PREFIX):]) if last else 0


class Destination:
    """What the new rows refer to: centers, referring physicians, the coordinator recording
    consents, and the identifiers already in use (INS across the database, IPP per center)."""

    def __init__(self, coordinator):
        self.treating_ids = list(
            Center.objects.filter(kind=Center.Kind.TREATING).order_by("pk").values_list("pk", flat=True)
        )
        self.referrals = list(
            Membership.objects.filter(role=Role.REFERRING_PHYSICIAN, center__kind=Center.Kind.REFERRING)
            .order_by("pk")
            .values_list("center_id", "user_id")
        )
        self.coordinator_id = coordinator.pk
        self.today = timezone.localdate()
        self.taken_ins = set(Patient.objects.exclude(ins=None).values_list("ins", flat=True).iterator())
        self.next_ipp = {center_id: last_ipp_number(center_id) + 1 for center_id in self.treating_ids}
        self.pathway = Pathway(self.treating_ids, coordinator.pk, self.today)

    def new_patient(self, rng: random.Random, fields: dict, referred: bool) -> Patient:
        center_id, physician_id = rng.choice(self.referrals) if referred and self.referrals else (None, None)
        return Patient(
            treating_center_id=rng.choice(self.treating_ids),
            referring_center_id=center_id,
            referring_physician_id=physician_id,
            **fields,
        )

    def new_local_id(self, patient: Patient) -> LocalId:
        center_id = patient.treating_center_id
        number, self.next_ipp[center_id] = self.next_ipp[center_id], self.next_ipp[center_id] + 1
        return LocalId(patient=patient, center_id=center_id, ipp=f"{IPP_PREFIX}{number:0{IPP_DIGITS}d}")


class Pathway:
    """What the pathway rows refer to: the weekly RCP meetings of each treating center (created
    when missing), the protocol templates, and who refers from inside the center and decides."""

    def __init__(self, treating_ids: list[int], coordinator_id: int, today: dt.date):
        self.today = today
        self.coordinator_id = coordinator_id
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        templates = list(ProtocolTemplate.objects.all())
        self.protocols = {(t.product, t.indication): t.as_protocol() for t in templates}
        self.template_ids = {(t.product, t.indication): t.pk for t in templates}
        staff = (Membership.objects.filter(center_id__in=treating_ids, role__in=MEETING_ROLES)
                 .order_by("pk").values_list("center_id", "user_id", "role"))
        self.attendees = {center_id: [] for center_id in treating_ids}
        self.haematologist = {}
        for center_id, user_id, role in staff:
            self.attendees[center_id].append(user_id)
            if role == Role.HAEMATOLOGIST:
                self.haematologist.setdefault(center_id, user_id)
        self.meeting_days = pathway_synthetic.meeting_days(today)
        self.meeting_ids = self.weekly_meetings(treating_ids)
        self._moments = {}
        self.counts = Counter()

    def weekly_meetings(self, treating_ids: list[int]) -> dict[int, list[int]]:
        """{center: [meeting id for each of `meeting_days`]}; a meeting already held that day is reused."""
        existing = {}
        for pk, center_id, held_on in (MdtMeeting.objects.filter(center_id__in=treating_ids,
                                                                 held_on__in=self.meeting_days)
                                       .order_by("pk").values_list("pk", "center_id", "held_on")):
            existing.setdefault((center_id, held_on), pk)
        missing = [MdtMeeting(center_id=center_id, held_on=day, title=MEETING_TITLE, created_by_id=self.coordinator_id)
                   for center_id in treating_ids for day in self.meeting_days if (center_id, day) not in existing]
        created = MdtMeeting.objects.bulk_create(missing)
        MdtMeeting.attendees.through.objects.bulk_create(
            MdtMeeting.attendees.through(mdtmeeting_id=meeting.pk, user_id=user_id)
            for meeting in created for user_id in self.attendees[meeting.center_id])
        existing.update({(meeting.center_id, meeting.held_on): meeting.pk for meeting in created})
        return {center_id: [existing[center_id, day] for day in self.meeting_days] for center_id in treating_ids}

    def moment(self, day: dt.date) -> dt.datetime:
        """Midday local time on that day (now, for today): when the row was recorded."""
        return self.now if day >= self.today else dt.datetime.combine(day, dt.time(12), tzinfo=self.tz)

    def stored_moment(self, day: dt.date):
        """`moment` in its database form, for `insert_rows`."""
        value = self._moments.get(day)
        if value is None:
            value = self._moments[day] = connection.ops.adapt_datetimefield_value(self.moment(day))
        return value

    def json(self, value):
        """A JSON value in its database form, for `insert_rows`."""
        return connection.ops.adapt_json_value(value, None)

    def insert(self, rng: random.Random, patients: list[Patient]) -> None:
        cases = [
            pathway_synthetic.case(rng, today=self.today, birth_date=patient.birth_date, sex=patient.sex,
                                   meetings=self.meeting_days, protocols=self.protocols,
                                   weight_kg=patient.weight_kg, height_cm=patient.height_cm)
            for patient in patients
        ]
        referrals = Referral.objects.bulk_create(self.referral(rng, patient, case) for patient, case in zip(patients, cases))
        decided = [(patient, case, referral) for patient, case, referral in zip(patients, cases, referrals)
                   if case.outcome]
        decisions = MdtDecision.objects.bulk_create(
            MdtDecision(meeting_id=self.meeting_ids[patient.treating_center_id][case.meeting], referral_id=referral.pk,
                        outcome=case.outcome, decided_by_id=self.haematologist.get(patient.treating_center_id,
                                                                                  self.coordinator_id),
                        recorded_at=self.moment(self.meeting_days[case.meeting]), **case.decision)
            for patient, case, referral in decided)
        insert_rows(MdtMeeting.agenda.through, ("mdtmeeting", "referral"),
                    [(decision.meeting_id, decision.referral_id) for decision in decisions])
        opened = [(patient, case, decision) for (patient, case, _referral), decision in zip(decided, decisions)
                  if case.episode is not None]
        episodes = Episode.objects.bulk_create(self.episode(patient, case, decision) for patient, case, decision in opened)
        json, no_drugs = self.json, self.json([])
        insert_rows(Milestone, ("episode", "kind", "code", "sequence", "day", "planned", "actual", "status", "drugs"), [
            (episode.pk, step.kind, step.code, step.sequence, step.day, step.planned, step.actual, step.status,
             json(step.drugs) if step.drugs else no_drugs)
            for episode, (_patient, case, _decision) in zip(episodes, opened) for step in case.episode.steps])
        insert_rows(StateChange, ("episode", "from_state", "to_state", "on", "by", "at"), [
            (episode.pk, before, after, on, self.coordinator_id, self.stored_moment(on))
            for episode, (_patient, case, _decision) in zip(episodes, opened)
            for before, after, on in case.episode.changes])
        self.counts["referrals"] += len(referrals)
        self.counts.update(f"decision {case.outcome}" for _patient, case, _referral in decided)
        self.counts.update(f"episode {episode.state}" for episode in episodes)

    def referral(self, rng: random.Random, patient: Patient, case) -> Referral:
        """From the referring physician when there is one, otherwise from the center's own haematologist."""
        if patient.referring_center_id:
            source = {"from_center_id": patient.referring_center_id, "from_physician_id": patient.referring_physician_id}
        else:
            physician = self.haematologist.get(patient.treating_center_id)
            source = {"from_center_id": patient.treating_center_id, "from_physician_id": physician,
                      "from_physician_name": "" if physician else f"Dr {rng.choice(synthetic.FAMILY_NAMES)}"}
        return Referral(patient_id=patient.pk, to_center_id=patient.treating_center_id, created_by_id=self.coordinator_id,
                        created_at=self.moment(case.referral["received_on"]), **source, **case.referral)

    def episode(self, patient: Patient, case, decision: MdtDecision) -> Episode:
        lived = case.episode
        return Episode(patient_id=patient.pk, decision_id=decision.pk,
                       template_id=self.template_ids[decision.product, decision.indication], state=lived.state,
                       stop_reason=lived.stop_reason, stop_note=lived.stop_note, stopped_on=lived.stopped_on,
                       stopped_from=lived.stopped_from, opened_at=decision.recorded_at, version=lived.version)

    def summary(self) -> str:
        counts = self.counts
        outcomes = ", ".join(f"{counts[f'decision {o}']:,} {o}" for o in MdtDecision.Outcome.values)
        states = ", ".join(f"{counts[key]:,} {key.split(' ', 1)[1]}" for key in sorted(counts)
                           if key.startswith("episode "))
        return f"{counts['referrals']:,} referrals; decisions: {outcomes}; episodes: {states}."


def insert_batch(rng: random.Random, destination: Destination, size: int) -> None:
    rows = [synthetic.patient(rng, destination.today, destination.taken_ins) for _ in range(size)]
    # bulk_create sets the primary keys (RETURNING, on PostgreSQL and SQLite ≥ 3.35) that the
    # identifiers, contacts and consents below point to.
    patients = Patient.objects.bulk_create(
        destination.new_patient(rng, row["fields"], row["referred"]) for row in rows
    )
    LocalId.objects.bulk_create(destination.new_local_id(patient) for patient in patients)
    Contact.objects.bulk_create(
        Contact(patient=patient, kind=Contact.Kind.CAREGIVER, **row["caregiver"])
        for patient, row in zip(patients, rows)
    )
    Consent.objects.bulk_create(
        Consent(patient=patient, kind=Consent.Kind.REGISTRY, status=Consent.Status.GIVEN,
                decided_on=row["consent_on"], recorded_by_id=destination.coordinator_id)
        for patient, row in zip(patients, rows)
        if row["consent_on"]
    )
    destination.pathway.insert(rng, patients)


def batch_sizes(total: int, batch_size: int) -> list[int]:
    return [min(batch_size, total - start) for start in range(0, total, batch_size)]


class Command(BaseCommand):
    help = ("Add N realistic synthetic patients (IPP, caregiver, registry consent) to the treating centers, "
            "each with a referral, its RCP decision and, when approved, the treatment episode.")

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=positive_int, required=True, help="How many patients to add.")
        parser.add_argument("--seed", type=int, default=None,
                            help="Random seed, to reproduce a run (default: a random one, printed at the end).")
        parser.add_argument("--batch-size", type=positive_int, default=2000, help="Patients per bulk insert.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, patients, seed, batch_size, no_progress, **options):
        seed = random.randrange(2**32) if seed is None else seed
        rng = random.Random(seed)
        started = time.perf_counter()
        # One transaction: a failed run leaves nothing behind, and the journal entry is written
        # together with the rows it accounts for.
        with transaction.atomic():
            org = demo.build_organisation()
            destination = Destination(coordinator=org["users"]["coordinator"])
            # disable=None: tqdm hides the bar when stderr is not a terminal.
            with tqdm(total=patients, unit=" patients", file=sys.stderr, disable=True if no_progress else None) as bar:
                for size in batch_sizes(patients, batch_size):
                    insert_batch(rng, destination, size)
                    bar.update(size)
            record(JournalEntry.Action.DATA_SEEDED, actor=None, actor_label="seed_synthetic command",
                   after={"patients": patients, "seed": seed})
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Created {patients:,} synthetic patients in {elapsed:.1f} s "
            f"({patients / elapsed:,.0f} patients/s), seed {seed}."
        ))
        self.stdout.write(destination.pathway.summary())
