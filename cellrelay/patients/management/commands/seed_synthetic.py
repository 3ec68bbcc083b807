"""`manage.py seed_synthetic --patients N`: realistic synthetic patients in bulk, for load and demos.

The per-patient services (one journal entry each) would be far too slow for thousands of rows:
the rows are bulk-inserted and the run is journaled once, as a whole.
"""

import argparse
import random
import sys
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from cellrelay import demo
from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.organisation.models import Center, Membership
from cellrelay.organisation.permissions import Role
from cellrelay.patients import synthetic
from cellrelay.patients.models import Consent, Contact, LocalId, Patient

IPP_PREFIX = "SY"
IPP_DIGITS = 8  # fixed width, so that the highest IPP is also the last in text order


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


def batch_sizes(total: int, batch_size: int) -> list[int]:
    return [min(batch_size, total - start) for start in range(0, total, batch_size)]


class Command(BaseCommand):
    help = "Add N realistic synthetic patients (IPP, caregiver, registry consent) to the treating centers."

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
