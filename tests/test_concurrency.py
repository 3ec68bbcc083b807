"""Concurrent users: the journal stays one unbroken chain, and no edit is silently lost (PostgreSQL); concurrent
writers on a SQLite file queue up however the file is named."""

import datetime as dt
import json
import os
from pathlib import Path
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from django.db import connection

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import verify
from cellrelay.patients import services
from tests.conftest import register

REPO = Path(__file__).resolve().parent.parent


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


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_keep_one_unbroken_journal_chain(org):
    results = race(40, lambda i: register(org, family=f"Race{i}", serial=100 + i,
                                          birth=dt.date(1960, 1, 1) + dt.timedelta(days=i)))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert verify() is None
    ids = list(JournalEntry.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(1, len(ids) + 1))
    assert JournalEntry.objects.filter(action="patient.created").count() == 40


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_edits_of_one_version_exactly_one_wins(patient, users):
    results = race(20, lambda i: services.update_patient(
        actor=users["wardnurse"], patient=patient, expected_version=1, changes={"weight_kg": Decimal(60 + i)}))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, services.StaleVersion) for r in results if r not in winners)
    patient.refresh_from_db()
    assert patient.version == 2 and patient.weight_kg == winners[0].weight_kg
    assert JournalEntry.objects.filter(action="patient.updated").count() == 1


# SQLite, however it is named --------------------------------------------------------------------------------

def run_with(environment: dict, *arguments: str) -> str:
    """A fresh Python process whose settings read ``environment`` (settings are read once per process)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(environment, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, *arguments], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


SHOW_DATABASE = ("import json; from django.conf import settings; d = settings.DATABASES['default']; "
                 "print(json.dumps({'ENGINE': d['ENGINE'], 'NAME': str(d['NAME']), 'OPTIONS': d.get('OPTIONS')}))")


def database_settings(environment: dict) -> dict:
    return json.loads(run_with({**environment, "DJANGO_SETTINGS_MODULE": "cellrelay.settings"},
                               "-c", f"import django; django.setup(); {SHOW_DATABASE}"))


SQLITE_NAMINGS = [pytest.param(lambda path: {"SQLITE_PATH": str(path)}, id="SQLITE_PATH"),
                  pytest.param(lambda path: {"DATABASE_URL": f"sqlite:///{path}"}, id="DATABASE_URL")]


def test_sqlite_gets_the_same_options_whether_named_by_path_or_by_url(tmp_path):
    by_path = database_settings({"SQLITE_PATH": str(tmp_path / "x.sqlite3")})
    by_url = database_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert by_url == by_path
    assert by_url["OPTIONS"]["transaction_mode"] == "IMMEDIATE" and "journal_mode=WAL" in by_url["OPTIONS"][
        "init_command"]


@pytest.mark.parametrize("naming", SQLITE_NAMINGS)
def test_concurrent_writers_on_a_sqlite_file_queue_up_instead_of_failing(tmp_path, naming):
    """Twelve registrations at once on a real SQLite file: none fails with "database is locked", and the
    journal stays one chain."""
    outcome = json.loads(run_with(naming(tmp_path / "race.sqlite3"), "-m", "tests.sqlite_writers"))
    assert outcome == {"errors": [], "journal_break": None, "patients": 12}
