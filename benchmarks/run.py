"""Speed and memory targets, on a fresh SQLite database: `make bench` (never part of the test suite).

Exit status 1 when a target is missed. Django is imported inside the functions, once the
environment names the temporary database.
"""

import io
import os
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time
import tracemalloc

# Run as a script, from benchmarks/: the project root must be put on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PATIENTS = 20_000
SEARCHES = 200
# Patients per second. Was 2,000 for patients alone (4 rows each); each patient now also brings
# the pathway: referral, RCP decision and agenda line and, for the three in four approved, an
# episode with ~31 milestones and ~11 state changes (~38 rows a patient in all). SQLite alone
# needs ~8 µs per milestone row with its three indexes (plain sqlite3 on the 2-core dev box), and
# the run measured 1,400-1,860/s there (8,000-9,000/s without the pathway): 1,200 keeps a margin.
MIN_SEED_RATE = 1_200
MAX_SEARCH_MS = 20  # median
MAX_SEED_PEAK_MB = 300


def fresh_database(directory: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "cellrelay.settings"
    os.environ["SQLITE_PATH"] = str(Path(directory) / "bench.sqlite3")
    os.environ.pop("DATABASE_URL", None)  # the targets are set for SQLite
    import django

    django.setup()
    from django.core.management import call_command

    from cellrelay.demo import hospital

    call_command("migrate", verbosity=0)
    # Staff first, so that the timings measure patients, not the demo users' password hashing.
    hospital.build_organisation()


def seeding_seconds(patients: int, seed: int, **options) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("seed_synthetic", patients=patients, seed=seed, no_progress=True, stdout=io.StringIO(), **options)
    return time.perf_counter() - started


def seeding_peak_mb(patients: int, seed: int) -> float:
    """Peak Python memory of a seeding; a run of its own, as tracing slows allocation down. The rows are made in this
    process (processes=0): tracemalloc sees no forked process, and making and writing in one is the larger peak."""
    tracemalloc.start()
    try:
        seeding_seconds(patients, seed, processes=0)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def search_ms(searches: int) -> tuple[float, float]:
    """Median and 95th centile time of a family-name prefix search, evaluated as the patient list
    does (first page). The centile is shown, not judged: a prefix late in the alphabet costs most."""
    from cellrelay.demo.synthetic import patients as synthetic
    from cellrelay.patients.models import Patient
    from cellrelay.patients.search import first_page
    from cellrelay.patients.views import PAGE_SIZE

    rng = random.Random(0)
    timings = []
    for _ in range(searches):
        prefix = rng.choice(synthetic.FAMILY_NAMES)[: rng.randint(2, 4)]
        started = time.perf_counter()
        first_page(Patient.objects.all(), prefix, PAGE_SIZE)  # the page and its count, as the list asks them
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def measure() -> list[tuple[str, str, str, bool]]:
    """(measure, value, target, passed) for each target."""
    with tempfile.TemporaryDirectory() as directory:
        fresh_database(directory)
        seconds = seeding_seconds(PATIENTS, seed=1)
        search_median, search_p95 = search_ms(SEARCHES)
        peak_mb = seeding_peak_mb(PATIENTS, seed=2)
        from django.db import connections

        connections.close_all()  # before the database file is removed
    rate = PATIENTS / seconds
    return [
        (f"seed {PATIENTS:,} patients", f"{seconds:.1f} s = {rate:,.0f}/s", f">= {MIN_SEED_RATE:,}/s",
         rate >= MIN_SEED_RATE),
        (f"name prefix search, median of {SEARCHES}", f"{search_median:.1f} ms (p95 {search_p95:.0f} ms)",
         f"< {MAX_SEARCH_MS} ms", search_median < MAX_SEARCH_MS),
        (f"seed peak memory ({PATIENTS:,} more)", f"{peak_mb:.0f} MB", f"< {MAX_SEED_PEAK_MB} MB",
         peak_mb < MAX_SEED_PEAK_MB),
    ]


def main() -> int:
    results = measure()
    print(f"{'measure':<40} {'value':<24} {'target':<12} result")
    for name, value, target, passed in results:
        print(f"{name:<40} {value:<24} {target:<12} {'PASS' if passed else 'FAIL'}")
    return 0 if all(passed for *_, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
