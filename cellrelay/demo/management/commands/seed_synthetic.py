"""`manage.py seed_synthetic --patients N`: realistic synthetic patients in bulk, for load and demos (`demo.bulk`)."""

import argparse
import random
import sys
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from cellrelay.demo import bulk


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


class Command(BaseCommand):
    help = ("Add N realistic synthetic patients (IPP, caregiver, registry consent) to the treating centers, "
            "each with a referral, its RCP decision and, when approved, the treatment episode and the "
            "product's chain of custody.")

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=positive_int, required=True, help="How many patients to add.")
        parser.add_argument("--seed", type=int, default=None,
                            help="Random seed, to reproduce a run (default: a random one, printed at the end).")
        parser.add_argument("--batch-size", type=positive_int, default=2000, help="Patients per bulk insert.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument("--processes", type=int, choices=(0, 1), default=None,
                            help="1: make the rows in a process of their own while this one writes them (the default "
                                 "with more than one core); 0: make them here, between the writes. Same rows either "
                                 "way.")

    def handle(self, *args, patients, seed, batch_size, no_progress, processes, **options):
        seed = random.randrange(2**32) if seed is None else seed
        started = time.perf_counter()
        # disable=None: tqdm hides the bar when stderr is not a terminal.
        with tqdm(total=patients, unit=" patients", file=sys.stderr, disable=True if no_progress else None) as bar:
            summary = bulk.seed_synthetic(patients, seed, batch_size, on_batch=bar.update, processes=processes)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Created {patients:,} synthetic patients in {elapsed:.1f} s "
            f"({patients / elapsed:,.0f} patients/s), seed {seed}."
        ))
        self.stdout.write(summary)
