"""FHIR bulk export targets (issue #11, point 7), on a fresh SQLite database of synthetic patients: `make bench`
runs it after benchmarks/run.py (never part of the test suite). Exit status 1 when a target is missed.

- the export's rate, in resources written per second, database reads, dict building, orjson and files included
  (the real run: ``registry.fhir.export.run``, journal entries per batch too);
- its writer against orjson alone over the same dicts: the NDJSON writer (orjson and buffered file writes) at least
  half as fast as ``orjson.dumps`` with nothing around it, i.e. the streaming costs little;
- peak Python memory (tracemalloc) of an export of SMALL patients and of LARGE patients: within 20 % of each other,
  as memory must not grow with the number of patients.

`python benchmarks/fhir_export.py --large 30000` measures what a shorter run allows (the default is 100,000; seeding
them takes a few minutes on the 2-core box).
"""

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import fresh_database  # noqa: E402 — the path first

MIN_RATE = 20_000  # resources/s
MIN_WRITER_RATIO = 0.5
MAX_MEMORY_GROWTH = 0.20
SMALL, LARGE = 10_000, 100_000


def seed(patients: int, seed_value: int) -> None:
    from django.core.management import call_command

    call_command("seed_synthetic", patients=patients, seed=seed_value, no_progress=True, stdout=io.StringIO())


def exporter():
    """A research assistant at every treating center: the export then covers every synthetic patient."""
    from cellrelay.organisation.models import Center, Membership, User
    from cellrelay.organisation.permissions import Role

    user, _created = User.objects.get_or_create(username="bench-research")
    for center in Center.objects.filter(kind=Center.Kind.TREATING):
        Membership.objects.get_or_create(user=user, center=center, role=Role.RESEARCH_ASSISTANT)
    return user


def export(user, directory: str):
    from django.test.utils import override_settings

    from cellrelay.registry.fhir import export as runner
    from cellrelay.registry.fhir.params import RESOURCE_TYPES
    from cellrelay.registry.models import ExportJob

    with override_settings(CELLRELAY_EXPORT_DIR=directory):
        job = ExportJob.objects.create(requested_by=user, level=ExportJob.Level.SYSTEM, types=list(RESOURCE_TYPES),
                                       request_url="bench")
        started = time.perf_counter()
        runner.run(job)
        seconds = time.perf_counter() - started
    job.refresh_from_db()
    return job, seconds


def peak_mb(user, directory: str) -> tuple[float, int]:
    tracemalloc.start()
    try:
        job, _seconds = export(user, directory)
        return tracemalloc.get_traced_memory()[1] / 2**20, job.patients_total
    finally:
        tracemalloc.stop()


def writer_ratio(job, directory: str) -> tuple[float, float]:
    """Writer rate and orjson-alone rate over the same dicts (read back from the export's files, one type at a time,
    both timed over the same list)."""
    import orjson

    from cellrelay.registry.fhir.writer import NdjsonWriter

    writer_seconds = dumps_seconds = 0.0
    count = 0
    with tempfile.TemporaryDirectory() as scratch:
        writer = NdjsonWriter(Path(scratch))
        for item in job.output:
            resources = [orjson.loads(line) for line in (Path(directory) / str(job.pk) / item["file"]).open("rb")]
            count += len(resources)
            started = time.perf_counter()
            for resource in resources:
                orjson.dumps(resource)
            dumps_seconds += time.perf_counter() - started
            started = time.perf_counter()
            for resource in resources:
                writer.write(item["type"], resource)
            writer_seconds += time.perf_counter() - started
        writer.close(tuple(item["type"] for item in job.output))
    return count / writer_seconds, count / dumps_seconds


def measure(small: int, large: int) -> list[tuple[str, str, str, bool]]:
    with tempfile.TemporaryDirectory() as directory:
        fresh_database(directory)
        seed(small, seed_value=1)
        user = exporter()
        job, seconds = export(user, directory + "/exports")
        total = sum(item["count"] for item in job.output)
        rate = total / seconds
        writer_rate, dumps_rate = writer_ratio(job, directory + "/exports")
        small_peak, small_patients = peak_mb(user, directory + "/exports")
        seed(large - small, seed_value=2)
        large_peak, large_patients = peak_mb(user, directory + "/exports")
        from django.db import connections

        connections.close_all()
    growth = large_peak / small_peak - 1
    return [
        (f"export of {job.patients_total:,} patients", f"{total:,} in {seconds:.1f} s = {rate:,.0f}/s",
         f">= {MIN_RATE:,}/s", rate >= MIN_RATE),
        ("writer / orjson alone", f"{writer_rate:,.0f} / {dumps_rate:,.0f} = {writer_rate / dumps_rate:.2f}",
         f">= {MIN_WRITER_RATIO}", writer_rate / dumps_rate >= MIN_WRITER_RATIO),
        (f"peak memory {small_patients:,} vs {large_patients:,} patients",
         f"{small_peak:.1f} / {large_peak:.1f} MB ({growth:+.0%})", f"<= +{MAX_MEMORY_GROWTH:.0%}",
         growth <= MAX_MEMORY_GROWTH),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=SMALL)
    parser.add_argument("--large", type=int, default=LARGE)
    options = parser.parse_args()
    os.environ.setdefault("CELLRELAY_SECOND_FACTOR", "0")
    results = measure(options.small, options.large)
    print(f"{'measure':<44} {'value':<40} {'target':<10} result")
    for name, value, target, passed in results:
        print(f"{name:<44} {value:<40} {target:<10} {'PASS' if passed else 'FAIL'}")
    return 0 if all(passed for *_, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
