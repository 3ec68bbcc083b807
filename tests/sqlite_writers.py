"""Concurrent writers on a SQLite file named by the environment (run as its own process by test_concurrency.py).

Settings are read once per process, so the database must be named before Django starts: the test runs this
module with DATABASE_URL or SQLITE_PATH set, on a fresh file. It prints one JSON line: the writers' errors,
the journal's first break and how many patients were registered.
"""

import datetime as dt
import json
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellrelay.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

WRITERS = 12


def main() -> None:
    from cellrelay.journal.services import verify
    from cellrelay.organisation.models import Center, User
    from cellrelay.patients import services
    from cellrelay.patients.identity import make_ins
    from cellrelay.patients.models import Patient

    call_command("migrate", verbosity=0)
    center = Center.objects.create(name="CHU Test", short_name="CHU T", kind=Center.Kind.TREATING)
    actor = User.objects.create(username="writer")
    connection.close()
    barrier = threading.Barrier(WRITERS)
    errors: list[str] = []

    def write(index: int) -> None:
        try:
            barrier.wait()
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=index)
            services.register_patient(actor=actor, treating_center=center, family_name=f"Writer{index}",
                                      given_names="Test", sex="M", birth_date=birth,
                                      ins=make_ins(1, birth.year, birth.month, "63113", index + 1))
        except Exception as error:  # noqa: BLE001 - every outcome is reported
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    broken = verify()
    json.dump({"errors": errors, "journal_break": str(broken) if broken else None,
               "patients": Patient.objects.count()}, sys.stdout)


if __name__ == "__main__":
    main()
