"""Concurrent users on PostgreSQL: the journal stays one unbroken chain, and no edit is silently lost."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import verify
from cellrelay.patients import services
from tests.conftest import register

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(workers: int, work) -> list:
    """Start every worker at once; collect what each returned or raised."""
    barrier = threading.Barrier(workers)
    results = [None] * workers

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_registrations_keep_one_unbroken_journal_chain(org):
    results = race(40, lambda i: register(org, family=f"Race{i}", serial=100 + i,
                                          birth=dt.date(1960, 1, 1) + dt.timedelta(days=i)))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert verify() is None
    ids = list(JournalEntry.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(1, len(ids) + 1))
    assert JournalEntry.objects.filter(action="patient.created").count() == 40


def test_of_simultaneous_edits_of_one_version_exactly_one_wins(patient, users):
    results = race(20, lambda i: services.update_patient(
        actor=users["wardnurse"], patient=patient, expected_version=1, changes={"weight_kg": Decimal(60 + i)}))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, services.StaleVersion) for r in results if r not in winners)
    patient.refresh_from_db()
    assert patient.version == 2 and patient.weight_kg == winners[0].weight_kg
    assert JournalEntry.objects.filter(action="patient.updated").count() == 1
