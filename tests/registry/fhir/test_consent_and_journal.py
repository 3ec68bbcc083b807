"""Consent gates the export per destination; the export stays within the requester's center; every patient whose data
leave in the files is named in the journal; _since exports the patients whose record changed since."""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry, PatientShown
from cellrelay.patients.models import Patient
from cellrelay.patients.services import record_consent
from cellrelay.registry.consent import allowed_patients
from cellrelay.registry.models import ExportJob
from tests.conftest import register

from .helpers import exported, resources_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports(settings, tmp_path):
    settings.CELLRELAY_EXPORT_DIR = tmp_path / "exports"


def consent(users, patient, kind, status, days_ago=10):
    record_consent(actor=users["coordinator"], patient=patient, kind=kind, status=status,
                   decided_on=timezone.localdate() - dt.timedelta(days=days_ago))


@pytest.fixture
def three_patients(org, users):
    """Registry consent only; registry and data sharing; registry then withdrawn."""
    registry_only = register(org, family="Alpha", serial=11)
    sharing = register(org, family="Bravo", serial=12)
    withdrawn = register(org, family="Charlie", serial=13)
    for patient in (registry_only, sharing, withdrawn):
        consent(users, patient, "registry", "given", days_ago=20)
    consent(users, sharing, "data_sharing", "given")
    consent(users, withdrawn, "registry", "withdrawn", days_ago=5)
    return registry_only, sharing, withdrawn


def exported_patients(group: str = "", **options) -> set[int]:
    level = ExportJob.Level.GROUP if group else ExportJob.Level.SYSTEM
    job = exported(level=level, group=group, types=("Patient", "Consent"), **options)
    assert job.status == ExportJob.Status.DONE, job.error
    return {int(p["id"]) for p in resources_of(job).get("Patient", [])}


def test_a_patient_without_a_destinations_consents_is_absent_from_its_group_export(three_patients):
    registry_only, sharing, withdrawn = three_patients
    assert exported_patients("descart") == {registry_only.pk, sharing.pk}
    assert exported_patients("ebmt") == {sharing.pk}, "EBMT needs the data-sharing consent too"
    assert exported_patients("research") == set(), "nobody gave the research consent"
    assert exported_patients() == {registry_only.pk, sharing.pk}, "the withdrawal wins over the earlier consent"


def test_the_gate_judges_each_kind_on_its_latest_decision(three_patients, users):
    registry_only, sharing, withdrawn = three_patients
    consent(users, withdrawn, "registry", "given", days_ago=1)
    assert set(allowed_patients("descart", Patient.objects.all())) == {registry_only, sharing, withdrawn}


def test_the_export_holds_the_latest_consent_of_each_kind(three_patients):
    _registry_only, _sharing, withdrawn = three_patients
    job = exported(level=ExportJob.Level.SYSTEM, types=("Consent",))
    consents = resources_of(job)["Consent"]
    assert len(consents) == 3, "the withdrawn patient's consents do not leave either"
    assert all(c["status"] == "active" and c["patient"]["reference"] != f"Patient/{withdrawn.pk}" for c in consents)


def test_another_centers_patients_never_leave(three_patients, outsider):
    from cellrelay.organisation.permissions import Role

    outsider.memberships.update(role=Role.RESEARCH_ASSISTANT)  # a research assistant at another center
    assert exported_patients(username="outsider") == set()


def test_every_exported_patient_is_named_in_the_journal(three_patients):
    job = exported(level=ExportJob.Level.SYSTEM, types=("Patient",))
    entries = JournalEntry.objects.filter(action=JournalEntry.Action.PATIENTS_LISTED, actor__username="research")
    named = set(PatientShown.objects.filter(entry__in=entries).values_list("patient_id", flat=True))
    assert named == {int(p["id"]) for p in resources_of(job)["Patient"]} and len(named) == 2
    assert JournalEntry.objects.filter(action=JournalEntry.Action.EXPORT_REQUESTED, object_id=str(job.pk)).exists()


def test_since_exports_the_patients_whose_record_changed_since_and_not_those_only_read(three_patients, users):
    registry_only, sharing, _withdrawn = three_patients
    since = timezone.now()
    exported_patients()  # the export reads every consenting patient: a read is no change
    consent(users, sharing, "research", "refused", days_ago=0)
    assert exported_patients(since=since) == {sharing.pk}
    assert exported_patients(since=timezone.now()) == set()
